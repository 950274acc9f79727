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

/** `setRole` → `Set role`: the summary until someone writes a better one. */
const sentenceOf = (name: string) =>
  pascalCase(name).replace(/[A-Z]/g, (c, at: number) => (at ? ` ${c.toLowerCase()}` : c));

export function registerProcedureGenerator(plop: PlopTypes.NodePlopAPI): void {
  plop.setGenerator('procedure', {
    description:
      'A tRPC procedure with its REST route, in one file (zod schemas, OpenAPI meta, errors, flags, resolver), listed in its router (mounted when new), and a test',
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

interface Names {
  type: string;
  routerFactory: string;
  path: string;
  method: string;
  file: string;
  tag: string;
}

/**
 * Writes the procedure's own file and its test, and adds it to its router
 * (a new router: its index, mounted in root.ts). Nothing else lists routes:
 * the OpenAPI document, the fuzz targets and the route tests read the router.
 * The committed Postman collection is regenerated from the document.
 */
function writeProcedure(files: Workspace, answers: ProcedureAnswers): string {
  const { router, name, kind, access } = answers;
  const routerDir = `${API}/src/router/${router}`;
  const indexFile = `${routerDir}/index.ts`;
  const isNewRouter = !files.exists(indexFile);
  const names: Names = {
    type: `${pascalCase(router)}${pascalCase(name)}`,
    routerFactory: `create${pascalCase(router)}Router`,
    path: `/${router}/${kebabCase(name)}`,
    method: kind === 'query' ? 'GET' : 'POST',
    file: kebabCase(name),
    // The tag of the router's procedures (the `user` router's is `users`), or the router's name.
    tag: isNewRouter ? router : (/tags: \['([^']+)'\]/.exec(firstProcedureOf(files, indexFile))?.[1] ?? router),
  };
  const procedureFile = `${routerDir}/${names.file}.ts`;
  const testFile = `${API}/test/${router}-${kebabCase(name)}.test.ts`;
  if (files.exists(procedureFile) || (!isNewRouter && new RegExp(`^    ${name}: `, 'm').test(files.read(indexFile)))) {
    throw new Error(`${routerDir} already has a procedure "${name}"`);
  }

  files.create(procedureFile, procedureOf(answers, names));
  if (isNewRouter) {
    files.create(
      indexFile,
      `import { router } from '../../trpc.js';\nimport { ${name} } from './${names.file}.js';\n\n` +
        `/** The ${router} procedures, built afresh on each call, input schemas included (see createAppRouter). */\n` +
        `export const ${names.routerFactory} = () =>\n  router({\n    ${name}: ${name}(),\n  });\n`,
    );
    mountRouter(files, answers, names);
  } else {
    files.edit(indexFile, /\n {2}\}\);\s*$/, (end) => `\n    ${name}: ${name}(),${end}`);
    files.addImports(indexFile, [`import { ${name} } from './${names.file}.js';`]);
  }
  files.create(testFile, testOf(answers));
  files.format();
  // The committed Postman collection follows the OpenAPI document (postman.test.ts checks it).
  files.run('pnpm', ['postman:generate']);
  return `${router}.${name}: ${names.method} /api${names.path} (${access}); wrote ${[...files.touched].join(', ')}`;
}

/** The text of the router's first listed procedure file, where its tag is read. */
function firstProcedureOf(files: Workspace, indexFile: string): string {
  const module = /from '\.\/([\w-]+)\.js'/.exec(files.read(indexFile))?.[1];
  const path = `${indexFile.slice(0, indexFile.lastIndexOf('/'))}/${module}.ts`;
  return module && files.exists(path) ? files.read(path) : '';
}

/** The procedure, top to bottom: what it takes, what it answers, its route and errors, who may call it, the call. */
function procedureOf({ router, name, kind, access }: ProcedureAnswers, n: Names): string {
  const call = access === 'public' ? '' : '\n      // `ctx.auth` is the signed-in caller (its user and session).';
  return `import { z } from 'zod';
import { ${BUILDER[access]} } from '../../trpc.js';

// \`${router}.${name}\` (made by \`pnpm turbo gen procedure\`): replace the example field with yours.
// The input is made by a function: each router built by createAppRouter gets its own (root.ts says why).
// Its schemas live here; fields several procedures share (usernameSchema, emailSchema, pageLimit…) are in src/fields.ts.
export const ${name}Input = () =>
  z.object({
    text: z
      .string()
      .min(1, 'is required')
      .max(200, 'must be at most 200 characters')
      .meta({ description: 'An example field', example: 'hello' }),
  });
export type ${n.type}Input = z.infer<ReturnType<typeof ${name}Input>>;

export const ${name}OutputSchema = z
  .object({ text: z.string().meta({ description: 'The text sent' }) })
  .meta({ id: '${n.type}Result', description: 'What \`${router}.${name}\` answers', example: { text: 'hello' } });

export const ${name} = () =>
  ${BUILDER[access]}
    .meta({
      openapi: {
        method: '${n.method}',
        path: '${n.path}',
        tags: ['${n.tag}'],
        summary: '${sentenceOf(name)}',
        description: 'Made by \`pnpm turbo gen procedure\`: say here what \`${router}.${name}\` does.',
        successDescription: 'The result',
      },
      // Statuses it answers beyond those its builder and flags imply (400 for its input,
      // 401/403 for who may call it, 413/415/500/503 from the server are derived), e.g.
      // 404: { description: 'No such thing', examples: { notFound: errorExample('No such thing', 'NOT_FOUND') } }.
      // Flags: isThrottled (429), sendsEmail (503), cookieMode.
      errors: {},
    })
    .input(${name}Input())
    .output(${name}OutputSchema)
    // A real use case belongs in a service (src/services/), called here on the request's EntityManager fork.
    .${kind}(({ input }) => {${call}
      return { text: input.text };
    });
`;
}

/** A new router: merged into appRouter (its tag is listed in the document by its name). */
function mountRouter(files: Workspace, { router }: ProcedureAnswers, n: Names): void {
  const root = `${API}/src/root.ts`;
  files.edit(root, /export function createAppRouter\(\) \{\n {2}return router\(\{\n[\s\S]*?\n {2}\}\);/, (body) =>
    body.replace(/\n {2}\}\);$/, `\n    ${router}: ${n.routerFactory}(),\n  });`),
  );
  files.addImports(root, [`import { ${n.routerFactory} } from './router/${router}/index.js';`]);
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
