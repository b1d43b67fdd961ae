import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src';
import { waitFor } from '@liyuan/test-support/wait';

/**
 * The embedded database `npm start` gives each service is a real PostgreSQL server: connections
 * are independent sessions (one holding a transaction open does not stop another), notifications
 * cross connections, and it survives a restart on the same directory — in a private directory
 * (mode 0700) as on a root-owned one.
 */
describe('embedded PostgreSQL', () => {
  const parent = mkdtempSync(join(tmpdir(), 'liyuan-embedded-'));
  const dataDir = join(parent, 'svc');
  let db: EmbeddedPostgres;
  const clients: Client[] = [];
  const connect = async (url = db.url): Promise<Client> => {
    const c = new Client({ connectionString: url });
    await c.connect();
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await startEmbeddedPostgres(dataDir);
  });
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await db?.close();
    rmSync(parent, { recursive: true, force: true });
  });

  it('when one connection holds a transaction open, then another commits its own meanwhile and sees only committed rows', async () => {
    const a = await connect();
    const b = await connect();
    await a.query('CREATE TABLE t (id int PRIMARY KEY)');
    await a.query('BEGIN');
    await a.query('INSERT INTO t VALUES (1)');
    // With one session shared by every connection this would wait for `a`, or join its transaction.
    await b.query('BEGIN');
    await b.query('INSERT INTO t VALUES (2)');
    await b.query('COMMIT');
    expect((await b.query('SELECT id FROM t ORDER BY id')).rows).toEqual([{ id: 2 }]);
    await a.query('ROLLBACK');
    expect((await b.query('SELECT id FROM t ORDER BY id')).rows).toEqual([{ id: 2 }]);
  });

  it('when a connection notifies, then a listener on another connection hears it', async () => {
    const listener = await connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query('LISTEN probe');
    const talker = await connect();
    await talker.query(`SELECT pg_notify('probe', 'committed')`);
    await waitFor('the notification', () => (heard.length ? heard : undefined), 5000);
    expect(heard).toEqual(['committed']);
  });

  it('when a wrong password is given, then the connection is refused', async () => {
    const wrong = db.url.replace(/\/\/postgres:[^@]+@/, '//postgres:wrong@');
    await expect(connect(wrong)).rejects.toThrow(/password authentication failed/);
  });

  it('when stopped and started again on the same directory, then its data is still there', async () => {
    for (const c of clients.splice(0)) await c.end();
    await db.close();
    db = await startEmbeddedPostgres(dataDir);
    const c = await connect();
    expect((await c.query('SELECT id FROM t')).rows).toEqual([{ id: 2 }]);
  });
});
