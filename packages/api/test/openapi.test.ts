import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { procedureContracts } from '../src/contract.js';
import {
  adminDisableUserInputSchema,
  adminDisableUserOutputSchema,
  adminSetRoleInputSchema,
  changePasswordInputSchema,
  credentialsSchema,
  errorSchema,
  listUsersInputSchema,
  logoutOutputSchema,
  publicUserSchema,
  refreshInputSchema,
  revokedSessionsOutputSchema,
  tokenPairSchema,
  userIdInputSchema,
  userPageSchema,
} from '../src/index.js';
import { createOpenApiDocument, OIDC_NAVIGATION_ROUTES } from '../src/openapi.js';
import { appRouter } from '../src/root.js';

/** The parts of an OpenAPI 3.1 document these tests read. */
interface Schema {
  $ref?: string;
  type?: string;
  example?: unknown;
  examples?: unknown[];
  enum?: unknown[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: unknown;
}
interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { summary?: string; value?: unknown }>;
}
interface Response {
  description?: string;
  headers?: Record<string, { description?: string; schema?: Schema }>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: {
    name: string;
    in: string;
    required?: boolean;
    description?: string;
    example?: unknown;
    schema?: Schema;
  }[];
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, Response>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; scheme?: string }>;
  };
  tags?: { name: string; description?: string }[];
}

// What a client receives from GET /api/openapi.json.
const doc = JSON.parse(JSON.stringify(createOpenApiDocument('/api'))) as Document;

/**
 * The contract, said once by hand: the REST routes of this template, whether
 * each needs a token, and the error statuses it answers. A route added later
 * (`pnpm turbo gen procedure`) is held to the rules below, derived from its
 * own contract, without an edit here.
 */
const ROUTES: Record<string, { isProtected: boolean; errors: number[] }> = {
  'POST /auth/register': { isProtected: false, errors: [400, 403, 409, 413, 415, 429, 500, 503] },
  'POST /auth/login': { isProtected: false, errors: [400, 401, 403, 413, 415, 429, 500, 503] },
  'POST /auth/refresh': { isProtected: false, errors: [400, 401, 403, 413, 415, 500, 503] },
  'POST /auth/logout': { isProtected: true, errors: [400, 401, 403, 413, 415, 500, 503] },
  'POST /auth/logout-all': { isProtected: true, errors: [400, 401, 403, 413, 415, 500, 503] },
  'GET /users/me': { isProtected: true, errors: [400, 401, 403, 500, 503] },
  'GET /users': { isProtected: true, errors: [400, 401, 403, 500, 503] },
  'GET /users/{id}': { isProtected: true, errors: [400, 401, 403, 404, 500, 503] },
  'POST /users/me/password': { isProtected: true, errors: [400, 401, 403, 413, 415, 429, 500, 503] },
  'POST /auth/password-reset': { isProtected: false, errors: [400, 403, 413, 415, 429, 500, 503] },
  'POST /auth/password-reset/confirm': { isProtected: false, errors: [400, 403, 413, 415, 500, 503] },
  'POST /auth/verify-email': { isProtected: false, errors: [400, 403, 409, 413, 415, 500, 503] },
  'POST /users/me/email': { isProtected: true, errors: [400, 401, 403, 413, 415, 429, 500, 503] },
  'POST /users/me/email/verification': { isProtected: true, errors: [400, 401, 403, 413, 415, 429, 500, 503] },
  'POST /admin/users/{id}/role': { isProtected: true, errors: [400, 401, 403, 404, 409, 413, 415, 500, 503] },
  'POST /admin/users/{id}/disable': { isProtected: true, errors: [400, 401, 403, 404, 409, 413, 415, 500, 503] },
  'GET /auth/oidc/providers': { isProtected: false, errors: [400, 403, 500, 503] },
  'POST /auth/oidc/exchange': { isProtected: false, errors: [400, 403, 413, 415, 429, 500, 503] },
  'GET /users/me/linked-accounts': { isProtected: true, errors: [400, 401, 403, 500, 503] },
  'POST /users/me/linked-accounts/{provider}': {
    isProtected: true,
    errors: [400, 401, 403, 404, 409, 413, 415, 500, 503],
  },
  'DELETE /users/me/linked-accounts/{provider}': {
    isProtected: true,
    errors: [400, 401, 403, 404, 409, 413, 415, 500, 503],
  },
};

/** The browser navigations of an identity-provider sign-in: documented by hand, no procedure behind them. */
const NAVIGATION: Record<string, number[]> = {
  [`GET ${OIDC_NAVIGATION_ROUTES.start.path}`]: [400, 403, 404, 500, 503],
  [`GET ${OIDC_NAVIGATION_ROUTES.callback.path}`]: [400, 404, 429, 500, 503],
};

/** Each procedure's contract, by REST route: what the rules below are derived from. */
const CONTRACTS = new Map(procedureContracts(appRouter).map((c) => [`${c.method} ${c.route}`, c]));

/** The statuses a route must document, from its contract's access, flags and declared errors alone. */
function expectedErrors(route: string): { isProtected: boolean; errors: number[] } {
  const contract = CONTRACTS.get(route);
  if (!contract) return { isProtected: true, errors: [] };
  // A DELETE takes no body, but the JSON parser still reads one sent with it (413, 415).
  const hasBody = contract.method === 'POST' || contract.method === 'DELETE';
  const errors = new Set([400, 403, 500, 503, ...Object.keys(contract.meta.errors ?? {}).map(Number)]);
  if (contract.access !== 'public') errors.add(401);
  if (hasBody) for (const status of [413, 415]) errors.add(status);
  if (contract.meta.isThrottled) errors.add(429);
  return { isProtected: contract.access !== 'public', errors: [...errors] };
}

/** The `code` an error body of each status carries. */
const CODES_OF_STATUS: Record<number, string[]> = {
  400: ['BAD_REQUEST', 'PARSE_ERROR'],
  401: ['UNAUTHORIZED'],
  403: ['FORBIDDEN'],
  404: ['NOT_FOUND'],
  409: ['CONFLICT'],
  413: ['PAYLOAD_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
  429: ['TOO_MANY_REQUESTS'],
  500: ['INTERNAL_SERVER_ERROR'],
  503: ['SERVICE_UNAVAILABLE'],
};

const allOperations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
);
/** The operations of procedures (the navigations are held to their own rules below). */
const operations = allOperations.filter(({ route }) => NAVIGATION[route] === undefined);

function resolve(schema: Schema | undefined): Schema | undefined {
  const name = schema?.$ref?.replace('#/components/schemas/', '');
  return name === undefined ? schema : doc.components.schemas[name];
}

/** The examples of a JSON body: on the media type, or on its (referenced) schema. */
function examplesOf(media: MediaType | undefined): unknown[] {
  if (!media) return [];
  if (media.example !== undefined) return [media.example];
  if (media.examples) return Object.values(media.examples).map((named) => named.value);
  const schema = resolve(media.schema);
  return schema?.example !== undefined ? [schema.example] : (schema?.examples ?? []);
}

function responseOf(operation: Operation, status: number): Response | undefined {
  return operation.responses?.[String(status)];
}

describe('the browser navigations of an identity-provider sign-in in the OpenAPI document', () => {
  for (const [route, errors] of Object.entries(NAVIGATION)) {
    const operation = allOperations.find((entry) => entry.route === route)?.operation;
    it(`${route}: a public 302 with its Location, and its errors as { message, code } with examples`, () => {
      expect(operation?.security).toEqual([]);
      expect(responseOf(operation ?? {}, 302)?.headers?.Location).toBeDefined();
      const statuses = Object.keys(operation?.responses ?? {})
        .map(Number)
        .filter((status) => status !== 302);
      expect(statuses.sort()).toEqual([...errors].sort());
      for (const status of statuses) {
        const media = responseOf(operation ?? {}, status)?.content?.['application/json'];
        expect(media?.schema?.$ref, `${status}`).toBe('#/components/schemas/Error');
        for (const body of examplesOf(media)) {
          expect(CODES_OF_STATUS[status], `${status}`).toContain((body as { code: string }).code);
        }
      }
    });
  }
});

describe('the OpenAPI document', () => {
  it('has the REST routes of the contract, and one route per procedure of the router', () => {
    expect(operations.map((o) => o.route)).toEqual(expect.arrayContaining(Object.keys(ROUTES)));
    expect(operations.map((o) => o.route).sort()).toEqual([...CONTRACTS.keys()].sort());
  });

  for (const [route, expected] of Object.entries(ROUTES)) {
    it(`${route}: its contract implies the statuses the contract lists`, () => {
      expect(expectedErrors(route).isProtected).toBe(expected.isProtected);
      expect(expectedErrors(route).errors.sort()).toEqual([...expected.errors].sort());
    });
  }

  for (const { route, operation } of operations) {
    const expected = expectedErrors(route);

    describe(route, () => {
      it('has an operationId, a summary and known tags', () => {
        expect(operation.operationId).toEqual(expect.any(String));
        expect(operation.summary?.length).toBeGreaterThan(0);
        expect(operation.tags?.length).toBeGreaterThan(0);
        const tagNames = (doc.tags ?? []).map((tag) => tag.name);
        for (const tag of operation.tags ?? []) expect(tagNames).toContain(tag);
      });

      it('documents a 200 JSON response with an example', () => {
        const ok = responseOf(operation, 200);
        expect(ok?.description?.length).toBeGreaterThan(0);
        const media = ok?.content?.['application/json'];
        expect(media?.schema).toBeDefined();
        expect(examplesOf(media).length).toBeGreaterThan(0);
      });

      it('documents exactly the errors it can answer, each as { message, code } with an example', () => {
        const statuses = Object.keys(operation.responses ?? {})
          .map(Number)
          .filter((status) => status !== 200);
        expect(statuses.sort()).toEqual([...expected.errors].sort());
        for (const status of statuses) {
          const response = responseOf(operation, status);
          expect(response?.description?.length, `${status}`).toBeGreaterThan(0);
          const media = response?.content?.['application/json'];
          expect(media?.schema?.$ref, `${status}`).toBe('#/components/schemas/Error');
          const examples = examplesOf(media);
          expect(examples.length, `${status}`).toBeGreaterThan(0);
          for (const body of examples) {
            expect(body, `${status}`).toEqual({ message: expect.any(String), code: expect.any(String) });
            expect(CODES_OF_STATUS[status], `${status}`).toContain((body as { code: string }).code);
          }
        }
      });

      if (expected.errors.includes(429)) {
        it('documents Retry-After on 429', () => {
          const header = responseOf(operation, 429)?.headers?.['Retry-After'];
          expect(header?.description?.length).toBeGreaterThan(0);
          expect(header?.schema?.type).toBe('integer');
        });
      }

      it(expected.isProtected ? 'requires the bearer token' : 'is public', () => {
        if (!expected.isProtected) {
          expect(operation.security ?? []).toEqual([]);
          return;
        }
        const names = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) {
          expect(doc.components.securitySchemes[name]).toMatchObject({ type: 'http', scheme: 'bearer' });
        }
      });

      it('gives every request field an example, and every parameter a description', () => {
        const body = operation.requestBody?.content?.['application/json']?.schema;
        for (const [name, field] of Object.entries(body?.properties ?? {})) {
          // A field that is a shared component ($ref) carries the component's example.
          expect((resolve(field) ?? field).example, name).toBeDefined();
        }
        for (const parameter of operation.parameters ?? []) {
          expect(parameter.description?.length, parameter.name).toBeGreaterThan(0);
          // An optional parameter may go without: Swagger UI's "Try it out" would send it.
          if (parameter.required) expect(parameter.example, parameter.name).toBeDefined();
        }
      });
    });
  }

  it('has a bearer security scheme', () => {
    expect(Object.values(doc.components.securitySchemes)).toContainEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
  });

  it('describes errors with one Error schema that requires message and code and allows more', () => {
    const error = doc.components.schemas.Error;
    expect(error?.required).toEqual(expect.arrayContaining(['message', 'code']));
    expect(error?.properties?.message?.type).toBe('string');
    expect(error?.properties?.code?.type).toBe('string');
    // Error bodies of procedures also carry `data`: a closed schema would reject them.
    expect(error?.additionalProperties).not.toBe(false);
    expect(Object.keys(doc.components.schemas).filter((name) => name.startsWith('error.'))).toEqual([]);
  });

  it('has no dangling $ref', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = ref.replace(/^"\$ref":"#\/components\/schemas\//, '').replace(/"$/, '');
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });
});

describe('the examples of the document', () => {
  const outputs: [string, z.ZodType][] = [
    ['TokenPair', tokenPairSchema],
    ['PublicUser', publicUserSchema],
    ['UserPage', userPageSchema],
    ['LogoutResult', logoutOutputSchema],
    ['RevokedSessions', revokedSessionsOutputSchema],
    ['DisabledUser', adminDisableUserOutputSchema],
    ['Error', errorSchema],
  ];
  for (const [name, schema] of outputs) {
    it(`${name}: its example is valid`, () => {
      const example = doc.components.schemas[name]?.example;
      expect(example).toBeDefined();
      expect(schema.safeParse(example).error).toBeUndefined();
    });
  }

  const inputs: [string, string, z.ZodType][] = [
    ['POST', '/auth/register', credentialsSchema],
    ['POST', '/auth/login', credentialsSchema],
    ['POST', '/auth/refresh', refreshInputSchema],
    ['POST', '/users/me/password', changePasswordInputSchema],
    ['GET', '/users', listUsersInputSchema],
    ['GET', '/users/{id}', userIdInputSchema],
    ['POST', '/admin/users/{id}/role', adminSetRoleInputSchema],
    ['POST', '/admin/users/{id}/disable', adminDisableUserInputSchema],
  ];
  for (const [method, path, schema] of inputs) {
    it(`${method} ${path}: the input built from its examples is valid`, () => {
      const operation = doc.paths[path]?.[method.toLowerCase()];
      const fields = operation?.requestBody?.content?.['application/json']?.schema?.properties ?? {};
      const input = {
        ...Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.example])),
        ...Object.fromEntries(
          (operation?.parameters ?? []).flatMap((p) => (p.example === undefined ? [] : [[p.name, p.example]])),
        ),
      };
      expect(Object.keys(input).length).toBeGreaterThan(0);
      expect(schema.safeParse(input).error).toBeUndefined();
    });
  }
});

describe('cookie mode in the OpenAPI document', () => {
  const operationAt = (path: string) => doc.paths[path]?.post;
  const cookieRoutes = [
    '/auth/register',
    '/auth/login',
    '/auth/mfa',
    '/auth/passkey',
    '/auth/refresh',
    '/auth/logout',
    '/auth/logout-all',
    '/auth/oidc/exchange',
  ];

  it('gives every auth route the optional X-Session-Mode header parameter, and no other route', () => {
    for (const { route, operation } of operations) {
      const header = operation.parameters?.find((p) => p.in === 'header' && p.name === 'X-Session-Mode');
      const isAuthRoute = cookieRoutes.some((path) => route === `POST ${path}`);
      expect(header !== undefined, route).toBe(isAuthRoute);
      if (header) {
        expect(header.required, route).toBe(false);
        expect(header.schema?.enum ?? [], route).toContain('cookie');
        expect(header.description, route).toMatch(/HttpOnly cookie/);
      }
    }
  });

  it('documents the Set-Cookie of each auth route: the refresh token for sign-in and refresh, Max-Age=0 for logout', () => {
    for (const path of cookieRoutes) {
      const header = operationAt(path)?.responses?.['200']?.headers?.['Set-Cookie'];
      expect(header?.description, path).toMatch(
        path.includes('logout') ? /Max-Age=0/ : /HttpOnly; SameSite=Strict; Secure/,
      );
    }
  });

  it('lets POST /auth/refresh leave refreshToken out and read the cookie instead', () => {
    const operation = operationAt('/auth/refresh');
    const body = operation?.requestBody?.content?.['application/json']?.schema;
    const schema = body?.$ref ? doc.components.schemas[body.$ref.split('/').pop() ?? ''] : body;
    expect(schema?.required ?? []).not.toContain('refreshToken');
    expect(schema?.properties?.refreshToken?.description).toMatch(/cookie mode/);
    const cookie = operation?.parameters?.find((p) => p.in === 'cookie');
    expect(cookie?.name).toBe('__Host-refresh_token');
  });

  it('shows the token pair’s refreshToken as optional (absent in cookie mode)', () => {
    const pair = doc.components.schemas.TokenPair;
    expect(pair?.required).not.toContain('refreshToken');
    expect(pair?.required).toContain('accessToken');
  });
});
