import { parse, stringify } from 'yaml';

// The soak checks that its faults fire the project's alerts (infra/prometheus/alerts.yml) in a real
// Prometheus. The rules are written for production: `for: 10m` and windows like `[5m]` or `[1h]`,
// so a fault would have to last many minutes before anything fires, and a short soak would see
// nothing. scaleAlertRules divides every duration that is about time passing — each rule's `for:`,
// every range selector `[5m]` (and a subquery's range and step), every `offset` — by one factor,
// and leaves everything else alone: thresholds such as `outbox_oldest_age_seconds > 60` compare a
// measured value, not a window, and the metrics themselves run on real time. With the factor the
// soak uses (20) `for: 1m` becomes 3 s and `[5m]` 15 s: still many 1 s scrapes per window.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const DURATION = /^(?:\d+(?:ms|[smhdwy]))+$/;

/** A Prometheus duration (`1h30m`, `5m`, `250ms`) in milliseconds. */
export function parseDuration(text: string): number {
  if (!DURATION.test(text)) throw new Error(`not a Prometheus duration: ${text}`);
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|[smhdwy])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** Milliseconds as a Prometheus duration, largest units first (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`not a positive whole duration: ${ms} ms`);
  let rest = ms;
  let out = '';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** A duration divided by `factor`, rounded to whole milliseconds (at least 1 ms). */
export function scaleDuration(text: string, factor: number): string {
  return formatDuration(Math.max(1, Math.round(parseDuration(text) / factor)));
}

/** Every range `[5m]`, subquery `[30m:1m]` and `offset 5m` of a PromQL expression, scaled. */
export function scaleExpression(expr: string, factor: number): string {
  const d = '(?:\\d+(?:ms|[smhdwy]))+';
  return expr
    .replace(
      new RegExp(`\\[(${d})(?::(${d})?)?\\]`, 'g'),
      (_all, range: string, step: string | undefined) => {
        const colon = _all.includes(':');
        const scaledStep = step ? scaleDuration(step, factor) : '';
        return `[${scaleDuration(range, factor)}${colon ? `:${scaledStep}` : ''}]`;
      },
    )
    .replace(
      new RegExp(`\\boffset\\s+(-?)(${d})`, 'g'),
      (_all, sign: string, value: string) => `offset ${sign}${scaleDuration(value, factor)}`,
    );
}

interface RuleFile {
  groups: { name: string; interval?: string; rules: Record<string, unknown>[] }[];
}

/**
 * A Prometheus rules file (YAML text) with every `for:`, group `interval:`, range window and offset
 * divided by `factor` (see the top of this file for why). Alert names, labels, annotations and
 * thresholds are unchanged.
 */
export function scaleAlertRules(yamlText: string, factor: number): string {
  if (!(factor >= 1)) throw new Error(`the factor must be at least 1, got ${factor}`);
  const file = parse(yamlText) as RuleFile;
  for (const group of file.groups) {
    if (group.interval) group.interval = scaleDuration(group.interval, factor);
    for (const rule of group.rules) {
      if (typeof rule.expr === 'string') rule.expr = scaleExpression(rule.expr, factor);
      if (typeof rule.for === 'string') rule.for = scaleDuration(rule.for, factor);
    }
  }
  return stringify(file, { lineWidth: 0 });
}
