import { seedDemoData } from '../src/data/demo-seed';
import { isValidIdCardNumber } from '../src/domain/personal-data';
import { callSubgraph, caller, silentLogger, startTestResidents } from '@liyuan/test-support/stack';

describe('demo data', () => {
  it('when the demo community is loaded, then it is consistent, synthetic, and loaded only once', async () => {
    const { service, stop } = await startTestResidents();
    try {
      const added = await seedDemoData(service.db.dataSource, silentLogger(), 80);
      expect(added).toBeGreaterThan(80);
      const q = <T>(sql: string) => service.db.dataSource.query(sql) as Promise<T[]>;
      const residents = await q<{ name: string; id_card_number: string; birth_date: string }>(
        `SELECT name, id_card_number, to_char(birth_date, 'YYYYMMDD') AS birth_date FROM residents`,
      );
      expect(residents).toHaveLength(added);
      expect(residents.every((r) => isValidIdCardNumber(r.id_card_number))).toBe(true);
      expect(residents.every((r) => r.id_card_number.slice(6, 14) === r.birth_date)).toBe(true);
      const articleNames = ['Zhang Caixia', 'Ren Yulian', 'Wen Ling', 'Wang Xiling', 'Li Wenjing'];
      expect(residents.filter((r) => articleNames.includes(r.name))).toEqual([]);
      const [counts] = await q<{
        households: number;
        heads: number;
        requests: number;
        visits: number;
        resident_events: number;
      }>(
        `SELECT (SELECT count(*)::int FROM households) AS households,
                (SELECT count(*)::int FROM households WHERE head_resident_id IS NOT NULL) AS heads,
                (SELECT count(*)::int FROM service_requests) AS requests,
                (SELECT count(*)::int FROM visits) AS visits,
                (SELECT count(*)::int FROM outbox_events WHERE type = 'ResidentRegistered') AS resident_events`,
      );
      expect(counts).toMatchObject({
        households: 80,
        heads: 80,
        requests: 300,
        resident_events: added,
      });
      expect(counts!.visits).toBeGreaterThan(0);

      const grids = await q<{ id: string }>(`SELECT id FROM grids WHERE parent_id IS NOT NULL`);
      const due = await Promise.all(
        grids.map(async (g) => {
          const res = await callSubgraph(
            service,
            caller(['staff']),
            `query($g: ID!) { visitsDue(gridId: $g) { totalCount } }`,
            {
              g: g.id,
            },
          );
          return (res.data as { visitsDue: { totalCount: number } }).visitsDue.totalCount;
        }),
      );
      expect(due.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

      expect(await seedDemoData(service.db.dataSource, silentLogger(), 80)).toBe(0);
    } finally {
      await stop();
    }
  });
});
