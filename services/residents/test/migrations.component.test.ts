import { openDatabase } from '@liyuan/kit';
import { residentsService } from '../src/service';
import { createTestDatabase } from '@liyuan/test-support/db';
import { silentLogger } from '@liyuan/test-support/stack';

describe('residents migrations', () => {
  it('when every migration is reverted and applied again, then the schema comes back whole', async () => {
    const database = await createTestDatabase('residents_migrations');
    const db = await openDatabase({
      serviceName: 'residents',
      url: database.url,
      dataDir: '.data/unused',
      poolSize: 2,
      entities: residentsService.entities,
      migrations: residentsService.migrations,
      logger: silentLogger(),
    });
    try {
      const tables = async () =>
        (
          (await db.dataSource.query(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
          )) as { table_name: string }[]
        ).map((r) => r.table_name);
      const applied = await tables();
      expect(applied).toEqual(
        expect.arrayContaining(['residents', 'households', 'outbox_events', 'processed_events']),
      );
      const count = (residentsService.migrations as unknown[]).length;
      for (let i = 0; i < count; i++)
        await db.dataSource.undoLastMigration({ transaction: 'each' });
      expect(await tables()).toEqual([]);
      await db.dataSource.runMigrations({ transaction: 'each' });
      expect(await tables()).toEqual(applied);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
