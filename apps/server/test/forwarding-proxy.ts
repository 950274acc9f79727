import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForwardingProxy {
  /** Where clients send their requests. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * An HTTP reverse proxy in front of `targetBaseUrl` that does what
 * deploy/nginx.conf does with `proxy_set_header X-Forwarded-For
 * $proxy_add_x_forwarded_for`: it keeps whatever X-Forwarded-For the client
 * sent (repeated header lines joined with ", ") and appends the address the
 * client connected from. It connects to the target from `localAddress` (a
 * loopback address of its own), so the server can tell the proxy from the client.
 */
export async function startForwardingProxy(
  targetBaseUrl: string,
  options: { localAddress: string },
): Promise<ForwardingProxy> {
  const target = new URL(targetBaseUrl);
  const upstreamAgent = new Agent({ keepAlive: true, localAddress: options.localAddress });

  const server = createServer((req, res) => {
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = request(
      {
        host: target.hostname,
        port: Number(target.port),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': forwardedFor },
        agent: upstreamAgent,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });

  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      upstreamAgent.destroy();
    },
  };
}
