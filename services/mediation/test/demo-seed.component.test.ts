import { seedMediationDemo } from '../src/data/demo-seed';
import { callSubgraph, caller, silentLogger, startTestService } from '@liyuan/test-support/stack';

describe('mediation demo data', () => {
  it('when the demo roster and cases are loaded, then a year of cases spans categories and outcomes, once', async () => {
    const { service, stop } = await startTestService('mediation');
    try {
      expect(await seedMediationDemo(service.db.dataSource, silentLogger())).toBe(120);
      const yearAgo = new Date(Date.now() - 366 * 86_400_000).toISOString().slice(0, 10);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const res = await callSubgraph(
        service,
        caller(['staff']),
        `query($f: Date!, $t: Date!) {
        mediationStats(from: $f, to: $t) { total byCategory { key } byOutcome { key } successRate } mediators { id } }`,
        {
          f: yearAgo,
          t: tomorrow,
        },
      );
      const stats = (
        res.data as {
          mediationStats: {
            total: number;
            byCategory: unknown[];
            byOutcome: unknown[];
            successRate: number;
          };
        }
      ).mediationStats;
      // The fresh consumer group also reads disputes other test files filed on the shared broker.
      const demo = (await service.db.dataSource.query(
        `SELECT count(*)::int AS n FROM cases WHERE created_by = 'demo'`,
      )) as { n: number }[];
      expect(demo[0]!.n).toBe(120);
      expect(stats.total).toBeGreaterThanOrEqual(120);
      expect(stats.byCategory).toHaveLength(5);
      expect(stats.byOutcome.length).toBeGreaterThanOrEqual(4);
      expect(stats.successRate).toBeGreaterThan(0.4);
      expect((res.data as { mediators: unknown[] }).mediators).toHaveLength(6);
      expect(await seedMediationDemo(service.db.dataSource, silentLogger())).toBe(0);
    } finally {
      await stop();
    }
  });
});
