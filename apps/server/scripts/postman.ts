/**
 * The Postman collection and environment under postman/, generated from our
 * own OpenAPI document (no server needed) with openapi-to-postmanv2, then made
 * runnable: collection variables, bearer auth, scripts that save tokens and
 * assert responses, and the order of a collection run (see postman-flow.ts).
 *
 * Deterministic: the same document gives byte-identical files (stable ids,
 * examples taken from the document instead of the converter's random fakes),
 * so test/postman.test.ts can tell when the committed files are out of date.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createOpenApiDocument, SESSION_MODE_HEADER } from '@repo/api';
import { convertV2, type Options } from 'openapi-to-postmanv2';
import { z } from 'zod';
import {
  COLLECTION_VARIABLES,
  type FlowStep,
  jsString,
  LOCAL_BASE_URL,
  type OperationKey,
  RUN,
  STATUS_200,
  type StepContext,
} from './postman-flow.js';

export const POSTMAN_FILES = {
  collection: fileURLToPath(new URL('../../../postman/collection.json', import.meta.url)),
  environment: fileURLToPath(new URL('../../../postman/local.postman_environment.json', import.meta.url)),
} as const;

export interface PostmanFiles {
  /** postman/collection.json, as written. */
  collection: string;
  /** postman/local.postman_environment.json, as written. */
  environment: string;
}

// --- The Postman Collection v2.1 format, as much of it as we write -----------

interface PostmanKeyValue {
  key: string;
  value: string;
  description?: string;
  disabled?: boolean;
}
interface PostmanUrl {
  raw: string;
  host: string[];
  path: string[];
  query?: PostmanKeyValue[];
  variable?: PostmanKeyValue[];
}
interface PostmanBody {
  mode: 'raw';
  raw: string;
  options: { raw: { language: 'json' } };
}
type PostmanAuth = { type: 'noauth' } | { type: 'bearer'; bearer: { key: 'token'; value: string; type: 'string' }[] };
interface PostmanRequest {
  method: string;
  header: PostmanKeyValue[];
  body?: PostmanBody;
  url: PostmanUrl;
  /** Absent: inherited from the collection (bearer {{accessToken}}). */
  auth?: PostmanAuth;
  description?: string;
}
interface PostmanEvent {
  listen: 'prerequest' | 'test';
  script: { type: 'text/javascript'; exec: string[] };
}
interface PostmanResponse {
  id: string;
  name: string;
  originalRequest: PostmanRequest;
  status: string;
  code: number;
  _postman_previewlanguage: 'json' | 'text';
  header: PostmanKeyValue[];
  cookie: [];
  body: string;
}
interface PostmanItem {
  id: string;
  name: string;
  request: PostmanRequest;
  response: PostmanResponse[];
  event: PostmanEvent[];
}
interface PostmanFolder {
  name: string;
  description?: string;
  item: PostmanItem[];
}

// --- What we read of the converter's output ----------------------------------

const description = z
  .union([z.string(), z.object({ content: z.string().optional() })])
  .nullish()
  .transform((d) => (typeof d === 'string' ? d : d?.content)?.trim() || undefined);
const keyValue = z.object({
  key: z.string(),
  value: z
    .union([z.string(), z.number(), z.boolean()])
    .nullish()
    .transform((v) => (v === null || v === undefined ? '' : String(v))),
  description,
  disabled: z.boolean().optional(),
});
const convertedRequest = z.object({
  name: z.string(),
  request: z.object({
    method: z.string(),
    url: z.object({
      path: z.array(z.string()),
      query: z.array(keyValue).default([]),
      variable: z.array(keyValue).default([]),
    }),
    header: z.array(keyValue).default([]),
  }),
  response: z
    .array(z.object({ name: z.string(), code: z.number(), status: z.string(), header: z.array(keyValue).default([]) }))
    .default([]),
});
type ConvertedRequest = z.infer<typeof convertedRequest>;
const convertedFolder = z.object({ name: z.string(), description, item: z.array(convertedRequest) });
const convertedCollection = z.object({
  info: z.object({ name: z.string() }),
  item: z.array(z.union([convertedRequest, convertedFolder])),
});

// --- The OpenAPI document, read as plain JSON ---------------------------------

type JsonObject = { [key: string]: unknown };
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim()) || undefined;

/** Follows a local `$ref` (`#/components/...`). */
function resolveRef(spec: unknown, schema: unknown, seen = 0): unknown {
  const ref = at(schema, '$ref');
  if (typeof ref !== 'string' || !ref.startsWith('#/') || seen > 20) return schema;
  const keys = ref
    .slice(2)
    .split('/')
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
  return resolveRef(spec, at(spec, ...keys), seen + 1);
}

/**
 * An example value of a schema: its own `example`, else one built from its
 * parts. Never random (the converter's faker is), so output stays stable.
 */
function exampleOf(spec: unknown, raw: unknown, depth = 0): unknown {
  const schema = resolveRef(spec, raw);
  if (!isObject(schema) || depth > 12) return null;
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ['oneOf', 'anyOf'] as const) {
    const variants = schema[key];
    if (Array.isArray(variants)) {
      const variant = variants.find((v) => at(resolveRef(spec, v), 'type') !== 'null') ?? variants[0];
      return exampleOf(spec, variant, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((part) => exampleOf(spec, part, depth + 1)).filter(isObject));
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' || isObject(schema.properties)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    return Object.fromEntries(
      Object.entries(properties).map(([key, value]) => [key, exampleOf(spec, value, depth + 1)]),
    );
  }
  switch (type) {
    case 'array':
      return schema.items === undefined ? [] : [exampleOf(spec, schema.items, depth + 1)];
    case 'string':
      if (schema.format === 'date-time') return '2026-01-01T00:00:00.000Z';
      if (schema.format === 'date') return '2026-01-01';
      return 'string';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' && schema.minimum > 0 ? schema.minimum : 0;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A UUID-shaped id that depends only on `seed`, so every generation writes the same one. */
function stableId(seed: string): string {
  const hex = createHash('sha256').update(`postman:${seed}`).digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const CONVERTER_OPTIONS: Options = {
  folderStrategy: 'Tags',
  parametersResolution: 'Example',
  requestNameSource: 'Fallback',
  indentCharacter: 'Space',
  enableOptionalParameters: false,
  includeAuthInfoInExample: false,
  alwaysInheritAuthentication: true,
};

function convert(spec: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // A copy: the converter may resolve references in place.
    convertV2({ type: 'json', data: structuredClone(spec) as object }, CONVERTER_OPTIONS, (error, result) => {
      if (error) reject(new Error(`openapi-to-postmanv2: ${error.message}`));
      else if (!result?.result) reject(new Error(`openapi-to-postmanv2: ${result?.reason ?? 'conversion failed'}`));
      else resolve(result.output?.[0]?.data);
    });
  });
}

const script = (listen: PostmanEvent['listen'], exec: string[]): PostmanEvent => ({
  listen,
  script: { type: 'text/javascript', exec },
});

const markdown = (...paragraphs: (string | undefined)[]) => paragraphs.filter(Boolean).join('\n\n') || undefined;

/** One request of the converter, placed in a folder, with what the collection adds to it. */
interface Entry {
  key: OperationKey;
  folder: string | undefined;
  converted: ConvertedRequest;
  step: FlowStep | undefined;
  name: string;
}

/** Generates both files' text from the OpenAPI document the server serves at /api/openapi.json. */
export async function generatePostmanFiles(): Promise<PostmanFiles> {
  // The same document as the app's (app.ts): every operation's path is relative to `/api`.
  const spec: unknown = JSON.parse(JSON.stringify(createOpenApiDocument('/api')));
  const converted = convertedCollection.parse(await convert(spec));
  const title = text(at(spec, 'info', 'title')) ?? converted.info.name;
  const servers = at(spec, 'servers');
  const serverUrl = (Array.isArray(servers) && text(at(servers[0], 'url'))) || '/';
  const prefix = new URL(serverUrl, 'http://server').pathname.split('/').filter(Boolean);

  // Every converted request, keyed by `METHOD /path` as in the document.
  const stepOf = new Map(RUN.map((step) => [step.operation, step]));
  const entries: Entry[] = [];
  const folders: { name: string; description: string | undefined }[] = [];
  const add = (request: ConvertedRequest, folder: string | undefined) => {
    const method = request.request.method.toUpperCase();
    const path = `/${request.request.url.path.map((s) => (s.startsWith(':') ? `{${s.slice(1)}}` : s)).join('/')}`;
    const key = `${method} ${path}`;
    if (!HTTP_METHODS.some((m) => key.startsWith(`${m} /`))) throw new Error(`Unexpected operation ${key}`);
    const step = stepOf.get(key as OperationKey);
    entries.push({ key: key as OperationKey, folder, converted: request, step, name: step?.name ?? request.name });
  };
  for (const entry of converted.item) {
    if ('item' in entry) {
      folders.push({ name: entry.name, description: entry.description });
      for (const request of entry.item) add(request, entry.name);
    } else {
      add(entry, undefined);
    }
  }
  for (const step of RUN) {
    if (!entries.some((e) => e.key === step.operation)) {
      throw new Error(
        `The OpenAPI document has no ${step.operation}: update apps/server/scripts/postman-flow.ts to match it.`,
      );
    }
  }
  const names = entries.map((e) => e.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new Error(`Two Postman requests are named "${duplicate}": names must be unique.`);

  // File order: folders in the document's tag order, then requests without a
  // tag; within each, the run's order, then operations the run does not use.
  const runIndex = (e: Entry) => (e.step ? RUN.indexOf(e.step) : RUN.length);
  const inFolder = (folder: string | undefined) =>
    entries.filter((e) => e.folder === folder).sort((a, b) => runIndex(a) - runIndex(b));
  const fileOrder = [...folders.flatMap((f) => inFolder(f.name)), ...inFolder(undefined)].map((e) => e.name);

  const entryOf = (operation: OperationKey): Entry => {
    const entry = entries.find((e) => e.key === operation);
    if (!entry) throw new Error(`No request for ${operation}`);
    return entry;
  };
  const urlOf = (entry: Entry, query: PostmanKeyValue[] = []): PostmanUrl['raw'] => {
    const enabled = query.filter((q) => !q.disabled).map((q) => `${q.key}=${q.value}`);
    const path = [...prefix, ...entry.converted.request.url.path].join('/');
    return `{{baseUrl}}/${path}${enabled.length ? `?${enabled.join('&')}` : ''}`;
  };
  const ctx: StepContext = { urlOf: (operation) => urlOf(entryOf(operation)) };

  const buildItem = (entry: Entry): PostmanItem => {
    const { step, converted: c } = entry;
    const [method, path] = entry.key.split(' ') as [string, string];
    const operation = at(spec, 'paths', path, method.toLowerCase());
    const parameters = at(operation, 'parameters');
    const parameterOf = (name: string, place: string) =>
      (Array.isArray(parameters) ? parameters : [])
        .map((p) => resolveRef(spec, p))
        .find((p) => at(p, 'name') === name && at(p, 'in') === place);
    const exampleParameter = (name: string, place: string) => {
      const parameter = parameterOf(name, place);
      const value = at(parameter, 'example') ?? exampleOf(spec, at(parameter, 'schema'));
      return value === null || value === undefined ? '' : String(value);
    };

    for (const name of Object.keys(step?.query ?? {})) {
      if (!c.request.url.query.some((q) => q.key === name))
        throw new Error(`${entry.key} has no query parameter ${name}`);
    }
    for (const name of Object.keys(step?.pathVariables ?? {})) {
      if (!c.request.url.variable.some((v) => v.key === name))
        throw new Error(`${entry.key} has no path variable ${name}`);
    }
    const query = c.request.url.query.map((q): PostmanKeyValue => {
      const wanted = step?.query?.[q.key];
      return {
        key: q.key,
        value: wanted?.value ?? exampleParameter(q.key, 'query'),
        ...(q.description ? { description: q.description } : {}),
        ...(wanted?.enabled ? {} : { disabled: true }),
      };
    });
    const variable = c.request.url.variable.map(
      (v): PostmanKeyValue => ({
        key: v.key,
        value: step?.pathVariables?.[v.key] ?? exampleParameter(v.key, 'path'),
        ...(v.description ? { description: v.description } : {}),
      }),
    );
    const url: PostmanUrl = {
      raw: urlOf(entry, query),
      host: ['{{baseUrl}}'],
      path: [...prefix, ...c.request.url.path],
      ...(query.length ? { query } : {}),
      ...(variable.length ? { variable } : {}),
    };
    const bodySchema = at(operation, 'requestBody', 'content', 'application/json', 'schema');
    const bodyValue = step?.body ?? (bodySchema === undefined ? undefined : exampleOf(spec, bodySchema));
    const body: PostmanBody | undefined =
      bodyValue === undefined
        ? undefined
        : { mode: 'raw', raw: json(bodyValue), options: { raw: { language: 'json' } } };
    // The collection stays in bearer mode: cookie mode's header is there to switch on by hand, off.
    const header = c.request.header.map((h) => ({
      key: h.key,
      value: h.value,
      ...(h.key === SESSION_MODE_HEADER ? { disabled: true } : {}),
    }));
    const security = at(operation, 'security') ?? at(spec, 'security');
    const isProtected = Array.isArray(security) && security.length > 0;

    const plain: PostmanRequest = { method, header, ...(body ? { body } : {}), url };
    const operationId = text(at(operation, 'operationId'));
    const request: PostmanRequest = {
      ...plain,
      ...(isProtected ? {} : { auth: { type: 'noauth' } }),
      description: markdown(
        text(at(operation, 'summary')),
        text(at(operation, 'description')),
        `\`${method} ${['', ...prefix].join('/')}${path}\`${operationId ? `, tRPC \`${operationId.replace(/-/g, '.')}\`` : ''}; ${
          isProtected ? 'signed in: sends `Authorization: Bearer {{accessToken}}` (collection auth)' : 'public'
        }.`,
        step ? `**In this collection:** ${step.note}` : undefined,
      ),
    };

    const response = [...c.response]
      .sort((a, b) => a.code - b.code)
      .map((r, index): PostmanResponse => {
        const schema = at(operation, 'responses', String(r.code), 'content', 'application/json', 'schema');
        return {
          id: stableId(`${entry.key} ${r.code} ${index}`),
          name: r.name,
          originalRequest: plain,
          status: r.status,
          code: r.code,
          _postman_previewlanguage: schema === undefined ? 'text' : 'json',
          header: r.header.map((h) => ({ key: h.key, value: h.value })),
          cookie: [],
          body: schema === undefined ? '' : json(exampleOf(spec, schema)),
        };
      });

    const event: PostmanEvent[] = [];
    const prerequest = step?.prerequest?.(ctx);
    if (prerequest?.length) event.push(script('prerequest', prerequest));
    // An operation the run does not know yet (not in postman-flow.ts): listed, never run, status checked.
    const test = step ? step.test(ctx) : [...STATUS_200];
    if (step) {
      // Where the run must not simply go on with the next request of the file, jump.
      const next = RUN[RUN.indexOf(step) + 1]?.name ?? null;
      const following = fileOrder[fileOrder.indexOf(entry.name) + 1] ?? null;
      if (next !== following) {
        test.push(
          next
            ? `// Collection run order: "${next}" comes next.`
            : '// Collection run order: this is the last request of a run.',
          `pm.execution.setNextRequest(${next === null ? 'null' : jsString(next)});`,
        );
      }
    }
    event.push(script('test', test));
    return { id: stableId(entry.key), name: entry.name, request, response, event };
  };

  const runOrder = RUN.map((step) => step.name).join(' → ');
  const collection = {
    info: {
      _postman_id: stableId('collection'),
      name: title,
      description: markdown(
        text(at(spec, 'info', 'description')),
        '## Using this collection',
        [
          `1. Import \`postman/collection.json\` and \`postman/local.postman_environment.json\`, and select the environment "${title} (local)": its \`baseUrl\` is \`${LOCAL_BASE_URL}\` (\`pnpm dev\`); change it to call another server.`,
          `2. Run the collection. A run signs up a new user every time and goes: ${runOrder}. Every request asserts its status and the shape of its response. The run moves between the folders with \`pm.execution.setNextRequest\`, so run the whole collection: a folder run alone stops where the run would leave it.`,
          '3. Or send requests one at a time: "Register" (or "Sign in" with your own `username` and `password` collection variables) saves the tokens that the other requests use.',
        ].join('\n'),
        `Collection variables: ${COLLECTION_VARIABLES.map((v) => `\`${v.key}\``).join(', ')} (see each one's description). Protected requests inherit the collection's auth, \`Bearer {{accessToken}}\`.`,
        'Generated from the OpenAPI document (`/api/openapi.json`) by `pnpm postman:generate` (apps/server/scripts/postman.ts): edit that script, not this file.',
      ),
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    item: [
      ...folders.map(
        (f): PostmanFolder => ({
          name: f.name,
          ...(f.description ? { description: f.description } : {}),
          item: inFolder(f.name).map(buildItem),
        }),
      ),
      ...inFolder(undefined).map(buildItem),
    ],
    auth: {
      type: 'bearer',
      bearer: [{ key: 'token', value: '{{accessToken}}', type: 'string' }],
    } satisfies PostmanAuth,
    variable: COLLECTION_VARIABLES.map((v) => ({
      key: v.key,
      value: v.value,
      type: 'string',
      description: v.description,
    })),
  };

  const environment = {
    id: stableId('environment:local'),
    name: `${title} (local)`,
    values: [{ key: 'baseUrl', value: LOCAL_BASE_URL, type: 'default', enabled: true }],
    _postman_variable_scope: 'environment',
  };

  return { collection: `${json(collection)}\n`, environment: `${json(environment)}\n` };
}
