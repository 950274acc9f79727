import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * How the proxy fails:
 * - `refuse`: every live connection is destroyed and the port refuses new ones
 *   (the database crashed, or a firewall rejects);
 * - `blackhole`: connections stay open, new ones are accepted, but no byte
 *   passes either way (a partition, a frozen server): the case that hangs a
 *   client without timeouts.
 */
export type CutMode = 'refuse' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  cut(mode: CutMode): Promise<void>;
  /** Forwards again on the same port; black-holed connections resume where they stopped. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
}

/** A TCP proxy from an ephemeral port on 127.0.0.1 to `target`, which the test can cut and restore. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let state: 'open' | CutMode | 'closed' = 'open';
  let accepted = 0;

  const drop = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };
  const forward = (pair: Pair) => {
    const upstream = pair.upstream ?? connect(target.port, target.host);
    if (!pair.upstream) {
      pair.upstream = upstream;
      upstream.on('error', () => drop(pair));
      upstream.on('close', () => {
        if (state !== 'blackhole') drop(pair);
      });
    }
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
  };
  const hold = (pair: Pair) => {
    if (pair.upstream) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.upstream.pause();
    }
    pair.client.pause();
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    const pair: Pair = { client };
    pairs.add(pair);
    client.on('error', () => drop(pair));
    // In a black hole nothing is noticed, not even a close: it shows at restore.
    client.on('close', () => {
      if (state !== 'blackhole') drop(pair);
    });
    if (state === 'blackhole') hold(pair);
    else forward(pair);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));

  await listen(0);
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get accepted() {
      return accepted;
    },
    async cut(mode) {
      if (state !== 'open') throw new Error(`the proxy is ${state}, not open`);
      state = mode;
      if (mode === 'refuse') {
        const closed = stopListening();
        for (const pair of [...pairs]) drop(pair);
        await closed;
      } else {
        for (const pair of pairs) hold(pair);
      }
    },
    async restore() {
      const previous = state;
      if (previous !== 'refuse' && previous !== 'blackhole') throw new Error(`the proxy is ${state}, not cut`);
      state = 'open';
      if (previous === 'refuse') {
        await listen(port);
        return;
      }
      for (const pair of [...pairs]) {
        if (pair.client.destroyed || pair.upstream?.destroyed) drop(pair);
        else forward(pair);
      }
    },
    async close() {
      const wasListening = state !== 'refuse' && state !== 'closed';
      state = 'closed';
      for (const pair of [...pairs]) drop(pair);
      if (wasListening) await stopListening();
    },
  };
}
