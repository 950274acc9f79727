/**
 * HTTP without a client's manners, for fuzzing and bounds tests: any method,
 * a path sent byte for byte (no normalisation of `..` or `%2f`), any header,
 * any body, and a hard deadline on every exchange, so a hung request fails the
 * test instead of stalling it. `fetch` would refuse some methods and headers
 * and normalise URLs.
 */
import { Agent, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /**
   * Answered by Node's HTTP layer itself (431, or 400 for an unparsable request),
   * before the app: no X-Request-Id, no body.
   */
  fromNode: boolean;
}

export interface RawRequest {
  method: string;
  /** Sent as is: it must contain only bytes 0x21–0xFF (Node refuses others). */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

/** Every exchange must end within this, or the request counts as hung. */
export const REQUEST_DEADLINE_MS = 10_000;

export class HungRequestError extends Error {
  override name = 'HungRequestError';
}

export interface RawClient {
  send(req: RawRequest): Promise<RawResponse>;
  /** Writes `text` on a fresh connection and returns everything received until the server closes it. */
  sendBytes(text: string | Buffer): Promise<string>;
  close(): void;
}

/** `localAddress`: the (loopback) address to connect from, so a test can play a client other than 127.0.0.1; `maxSockets`: connections at once (8). */
export function rawClient(baseUrl: string, options: { localAddress?: string; maxSockets?: number } = {}): RawClient {
  const { hostname, port } = new URL(baseUrl);
  // Keep-alive: thousands of requests would otherwise leave thousands of TIME_WAIT sockets.
  const agent = new Agent({ keepAlive: true, maxSockets: 8, ...options });

  return {
    send(req) {
      return new Promise<RawResponse>((resolve, reject) => {
        const body = req.body === undefined ? undefined : Buffer.from(req.body);
        const headers: Record<string, string | string[]> = { ...req.headers };
        const framed = Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h));
        if (body !== undefined && !framed) {
          headers['content-length'] = String(body.length);
        }
        let response: IncomingMessage | undefined;
        const chunks: Buffer[] = [];
        const answered = (res: IncomingMessage): RawResponse => ({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
          fromNode: res.headers['x-request-id'] === undefined,
        });
        const outgoing = request(
          { host: hostname, port: Number(port), method: req.method, path: req.path, headers, agent },
          (res) => {
            response = res;
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              clearTimeout(deadline);
              resolve(answered(res));
            });
          },
        );
        const deadline = setTimeout(() => {
          outgoing.destroy(
            new HungRequestError(`${req.method} ${req.path.slice(0, 200)}: no answer within the deadline`),
          );
        }, REQUEST_DEADLINE_MS);
        outgoing.on('error', (error) => {
          clearTimeout(deadline);
          // The server answered (e.g. Node's 431 for oversized headers) and closed the
          // connection while we were still sending the body: since Node 26 the client
          // reports that reset on the request even though the answer has arrived.
          if (response && !(error instanceof HungRequestError)) resolve(answered(response));
          else reject(error);
        });
        outgoing.end(body);
      });
    },

    sendBytes(text) {
      return new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname);
        const chunks: Buffer[] = [];
        const deadline = setTimeout(() => {
          socket.destroy();
          reject(new HungRequestError(`raw request: no answer within the deadline: ${String(text).slice(0, 200)}`));
        }, REQUEST_DEADLINE_MS);
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        // A server that resets the connection has still answered (by refusing it).
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(deadline);
          resolve(Buffer.concat(chunks).toString('latin1'));
        });
        socket.write(text);
        // Half-close: a request the server waits on more of ends here.
        socket.end();
      });
    },

    close() {
      agent.destroy();
    },
  };
}
