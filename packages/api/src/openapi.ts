import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import {
  type DeclaredError,
  type ErrorExample,
  errorExample as example,
  type ProcedureContract,
  procedureContracts,
} from './contract.js';
import { REFRESH_COOKIE_NAME, SESSION_MODE_HEADER } from './cookie-mode.js';
import { errorSchema, MAX_REFRESH_TOKEN_LENGTH } from './fields.js';
import { appRouter } from './root.js';

type Operation = NonNullable<NonNullable<OpenAPIObject['paths']>[string]['get']>;
type Responses = NonNullable<Operation['responses']>;
type NamedErrorExamples = Record<string, ErrorExample>;

/** The tags with a description of their own; a router's new tag is listed after them, described by its name. */
const TAGS = [
  {
    name: 'auth',
    description:
      'Accounts and sessions: register, sign in (with a password or an identity provider), refresh, sign out, recover by email',
  },
  { name: 'users', description: 'Users, for anyone signed in' },
  { name: 'admin', description: 'What admins do to other users: roles, disabling' },
  { name: 'passkeys', description: 'Your passkeys: add, list, remove (signing in with one is under auth)' },
  { name: 'mfa', description: 'Your second factor: an authenticator app (TOTP) and recovery codes' },
];

/** What each error status means, said once: a procedure says its own words only where these are too vague. */
const ERROR_DESCRIPTIONS = {
  400: 'Invalid input; the message names the field',
  401: 'Missing, malformed, expired or revoked access token',
  403: 'Signed in without the admin role',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  415: 'A request body that is not JSON: send `Content-Type: application/json`',
  429: 'Too many requests; wait for `Retry-After` seconds',
  500: 'Unexpected error; the body carries no internals',
  503: 'The database is unreachable; try again shortly',
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Further reasons for a status, added by what the server does around the procedures. */
const MALFORMED_JSON_REASON = 'malformed JSON in the request body';
const SESSION_MODE_REASON = `an \`${SESSION_MODE_HEADER}\` other than \`cookie\` or \`bearer\``;
const FOREIGN_ORIGIN_REASON = `cookie mode (\`${SESSION_MODE_HEADER}: cookie\`) from an origin the server does not allow`;
const NO_EMAIL_REASON = 'Email is not configured on this server';

/** Real messages of this API, by status: the examples unless a procedure has its own. */
const ERROR_EXAMPLES: Record<ErrorStatus, NamedErrorExamples> = {
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
  415: { notJson: example('Unsupported content-type "text/plain', 'UNSUPPORTED_MEDIA_TYPE') },
  429: { throttled: example('Too many failed logins; try again in 30 s', 'TOO_MANY_REQUESTS') },
  500: { internal: example('Internal server error', 'INTERNAL_SERVER_ERROR') },
  503: { databaseDown: example('The database is unavailable; try again shortly', 'SERVICE_UNAVAILABLE') },
};
const FOREIGN_ORIGIN = example(
  'Cookie sessions are refused from this origin (not the server’s, not allowed)',
  'FORBIDDEN',
);
const BAD_SESSION_MODE = example(`${SESSION_MODE_HEADER}: must be "cookie" or "bearer"`, 'BAD_REQUEST');
const NO_EMAIL = example('Email is not configured on this server (SMTP_URL is not set)', 'SERVICE_UNAVAILABLE');

const MALFORMED_JSON = example('Malformed JSON in the request body', 'PARSE_ERROR');

const RETRY_AFTER_HEADER = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
  example: 30,
} as const;

/**
 * The OpenAPI 3 document of every REST route, generated from the procedures'
 * meta and zod schemas, then completed from each procedure's contract
 * (contract.ts) where trpc-to-openapi falls short.
 */
export function createOpenApiDocument(baseUrl: string): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
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
  const contracts = new Map(procedureContracts(appRouter).map((contract) => [contract.operationId, contract]));
  const operations = operationsOf(document).flatMap((entry) => {
    const contract = contracts.get(entry.operation.operationId ?? '');
    return contract ? [{ ...entry, contract }] : [];
  });
  document.tags = tagsOf(operations.map(({ operation }) => operation));
  document.info.license = { name: 'MIT', identifier: 'MIT' };
  for (const { operation, contract } of operations) {
    // An operation without `security` inherits the document's (none here), which
    // tools read as "not said": a public one says `security: []` outright.
    if (contract.access === 'public') operation.security = [];
    documentParameters(operation);
    documentErrorResponses(operation, contract);
    documentCookieMode(operation, contract);
  }
  documentNavigationRoutes(document);
  const schemas = document.components?.schemas ?? {};
  for (const name of Object.keys(schemas)) {
    if (name.startsWith('error.')) delete schemas[name];
  }
  return document;
}

/**
 * The routes of a sign-in with an identity provider that are browser
 * navigations, not procedures (the server serves them beside the REST
 * bridge): they answer redirects. Listed here so the document stays the
 * whole truth, and so the server and the tests take their paths from one place.
 */
export const OIDC_NAVIGATION_ROUTES = {
  start: { method: 'GET', path: '/auth/oidc/{provider}/start' },
  callback: { method: 'GET', path: '/auth/oidc/{provider}/callback' },
} as const;

const PROVIDER_PARAMETER = {
  name: 'provider',
  in: 'path',
  required: true,
  description: 'The identity provider, as configured (OIDC_PROVIDERS; `GET /auth/oidc/providers` lists them)',
  schema: { type: 'string', maxLength: 40 },
  example: 'google',
} as const;

const FLOW_COOKIE_DESCRIPTION =
  'The flow cookie (`__Host-oidc_flow`; `oidc_flow` over plain http in development): HttpOnly, SameSite=Lax, 10 minutes. Its value names the flow held by the server (state, nonce, PKCE verifier); the callback clears it.';

function documentNavigationRoutes(document: OpenAPIObject): void {
  const error = (status: ErrorStatus, description: string, examples: NamedErrorExamples) =>
    errorResponse(description, examples, status === 429);
  const common = {
    404: error(404, 'No identity provider of that name is configured', {
      noProvider: example('No identity provider named "acme" is configured', 'NOT_FOUND'),
    }),
    500: error(500, ERROR_DESCRIPTIONS[500], ERROR_EXAMPLES[500]),
    503: error(503, 'The database or the identity provider is unreachable; try again shortly', {
      ...ERROR_EXAMPLES[503],
      providerDown: example('The identity provider "google" could not be reached', 'SERVICE_UNAVAILABLE'),
    }),
  };
  const paths = document.paths ?? {};
  document.paths = paths;
  paths[OIDC_NAVIGATION_ROUTES.start.path] = {
    get: {
      operationId: 'oidc-start',
      tags: ['auth'],
      summary: 'Sign in with an identity provider (a browser navigation)',
      description:
        'Navigate the browser here (a "Continue with …" button): it is sent to the provider with an authorization code request (PKCE S256, `state`, `nonce`). With `link` (from `POST /users/me/linked-accounts/{provider}`) the flow links the provider account to the signed-in user instead; the browser must carry that user’s session cookie (cookie mode).',
      security: [],
      parameters: [
        PROVIDER_PARAMETER,
        {
          name: 'link',
          in: 'query',
          required: false,
          description: 'The one-time ticket of a `user.linkStart` URL (5 minutes)',
          schema: { type: 'string', maxLength: 2048 },
        },
      ],
      responses: {
        302: {
          description: `To the provider's authorization endpoint. ${FLOW_COOKIE_DESCRIPTION}`,
          headers: {
            Location: { description: "The provider's authorization URL", schema: { type: 'string' } },
            'Set-Cookie': {
              description: 'The flow cookie',
              schema: { type: 'string' },
              example: '__Host-oidc_flow=Qm9…; Max-Age=600; Path=/; HttpOnly; Secure; SameSite=Lax',
            },
          },
        },
        400: error(400, 'A `link` ticket that is invalid, expired or used', {
          badLink: example('link: is invalid, expired or used; start the link again', 'BAD_REQUEST'),
        }),
        403: error(403, 'A `link` opened in a browser not signed in (cookie mode) to the account it links', {
          otherBrowser: example(
            'A link must be opened in the browser signed in to the account it links to',
            'FORBIDDEN',
          ),
        }),
        ...common,
      },
    },
  };
  paths[OIDC_NAVIGATION_ROUTES.callback.path] = {
    get: {
      operationId: 'oidc-callback',
      tags: ['auth'],
      summary: "The identity provider's redirect back (a browser navigation)",
      description:
        'The redirect URI registered at the provider. The flow named by the flow cookie is spent (one callback each); the provider code is exchanged with the PKCE verifier and the ID token checked (signature, issuer, audience, nonce, expiry). Then the browser goes to the app: `APP_URL#/signed-in?code=…` (a one-time code for `POST /auth/oidc/exchange`, 60 seconds) for a known or a new account; `#/signed-in?link=required&provider=…` when the provider vouches for an email that a local account has verified (nothing is linked: sign in to that account, then link the provider from it); `#/signed-in?linked=…` after a link; `#/signed-in?error=…&provider=…` (`provider_refused`, `already_linked`). Budgeted per client address (THROTTLE_OIDC_PER_ADDRESS).',
      security: [],
      parameters: [
        PROVIDER_PARAMETER,
        {
          name: 'code',
          in: 'query',
          required: false,
          description: "The provider's code",
          schema: { type: 'string', maxLength: 2048 },
        },
        {
          name: 'state',
          in: 'query',
          required: false,
          description: 'The flow’s state',
          schema: { type: 'string', maxLength: 2048 },
        },
        {
          name: 'error',
          in: 'query',
          required: false,
          description: 'The provider’s error (the person declined)',
          schema: { type: 'string', maxLength: 2048 },
        },
      ],
      responses: {
        302: {
          description: `To the app's \`#/signed-in\` screen (APP_URL); the flow cookie is cleared. ${FLOW_COOKIE_DESCRIPTION}`,
          headers: {
            Location: {
              description: 'The app URL',
              schema: { type: 'string' },
              example: 'https://app.example.com/#/signed-in?code=Jx4cV0aQ9pL2mN7bR5tY8uI1oP3sD6fG0hK2jL4zX6c',
            },
          },
        },
        400: error(
          400,
          'No flow in this browser (no flow cookie, expired or spent), a `state` that is not the flow’s, or a code or ID token the checks refuse',
          {
            noFlow: example(
              'state: no sign-in with this provider is in progress in this browser (or it expired); start again',
              'BAD_REQUEST',
            ),
            badIdToken: example(
              'The identity provider\'s answer was refused: unexpected JWT claim value encountered: unexpected JWT "aud" (audience) claim value',
              'BAD_REQUEST',
            ),
          },
        ),
        429: error(429, 'Too many sign-ins from this address; wait for `Retry-After` seconds', {
          throttled: example('Too many sign-ins from this address; try again in 30 s', 'TOO_MANY_REQUESTS'),
        }),
        ...common,
      },
    },
  };
}

/** The described tags first, in their order, then any other a procedure names. */
function tagsOf(operations: Operation[]): { name: string; description: string }[] {
  const named = new Set(operations.flatMap((operation) => operation.tags ?? []));
  const described = TAGS.filter((tag) => named.has(tag.name)).map((tag) => ({ ...tag }));
  const others = [...named]
    .filter((name) => !TAGS.some((tag) => tag.name === name))
    .map((name) => ({ name, description: `${name.charAt(0).toUpperCase()}${name.slice(1)} procedures` }));
  return [...described, ...others];
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
 * Cookie mode, which trpc-to-openapi cannot express: what the procedure's
 * `cookieMode` says, in words, the `X-Session-Mode` header parameter, the
 * cookie a response sets (or clears on logout) and the cookie refresh reads.
 */
function documentCookieMode(operation: Operation, { meta }: ProcedureContract): void {
  const mode = meta.cookieMode;
  if (!mode) return;
  const said = {
    sets: `With \`${SESSION_MODE_HEADER}: cookie\` (browser apps), the refresh token is set as an HttpOnly cookie instead of returned in the body.`,
    reads: `With \`${SESSION_MODE_HEADER}: cookie\` and no \`refreshToken\` in the body (send \`{}\`), the refresh token cookie is read, and the new one is set as that cookie instead of returned; without the header the cookie is never read (403).`,
    clears: `With \`${SESSION_MODE_HEADER}: cookie\`, the refresh token cookie is cleared too.`,
  }[mode];
  operation.description = operation.description ? `${operation.description} ${said}` : said;
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
  const isSet = mode !== 'clears';
  const success = operation.responses?.[200];
  if (success && !('$ref' in success)) {
    success.headers = {
      ...success.headers,
      'Set-Cookie': {
        description: isSet
          ? `In cookie mode only: \`${REFRESH_COOKIE_NAME.secure}=<refreshToken>; Max-Age=<its remaining seconds>; Path=/; HttpOnly; SameSite=Strict; Secure\``
          : `In cookie mode only: \`${REFRESH_COOKIE_NAME.secure}=; Max-Age=0; …\`, which clears the cookie`,
        schema: { type: 'string' },
        example: isSet
          ? `${REFRESH_COOKIE_NAME.secure}=eyJhbGciOi…; Max-Age=2592000; Path=/; HttpOnly; SameSite=Strict; Secure`
          : `${REFRESH_COOKIE_NAME.secure}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure`,
      },
    };
  }
  if (mode === 'reads') {
    operation.parameters.push({
      name: REFRESH_COOKIE_NAME.secure,
      in: 'cookie',
      required: false,
      description: `Read in cookie mode when the body has no \`refreshToken\` (\`${REFRESH_COOKIE_NAME.plain}\` over plain http in development). Set by the server; no script can read it.`,
      schema: { type: 'string', maxLength: MAX_REFRESH_TOKEN_LENGTH },
    });
  }
}

/**
 * Shows each parameter's description and example where Swagger UI and
 * Postman look for them: on the parameter, not only inside its schema
 * (trpc-to-openapi wraps optional query parameters, which hides their meta).
 */
function documentParameters(operation: Operation): void {
  for (const parameter of operation.parameters ?? []) {
    if ('$ref' in parameter || !parameter.schema || '$ref' in parameter.schema) continue;
    const { description, example: value } = parameter.schema;
    if (description !== undefined) parameter.description ??= description;
    if (value !== undefined) parameter.example ??= value;
  }
}

/** One status of a route: its reasons (joined into the description) and its examples. */
interface ErrorEntry {
  reasons: string[];
  examples: NamedErrorExamples;
}

/**
 * Every error status a route can answer, from its contract: what the
 * procedure declares, what its builder implies (401 when signed in, 403 for
 * admins), what its flags imply (429 throttled, 403 cookie mode, 503 email)
 * and what the server adds around every procedure: 400 for input or an
 * unknown `X-Session-Mode`, 403 for cookie mode from a foreign origin (the
 * base middleware refuses both on every procedure), 400 malformed JSON, 413
 * and 415 wherever there is a body, 503 when the database is down, 500.
 */
export function errorStatusesOf(contract: ProcedureContract, hasInput: boolean): Map<number, ErrorEntry> {
  const { meta, access, method } = contract;
  const declared: Partial<Record<number, DeclaredError>> = meta.errors ?? {};
  const entries = new Map<number, ErrorEntry>();
  const add = (status: ErrorStatus, reason: string | undefined, examples: NamedErrorExamples = {}) => {
    const entry = entries.get(status) ?? { reasons: [], examples: {} };
    if (reason !== undefined && !entry.reasons.includes(reason)) entry.reasons.push(reason);
    entry.examples = { ...entry.examples, ...examples };
    entries.set(status, entry);
  };
  const own = (status: ErrorStatus, isImplied: boolean) => {
    const said = declared[status];
    if (!said && !isImplied) return;
    add(status, said?.description ?? ERROR_DESCRIPTIONS[status], said?.examples ?? ERROR_EXAMPLES[status]);
  };
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  // A DELETE takes no input from a body, but the server's JSON parser still reads one sent
  // with it: malformed, too large or in an unknown encoding, it is refused as on a POST.
  const readsBody = hasBody || method === 'DELETE';

  own(400, hasInput);
  if (readsBody) add(400, MALFORMED_JSON_REASON, { malformedJson: MALFORMED_JSON });
  add(400, SESSION_MODE_REASON, { badSessionMode: BAD_SESSION_MODE });
  own(401, access !== 'public');
  own(403, access === 'admin');
  add(403, FOREIGN_ORIGIN_REASON, { foreignOrigin: FOREIGN_ORIGIN });
  own(404, false);
  own(409, false);
  if (readsBody) {
    own(413, true);
    own(415, true);
  }
  own(429, meta.isThrottled === true);
  if (meta.sendsEmail) add(503, NO_EMAIL_REASON, { noEmail: NO_EMAIL });
  own(503, true);
  own(500, true);
  return new Map([...entries].sort(([a], [b]) => a - b));
}

/** "A; or b; or c": the first reason as written, the others after it. */
function descriptionOf(reasons: string[]): string {
  const [first = '', ...rest] = reasons;
  const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
  return [sentence(first), ...rest.map((text) => `or ${text.charAt(0).toLowerCase()}${text.slice(1)}`)].join('; ');
}

/**
 * Replaces trpc-to-openapi's error responses. Its `error.<CODE>` schemas
 * forbid the `data` our error bodies carry (additionalProperties: false),
 * list an `issues` field we never send, and are cached per code, so every
 * route showed the first route's description. It also cannot put headers on
 * errors (`responseHeaders` is for the 200 response only), and knows nothing
 * of what the server adds around the procedures.
 */
function documentErrorResponses(operation: Operation, contract: ProcedureContract): void {
  const hasInput =
    operation.requestBody !== undefined ||
    (operation.parameters ?? []).some((p) => !('$ref' in p) && p.in !== 'header');
  const responses: Responses = { 200: operation.responses?.[200] };
  for (const [status, { reasons, examples }] of errorStatusesOf(contract, hasInput)) {
    responses[String(status)] = errorResponse(descriptionOf(reasons), examples, status === 429);
  }
  operation.responses = responses;
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
