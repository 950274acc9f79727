import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, pathForLog } from '../src/logger.js';
import { requestIdOf } from '../src/request-log.js';

const HASH = '$2b$04$abcdefghijklmnopqrstuu5Zq0hKq7Y3Yk2m3vJ4s8cQe3QfTt7p2';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

function capturingLogger(level: string) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ level, isPretty: false, destination }), text: () => lines.join('') };
}

describe('the logger', () => {
  it('redacts credential fields at the top of a line and one level down', () => {
    const { logger, text } = capturingLogger('trace');
    logger.trace(
      {
        password: 'top-Password-1',
        refreshToken: 'top-Refresh-2',
        input: { currentPassword: 'nested-Password-3', token: 'nested-Token-4' },
        headers: { authorization: 'Bearer nested-Auth-5', cookie: 'sid=nested-Cookie-6' },
        username: 'alice',
      },
      'a careless line',
    );
    expect(text()).toContain('"username":"alice"');
    expect(text()).toContain('[redacted]');
    expect(text()).not.toMatch(/top-|nested-/);
  });

  it('shows a request target as its path: no query string, no token in the path', () => {
    expect(pathForLog('/trpc/auth.login?input={"password":"x"}')).toBe('/trpc/auth.login');
    expect(pathForLog('/api/users/me#access_token=abc')).toBe('/api/users/me');
    expect(pathForLog(`/api/users/${JWT}/role`)).toBe('/api/users/[redacted]/role');
    expect(pathForLog('/api/users')).toBe('/api/users');
  });

  it('never takes a JWT sent as X-Request-Id for the id its log lines carry', () => {
    const withId = (id: string) => ({ headers: { 'x-request-id': id } }) as unknown as IncomingMessage;
    expect(requestIdOf(withId('checkout-42'))).toBe('checkout-42');
    expect(requestIdOf(withId(JWT))).not.toContain('eyJ');
  });

  it('masks password hashes and tokens quoted in error messages and stacks (e.g. failed SQL)', () => {
    const { logger, text: logged } = capturingLogger('info');
    const error = new Error(`insert into \`users\` (\`password_hash\`) values ('${HASH}') -- ${JWT}`);
    logger.error({ err: error }, 'query failed');
    logger.error({ err: { message: `nested ${HASH}`, cause: { detail: JWT } } }, 'odd error');
    const text = logged();
    expect(text).toContain('insert into');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(HASH);
    expect(text).not.toContain(JWT);
  });
});
