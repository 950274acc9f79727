import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

const HASH = '$2b$04$abcdefghijklmnopqrstuu5Zq0hKq7Y3Yk2m3vJ4s8cQe3QfTt7p2';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

describe('the logger', () => {
  it('masks password hashes and tokens quoted in error messages and stacks (e.g. failed SQL)', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createLogger({ level: 'info', isPretty: false, destination });
    const error = new Error(`insert into \`users\` (\`password_hash\`) values ('${HASH}') -- ${JWT}`);
    logger.error({ err: error }, 'query failed');
    logger.error({ err: { message: `nested ${HASH}`, cause: { detail: JWT } } }, 'odd error');
    const text = lines.join('');
    expect(text).toContain('insert into');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(HASH);
    expect(text).not.toContain(JWT);
  });
});
