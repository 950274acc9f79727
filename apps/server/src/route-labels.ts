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
  // Each procedure's label made once: a call to one (nearly every request) then builds no string.
  const labels = new Map(procedures.map((procedure) => [procedure.path, `/trpc/${procedure.path}`]));
  const templates = procedures.map((procedure) => ({
    method: procedure.method.toUpperCase(),
    label: `/api${procedure.route}`,
    pattern: new RegExp(`^/api${procedure.route.replace(/\{[^/]+\}/g, '[^/]+')}/?$`, 'i'),
  }));
  const fixed = new Set(['/healthz', '/readyz', '/api', '/trpc', '/api/openapi.json']);
  return (method, path) => {
    if (path.startsWith('/trpc/')) {
      const calls = path.slice('/trpc/'.length);
      const one = labels.get(calls);
      if (one) return one;
      return calls.split(',').every((call) => labels.has(call)) ? '/trpc (batch)' : '/trpc (unknown procedure)';
    }
    if (fixed.has(path)) return path;
    if (/^\/api\/docs(\/|$)/i.test(path)) return '/api/docs';
    const template = templates.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    return template ? template.label : 'unmatched';
  };
}
