/**
 * Summarises the CPU profiles `npm run bench -- --profile` writes (one per process and measurement,
 * `<process>-<pid>-<n>.cpuprofile`, n as listed in index.txt): the share of busy time by package
 * (node_modules/<pkg>, our own code, node internals, GC) and the functions with the most self time.
 * Usage: tsx scripts/bench/profile-summary.ts [dir] [top] [n]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../config';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function bucket(url: string, fn: string): string {
  if (fn === '(garbage collector)') return '(gc)';
  if (fn === '(idle)' || fn === '(program)') return fn;
  if (!url) return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return 'node internals';
  return 'our code';
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function summarise(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  let total = 0;
  let idle = 0;
  const buckets = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    total += us;
    const b = bucket(n.callFrame.url, n.callFrame.functionName);
    if (b === '(idle)') {
      idle += us;
      continue;
    }
    buckets.set(b, (buckets.get(b) ?? 0) + us);
    const where = n.callFrame.url
      .replace(/^.*node_modules\//, '')
      .replace(/^file:\/\/.*?\/dist\//, 'dist/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  say(`\n== ${file}`);
  say(`   sampled ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s`);
  for (const [b, us] of [...buckets].sort((a, c) => c[1] - a[1]).slice(0, 15)) {
    say(`   ${pct(us).padStart(6)}  ${b}`);
  }
  say('   top self time:');
  for (const [f, us] of [...fns].sort((a, c) => c[1] - a[1]).slice(0, top)) {
    say(`   ${pct(us).padStart(6)}  ${f}`);
  }
}

const dir = process.argv[2] ?? join(REPO_ROOT, 'bench', 'results', 'profiles');
const top = Number(process.argv[3] ?? 25);
const only = process.argv[4];
for (const f of readdirSync(dir).sort()) {
  if (!f.endsWith('.cpuprofile')) continue;
  if (only && !f.endsWith(`-${only}.cpuprofile`)) continue;
  summarise(join(dir, f), top);
}
