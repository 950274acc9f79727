/**
 * The OpenAPI document as outside tools take it, with no fix-ups: Redocly's
 * linter (recommended rules) finds nothing to say, and a client generated
 * from it with openapi-typescript + openapi-fetch typechecks and calls the API.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { clientFolder, redoclyLint, typecheckClient, writeClientTypes } from '@repo/openapi-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName, useTestServer } from './helpers.js';

const run = promisify(execFile);
const TSX = resolve(import.meta.dirname, '../node_modules/.bin/tsx');
const dir = clientFolder(`server-test-${process.env.TEST_DB ?? 'sqlite'}-${process.pid}`);

const ctx = useTestServer();

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function documentText(): Promise<string> {
  const res = await ctx.server.rest('GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  return res.text;
}

/** A program written against the generated types, as a team consuming the API would. */
const CLIENT = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

declare const process: { argv: string[] };

const client = createClient<paths>({ baseUrl: process.argv[2] });
const credentials = { username: process.argv[3] ?? '', password: process.argv[4] ?? '' };
const registered = await client.POST('/auth/register', { body: credentials });
if (!registered.data) throw new Error(\`register: \${JSON.stringify(registered.error)}\`);
const me = await client.GET('/users/me', { headers: { authorization: \`Bearer \${registered.data.accessToken}\` } });
const username: string | undefined = me.data?.username;
const wrong = await client.POST('/auth/login', { body: { ...credentials, password: 'not the password' } });
console.log(JSON.stringify({ username, status: me.response.status, wrong: wrong.response.status, code: wrong.error?.code }));
`;

/** A call whose body the API does not take: it must not compile, or the types are not real. */
const WRONG = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

await createClient<paths>({ baseUrl: '' }).POST('/auth/login', { body: { username: 'x', passwd: 'y' } });
`;

describe('the OpenAPI document, as tools take it', () => {
  it('passes redocly lint with the recommended rules: no error, no warning', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, await documentText());
    // The identity-provider navigations succeed with a 302 by design (a browser follows it):
    // the one rule that wants a 2XX is waived for those two operations alone.
    writeFileSync(
      join(dir, '.redocly.lint-ignore.yaml'),
      [
        'openapi.json:',
        '  operation-2xx-response:',
        "    - '#/paths/~1auth~1oidc~1{provider}~1start/get/responses'",
        "    - '#/paths/~1auth~1oidc~1{provider}~1callback/get/responses'",
        '',
      ].join('\n'),
    );
    const output = await redoclyLint(file);
    expect(output).toMatch(/Your API description is valid/);
    expect(output).not.toMatch(/warning/i);
  });

  it('generates a typed client with openapi-typescript that typechecks and calls the API with openapi-fetch', async () => {
    await writeClientTypes(JSON.parse(await documentText()), join(dir, 'api.d.ts'));
    writeFileSync(join(dir, 'client.ts'), CLIENT);
    writeFileSync(join(dir, 'wrong.ts'), WRONG);
    const refused = await typecheckClient(dir);
    expect(refused).toMatch(/wrong\.ts.*passwd/s);
    expect(refused).not.toMatch(/client\.ts/);
    rmSync(join(dir, 'wrong.ts'));
    expect(await typecheckClient(dir)).toBe('');

    const username = uniqueName('generated');
    const { stdout } = await run(TSX, [join(dir, 'client.ts'), `${ctx.server.baseUrl}/api`, username, PASSWORD]);
    expect(JSON.parse(stdout)).toEqual({ username, status: 200, wrong: 401, code: 'UNAUTHORIZED' });
  });
});
