/**
 * Traces, end to end: the server process with OTEL_EXPORTER_OTLP_ENDPOINT
 * exports to an OTLP/HTTP receiver in this test. For one `user.me` and one
 * `auth.login`, each sent with a W3C `traceparent`, the spans form a tree
 * under the caller's span: the HTTP request, the procedure, the statements
 * (and bcrypt for the login); the response and the log lines carry the trace.
 * On each dialect: the statement spans come from each driver (libsql's
 * statements, mysql2's pool).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase } from '@repo/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName } from './helpers.js';
import { freePort, spawnServer, waitForOk } from './server-process.js';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

/** An OTLP/HTTP (JSON) receiver: every span posted to /v1/traces, the path of every post, and every body as sent. */
async function startReceiver(): Promise<{
  url: string;
  spans: ExportedSpan[];
  paths: string[];
  bodies: string[];
  server: Server;
}> {
  const spans: ExportedSpan[] = [];
  const paths: string[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
        const body = JSON.parse(bodies.at(-1) as string) as {
          resourceSpans?: { scopeSpans?: { spans?: ExportedSpan[] }[] }[];
        };
        for (const resource of body.resourceSpans ?? [])
          for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, paths, bodies, server };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('traces over OTLP/HTTP', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('user.me and auth.login each make a tree under the caller’s traceparent: HTTP, procedure, statements, bcrypt; an unsampled call none, its logs its trace', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => {
      receiver.server.close();
    });
    const port = await freePort();
    const db = await createTestDatabase();
    cleanups.push(() => db.destroy());
    const proc = spawnServer({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      JWT_ACCESS_SECRET: 'tracing-process-access-secret-of-32-bytes',
      JWT_REFRESH_SECRET: 'tracing-process-refresh-secret-of-32-bytes',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64url'),
      BCRYPT_COST: '10',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // A standard variable the SDK reads (the default is protobuf): the receiver here reads JSON.
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Export every 100 ms rather than every 5 s: the test waits for the spans.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    cleanups.push(() => {
      if (proc.child.exitCode === null) proc.child.kill();
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/healthz`, proc);

    const username = uniqueName('traced');
    const registered = await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    const { accessToken } = (await registered.json()) as { accessToken: string };

    /** Signs in under a caller's span of a new trace (`flags` 01: sampled, 00: not); the answer carries the trace. */
    const signInTraced = async (flags: '01' | '00') => {
      const caller = { traceId: hex(16), parentId: hex(8) };
      const answer = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${caller.traceId}-${caller.parentId}-${flags}`,
        },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('traceparent')).toMatch(new RegExp(`^00-${caller.traceId}-[0-9a-f]{16}-${flags}$`));
      return caller;
    };
    const login = await signInTraced('01');

    const me = { traceId: hex(16), parentId: hex(8) };
    const meAnswer = await fetch(`${base}/trpc/user.me`, {
      headers: { authorization: `Bearer ${accessToken}`, traceparent: `00-${me.traceId}-${me.parentId}-01` },
    });
    expect(meAnswer.status).toBe(200);

    // A caller that did not sample (flags 00): the parent-based sampler leaves the request out. It
    // answers with the caller's trace, exports no span of it, and its log lines still carry the trace.
    const unsampled = await signInTraced('00');

    const spansOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
    const hasTree = (traceId: string, leaf: string) => spansOf(traceId).some((span) => span.name === leaf);
    for (
      let i = 0;
      i < 100 && !(hasTree(me.traceId, 'GET /trpc/user.me') && hasTree(login.traceId, 'bcrypt.compare'));
      i++
    ) {
      await sleep(100);
    }

    /** The span of `name` in the trace, and that its parent is `parentId`. */
    const child = (traceId: string, name: string | RegExp, parentId: string) => {
      const found = spansOf(traceId).filter(
        (span) =>
          (typeof name === 'string' ? span.name === name : name.test(span.name)) && span.parentSpanId === parentId,
      );
      expect(
        found,
        `${String(name)} under ${parentId} in ${JSON.stringify(spansOf(traceId).map((s) => s.name))}`,
      ).not.toHaveLength(0);
      return found[0] as ExportedSpan;
    };

    // user.me: caller → GET /trpc/user.me (server) → trpc user.me → the session check's statement (on this dialect).
    const meHttp = child(me.traceId, 'GET /trpc/user.me', me.parentId);
    expect(meHttp.kind).toBe(2); // SERVER
    const meProcedure = child(me.traceId, 'trpc user.me', meHttp.spanId);
    child(me.traceId, `SELECT ${db.dialect}`, meProcedure.spanId);

    // auth.login: caller → POST /api/auth/login → trpc auth.login → statements and bcrypt.compare.
    const loginHttp = child(login.traceId, 'POST /api/auth/login', login.parentId);
    const loginProcedure = child(login.traceId, 'trpc auth.login', loginHttp.spanId);
    child(login.traceId, 'bcrypt.compare', loginProcedure.spanId);
    child(login.traceId, new RegExp(`^(SELECT|INSERT|UPDATE) ${db.dialect}$`), loginProcedure.spanId);

    // A statement span carries the statement's shape, never a value it stored or looked for: MikroORM
    // writes the name, the password's hash and the session's ids into the text the driver runs.
    const queryTexts = receiver.spans.flatMap((span) =>
      (span.attributes ?? []).filter((a) => a.key === 'db.query.text').map((a) => a.value.stringValue ?? ''),
    );
    expect(
      queryTexts.some((text) => /`username_key` = \?/.test(text)),
      queryTexts.join('\n'),
    ).toBe(true);
    const exported = receiver.bodies.join('\n');
    expect(exported).not.toContain(username.toLowerCase());
    expect(exported).not.toMatch(/\$2[aby]\$/);

    // The log lines of those requests carry their trace.
    const lines = proc
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { traceId?: string; msg: string });
    expect(lines.some((line) => line.traceId === me.traceId && line.msg.startsWith('GET /trpc/user.me 200'))).toBe(
      true,
    );
    expect(lines.some((line) => line.traceId === login.traceId && line.msg === 'security: login.succeeded')).toBe(true);
    expect(lines.some((line) => line.traceId === unsampled.traceId && line.msg === 'security: login.succeeded')).toBe(
      true,
    );
    // By now the sampled requests' spans have arrived, and so would the left-out one's, were there any.
    expect(spansOf(unsampled.traceId)).toEqual([]);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    // Traces only, through the stop that flushes whatever the SDK holds: no OTLP metrics or logs.
    expect(new Set(receiver.paths)).toEqual(new Set(['/v1/traces']));
  }, 60_000);
});
