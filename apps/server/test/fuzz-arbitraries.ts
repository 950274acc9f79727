/**
 * The generators of the fuzz tests (fuzz.test.ts): what requests look like,
 * from near-valid to hostile. Requests carry placeholders (`@@ACCESS@@`…)
 * that the test fills in with a live session when the case runs.
 */

import { appRouter, createOpenApiDocument, OIDC_NAVIGATION_ROUTES, procedureContracts, TokenService } from '@repo/api';
import fc from 'fast-check';
import type { OpenAPIObject } from 'trpc-to-openapi';
import { MAX_BATCH_SIZE } from '../src/app.js';
import { apiConfig, PASSWORD } from './helpers.js';
import type { RawRequest } from './raw-http.js';

// ---------------------------------------------------------------------------
// What is fuzzed: every procedure, with its REST route and input fields, read
// off the router's contracts (fuzz.test.ts checks them against the router).

type OpenApiOperation = NonNullable<NonNullable<OpenAPIObject['paths']>[string]['post']>;

export interface Target {
  type: 'query' | 'mutation';
  rest: { method: 'GET' | 'POST' | 'DELETE'; path: string };
  fields: readonly string[];
}

/** The input fields of a route, as its OpenAPI operation shows them (body, query and path). */
function fieldsOf(operation: OpenApiOperation | undefined): string[] {
  const body = operation?.requestBody;
  const schema = body && !('$ref' in body) ? body.content['application/json']?.schema : undefined;
  const properties = schema && !('$ref' in schema) ? Object.keys(schema.properties ?? {}) : [];
  const parameters = (operation?.parameters ?? []).flatMap((p) =>
    '$ref' in p || p.in === 'header' || p.in === 'cookie' ? [] : [p.name],
  );
  return [...new Set([...properties, ...parameters])];
}

/** Every procedure, derived from the router: a new procedure is fuzzed without an edit here. */
export const TARGETS: Record<string, Target> = (() => {
  const document = createOpenApiDocument('/api');
  return Object.fromEntries(
    procedureContracts(appRouter).map((contract) => [
      contract.path,
      {
        type: contract.type,
        rest: {
          method: contract.method === 'GET' || contract.method === 'DELETE' ? contract.method : 'POST',
          path: `/api${contract.route}`,
        },
        fields: fieldsOf(
          document.paths?.[contract.route]?.[contract.method.toLowerCase() as 'get' | 'post' | 'delete'],
        ),
      },
    ]),
  );
})();
export const PROCEDURE_PATHS = Object.keys(TARGETS);

/** The documented routes that are no procedure: the browser navigations of an identity-provider sign-in. */
export const NAVIGATION_ROUTES = Object.values(OIDC_NAVIGATION_ROUTES).map((route) => ({
  method: route.method,
  path: `/api${route.path}`,
}));

/** Routes outside the procedures, fuzzed too. */
export const OTHER_ROUTES = [
  '/healthz',
  '/readyz',
  '/api/openapi.json',
  '/api/docs',
  '/api/docs/assets/{file}',
  ...NAVIGATION_ROUTES.map((route) => route.path.replace('{provider}', '{file}')),
  '/nope',
];

// ---------------------------------------------------------------------------
// Run-time values: placeholders in generated requests, replaced when a case
// runs, so each case that wants a real session gets a fresh one of its own
// (a case that logs out or changes the password spoils nothing for the next).

export const ACTOR_ID = '@@ACTOR_ID@@';
export const ACTOR_NAME = '@@ACTOR_NAME@@';
export const ACCESS = '@@ACCESS@@';
export const REFRESH = '@@REFRESH@@';
export const REVOKED_ACCESS = '@@REVOKED_ACCESS@@';
export const REVOKED_REFRESH = '@@REVOKED_REFRESH@@';
export const PLACEHOLDER = /@@[A-Z_]+@@/;

// Tokens made without the server: ours, with made-up claims, and foreign ones.
export const ourTokens = new TokenService(apiConfig);
export const foreignTokens = new TokenService({
  ...apiConfig,
  accessSecret: 'a-foreign-access-secret-of-32-bytes-or-more',
  refreshSecret: 'a-foreign-refresh-secret-of-32-bytes-or-more',
});
export const HOURS_AGO = () => new Date(Date.now() - 3 * 3_600_000);
export const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

// ---------------------------------------------------------------------------
// Arbitraries.

export const POLLUTION_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
] as const;
export const ALL_FIELDS = [
  'username',
  'password',
  'refreshToken',
  'limit',
  'cursor',
  'id',
  'currentPassword',
  'newPassword',
  'email',
  'token',
];

/** Characters that break naive code: NUL, lone surrogates, astral, combining, RTL, BOM, separators. */
export const nastyChar = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d',
  '😀',
  '𝕏',
  'e\u0301',
  '\u0301',
  '\u202e',
  '\u200f',
  'ع',
  '\ufeff',
  '\uffff',
  '\u2028',
  '\u0085',
  'ß',
  'é',
  "'",
  '"',
  '\\',
  '%',
  '/',
  '..',
  '?',
  '#',
  '&',
  '=',
  '+',
  ';',
  ' ',
  '\n',
  '\r\n',
  '\t',
  '$',
  '{',
  '*',
  '_',
);
export const nastyString = fc
  .array(fc.oneof(nastyChar, fc.string({ maxLength: 4 })), { maxLength: 24 })
  .map((parts) => parts.join(''));

/** Over the limits: 41 (username), 65 (ids), 73 (password), 4 097 (refresh token), 20 kB, 200 kB. */
export const hugeString = fc
  .tuple(fc.constantFrom(41, 65, 73, 4097, 20_000, 200_000), fc.constantFrom('x', 'é', '😀', '\u0000', '%'))
  .map(([length, unit]) => unit.repeat(length));

export const anyString = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 3, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.constantFrom(...POLLUTION_KEYS) },
  { weight: 1, arbitrary: hugeString },
);

/** Printable Latin-1: what Node lets a client put in a header value. */
export const latin1 = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
    .map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

export const validUsername = fc.stringMatching(/^[A-Za-z0-9_.-]{3,40}$/);

/** Made-up claims for tokens signed with our own secret (NUL included). */
export const claim = anyString.map((s) => s.slice(0, 4000));

/** Tokens that look right and are wrong, and plain garbage. */
export const badToken = fc.oneof(
  fc.constantFrom(REVOKED_ACCESS, REVOKED_REFRESH, REFRESH, '', 'null', 'undefined', 'Bearer', '.', '..', 'a.b.c'),
  fc
    .tuple(claim, claim)
    .map(([userId, sessionId]) => ourTokens.issueAccessToken({ userId, sessionId }, new Date()).token),
  fc
    .constant(null)
    .map(() => ourTokens.issueAccessToken({ userId: 'nobody', sessionId: 'nothing' }, HOURS_AGO()).token),
  fc
    .tuple(claim, claim, claim)
    .map(
      ([userId, sessionId, tokenId]) => ourTokens.issueRefreshToken({ userId, sessionId }, tokenId, new Date()).token,
    ),
  fc.constant(null).map(() => foreignTokens.issueAccessToken({ userId: 'u', sessionId: 's' }, new Date()).token),
  fc.constant(null).map(() => foreignTokens.issueRefreshToken({ userId: 'u', sessionId: 's' }, 't', new Date()).token),
  // alg "none", and headers and payloads that are not JSON or not objects.
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }))
    .map(([header, payload]) => `${b64({ alg: 'none', ...(header as object) })}.${b64(payload)}.`),
  fc
    .tuple(nastyString, nastyString, nastyString)
    .map((parts) => parts.map((p) => Buffer.from(p).toString('base64url')).join('.')),
  nastyString,
);

/** The Authorization header: none, the real thing, wrong tokens, wrong schemes, garbage, 20 kB. */
export const authorization: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.constant(`Bearer ${ACCESS}`) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom('Bearer ', 'bearer ', 'BEARER  ', 'Bearer\t', 'Basic ', 'Token ', ''), badToken)
      .map(([scheme, token]) => toHeaderValue(`${scheme}${token}`)),
  },
  { weight: 2, arbitrary: latin1 },
  {
    weight: 1,
    arbitrary: fc.constantFrom(`Bearer ${ACCESS} extra`, `Bearer ${ACCESS}x`, `Bearer ${'A'.repeat(20_000)}`),
  },
);

/** Header values carry Latin-1 only: anything else becomes its UTF-8 bytes read as Latin-1 (as browsers send). */
export function toHeaderValue(s: string): string {
  const allowed = (code: number) => code === 0x09 || (code >= 0x20 && code !== 0x7f && code <= 0xff);
  return [...Buffer.from(s, 'utf8').toString('latin1')].map((c) => (allowed(c.charCodeAt(0)) ? c : ' ')).join('');
}

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 16, arbitrary: fc.constant('application/json') },
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=utf-16',
      'application/json; charset=bogus',
      'application/json;;;=',
      'application/jsonx',
      'application/vnd.api+json',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'multipart/form-data',
      'application/octet-stream',
      '*/*',
      'json',
    ),
  },
  { weight: 1, arbitrary: latin1 },
);

/** JSON text (not values: `__proto__` keys must reach the server as written). */
export const scalarJson = fc.oneof(
  fc.constantFrom(
    'null',
    'true',
    'false',
    '0',
    '-0',
    '1',
    '-1',
    '1.5',
    '1e309',
    '-1e309',
    '1e-400',
    '12345678901234567890123',
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  anyString.map((s) => JSON.stringify(s)),
);
export const objectKey = fc.oneof(
  fc.constantFrom(...POLLUTION_KEYS),
  fc.constantFrom(...ALL_FIELDS),
  fc.constantFrom('role', 'isAdmin', 'id', '0', '1', ''),
  nastyString,
);
export const { json } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarJson, tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc
    .array(fc.tuple(objectKey, tie('json')), { maxLength: 5 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
}));

/** Deep nesting: under the body limit (the JSON parses) and over it. */
export const deepJson = fc
  .tuple(fc.integer({ min: 20, max: 60_000 }), fc.constantFrom('[', '{"a":', '{"__proto__":', '[{"x":'), fc.boolean())
  .map(([depth, open, wrapped]) => {
    const close = open === '[' ? ']' : open === '[{"x":' ? '}]' : '}';
    const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return wrapped ? `{"username":${deep},"password":${deep}}` : deep;
  });

export const malformedJson = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '{',
    '[',
    '}',
    '{"username":',
    '{"a":1,}',
    "{'a':1}",
    '{a:1}',
    'undefined',
    'NaN',
    '\ufeff{}',
    '{"a":"\\x41"}',
    '{"a":"\\ud800"}',
    '{"a":"\u0000"}',
    '"just a string"',
    '[]',
    '{}{}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"__proto__":[],"username":"abc","password":"12345678"}',
  ),
  // A valid document cut short or with a byte flipped.
  fc.tuple(json, fc.nat(), fc.constantFrom('', '"', '{', ',', '\\', '\u0000')).map(([text, at, insert]) => {
    const cut = text.length ? at % text.length : 0;
    return `${text.slice(0, cut)}${insert}`;
  }),
);

/** Values for the fields an input schema knows, plausible and not. */
export function fieldValue(field: string): fc.Arbitrary<string> {
  const plausible: Record<string, fc.Arbitrary<string>> = {
    username: fc.oneof(validUsername, fc.constantFrom(ACTOR_NAME, 'ab', 'a'.repeat(41))),
    password: fc.constantFrom(
      PASSWORD,
      'é'.repeat(36),
      'é'.repeat(37),
      'x'.repeat(72),
      'x'.repeat(73),
      '1234567',
      '😀😀',
    ),
    currentPassword: fc.constantFrom(PASSWORD, 'wrong password', ''),
    newPassword: fc.constantFrom(
      'a brand new passphrase',
      PASSWORD,
      'short',
      'x'.repeat(73),
      '\ud800\ud800\ud800\ud800x',
    ),
    refreshToken: fc.oneof(fc.constantFrom(REFRESH, ACCESS, REVOKED_REFRESH), badToken),
    email: fc.constantFrom(
      'alice@example.com',
      'ALICE@Example.com',
      'no-at-sign',
      '@',
      'a@b',
      `${'a'.repeat(250)}@x.io`,
    ),
    token: fc.oneof(fc.constantFrom('x'.repeat(43), REFRESH, '', '-_-'), badToken),
    limit: fc.constantFrom(1, 20, 100, 101, 0, -1, 1.5, 1e308).map(String),
    cursor: fc.constantFrom(ACTOR_ID, '00000000-0000-7000-8000-000000000000', 'zzzz', ''),
    id: fc.constantFrom(ACTOR_ID, '00000000-0000-7000-8000-000000000000', 'me', ''),
  };
  const asJson = (plausible[field] ?? anyString).map((v) =>
    field === 'limit' && /^-?[\d.e]+$/.test(v) ? v : JSON.stringify(v),
  );
  return fc.oneof(
    { weight: 5, arbitrary: asJson },
    { weight: 3, arbitrary: scalarJson },
    { weight: 1, arbitrary: json },
  );
}

/** An input object for a target: mostly its own fields, sometimes others and pollution keys. */
export function inputObject(fields: readonly string[]): fc.Arbitrary<string> {
  const own = fields.map((f) => fieldValue(f).map((v) => [f, v] as const));
  const extra = fc.tuple(objectKey, json).map(([k, v]) => [k, v] as const);
  return fc
    .tuple(fc.tuple(...own.map((a) => fc.option(a, { freq: 5 }))), fc.array(extra, { maxLength: 3 }))
    .map(([mine, others]) => {
      const entries = [...mine.filter((e) => e !== null), ...others];
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
    });
}

/** Values that pass the schemas (so calls reach the services), for near-valid inputs. */
export const VALID_VALUES: Record<string, fc.Arbitrary<string>> = {
  username: fc.oneof(validUsername, fc.constant(ACTOR_NAME)),
  password: fc.constant(PASSWORD),
  currentPassword: fc.constant(PASSWORD),
  newPassword: fc.constantFrom('a brand new passphrase', 'é'.repeat(36)),
  refreshToken: fc.constant(REFRESH),
  limit: fc.constantFrom('1', '20', '100'),
  cursor: fc.constant(ACTOR_ID),
  id: fc.constant(ACTOR_ID),
};

/** A valid input with a mutation or two: one field wrong, an extra (pollution) key. */
export function nearValidObject(fields: readonly string[]): fc.Arbitrary<string> {
  const own = fields.map((f) =>
    fc
      .oneof(
        { weight: 6, arbitrary: (VALID_VALUES[f] ?? anyString).map((v) => (f === 'limit' ? v : JSON.stringify(v))) },
        { weight: 1, arbitrary: fieldValue(f) },
      )
      .map((v) => [f, v] as const),
  );
  const extra = fc
    .tuple(fc.oneof(fc.constantFrom(...POLLUTION_KEYS, 'role'), objectKey), json)
    .map(([k, v]) => [k, v] as const);
  return fc
    .tuple(fc.tuple(...own), fc.array(extra, { maxLength: 2 }))
    .map(([mine, others]) => `{${[...mine, ...others].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
}

/** Bytes that are not UTF-8: overlong, CESU surrogates, stray continuation bytes. */
export const invalidUtf8Body = fc
  .constantFrom([0xff, 0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80])
  .map((bytes) =>
    Buffer.concat([Buffer.from('{"username":"ab'), Buffer.from(bytes), Buffer.from('c","password":"12345678"}')]),
  );

export function body(fields: readonly string[]): fc.Arbitrary<string | Buffer | undefined> {
  return fc.oneof(
    { weight: 10, arbitrary: nearValidObject(fields) },
    { weight: 6, arbitrary: inputObject(fields) },
    { weight: 3, arbitrary: json },
    { weight: 3, arbitrary: malformedJson },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: hugeString.map((s) => JSON.stringify({ username: s, password: s })) },
    { weight: 1, arbitrary: invalidUtf8Body },
    { weight: 2, arbitrary: fc.constant(undefined) },
  );
}

/** A path or query piece: encoded text, raw odd bytes, traversal, bad percent-encoding, very long. */
export const urlPiece = fc.oneof(
  { weight: 4, arbitrary: anyString.map(inUrl) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '%00',
      '..%2f',
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e',
      '..',
      '.',
      '%E0%A4%A',
      '%',
      '%%',
      '%zz',
      '%ED%A0%80',
      '%C0%AF',
      '%F0%9F%98%80',
      '__proto__',
      'constructor',
      'prototype',
      '%5B%5D',
      '[]',
      '{id}',
      'me',
      '%6D%65',
      ACTOR_ID,
    ),
  },
  { weight: 1, arbitrary: latin1.map((s) => s.replace(/[\s?#]/g, '_')).filter((s) => s.length > 0) },
  { weight: 1, arbitrary: fc.constantFrom(65, 1000, 17_000).map((n) => 'x'.repeat(n)) },
);

export function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Text for a URL, percent-encoded and cut at 24 000 characters: well over the
 * 16 KiB head limit (Node answers 431), yet small enough that the client has
 * written it all before the server closes the connection.
 */
export function inUrl(text: string): string {
  return encodeURIComponent(toWellFormed(text)).slice(0, 24_000);
}

export function toWellFormed(s: string): string {
  // encodeURIComponent throws on lone surrogates: send them as U+FFFD, as a browser would.
  return s.replace(/\p{Cs}/gu, '\ufffd');
}

export const queryKey = fc.oneof(
  fc.constantFrom('limit', 'cursor', 'input', 'batch', 'id', '__proto__', 'constructor', 'prototype'),
  fc.constantFrom('__proto__[polluted]', 'constructor[prototype][polluted]', 'limit[]', 'cursor[0]', 'a.b', ''),
  urlPiece,
);
export const queryValue = fc.oneof(
  fc.constantFrom('1', '2', '20', '100', '101', '0', '-1', '1e3', 'NaN', 'Infinity', '', 'true', '[1]', ACTOR_ID),
  urlPiece,
);
/** `?…` with repeated keys (`limit=1&limit=2`), empty pairs, bare keys. */
export const queryString = fc
  .array(fc.tuple(queryKey, fc.option(queryValue, { freq: 6 })), { maxLength: 6 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&')}` : ''));

/** The fields of a GET route as query parameters, mostly valid, with an odd one out or repeated. */
export function nearValidQuery(fields: readonly string[]): fc.Arbitrary<string> {
  const pair = (f: string) =>
    fc
      .oneof({ weight: 4, arbitrary: VALID_VALUES[f] ?? queryValue }, { weight: 1, arbitrary: queryValue })
      .map((v) => `${f}=${inUrl(v)}`);
  return fc
    .tuple(
      fc.tuple(...fields.map((f) => fc.option(pair(f), { freq: 4 }))),
      fc.array(fc.tuple(queryKey, queryValue), { maxLength: 2 }),
    )
    .map(([mine, others]) => {
      const parts = [...mine.filter((p) => p !== null), ...others.map(([k, v]) => `${k}=${v}`)];
      return parts.length ? `?${parts.join('&')}` : '';
    });
}

export const oddMethod = fc.constantFrom(
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'MKCOL',
  'SEARCH',
  'QUERY',
  'PURGE',
  'FOO',
  'get',
);

/** Extra headers: the odd Host, request ids, forwarded-for, encodings, a 20 kB header. */
export const extraHeaders = fc
  .record(
    {
      host: fc.constantFrom('evil.test', '[::1', '', 'a b', 'x'.repeat(300), '127.0.0.1:99999'),
      'x-request-id': fc.oneof(latin1, fc.constant('x'.repeat(200))),
      'x-forwarded-for': fc.constantFrom('zzz, ::::', '1.2.3.4', '', '999.999.999.999'),
      origin: fc.constantFrom('http://evil.test', 'null', ''),
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'zzz', 'gzip, gzip'),
      accept: fc.constantFrom('text/event-stream', 'application/jsonl', '*/*', ''),
      'trpc-accept': fc.constantFrom('application/jsonl', 'x'),
      'x-big': fc.oneof(
        { weight: 5, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constant('a'.repeat(20_000)) },
      ),
    },
    { requiredKeys: [] },
  )
  .map((headers) =>
    Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  );

/** A generated request, with a short description for fast-check's reports. */
export class Case {
  constructor(
    readonly family: string,
    readonly request: RawRequest,
    readonly gzip = false,
  ) {}
  [fc.toStringMethod](): string {
    const { method, path, headers, body: b } = this.request;
    const bodyText = b === undefined ? '' : ` body(${b.length}) ${String(b).slice(0, 300)}`;
    const h = JSON.stringify(headers ?? {}, (_k, v) =>
      typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}…(${v.length})` : v,
    );
    return `${this.family}: ${method} ${path.slice(0, 300)}${path.length > 300 ? `…(${path.length})` : ''} ${h}${bodyText}${this.gzip ? ' [gzip]' : ''}`;
  }
}

export function headersOf(auth: string | undefined, type: string | undefined, extra: Record<string, string>) {
  return {
    ...(auth !== undefined ? { authorization: auth } : {}),
    ...(type !== undefined ? { 'content-type': type } : {}),
    ...extra,
  };
}

export const maybeExtra: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: extraHeaders },
);

/** REST: the route's own method most of the time, its path with odd ids, suffixes and letter case. */
export function restCase(route: { method: string; path: string; fields: readonly string[] }): fc.Arbitrary<Case> {
  return fc
    .record({
      method: fc.oneof({ weight: 8, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: oddMethod }),
      segment: fc.oneof({ weight: 2, arbitrary: fc.constant(ACTOR_ID) }, { weight: 3, arbitrary: urlPiece }),
      suffix: fc.oneof(
        { weight: 6, arbitrary: fc.constant('') },
        { weight: 2, arbitrary: fc.constantFrom('/', '//', '/.', '/..', ';x=1', '%20', '/extra') },
      ),
      upper: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      query: fc.oneof(fc.constant(''), queryString, nearValidQuery(route.fields)),
      auth: authorization,
      type: contentType,
      body: body(route.fields),
      extra: maybeExtra,
      gzip: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    })
    .map(({ method, segment, suffix, upper, query, auth, type, body: b, extra, gzip }) => {
      let path = route.path.replace(/\{\w+\}/, segment) + suffix;
      // Upper case can leave Latin-1 ("ÿ" is "Ÿ", U+0178), which Node refuses to send: escaped, as a browser would.
      if (upper) path = path.toUpperCase().replace(/[\u0100-\u{10ffff}]/gu, (c) => encodeURIComponent(c));
      const hasBody = b !== undefined && method !== 'GET' && method !== 'HEAD';
      const encode = gzip && hasBody && extra['content-encoding'] === undefined;
      return new Case(
        'rest',
        {
          method,
          path: `${path}${query}`,
          headers: headersOf(auth, type, { ...extra, ...(encode ? { 'content-encoding': 'gzip' } : {}) }),
          ...(hasBody ? { body: b } : {}),
        },
        encode,
      );
    });
}

/** The `input` of a tRPC GET: JSON (encoded or not), malformed, or absent. */
export const trpcQueryInput = (fields: readonly string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: nearValidObject(fields).map((j) => `input=${inUrl(j)}`) },
    { weight: 4, arbitrary: inputObject(fields).map((j) => `input=${inUrl(j)}`) },
    { weight: 2, arbitrary: json.map((j) => `input=${inUrl(j)}`) },
    { weight: 2, arbitrary: malformedJson.map((j) => `input=${inUrl(j)}`) },
    { weight: 1, arbitrary: fc.constant('input=%7B&input=%7B%7D') },
    { weight: 1, arbitrary: deepJson.map((j) => `input=${inUrl(j)}`) },
    { weight: 2, arbitrary: fc.constant('') },
  );

/** Procedure names: real ones, near misses, prototype keys, encodings. */
export const trpcPath = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...PROCEDURE_PATHS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'auth',
      'user',
      'user.',
      '.me',
      'user.nope',
      'USER.ME',
      '__proto__',
      'constructor',
      'user.__proto__',
      'user.constructor',
      'toString',
      'user.me.me',
      '%00',
      '%E0%A4%A',
      'user%2Eme',
      'user.me%00',
    ),
  },
  { weight: 1, arbitrary: urlPiece },
);

/** One tRPC call: GET (queries) or POST (mutations) as clients send them, or the wrong method or an odd one. */
export function trpcSingleCase(procedure: string): fc.Arbitrary<Case> {
  const target = TARGETS[procedure] as Target;
  const natural = target.type === 'query' ? 'GET' : 'POST';
  return fc
    .record({
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constant(natural) },
        { weight: 2, arbitrary: fc.constant(natural === 'GET' ? 'POST' : 'GET') },
        { weight: 1, arbitrary: oddMethod },
      ),
      input: trpcQueryInput(target.fields),
      query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryString }),
      auth: authorization,
      type: contentType,
      body: body(target.fields),
      extra: maybeExtra,
    })
    .map(({ method, input, query, auth, type, body: b, extra }) => {
      const usesBody = method !== 'GET' && method !== 'HEAD';
      const search = [input, query.replace(/^\?/, '')].filter(Boolean).join('&');
      return new Case('trpc', {
        method,
        path: `/trpc/${procedure}${search ? `?${search}` : ''}`,
        headers: headersOf(auth, usesBody ? type : undefined, extra),
        ...(usesBody && b !== undefined ? { body: b } : {}),
      });
    });
}

/** A batch: 0 to MAX_BATCH_SIZE + 3 calls, mixed procedures, inputs keyed by index (or not an object at all). */
export const trpcBatchCase: fc.Arbitrary<Case> = fc
  .record({
    method: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('GET', 'POST') }, { weight: 1, arbitrary: oddMethod }),
    paths: fc.array(trpcPath, { maxLength: MAX_BATCH_SIZE + 3 }),
    inputs: fc.oneof(
      { weight: 6, arbitrary: fc.array(fc.option(inputObject(ALL_FIELDS)), { maxLength: MAX_BATCH_SIZE + 3 }) },
      { weight: 2, arbitrary: json.map((j) => j) },
      { weight: 2, arbitrary: malformedJson },
    ),
    indexKeys: fc.constantFrom('index', 'pollution', 'strings'),
    batchParam: fc.constantFrom(
      'batch=1',
      'batch=1',
      'batch=1',
      'batch=1&batch=1',
      'batch=0',
      'batch=true',
      'batch[]=1',
    ),
    auth: authorization,
    type: contentType,
    extra: maybeExtra,
  })
  .map(({ method, paths, inputs, indexKeys, batchParam, auth, type, extra }) => {
    const inputText = Array.isArray(inputs)
      ? `{${inputs
          .map(
            (v, i) =>
              [
                indexKeys === 'pollution' && i === 0 ? '__proto__' : indexKeys === 'strings' ? `0${i}` : String(i),
                v,
              ] as const,
          )
          .filter(([, v]) => v !== null)
          .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
          .join(',')}}`
      : inputs;
    const usesBody = method !== 'GET' && method !== 'HEAD';
    const search = usesBody ? batchParam : `${batchParam}&input=${inUrl(inputText)}`;
    return new Case('trpc-batch', {
      method,
      path: `/trpc/${paths.join(',')}?${search}`,
      headers: headersOf(auth, usesBody ? type : undefined, extra),
      ...(usesBody ? { body: inputText } : {}),
    });
  });

/** Other routes (probes, OpenAPI, docs, unknown) with odd methods, paths and queries. */
export const otherRouteCase: fc.Arbitrary<Case> = fc
  .record({
    route: fc.constantFrom(...OTHER_ROUTES),
    file: fc.oneof(
      fc.constantFrom('swagger-ui.css', 'docs.css', 'index.html', 'package.json', '..%2fpackage.json'),
      urlPiece,
    ),
    method: fc.oneof({ weight: 3, arbitrary: fc.constant('GET') }, { weight: 2, arbitrary: oddMethod }),
    query: queryString,
    auth: authorization,
    extra: maybeExtra,
  })
  .map(
    ({ route, file, method, query, auth, extra }) =>
      new Case('other', {
        method,
        path: `${route.replace('{file}', file)}${query}`,
        headers: headersOf(auth, undefined, extra),
      }),
  );

/** Raw request bytes: what clients would refuse to send. */
export const rawBytesCase = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'CONNECT', 'OPTIONS', 'TRACE', 'get', 'G E T', 'PRI', 'FOO', ''),
    target: fc.oneof(
      fc.constantFrom(
        '*',
        '/api/users/me',
        '/trpc/user.me',
        '/trpc/user.list?input=%7B',
        '/api/auth/login',
        '/trpc/auth.login',
        'http://evil.test/api/users',
        'http://[bad/api/users',
        'http://[bad/trpc/user.me',
        'https://x:99999/healthz',
        '//api//users',
        'api/users',
        '/\\api',
        '/healthz#frag',
        '/%',
        '127.0.0.1:1',
      ),
      latin1.map((s) => s.replace(/\s/g, '')),
    ),
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', '', 'http/1.1'),
    headers: fc.array(
      fc.constantFrom(
        'Host: x',
        'Host: [::1',
        'Host:',
        'Content-Type: application/json',
        'Authorization: Bearer x',
        'Authorization: Bearer a\r\nAuthorization: Bearer b',
        'Expect: 100-continue',
        'Expect: weird',
        'Connection: upgrade\r\nUpgrade: websocket',
        'Content-Length: -1',
        'Content-Length: 1, 2',
        'Content-Length: 2\r\nContent-Length: 3',
        'Transfer-Encoding: chunked\r\nContent-Length: 2',
        'Transfer-Encoding: gzip, chunked',
        'X-Folded: a\r\n b',
        'NoColonHere',
        'Bad Name: x',
        'X-Nul: a\u0000b',
        `X-Long-${'n'.repeat(300)}: y`,
      ),
      { maxLength: 4 },
    ),
    framing: fc.constantFrom('length', 'chunked', 'bad-chunked', 'none'),
    body: fc.oneof(fc.constant('{}'), malformedJson, fc.constant('{"username":"abc","password":"12345678"}')),
    newline: fc.constantFrom('\r\n', '\r\n', '\n'),
  })
  .map(({ method, target, version, headers, framing, body: b, newline }) => {
    const bytes = Buffer.byteLength(b);
    const framingHeaders =
      framing === 'length'
        ? [`Content-Length: ${bytes}`]
        : framing === 'chunked' || framing === 'bad-chunked'
          ? ['Transfer-Encoding: chunked']
          : [];
    const payload =
      framing === 'length'
        ? b
        : framing === 'chunked'
          ? `${bytes.toString(16)}\r\n${b}\r\n0\r\n\r\n`
          : framing === 'bad-chunked'
            ? `zz\r\n${b}\r\n`
            : '';
    const head = [`${method} ${target} ${version}`.trim(), ...headers, ...framingHeaders, 'Connection: close'];
    return `${head.join(newline)}${newline}${newline}${payload}`;
  });
