import { type Attributes, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';

/**
 * Runs `work` in a span of its own, a child of the active one (OpenTelemetry's
 * API: without an SDK started by the server, its tracer makes spans that
 * record nothing). A failure marks the span, and is thrown on.
 *
 * Inside a request the sampler left out (a parent span that records nothing),
 * `work` runs as it is: its span would record nothing either under the
 * parent-based samplers, the SDK's default and the one the deploy files set.
 */
export function inSpan<T>(tracer: Tracer, name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (trace.getActiveSpan()?.isRecording() === false) return work();
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      // The error's code or kind, never its message (it may quote input).
      const code = (error as { code?: unknown } | null)?.code;
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: typeof code === 'string' ? code : error instanceof Error ? error.name : 'error',
      });
      throw error;
    } finally {
      span.end();
    }
  });
}
