import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite, type Extension } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { freePort } from './free-port';

// The contrib entry ships CommonJS at run time but only ESM typings, so it is required explicitly.
// btree_gist lets exclusion constraints mix equality and range overlap (no double booking).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { btree_gist } = require('@electric-sql/pglite/contrib/btree_gist') as {
  btree_gist: Extension;
};

/** An embedded PostgreSQL (PGlite, Postgres compiled to WASM) served over the wire protocol. */
export interface EmbeddedPostgres {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts PGlite on `dataDir` and serves it on a loopback port so the service reaches it with the
 * same `pg` driver and SQL it uses against a real server. PGlite runs one statement at a time:
 * while a connection holds a transaction open the others wait, so the pool stays small and code
 * never awaits a second connection inside a transaction.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  maxConnections: number,
): Promise<EmbeddedPostgres> {
  const dir = resolve(dataDir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create({ dataDir: dir, extensions: { btree_gist } });
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}
