import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '@liyuan/kit';
import { REPO_ROOT } from '../config';
import { scaleAlertRules } from './alert-rules';

/** Whether Prometheus (Debian's `prometheus` package) is installed here. */
export function prometheusInstalled(): boolean {
  return spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** An alert's firing interval as Prometheus's ALERTS series shows it (ms since the epoch). */
export interface FiredAlert {
  alertname: string;
  labels: Record<string, string>;
  firingFrom: number;
  /** Last evaluation seen firing. */
  firingUntil: number;
}

export interface SoakPrometheus {
  url: string;
  pid: number | undefined;
  /** Every alert that fired between `from` and `to` (ms), one entry per continuous firing interval. */
  firedBetween(from: number, to: number): Promise<FiredAlert[]>;
  /** The alerts firing now (from /api/v1/alerts). */
  firingNow(): Promise<{ alertname: string; labels: Record<string, string> }[]>;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  /** Its storage, configuration, rules and log. */
  dir: string;
  /** host:port of every process's /metrics. */
  targets: string[];
  /** Divides every `for:` and range window of the rules (see alert-rules.ts). */
  factor: number;
  /** Scrape and evaluation interval, seconds. */
  intervalS: number;
}

/**
 * Starts a Prometheus of the soak's own (a free port, its own storage under `dir`; not the system
 * service) scraping `targets` as job `liyuan` (the job the rules name) and loading the project's
 * alerts.yml with its durations divided by `factor`.
 */
export async function startPrometheus(opts: StartPrometheusOptions): Promise<SoakPrometheus> {
  mkdirSync(join(opts.dir, 'data'), { recursive: true });
  const rules = scaleAlertRules(
    readFileSync(join(REPO_ROOT, 'infra/prometheus/alerts.yml'), 'utf8'),
    opts.factor,
  );
  writeFileSync(join(opts.dir, 'alerts.yml'), rules);
  writeFileSync(
    join(opts.dir, 'prometheus.yml'),
    stringify({
      global: {
        scrape_interval: `${opts.intervalS}s`,
        scrape_timeout: `${Math.round(opts.intervalS * 800)}ms`,
        evaluation_interval: `${opts.intervalS}s`,
      },
      rule_files: [join(opts.dir, 'alerts.yml')],
      scrape_configs: [
        {
          job_name: 'liyuan',
          metrics_path: '/metrics',
          static_configs: [{ targets: opts.targets }],
        },
      ],
    }),
  );
  const port = await freePort();
  const log = openSync(join(opts.dir, 'prometheus.log'), 'w');
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(opts.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(opts.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1d',
      '--web.enable-lifecycle',
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}/-/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `Prometheus did not start: ${readFileSync(join(opts.dir, 'prometheus.log'), 'utf8').slice(-2000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error}`);
    return body.data;
  };
  const stepS = opts.intervalS;
  return {
    url,
    pid: child.pid,
    async firedBetween(from, to) {
      const out: FiredAlert[] = [];
      // query_range returns at most 11,000 points per series: long runs are read in pieces.
      const chunkMs = 10_000 * stepS * 1000;
      for (let start = from; start < to; start += chunkMs) {
        const end = Math.min(to, start + chunkMs);
        const data = await api<{
          result: { metric: Record<string, string>; values: [number, string][] }[];
        }>(
          `/api/v1/query_range?query=${encodeURIComponent('ALERTS{alertstate="firing"}')}&start=${start / 1000}&end=${end / 1000}&step=${stepS}`,
        );
        for (const series of data.result) {
          const { alertname, alertstate: _state, __name__: _name, ...labels } = series.metric;
          let current: FiredAlert | undefined;
          for (const [ts] of series.values) {
            const t = ts * 1000;
            if (current && t - current.firingUntil <= 2 * stepS * 1000) current.firingUntil = t;
            else {
              current = { alertname: alertname!, labels, firingFrom: t, firingUntil: t };
              out.push(current);
            }
          }
        }
      }
      return out.sort((a, b) => a.firingFrom - b.firingFrom);
    },
    async firingNow() {
      const data = await api<{
        alerts: { labels: Record<string, string>; state: string }[];
      }>('/api/v1/alerts');
      return data.alerts
        .filter((a) => a.state === 'firing')
        .map((a) => {
          const { alertname, ...labels } = a.labels;
          return { alertname: alertname!, labels };
        });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
