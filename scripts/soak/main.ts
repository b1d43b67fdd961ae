import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, runSoak, stopRunningSoak } from './soak';

// npm run soak -- --minutes N [--brokers 3] [--seed S] [--rate R] [--no-prometheus] [--skip-build]
// Starts the whole system as real processes, runs the W1/W2/W3 mix and the event load through the
// gateway for N minutes while injecting seeded faults, drains, checks the invariants and writes
// .data/soak/report.json and report.txt. Exits 1 when an invariant is broken (or a fault did not
// fire its alert, or the system did not drain).

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    brokers: { type: 'string', default: String(DEFAULT_OPTIONS.brokers) },
    seed: { type: 'string', default: String(DEFAULT_OPTIONS.seed) },
    rate: { type: 'string', default: String(DEFAULT_OPTIONS.rate) },
    'no-prometheus': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
  },
});

const number = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
};

async function main(): Promise<void> {
  const brokers = number('brokers', values.brokers);
  if (brokers !== 1 && brokers !== 3) throw new Error('--brokers is 1 or 3');
  const report = await runSoak({
    minutes: number('minutes', values.minutes),
    brokers,
    seed: Math.floor(number('seed', values.seed)),
    rate: number('rate', values.rate),
    prometheus: !values['no-prometheus'],
    skipBuild: values['skip-build'],
  });
  process.exit(report.failures.length ? 1 : 0);
}

// Ctrl-C stops every process the soak started before exiting.
const stop = () => void stopRunningSoak().finally(() => process.exit(130));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
