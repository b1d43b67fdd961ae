import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  formatDuration,
  parseDuration,
  scaleAlertRules,
  scaleExpression,
} from '../../scripts/soak/alert-rules';

const ROOT = join(__dirname, '..', '..');
const ALERTS = join(ROOT, 'infra/prometheus/alerts.yml');

/** promtool's verdict on a rules file; CI installs it (Debian's prometheus package, see .ci/run). */
function promtoolCheck(file: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  if (r.error) {
    throw new Error(
      `promtool is not installed (apt-get install -y prometheus); the rules cannot be checked: ${r.error.message}`,
    );
  }
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Rules {
  groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[];
}

describe('infra/prometheus/alerts.yml under promtool', () => {
  it('when promtool checks the rules file, then every rule is valid', () => {
    const { status, output } = promtoolCheck(ALERTS);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status).toBe(0);
  });

  it('when promtool checks a rule with a broken expression, then it refuses it (so the check above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'liyuan-rules-'));
    try {
      const file = join(dir, 'bad.yml');
      writeFileSync(
        file,
        'groups:\n  - name: bad\n    rules:\n      - alert: Bad\n        expr: sum(rate(up[5m]) > \n',
      );
      expect(promtoolCheck(file).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the soak’s scaling of the alert rules', () => {
  it('when durations are parsed and formatted, then compound ones round-trip', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(1_500)).toBe('1s500ms');
    expect(() => parseDuration('5 minutes')).toThrow(/not a Prometheus duration/);
  });

  it('when an expression is scaled by 20, then ranges, subquery ranges and steps, and offsets shrink while thresholds and label values stay', () => {
    expect(
      scaleExpression(
        'sum(rate(x{le="1", window="5m"}[5m])) / sum(rate(y[1h])) > 60 and max_over_time(z[30m:1m]) > 0 and w offset 10m > 5',
        20,
      ),
    ).toBe(
      'sum(rate(x{le="1", window="5m"}[15s])) / sum(rate(y[3m])) > 60 and max_over_time(z[1m30s:3s]) > 0 and w offset 30s > 5',
    );
    expect(scaleExpression('avg_over_time(x[10m:])', 10)).toBe('avg_over_time(x[1m:])');
  });

  it("when the project's rules are scaled, then every for: and window is divided, and nothing else changes", () => {
    const original = parse(readFileSync(ALERTS, 'utf8')) as Rules;
    const scaled = parse(scaleAlertRules(readFileSync(ALERTS, 'utf8'), 20)) as Rules;
    const rules = (r: Rules) => r.groups.flatMap((g) => g.rules);
    expect(rules(scaled).map((r) => r.alert)).toEqual(rules(original).map((r) => r.alert));
    const byName = Object.fromEntries(rules(scaled).map((r) => [r.alert, r]));
    expect(byName.ServiceDown!.for).toBe('3s');
    expect(byName.InternalErrorsRatio!.for).toBe('30s');
    expect(byName.InternalErrorsRatio!.expr).toContain('[15s]');
    expect(byName.InternalErrorsRatio!.expr).not.toContain('[5m]');
    expect(byName.OutboxStuck!.expr).toContain('> 60');
    expect(byName.DeadLettersGrowing!.for).toBeUndefined();
    for (const [o, s] of rules(original).map((r, i) => [r, rules(scaled)[i]!] as const)) {
      if (o.for) expect(parseDuration(s.for!)).toBe(parseDuration(o.for) / 20);
      // Only the bracketed windows differ.
      expect(s.expr.replace(/\[[^\]]*\]/g, '[]').replace(/\s+/g, ' ')).toBe(
        o.expr.replace(/\[[^\]]*\]/g, '[]').replace(/\s+/g, ' '),
      );
    }
  });

  it('when the scaled rules are checked by promtool, then they are valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'liyuan-rules-'));
    try {
      const file = join(dir, 'alerts.yml');
      writeFileSync(file, scaleAlertRules(readFileSync(ALERTS, 'utf8'), 20));
      const { status, output } = promtoolCheck(file);
      expect(output).toMatch(/SUCCESS/);
      expect(status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the factor is below 1, then it is refused', () => {
    expect(() => scaleAlertRules(readFileSync(ALERTS, 'utf8'), 0.5)).toThrow(/at least 1/);
  });
});
