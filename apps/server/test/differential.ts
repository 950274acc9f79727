/**
 * What the differential tests of the fast transport (fast-transport-*.test.ts)
 * use: they serve the real router through a library's adapter and through
 * ours, and compare what each answers.
 */

/**
 * Per-connection headers and the framing of the body: not compared. tRPC's
 * adapter writes a JSON body in chunks (`Transfer-Encoding: chunked`), ours in
 * one piece (`Content-Length`).
 */
export const FRAMING_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/** The parsed body, or the text when it is not JSON. */
export function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Lower-case names, repeated values joined, FRAMING_HEADERS left out. */
export function comparableHeaders(headers: Iterable<[string, string | string[] | undefined]>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (value === undefined || FRAMING_HEADERS.has(key)) continue;
    result[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}
