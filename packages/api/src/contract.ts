import { generateOpenApiDocument, normalizePath, type OpenApiMeta } from 'trpc-to-openapi';

/**
 * What a procedure declares about itself beyond its schemas, in its own
 * `.meta()` (trpc.ts types `.meta()` with it): the REST route, the errors
 * it answers and its flags. Everything that lists routes (the OpenAPI
 * document, the fuzz targets, the route tests, Postman) reads it from here.
 */

/** An error body as the API sends it, shown as an example in the document. */
export interface ErrorExample {
  message: string;
  code: string;
}

/** An error status a procedure answers itself: said in its own words where the shared description is too vague. */
export interface DeclaredError {
  description?: string;
  /** Real bodies of this API, by name (a menu in Swagger UI). */
  examples?: Record<string, ErrorExample>;
}

/** The statuses a procedure's resolver or service can answer; the rest are derived from its flags. */
export type DeclaredErrorStatus = 400 | 401 | 403 | 404 | 409 | 429 | 503;

/** Who may call a procedure: set by the builder it starts from (trpc.ts), never by hand. */
export type Access = 'public' | 'protected' | 'admin';

/** How a procedure takes part in cookie mode (`X-Session-Mode: cookie`, API.md "Browser sessions"). */
export type CookieMode =
  /** Sign-in: the refresh token is set as the cookie instead of returned. */
  | 'sets'
  /** Refresh: the cookie is read when the body has none, and the new one set. */
  | 'reads'
  /** Sign-out: the cookie is cleared. */
  | 'clears';

export type ProcedureMeta = OpenApiMeta<{
  access?: Access;
  /** Errors the procedure answers beyond those its flags imply, each by status. */
  errors?: Partial<Record<DeclaredErrorStatus, DeclaredError>>;
  cookieMode?: CookieMode;
  /** Counts attempts: may answer 429 with `Retry-After` (its own words in `errors[429]`). */
  isThrottled?: boolean;
  /** Sends email: 503 when the server has no SMTP_URL. */
  sendsEmail?: boolean;
}>;

export type RouteMeta = NonNullable<ProcedureMeta['openapi']>;

/** A procedure as its contract describes it. */
export interface ProcedureContract {
  /** The tRPC path, e.g. `auth.refresh`. */
  path: string;
  type: 'query' | 'mutation';
  /** The REST route, e.g. `POST /auth/refresh` (below `/api`). */
  method: RouteMeta['method'];
  route: string;
  operationId: string;
  access: Access;
  meta: ProcedureMeta & { openapi: RouteMeta };
}

/**
 * The procedures of a router with their contracts.
 *
 * THE one walk of the router outside apps/server/src/fast-transport/. It
 * uses only public APIs: trpc-to-openapi's `generateOpenApiDocument` shows
 * each procedure's meta to its `filter`, and names each operation after the
 * procedure's path (`auth.logoutAll` → `auth-logoutAll`; we never set
 * `operationId`, and router and procedure keys have no `-`). A query is
 * served by GET, a mutation by POST or DELETE (the fuzz test asks tRPC about each).
 */
export function procedureContracts(router: Parameters<typeof generateOpenApiDocument>[0]): ProcedureContract[] {
  const metas = new Map<string, ProcedureMeta & { openapi: RouteMeta }>();
  const document = generateOpenApiDocument(router, {
    filter: ({ metadata }) => {
      const meta = metadata as ProcedureMeta & { openapi: RouteMeta };
      metas.set(`${meta.openapi.method} ${normalizePath(meta.openapi.path)}`, meta);
      return true;
    },
    title: 'walk',
    version: '0',
    baseUrl: '/',
  });
  return Object.entries(document.paths ?? {}).flatMap(([route, item]) =>
    (['get', 'post', 'put', 'patch', 'delete'] as const).flatMap((lower) => {
      const operation = item[lower];
      const method = lower.toUpperCase() as RouteMeta['method'];
      const meta = metas.get(`${method} ${route}`);
      if (!operation?.operationId || !meta) return [];
      return [
        {
          path: operation.operationId.replace(/-/g, '.'),
          type: method === 'GET' ? ('query' as const) : ('mutation' as const),
          method,
          route,
          operationId: operation.operationId,
          access: meta.access ?? 'protected',
          meta,
        },
      ];
    }),
  );
}

export const errorExample = (message: string, code: string): ErrorExample => ({ message, code });

/** A wrong current password, answered like any invalid field (the signed-in session is fine). */
export const wrongCurrentPasswordExample = errorExample('currentPassword: is incorrect', 'BAD_REQUEST');

/**
 * The 400 of a procedure that asks for the current password, with the
 * examples of its own other fields after the wrong password's.
 */
export const currentPasswordInvalid = (examples: Record<string, ErrorExample> = {}): DeclaredError => ({
  description: 'Invalid input or wrong current password; the message names the field',
  examples: { wrongPassword: wrongCurrentPasswordExample, ...examples },
});
