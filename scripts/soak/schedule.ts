import { seededRandom } from '@liyuan/kit';

/** What the soak does to the system. */
export type FaultKind = 'kill-subgraph' | 'kill-broker' | 'cut-database';

/** One fault of the schedule: what, to whom, when (ms from the start of the load) and how long. */
export interface PlannedFault {
  kind: FaultKind;
  /** A subgraph name, or `broker-<nodeId>`. */
  target: string;
  atMs: number;
  /** How long the target stays down or cut off before it is restarted or restored. */
  holdMs: number;
}

export interface ScheduleOptions {
  seed: number;
  durationMs: number;
  /** Load before the first fault (the processes warm up; RSS slopes start after it). */
  warmupMs: number;
  kinds: FaultKind[];
  /** Subgraphs that may be killed or cut off. */
  subgraphs: readonly string[];
  /** Broker node ids that may be killed (cluster mode). */
  brokerNodes: number[];
}

/**
 * How long each kind of fault holds, [min, max] ms. A killed process stays down long enough for
 * Prometheus to see it gone (ServiceDown's `for: 1m` scaled by the soak's factor of 10 is 6 s,
 * plus scrapes); a database cut lasts long enough for InternalErrorsRatio to fire (its 5 m window
 * and 10 m `for:` scaled: 30 s and 60 s).
 */
export const HOLD_MS: Record<FaultKind, [number, number]> = {
  'kill-subgraph': [10_000, 16_000],
  'kill-broker': [10_000, 25_000],
  'cut-database': [80_000, 88_000],
};

/** The time a fault's slot leaves after its hold for the system to recover before the next. */
export const RECOVERY_MS: Record<FaultKind, number> = {
  'kill-subgraph': 20_000,
  'kill-broker': 30_000,
  'cut-database': 30_000,
};

/**
 * A seeded fault schedule: the time after warm-up is cut into slots, one fault per slot, each at a
 * random offset inside its slot so that it and its recovery end before the slot does. Every kind
 * appears once (in random order) before kinds repeat at random, so even a short run injects each.
 * The same options give the same schedule.
 */
export function faultSchedule(opts: ScheduleOptions): PlannedFault[] {
  const random = seededRandom(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  const longest = (k: FaultKind) => HOLD_MS[k][1] + RECOVERY_MS[k];
  const slotMs = Math.max(...opts.kinds.map(longest)) + 10_000;
  const available = opts.durationMs - opts.warmupMs;
  const slots = Math.floor(available / slotMs);
  const first = [...opts.kinds].sort(() => random() - 0.5);
  // A run too short for a slot per kind still gets every kind: one after the other, each in a slot
  // as long as it needs, the time to spare shared out at random.
  const kinds =
    slots >= first.length
      ? [...first, ...Array.from({ length: slots - first.length }, () => pick(opts.kinds))]
      : first;
  const widths =
    slots >= first.length
      ? kinds.map(() => slotMs)
      : (() => {
          const needed = kinds.map(longest);
          const spare = Math.max(0, available - needed.reduce((a, n) => a + n, 0));
          return needed.map((n) => n + spare / kinds.length);
        })();
  const out: PlannedFault[] = [];
  let slotStart = opts.warmupMs;
  kinds.forEach((kind, i) => {
    const holdMs = between(...HOLD_MS[kind]);
    const slack = Math.max(0, widths[i]! - holdMs - RECOVERY_MS[kind]);
    const atMs = Math.round(slotStart + random() * slack);
    slotStart += widths[i]!;
    const target =
      kind === 'kill-broker' ? `broker-${pick(opts.brokerNodes)}` : pick(opts.subgraphs);
    out.push({ kind, target, atMs, holdMs });
  });
  return out;
}
