/**
 * A request's route for the metrics' labels and the trace's span name: the
 * procedure path on /trpc (one call) and the documented template on /api
 * (`/api/users/{id}`), so the labels stay few whatever URLs clients send.
 * Apart from metrics.ts, so that the server loads prom-client only when
 * METRICS_PORT asks for it.
 */
export function routeLabeler(
  procedures: readonly { path: string; method: string; route: string }[],
): (method: string, path: string) => string {
  const known = new Set(procedures.map((procedure) => procedure.path));
  const templates = procedures.map((procedure) => ({
    method: procedure.method.toUpperCase(),
    label: `/api${procedure.route}`,
    pattern: new RegExp(`^/api${procedure.route.replace(/\{[^/]+\}/g, '[^/]+')}/?$`, 'i'),
  }));
  const fixed = new Set(['/healthz', '/readyz', '/api', '/trpc', '/api/openapi.json']);
  return (method, path) => {
    if (path.startsWith('/trpc/')) {
      const calls = path.slice('/trpc/'.length).split(',');
      if (!calls.every((call) => known.has(call))) return '/trpc (unknown procedure)';
      return calls.length === 1 ? `/trpc/${calls[0]}` : '/trpc (batch)';
    }
    if (fixed.has(path)) return path;
    if (/^\/api\/docs(\/|$)/i.test(path)) return '/api/docs';
    const template = templates.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    return template ? template.label : 'unmatched';
  };
}
