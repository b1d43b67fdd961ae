// The broker's client and controller ports on 127.0.0.1.
import * as net from 'node:net';
import { freePort } from '@liyuan/kit/src/db/free-port';
import { isErrnoException, KafkaBrokerError } from './errors';
import { HOST } from './paths';

/**
 * The ports asked for (each checked free), else free ones from the OS; never the same port twice,
 * nor one already in `taken` (which receives the chosen ones: several nodes share one set).
 */
export async function choosePorts(
  port?: number,
  controllerPort?: number,
  taken: Set<number> = new Set<number>(),
): Promise<{ port: number; controllerPort: number }> {
  if (port !== undefined && port === controllerPort) {
    throw new KafkaBrokerError(`port and controllerPort must differ (both ${port}).`);
  }
  const pick = async (wanted: number | undefined, role: string): Promise<number> => {
    if (wanted !== undefined) {
      await assertPortFree(wanted, role);
      taken.add(wanted);
      return wanted;
    }
    for (;;) {
      const candidate = await freePort();
      if (!taken.has(candidate)) {
        taken.add(candidate);
        return candidate;
      }
    }
  };
  // Explicit ports first so a random pick can't collide with them.
  const chosenPort = port !== undefined ? await pick(port, 'client') : undefined;
  const chosenController = await pick(controllerPort, 'controller');
  return {
    port: chosenPort ?? (await pick(undefined, 'client')),
    controllerPort: chosenController,
  };
}

/** Fails fast with a clear message instead of letting the JVM die on a bind error. */
function assertPortFree(port: number, role: string): Promise<void> {
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    return Promise.reject(new KafkaBrokerError(`Invalid ${role} port ${port}.`));
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error) => {
      const inUse = isErrnoException(error) && error.code === 'EADDRINUSE';
      reject(
        new KafkaBrokerError(
          inUse
            ? `The ${role} port ${HOST}:${port} is already in use (another Kafka? see \`cli.ts status\`).`
            : `Cannot bind the ${role} port ${HOST}:${port}: ${error.message}`,
        ),
      );
    });
    server.listen(port, HOST, () => {
      server.close(() => {
        resolve();
      });
    });
  });
}
