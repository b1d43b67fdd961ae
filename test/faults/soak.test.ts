import { join } from 'node:path';
import { runSoak, type SoakReport } from '../../scripts/soak/soak';
import { SUBGRAPHS } from '../../scripts/bench/stack';

const ROOT = join(__dirname, '..', '..');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `npm run soak` for 3 minutes, as real processes (the bundles, a broker of its own, a Prometheus
 * with the project's alerts scaled down ten times): the W1/W2/W3 mix and the event load through the
 * gateway while a subgraph is SIGKILLed and restarted and another's database connections are cut
 * for over a minute, at seeded times. The invariants hold afterwards, each fault fires its alert
 * and the alert resolves, and every process's memory is reported. The 30-minute run's figures are
 * in test/faults/README.md.
 */
describe('soak: three minutes of load with faults', () => {
  let report: SoakReport;

  beforeAll(async () => {
    report = await runSoak({
      minutes: 3,
      seed: 7,
      outDir: join(ROOT, '.data', 'soak-test'),
      databasePrefix: 'soak_test',
      dropDatabases: true,
      databasePoolSize: 3,
      // Half the command's default rate: the other test files share the two cores.
      rate: 6,
      // Quiet: the report's text is printed once below.
      log: () => undefined,
    });
    process.stdout.write(
      `soak: ${report.totals.requests} requests, ${report.totals.errors} errors (${report.totals.errorsOutsideFaults} outside fault windows), ` +
        `${report.faults.map((f) => `${f.kind} ${f.target}`).join(', ')}; ` +
        `alerts ${report.faults.flatMap((f) => f.alerts.map((a) => `${a.alertname}${a.fired ? '' : ' (not fired)'}`)).join(', ')}; ` +
        `failures: ${report.failures.length ? report.failures.join('; ') : 'none'}\n`,
    );
  }, 540_000);

  it('when the soak ends, then no double booking, no negative balance, every event applied once per consumer group and every outbox empty', () => {
    expect(report.invariants.map((i) => i.name)).toEqual([
      'no double booking',
      'no negative balance',
      'every event applied once per consumer group',
      'outbox empty',
    ]);
    expect(report.invariants.filter((i) => !i.ok)).toEqual([]);
    // Real work was checked: events were produced and consumed, bookings and redemptions made.
    expect(report.deliveries.reduce((a, g) => a + g.expected, 0)).toBeGreaterThan(1000);
    expect(report.workloads.W3.ok).toBeGreaterThan(50);
    expect(report.workloads.E1.ok).toBeGreaterThan(50);
    expect(report.workloads.E2.ok).toBeGreaterThan(10);
    expect(Object.values(report.deadLetters).reduce((a, n) => a + n, 0)).toBe(0);
    expect(report.failures).toEqual([]);
  });

  it('when the faults are listed, then a subgraph was killed and restarted and a database cut and restored, each under load', () => {
    const kinds = report.faults.map((f) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(['kill-subgraph', 'cut-database']));
    for (const f of report.faults) {
      expect(f.readyMs).toBeGreaterThanOrEqual(f.restoredMs);
      expect(f.restoredMs - f.startedMs).toBeGreaterThanOrEqual(f.holdMs);
      expect(f.requests).toBeGreaterThan(0);
    }
  });

  it('when requests are counted outside the fault windows, then nearly all succeed', () => {
    const { requestsOutsideFaults, errorsOutsideFaults } = report.totals;
    expect(requestsOutsideFaults).toBeGreaterThan(100);
    expect(errorsOutsideFaults / requestsOutsideFaults).toBeLessThan(0.05);
  });

  it('when Prometheus evaluated the rules, then each fault fired its alert and the alert resolved', () => {
    const expected = report.faults.flatMap((f) => f.alerts.map((a) => ({ kind: f.kind, ...a })));
    expect(expected.map((a) => `${a.kind} ${a.alertname}`)).toEqual(
      expect.arrayContaining([
        'kill-subgraph ServiceDown',
        'cut-database InternalErrorsRatio',
        'cut-database OutboxPublishFailing',
      ]),
    );
    expect(expected.filter((a) => !a.fired || !a.resolved)).toEqual([]);
  });

  it('when memory is reported, then every process has its RSS start, end, max and slope', () => {
    for (const name of [...SUBGRAPHS, 'gateway', 'kafka']) {
      const m = report.rss[name];
      expect(m).toBeDefined();
      expect(m!.samples).toBeGreaterThan(20);
      expect(m!.startMiB).toBeGreaterThan(10);
      expect(m!.maxMiB).toBeGreaterThanOrEqual(m!.endMiB);
      expect(typeof m!.slopeMiBPerMin).toBe('number');
    }
  });

  it('when the soak has returned, then none of the processes it started is left running', () => {
    expect(Object.keys(report.processes)).toEqual(
      expect.arrayContaining([...SUBGRAPHS, 'gateway', 'kafka', 'prometheus']),
    );
    expect(Object.entries(report.processes).filter(([, pid]) => alive(pid))).toEqual([]);
  });
});
