import { memoryOf } from '../bench/stack';

/** One VmRSS reading of a process (MiB), `t` ms from the start of the load. */
export interface RssSample {
  t: number;
  pid: number;
  mib: number;
}

/** A process's memory over the soak (MiB; slope in MiB per minute). */
export interface RssFigures {
  samples: number;
  /** Times the process was started again (a killed subgraph or broker node). */
  restarts: number;
  startMiB: number;
  endMiB: number;
  maxMiB: number;
  /**
   * Least-squares slope of VmRSS against time, MiB per minute, over the samples after warm-up of
   * the process's longest-lived incarnation (a restarted process starts its own warm-up again);
   * null with fewer than 5 such samples.
   */
  slopeMiBPerMin: number | null;
  /** Minutes the slope covers. */
  slopeMinutes: number;
}

/** Least-squares slope of y against x (per unit of x); null for fewer than 2 distinct x. */
export function leastSquaresSlope(points: { x: number; y: number }[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  return sxx === 0 ? null : sxy / sxx;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The figures of one process's samples; `warmupMs` is skipped at the start of every incarnation. */
export function rssFigures(samples: RssSample[], warmupMs: number): RssFigures {
  const incarnations = new Map<number, RssSample[]>();
  for (const s of samples) incarnations.set(s.pid, [...(incarnations.get(s.pid) ?? []), s]);
  let best: RssSample[] = [];
  for (const run of incarnations.values()) {
    const settled = run.filter((s) => s.t - run[0]!.t >= warmupMs);
    if (settled.length > best.length) best = settled;
  }
  const slope =
    best.length >= 5 ? leastSquaresSlope(best.map((s) => ({ x: s.t / 60_000, y: s.mib }))) : null;
  return {
    samples: samples.length,
    restarts: Math.max(0, incarnations.size - 1),
    startMiB: round2(samples[0]?.mib ?? 0),
    endMiB: round2(samples.at(-1)?.mib ?? 0),
    maxMiB: round2(Math.max(0, ...samples.map((s) => s.mib))),
    slopeMiBPerMin: slope === null ? null : round2(slope),
    slopeMinutes: best.length ? round2((best.at(-1)!.t - best[0]!.t) / 60_000) : 0,
  };
}

/** Samples VmRSS of named processes (their current pids) every `intervalMs`. */
export class RssSampler {
  readonly samples = new Map<string, RssSample[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pids: () => Record<string, number | undefined>,
    private readonly startedAt: number,
  ) {}

  sample(): void {
    const t = Date.now() - this.startedAt;
    for (const [name, pid] of Object.entries(this.pids())) {
      const m = pid ? memoryOf(pid) : undefined;
      if (!m || !pid || !Number.isFinite(m.rss)) continue;
      const list = this.samples.get(name) ?? [];
      list.push({ t, pid, mib: m.rss });
      this.samples.set(name, list);
    }
  }

  start(intervalMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  figures(warmupMs: number): Record<string, RssFigures> {
    return Object.fromEntries(
      [...this.samples.entries()].map(([name, s]) => [name, rssFigures(s, warmupMs)]),
    );
  }
}
