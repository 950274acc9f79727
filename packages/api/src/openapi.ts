import { generateOpenApiDocument, normalizePath, type OpenAPIObject, type OpenApiMeta } from 'trpc-to-openapi';
import { REFRESH_COOKIE_NAME, SESSION_MODE_HEADER } from './browser-session.js';
import { appRouter } from './root.js';
import { errorSchema, MAX_REFRESH_TOKEN_LENGTH } from './schemas.js';

type RouteMeta = NonNullable<OpenApiMeta['openapi']>;
type Operation = NonNullable<NonNullable<OpenAPIObject['paths']>[string]['get']>;
type Responses = NonNullable<Operation['responses']>;

interface ErrorExample {
  message: string;
  code: string;
}
type NamedErrorExamples = Record<string, ErrorExample>;

const example = (message: string, code: string): ErrorExample => ({ message, code });

const TAGS = [
  { name: 'auth', description: 'Accounts and sessions: register, sign in, refresh, sign out, recover by email' },
  { name: 'users', description: 'Users, for anyone signed in' },
  { name: 'admin', description: 'What admins do to other users: roles, disabling' },
];

/** What a status means when a route's meta lists it without a description. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; the message names the field',
  401: 'Missing, malformed, expired or revoked access token',
  403: 'Signed in but not allowed',
  404: 'Not found',
  409: 'Conflict',
  429: 'Too many requests; wait for `Retry-After` seconds',
};
/** What the server adds around the procedures, on every route that can meet it. */
const MALFORMED_JSON_DESCRIPTION = 'Malformed JSON in the request body';
const BODY_TOO_LARGE_DESCRIPTION = 'Request body too large';
const DATABASE_DOWN_DESCRIPTION = 'The database is unreachable; try again shortly';
const UNEXPECTED_DESCRIPTION = 'Unexpected error; the body carries no internals';

/** Real messages of this API, by status: the examples unless a route has its own. */
const ERROR_EXAMPLES: Record<number, NamedErrorExamples> = {
  400: { invalidInput: example('username: must be 3 to 40 characters', 'BAD_REQUEST') },
  401: {
    missingToken: example('Missing or malformed Authorization header; expected "Bearer <accessToken>"', 'UNAUTHORIZED'),
    expiredToken: example('The access token has expired', 'UNAUTHORIZED'),
    sessionEnded: example('The session has ended; sign in again', 'UNAUTHORIZED'),
  },
  403: { forbidden: example('This needs the admin role', 'FORBIDDEN') },
  404: { notFound: example('No such user', 'NOT_FOUND') },
  409: { usernameTaken: example('username: is already taken', 'CONFLICT') },
  413: { tooLarge: example('Request body is larger than 100 kB', 'PAYLOAD_TOO_LARGE') },
  429: { throttled: example('Too many failed logins; try again in 30 s', 'TOO_MANY_REQUESTS') },
  500: { internal: example('Internal server error', 'INTERNAL_SERVER_ERROR') },
  503: { databaseDown: example('The database is unavailable; try again shortly', 'SERVICE_UNAVAILABLE') },
};

/** Examples of a route's own, by operationId. */
const ROUTE_ERROR_EXAMPLES: Record<string, Record<number, NamedErrorExamples>> = {
  'auth-login': {
    400: { missingPassword: example('password: is required', 'BAD_REQUEST') },
    401: { badCredentials: example('Invalid username or password', 'UNAUTHORIZED') },
  },
  'auth-refresh': {
    400: { missingToken: example('refreshToken: is required', 'BAD_REQUEST') },
    401: {
      invalidToken: example('Invalid refresh token', 'UNAUTHORIZED'),
      expiredToken: example('The refresh token has expired', 'UNAUTHORIZED'),
      reused: example('Refresh token reuse detected; the session has been revoked', 'UNAUTHORIZED'),
      noCookie: example('No session cookie: sign in (the refresh token cookie is missing)', 'UNAUTHORIZED'),
    },
    403: {
      cookieWithoutHeader: example(
        'The session cookie is read only with the header X-Session-Mode: cookie',
        'FORBIDDEN',
      ),
      foreignOrigin: example(
        'Cookie sessions are refused from this origin (not the server’s, not allowed)',
        'FORBIDDEN',
      ),
    },
  },
  'user-list': { 400: { invalidLimit: example('limit: must be 1 to 100', 'BAD_REQUEST') } },
  'user-byId': { 400: { invalidId: example('id: is not a valid user id', 'BAD_REQUEST') } },
  'auth-register': {
    409: { usernameTaken: example('username: is already taken', 'CONFLICT') },
  },
  'auth-resetPassword': {
    400: {
      badToken: example('token: is invalid, expired or already used', 'BAD_REQUEST'),
      weakPassword: example('newPassword: must be 8 to 72 bytes of UTF-8', 'BAD_REQUEST'),
    },
    503: { noEmail: example('Email is not configured on this server (SMTP_URL is not set)', 'SERVICE_UNAVAILABLE') },
  },
  'auth-verifyEmail': {
    400: { badToken: example('token: is invalid, expired or already used', 'BAD_REQUEST') },
    409: { emailTaken: example('email: is already verified on another account', 'CONFLICT') },
    503: { noEmail: example('Email is not configured on this server (SMTP_URL is not set)', 'SERVICE_UNAVAILABLE') },
  },
  'auth-requestPasswordReset': {
    400: { invalidEmail: example('email: must be an email address such as alice@example.com', 'BAD_REQUEST') },
    429: { throttled: example('Too many password reset requests; try again in 600 s', 'TOO_MANY_REQUESTS') },
    503: { noEmail: example('Email is not configured on this server (SMTP_URL is not set)', 'SERVICE_UNAVAILABLE') },
  },
  'user-setEmail': {
    400: { wrongPassword: example('currentPassword: is incorrect', 'BAD_REQUEST') },
    503: { noEmail: example('Email is not configured on this server (SMTP_URL is not set)', 'SERVICE_UNAVAILABLE') },
  },
  'user-resendVerification': {
    400: { nothingPending: example('email: there is no address waiting for its link', 'BAD_REQUEST') },
    503: { noEmail: example('Email is not configured on this server (SMTP_URL is not set)', 'SERVICE_UNAVAILABLE') },
  },
  'admin-setRole': {
    400: {
      invalidRole: example('role: Invalid option: expected one of "user"|"admin"', 'BAD_REQUEST'),
      ownAccount: example('id: an admin cannot change their own role', 'BAD_REQUEST'),
    },
  },
  'admin-disableUser': {
    400: { ownAccount: example('id: an admin cannot disable their own account', 'BAD_REQUEST') },
  },
  'user-changePassword': {
    400: {
      wrongPassword: example('currentPassword: is incorrect', 'BAD_REQUEST'),
      weakPassword: example('newPassword: must be 8 to 72 bytes of UTF-8', 'BAD_REQUEST'),
    },
  },
};

const MALFORMED_JSON = example('Malformed JSON in the request body', 'PARSE_ERROR');

const RETRY_AFTER_HEADER = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
  example: 30,
} as const;

/**
 * The OpenAPI 3 document of every REST route, generated from the procedures'
 * meta and zod schemas, then completed where trpc-to-openapi falls short.
 */
export function createOpenApiDocument(baseUrl: string): OpenAPIObject {
  const metas = new Map<string, RouteMeta>();
  const document = generateOpenApiDocument(appRouter, {
    // Keeps every route: the filter is where trpc-to-openapi shows each route's meta.
    filter: ({ metadata: { openapi } }) => {
      metas.set(`${openapi.method.toLowerCase()} ${normalizePath(openapi.path)}`, openapi);
      return true;
    },
    title: 'Auth API',
    description:
      'Register, sign in, refresh, sign out and list users. The same procedures are served over tRPC at /trpc.\n\n' +
      'Protected routes take `Authorization: Bearer <accessToken>` (the **Authorize** button). ' +
      'Every error is JSON with at least `{ message, code }`.\n\n' +
      `**Cookie mode** (browser apps): send \`${SESSION_MODE_HEADER}: cookie\` to the auth routes and the refresh token ` +
      `is set as an HttpOnly, SameSite=Strict cookie (\`${REFRESH_COOKIE_NAME.secure}\`; \`${REFRESH_COOKIE_NAME.plain}\` ` +
      'over plain http in development) instead of returned; `POST /auth/refresh` with the header and `{}` reads it, ' +
      'and logout clears it. A cookie is never read without the header, nor from an origin the server does not allow.',
    version: '1.0.0',
    baseUrl,
    tags: TAGS.map((tag) => tag.name),
    securitySchemes: {
      Authorization: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'The `accessToken` of a token pair from register, login or refresh',
      },
    },
    defs: { Error: errorSchema },
  });
  document.tags = TAGS.map((tag) => ({ ...tag }));
  document.info.license = { name: 'MIT', identifier: 'MIT' };
  declarePublicOperations(document);
  documentParameters(document);
  documentErrorResponses(document, metas);
  documentCookieMode(document);
  return document;
}

/** The routes that honour `X-Session-Mode` (API.md, "Browser sessions"). */
const COOKIE_MODE_ROUTES = new Set(['auth-register', 'auth-login', 'auth-refresh', 'auth-logout', 'auth-logoutAll']);
/** The routes that set the cookie in cookie mode. */
const COOKIE_SETTING_ROUTES = new Set(['auth-register', 'auth-login', 'auth-refresh']);

/**
 * Cookie mode, which trpc-to-openapi cannot express: the `X-Session-Mode`
 * header parameter, the cookie a response sets (or clears on logout) and
 * the cookie `POST /auth/refresh` reads.
 */
function documentCookieMode(document: OpenAPIObject): void {
  for (const { operation } of operationsOf(document)) {
    const id = operation.operationId ?? '';
    if (!COOKIE_MODE_ROUTES.has(id)) continue;
    operation.parameters = [
      ...(operation.parameters ?? []),
      {
        name: SESSION_MODE_HEADER,
        in: 'header',
        required: false,
        description:
          '`cookie` for a browser session: the refresh token lives in an HttpOnly cookie, never in a body. Leave out (or `bearer`) for tokens in bodies.',
        schema: { type: 'string', enum: ['cookie', 'bearer'] },
        example: 'cookie',
      },
    ];
    const success = operation.responses?.[200];
    if (success && !('$ref' in success)) {
      success.headers = {
        ...success.headers,
        'Set-Cookie': {
          description: COOKIE_SETTING_ROUTES.has(id)
            ? `In cookie mode only: \`${REFRESH_COOKIE_NAME.secure}=<refreshToken>; Max-Age=<its remaining seconds>; Path=/; HttpOnly; SameSite=Strict; Secure\``
            : `In cookie mode only: \`${REFRESH_COOKIE_NAME.secure}=; Max-Age=0; …\`, which clears the cookie`,
          schema: { type: 'string' },
          example: COOKIE_SETTING_ROUTES.has(id)
            ? `${REFRESH_COOKIE_NAME.secure}=eyJhbGciOi…; Max-Age=2592000; Path=/; HttpOnly; SameSite=Strict; Secure`
            : `${REFRESH_COOKIE_NAME.secure}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure`,
        },
      };
    }
    if (id === 'auth-refresh') {
      operation.parameters.push({
        name: REFRESH_COOKIE_NAME.secure,
        in: 'cookie',
        required: false,
        description: `Read in cookie mode when the body has no \`refreshToken\` (\`${REFRESH_COOKIE_NAME.plain}\` over plain http in development). Set by the server; no script can read it.`,
        schema: { type: 'string', maxLength: MAX_REFRESH_TOKEN_LENGTH },
      });
    }
  }
}

function operationsOf(document: OpenAPIObject): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) => {
      const operation = item[method];
      return operation ? [{ path, method, operation }] : [];
    }),
  );
}

/**
 * An operation without `security` inherits the document's (none here), which
 * tools read as "not said": a public one says `security: []` outright.
 */
function declarePublicOperations(document: OpenAPIObject): void {
  for (const { operation } of operationsOf(document)) operation.security ??= [];
}

/**
 * Shows each parameter's description and example where Swagger UI and
 * Postman look for them: on the parameter, not only inside its schema
 * (trpc-to-openapi wraps optional query parameters, which hides their meta).
 */
function documentParameters(document: OpenAPIObject): void {
  for (const { operation } of operationsOf(document)) {
    for (const parameter of operation.parameters ?? []) {
      if ('$ref' in parameter || !parameter.schema || '$ref' in parameter.schema) continue;
      const { description, example: value } = parameter.schema;
      if (description !== undefined) parameter.description ??= description;
      if (value !== undefined) parameter.example ??= value;
    }
  }
}

function declaredErrors(meta: RouteMeta | undefined): Record<number, string> {
  const declared = meta?.errorResponses ?? {};
  if (!Array.isArray(declared)) return { ...declared };
  return Object.fromEntries(declared.map((status) => [status, ERROR_DESCRIPTIONS[status] ?? `HTTP ${status}`]));
}

/**
 * Replaces trpc-to-openapi's error responses. Its `error.<CODE>` schemas
 * forbid the `data` our error bodies carry (additionalProperties: false),
 * list an `issues` field we never send, and are cached per code, so every
 * route showed the first route's description ("Bad credentials" on every
 * 401). It also cannot put headers on errors (`responseHeaders` is for the
 * 200 response only), and knows nothing of what the server adds around the
 * procedures: malformed JSON (400) and oversized bodies (413) on every POST,
 * an unreachable database (503) and unexpected errors (500) everywhere.
 */
function documentErrorResponses(document: OpenAPIObject, metas: Map<string, RouteMeta>): void {
  for (const { path, method, operation } of operationsOf(document)) {
    const declared = declaredErrors(metas.get(`${method} ${path}`));
    const errors = { ...declared };
    // The server parses a JSON body (if any) on every POST before the procedure runs.
    const hasJsonBody = method === 'post' || method === 'put' || method === 'patch';
    if (hasJsonBody) {
      errors[400] = declared[400] ? `${declared[400]}; or malformed JSON` : MALFORMED_JSON_DESCRIPTION;
      errors[413] ??= BODY_TOO_LARGE_DESCRIPTION;
    }
    errors[503] ??= DATABASE_DOWN_DESCRIPTION;
    errors[500] ??= UNEXPECTED_DESCRIPTION;

    const responses: Responses = { 200: operation.responses?.[200] };
    for (const [key, description] of Object.entries(errors)) {
      const status = Number(key);
      // Invalid-input examples only where the procedure declares a 400.
      const isOnlyMalformedJson = status === 400 && declared[400] === undefined;
      const examples = {
        ...(isOnlyMalformedJson
          ? {}
          : (ROUTE_ERROR_EXAMPLES[operation.operationId ?? '']?.[status] ?? ERROR_EXAMPLES[status])),
        ...(hasJsonBody && status === 400 ? { malformedJson: MALFORMED_JSON } : {}),
      };
      responses[key] = errorResponse(description, examples, status === 429);
    }
    operation.responses = responses;
  }
  const schemas = document.components?.schemas ?? {};
  for (const name of Object.keys(schemas)) {
    if (name.startsWith('error.')) delete schemas[name];
  }
}

function errorResponse(description: string, examples: NamedErrorExamples, hasRetryAfter: boolean) {
  const entries = Object.entries(examples);
  // One example as `example`; several as named `examples` (a menu in Swagger UI).
  const [only] = entries.length === 1 ? entries : [];
  return {
    description,
    ...(hasRetryAfter ? { headers: { 'Retry-After': RETRY_AFTER_HEADER } } : {}),
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        ...(only
          ? { example: only[1] }
          : entries.length > 1
            ? {
                examples: Object.fromEntries(entries.map(([name, value]) => [name, { summary: value.message, value }])),
              }
            : {}),
      },
    },
  };
}
