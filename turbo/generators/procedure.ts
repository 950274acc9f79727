import type { PlopTypes } from '@turbo/gen';
import { kebabCase, pascalCase, validIdentifier, Workspace } from './workspace.js';

export const KINDS = ['query', 'mutation'] as const;
export const ACCESS_LEVELS = ['public', 'protected', 'admin'] as const;
type Kind = (typeof KINDS)[number];
type Access = (typeof ACCESS_LEVELS)[number];

interface ProcedureAnswers {
  router: string;
  name: string;
  kind: Kind;
  access: Access;
}

const API = 'packages/api';
const BUILDER: Record<Access, string> = {
  public: 'publicProcedure',
  protected: 'protectedProcedure',
  admin: 'adminProcedure',
};
const ERRORS: Record<Access, Record<number, string>> = {
  public: { 400: 'Invalid input; the message names the field' },
  protected: {
    400: 'Invalid input; the message names the field',
    401: 'Missing, malformed, expired or revoked access token',
  },
  admin: {
    400: 'Invalid input; the message names the field',
    401: 'Missing, malformed, expired or revoked access token',
    403: 'Signed in without the admin role',
  },
};

/** `setRole` → `Set role`: the summary until someone writes a better one. */
const sentenceOf = (name: string) =>
  pascalCase(name).replace(/[A-Z]/g, (c, at: number) => (at ? ` ${c.toLowerCase()}` : c));

export function registerProcedureGenerator(plop: PlopTypes.NodePlopAPI): void {
  plop.setGenerator('procedure', {
    description:
      'A tRPC procedure with its REST route: zod schemas, OpenAPI meta, a service function, the router (mounted when new) and a test',
    prompts: [
      {
        type: 'input',
        name: 'router',
        message: 'Router (camelCase, e.g. "admin")',
        validate: validIdentifier('router'),
      },
      {
        type: 'input',
        name: 'name',
        message: 'Procedure (camelCase, e.g. "setRole")',
        validate: validIdentifier('name'),
      },
      { type: 'list', name: 'kind', message: 'Kind', choices: [...KINDS] },
      { type: 'list', name: 'access', message: 'Who may call it', choices: [...ACCESS_LEVELS] },
    ],
    actions: [(answers) => writeProcedure(new Workspace(plop.getDestBasePath()), answers as ProcedureAnswers)],
  });
}

function writeProcedure(files: Workspace, answers: ProcedureAnswers): string {
  const { router, name, kind, access } = answers;
  const names = {
    schemaPrefix: `${router}${pascalCase(name)}`,
    type: `${pascalCase(router)}${pascalCase(name)}`,
    routerFactory: `create${pascalCase(router)}Router`,
    path: `/${router}/${kebabCase(name)}`,
    method: kind === 'query' ? 'GET' : 'POST',
  };
  const routerFile = `${API}/src/router/${router}.ts`;
  // The existing `user` router keeps its services in services/users.ts.
  const serviceFile = files.exists(`${API}/src/services/${router}s.ts`)
    ? `${API}/src/services/${router}s.ts`
    : `${API}/src/services/${router}.ts`;
  const testFile = `${API}/test/${router}-${kebabCase(name)}.test.ts`;
  const isNewRouter = !files.exists(routerFile);
  if (!isNewRouter && new RegExp(`^  ${name}: `, 'm').test(files.read(routerFile))) {
    throw new Error(`${routerFile} already has a procedure "${name}"`);
  }
  if (files.exists(serviceFile) && new RegExp(`export (async )?function ${name}\\b`).test(files.read(serviceFile))) {
    throw new Error(`${serviceFile} already exports a function "${name}"`);
  }

  files.write(`${API}/src/schemas.ts`, files.read(`${API}/src/schemas.ts`) + schemasOf(answers, names));
  writeService(files, serviceFile, answers, names);
  writeRouter(files, routerFile, isNewRouter, answers, names, serviceFile);
  if (isNewRouter) mountRouter(files, answers, names);
  declareRoute(files, answers, names);
  files.create(testFile, testOf(answers));
  files.format();
  // The committed Postman collection follows the OpenAPI document (postman.test.ts checks it).
  files.run('pnpm', ['postman:generate']);
  return `${router}.${name}: ${names.method} /api${names.path} (${access}); wrote ${[...files.touched].join(', ')}`;
}

type Names = { schemaPrefix: string; type: string; routerFactory: string; path: string; method: string };

function schemasOf({ router, name }: ProcedureAnswers, n: Names): string {
  return `
// \`${router}.${name}\` (made by \`pnpm turbo gen procedure\`): replace the example field with yours.
// The input is made by a function: each router built by createAppRouter gets its own (root.ts says why).
export const ${n.schemaPrefix}Input = () =>
  z.object({
    text: z
      .string()
      .min(1, 'is required')
      .max(200, 'must be at most 200 characters')
      .meta({ description: 'An example field', example: 'hello' }),
  });
export const ${n.schemaPrefix}InputSchema = ${n.schemaPrefix}Input();
export type ${n.type}Input = z.infer<typeof ${n.schemaPrefix}InputSchema>;

export const ${n.schemaPrefix}OutputSchema = z
  .object({ text: z.string().meta({ description: 'The text sent' }) })
  .meta({ id: '${n.type}Result', description: 'What \`${router}.${name}\` answers', example: { text: 'hello' } });
export type ${n.type}Output = z.infer<typeof ${n.schemaPrefix}OutputSchema>;
`;
}

function writeService(files: Workspace, path: string, { router, name, access }: ProcedureAnswers, n: Names): void {
  const callerParam = access === 'public' ? '' : ', _caller: AuthIdentity';
  const fn = `
/** \`${router}.${name}\`: one use case, on the request's EntityManager fork (flush once, if it writes). */
export async function ${name}(_em: EntityManager${callerParam}, input: ${n.type}Input): Promise<${n.type}Output> {
  return { text: input.text };
}
`;
  const imports = [
    "import type { EntityManager } from '@mikro-orm/core';",
    `import type { ${n.type}Input, ${n.type}Output } from '../schemas.js';`,
    ...(access === 'public' ? [] : ["import type { AuthIdentity } from './auth.js';"]),
  ];
  if (files.exists(path)) {
    files.write(path, files.read(path) + fn);
    files.addImports(path, imports);
  } else {
    files.create(path, `${imports.join('\n')}\n${fn}`);
  }
}

function procedureOf({ router, name, kind, access }: ProcedureAnswers, n: Names): string {
  const errors = Object.entries(ERRORS[access])
    .map(([status, text]) => `          ${status}: '${text}',`)
    .join('\n');
  const call = access === 'public' ? `${name}(ctx.em, input)` : `${name}(ctx.em, ctx.auth, input)`;
  return `
  ${name}: ${BUILDER[access]}
    .meta({
      openapi: {
        method: '${n.method}',
        path: '${n.path}',
        tags,
        protect: ${access !== 'public'},
        summary: '${sentenceOf(name)}',
        description: 'Made by \`pnpm turbo gen procedure\`: say here what \`${router}.${name}\` does.',
        successDescription: 'The result',
        errorResponses: {
${errors}
        },
      },
    })
    .input(${n.schemaPrefix}Input())
    .output(${n.schemaPrefix}OutputSchema)
    .${kind}(({ ctx, input }) => ${call}),
`;
}

function writeRouter(
  files: Workspace,
  path: string,
  isNew: boolean,
  answers: ProcedureAnswers,
  n: Names,
  serviceFile: string,
): void {
  const serviceModule = `../services/${serviceFile.slice(serviceFile.lastIndexOf('/') + 1).replace(/\.ts$/, '.js')}`;
  const imports = [
    `import { ${n.schemaPrefix}Input, ${n.schemaPrefix}OutputSchema } from '../schemas.js';`,
    `import { ${answers.name} } from '${serviceModule}';`,
    `import { ${BUILDER[answers.access]}, router } from '../trpc.js';`,
  ];
  if (isNew) {
    files.create(
      path,
      `${imports.join('\n')}\n\nconst tags = ['${answers.router}'];\n\n` +
        `/** The ${answers.router} procedures, built afresh on each call, input schemas included (see createAppRouter). */\n` +
        `export function ${n.routerFactory}() {\n  return router({${procedureOf(answers, n)}});\n}\n`,
    );
    return;
  }
  // The router factory ends with `  });` then `}`: the procedure goes before them.
  files.edit(path, /\n {2}\}\);\n\}\s*$/, (end) => `\n${procedureOf(answers, n).replace(/\n$/, '')}${end}`);
  files.addImports(path, imports);
}

/** A new router: merged into appRouter, and its tag listed in the OpenAPI document. */
function mountRouter(files: Workspace, { router }: ProcedureAnswers, n: Names): void {
  const root = `${API}/src/root.ts`;
  files.edit(root, /export function createAppRouter\(\) \{\n {2}return router\(\{\n[\s\S]*?\n {2}\}\);/, (body) =>
    body.replace(/\n {2}\}\);$/, `\n    ${router}: ${n.routerFactory}(),\n  });`),
  );
  files.addImports(root, [`import { ${n.routerFactory} } from './router/${router}.js';`]);
  files.edit(`${API}/src/openapi.ts`, /const TAGS = \[\n[\s\S]*?\n\];/, (list) =>
    list.replace(/\n\];$/, `\n  { name: '${router}', description: '${pascalCase(router)} procedures' },\n];`),
  );
}

/**
 * Tests that list every route join it: the OpenAPI test (with the errors it
 * declares) and the fuzz test's targets (with its input fields).
 */
function declareRoute(files: Workspace, { router, name, kind, access }: ProcedureAnswers, n: Names): void {
  files.edit(
    'apps/server/test/fuzz-arbitraries.ts',
    /export const TARGETS: Record<string, Target> = \{\n[\s\S]*?\n\};/,
    (list) =>
      list.replace(
        /\n\};$/,
        `\n  '${router}.${name}': { type: '${kind}', rest: { method: '${n.method}', path: '/api${n.path}' }, fields: ['text'] },\n};`,
      ),
  );
  const errors = [...Object.keys(ERRORS[access]).map(Number), ...(n.method === 'POST' ? [413] : []), 500, 503].sort(
    (a, b) => a - b,
  );
  files.edit(
    `${API}/test/openapi.test.ts`,
    /const ROUTES: Record<string, \{ isProtected: boolean; errors: number\[\] \}> = \{\n[\s\S]*?\n\};/,
    (list) =>
      list.replace(
        /\n\};$/,
        `\n  '${n.method} ${n.path}': { isProtected: ${access !== 'public'}, errors: [${errors.join(', ')}] },\n};`,
      ),
  );
}

function testOf({ router, name, access }: ProcedureAnswers): string {
  const call = (token: string) => `h.caller(${token}).${router}.${name}`;
  const caller =
    access === 'public'
      ? ''
      : access === 'admin'
        ? 'const { accessToken } = await signUpAdmin(h);\n    '
        : 'const { accessToken } = await signUp(h);\n    ';
  const token = access === 'public' ? '' : 'accessToken';
  const guards =
    access === 'public'
      ? ''
      : `
  it('refuses a caller without an access token', async () => {
    expect((await rejection(${call('')}({ text: 'hello' }))).code).toBe('UNAUTHORIZED');
  });
${
  access === 'admin'
    ? `
  it('refuses a signed-in user without the admin role', async () => {
    const { accessToken } = await signUp(h);
    expect((await rejection(${call('accessToken')}({ text: 'hello' }))).code).toBe('FORBIDDEN');
  });
`
    : ''
}`;
  const helpers = [
    'createHarness',
    'type Harness',
    'rejection',
    ...(access === 'public' ? [] : ['signUp']),
    ...(access === 'admin' ? ['signUpAdmin'] : []),
  ];
  return `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ${helpers.join(', ')} } from './helpers.js';

// Made by \`pnpm turbo gen procedure\`: runs on SQLite and on MySQL (TEST_DATABASE_URL).
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.db.destroy();
});

describe('${router}.${name}', () => {
  it('answers with the text it was sent', async () => {
    ${caller}expect(await ${call(token)}({ text: 'hello' })).toEqual({ text: 'hello' });
  });

  it('names the field of invalid input', async () => {
    ${caller}const error = await rejection(${call(token)}({ text: '' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^text: /);
  });
${guards}});
`;
}
