import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server (PostgreSQL in the fault tests): `cut()` drops every connection
 * and refuses new ones, as a database that went away; `restore()` listens again on the same port.
 */
export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * @param at where the proxy listens: 127.0.0.1 on a free port unless given (e.g. another
 *   loopback address and the target's own port, for a link between two Kafka nodes).
 */
export async function startTcpProxy(
  targetHost: string,
  targetPort: number,
  at: { host?: string; port?: number } = {},
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = at.port ?? 0;
  const host = at.host ?? '127.0.0.1';
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        // A connection accepted as the proxy is cut would outlive the cut: refuse it.
        if (server !== s) {
          client.destroy();
          return;
        }
        const upstream = connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, host, () => {
        const address = s.address();
        port = typeof address === 'object' && address ? address.port : port;
        server = s;
        resolve();
      });
    });
  const stop = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    restore: listen,
    close: stop,
  };
}
