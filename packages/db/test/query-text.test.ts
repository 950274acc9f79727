import { describe, expect, it } from 'vitest';
import { sanitizedQueryText } from '../src/driver/query-spans.js';

// What a statement span carries: MikroORM writes the values into the text, the span keeps only its shape.
describe('the statement text of a span', () => {
  it.each([
    [
      'a string compared',
      "select `u0`.* from `users` as `u0` where `u0`.`username_key` = 'alice' limit 1",
      'select `u0`.* from `users` as `u0` where `u0`.`username_key` = ? limit ?',
    ],
    [
      'numbers, a list, a reason',
      "update `sessions` set `revoked_at` = 1796604999165, `revoked_reason` = 'session_limit' where `id` in ('01a2', '01a3')",
      'update `sessions` set `revoked_at` = ?, `revoked_reason` = ? where `id` in (?, ?)',
    ],
    [
      'a password hash',
      "insert into `users` (`password_hash`) values ('$2b$12$Q9aQ1vYxM3n0o6XHk2a6ne')",
      'insert into `users` (`password_hash`) values (?)',
    ],
    ["MySQL's and SQLite's escaped quotes", "select 'O\\'Brien', 'it''s', 'a\\\\'", 'select ?, ?, ?'],
    ['signed, decimal and exponent numbers', 'select -1.5e3, 0.25, 42 from t', 'select ?, ?, ? from t'],
    [
      'identifiers with digits, dates and a blob',
      "select `t0`.`x2`, \"2fa\" from `2fa_codes` as `t0` where `at` > '2026-12-07 00:00:00.000' and `b` = X'DEADBEEF'",
      'select `t0`.`x2`, "2fa" from `2fa_codes` as `t0` where `at` > ? and `b` = X?',
    ],
    ['bound parameters, as they are', 'select * from t where a = ? and b = ?', 'select * from t where a = ? and b = ?'],
  ])('%s', (_case, sql, expected) => {
    expect(sanitizedQueryText(sql)).toBe(expected);
  });
});
