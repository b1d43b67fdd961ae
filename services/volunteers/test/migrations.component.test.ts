import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '@liyuan/kit';
import { volunteersService } from '../src/service';
import { createTestDatabase } from '@liyuan/test-support/db';
import { silentLogger } from '@liyuan/test-support/stack';

describe('volunteers migrations', () => {
  it('when the shifts migration runs over existing opportunities, then each becomes one shift carrying its sign-ups and hours, and it reverts', async () => {
    const database = await createTestDatabase('volunteers_migrations');
    const all = volunteersService.migrations as { name: string }[];
    const shiftsAt = all.findIndex((m) => m.name === 'Shifts1764900000000');
    const open = (migrations: unknown[]): Promise<Database> =>
      openDatabase({
        serviceName: 'volunteers',
        url: database.url,
        dataDir: '.data/unused',
        poolSize: 2,
        entities: [],
        migrations: migrations as typeof volunteersService.migrations,
        logger: silentLogger(),
      });
    let db = await open(all.slice(0, shiftsAt));
    try {
      const [team, volunteer, opportunity] = [randomUUID(), randomUUID(), randomUUID()];
      const startsAt = new Date('2026-12-05T01:00:00Z');
      const endsAt = new Date('2026-12-05T04:00:00Z');
      const q = (sql: string, params: unknown[] = []) =>
        db.dataSource.query(sql, params) as Promise<Record<string, unknown>[]>;
      await q(`INSERT INTO teams (id, name, kind, lead_user_id) VALUES ($1, 'T', 'group', 'u')`, [
        team,
      ]);
      await q(`INSERT INTO volunteers (id, resident_id) VALUES ($1, $2)`, [
        volunteer,
        randomUUID(),
      ]);
      await q(
        `INSERT INTO opportunities (id, team_id, kind, title, starts_at, ends_at, slots) VALUES ($1, $2, 'other', 'x', $3, $4, 7)`,
        [opportunity, team, startsAt, endsAt],
      );
      await q(
        `INSERT INTO signups (id, opportunity_id, volunteer_id, status) VALUES ($1, $2, $3, 'checked_out')`,
        [randomUUID(), opportunity, volunteer],
      );
      await q(
        `INSERT INTO service_records (id, volunteer_id, opportunity_id, team_id, hours, served_on) VALUES ($1, $2, $3, $4, 3, $5)`,
        [randomUUID(), volunteer, opportunity, team, endsAt],
      );
      await db.close();

      db = await open(all.slice(0, shiftsAt + 1));
      const shifts = await q(
        `SELECT id, starts_at, ends_at, slots FROM shifts WHERE opportunity_id = $1`,
        [opportunity],
      );
      expect(shifts).toEqual([
        { id: expect.any(String), starts_at: startsAt, ends_at: endsAt, slots: 7 },
      ]);
      const shiftId = shifts[0]!.id;
      expect(await q(`SELECT shift_id FROM signups WHERE volunteer_id = $1`, [volunteer])).toEqual([
        { shift_id: shiftId },
      ]);
      expect(
        await q(`SELECT shift_id FROM service_records WHERE volunteer_id = $1`, [volunteer]),
      ).toEqual([{ shift_id: shiftId }]);

      await db.dataSource.undoLastMigration({ transaction: 'each' });
      const columns = await q(
        `SELECT table_name FROM information_schema.columns WHERE column_name = 'shift_id' AND table_schema = 'public'`,
      );
      expect(columns).toEqual([]);
      expect(await q(`SELECT status FROM signups WHERE volunteer_id = $1`, [volunteer])).toEqual([
        { status: 'checked_out' },
      ]);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
