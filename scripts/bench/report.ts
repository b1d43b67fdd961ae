import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Results, WorkloadRun } from './main';

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

const n0 = (x: number) => x.toFixed(0);
const mark = (ok: boolean) => (ok ? 'met' : '**missed**');

function find(r: Results, workload: string, target: WorkloadRun['target'], c: number) {
  return r.runs.find((x) => x.workload === workload && x.target === target && x.connections === c);
}

const errorsOf = (x: WorkloadRun) => x.non2xx + x.graphqlErrors + x.transportErrors;

/** The results section of BENCHMARKS.md (tables and targets) for one run. */
export function resultsMarkdown(r: Results): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(
    `Last run: **${r.mode}** (${r.durations.runS} s per measurement after a ${r.durations.warmupS} s warm-up), ${r.date}.`,
    '',
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, Node ${m.node}, PostgreSQL ${m.postgres || '?'}, ` +
      `Kafka single-node KRaft broker from infra/kafka. Load generator, gateways, subgraphs, PostgreSQL and Kafka all share this machine.`,
    '',
    `Data set: the demo data — ${r.data.residents} residents in 2,000 households and ${r.data.grids} grids, ${r.data.facilities} open facilities, and the other services' demo bookings, memberships, volunteer records and cases.`,
    '',
    '### HTTP workloads',
    '',
    '| workload | target | conc. | req/s | p50 ms | p95 ms | p99 ms | errors (non-2xx / GraphQL / transport) | CONFLICT | ÷ peer req/s |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|---:|',
  );
  for (const x of r.runs) {
    const peer =
      x.target === 'ours' || x.target === 'cached'
        ? find(r, x.workload, 'peer', x.connections)
        : undefined;
    const ratio = peer && peer.rps > 0 ? (x.rps / peer.rps).toFixed(2) : '';
    lines.push(
      `| ${x.workload} | ${x.target} | ${x.connections} | ${n0(x.rps)} | ${x.p50} | ${x.p95} | ${x.p99} | ` +
        `${errorsOf(x)} (${x.non2xx} / ${x.graphqlErrors} / ${x.transportErrors}) | ${x.workload === 'W3' ? x.conflicts : ''} | ${ratio} |`,
    );
  }
  const cpuNames = [...new Set(r.runs.flatMap((x) => Object.keys(x.cpuMsPerRequest ?? {})))];
  if (cpuNames.length) {
    lines.push(
      '',
      '### CPU per request (ms of user + system time per completed request, by process)',
      '',
      `| workload | target | conc. | ${cpuNames.join(' | ')} | total |`,
      `|---|---|---:|${cpuNames.map(() => '---:').join('|')}|---:|`,
    );
    for (const x of r.runs) {
      const c = x.cpuMsPerRequest ?? {};
      const total = Object.values(c).reduce((a, b) => a + b, 0);
      lines.push(
        `| ${x.workload} | ${x.target} | ${x.connections} | ${cpuNames
          .map((p) => (c[p] === undefined ? '' : c[p].toFixed(1)))
          .join(' | ')} | ${total.toFixed(1)} |`,
      );
    }
  }
  const cachedRuns = r.runs.filter((x) => x.cache);
  if (cachedRuns.length) {
    lines.push(
      '',
      '### Subgraph cache of the cached gateway: its subgraph fetches during the measurement',
      '',
      '| workload | conc. | hit | miss (kept) | not kept (audited or errors) | bypass (feed not known current) | hit ratio |',
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const x of cachedRuns) {
      const c = x.cache!;
      const all = Object.values(c).reduce((a, b) => a + b, 0);
      lines.push(
        `| ${x.workload} | ${x.connections} | ${c.hit ?? 0} | ${c.miss ?? 0} | ${c.not_kept ?? 0} | ${c.bypass ?? 0} | ${all ? ((100 * (c.hit ?? 0)) / all).toFixed(0) : 0} % |`,
      );
    }
  }
  lines.push(
    '',
    '### Peak RSS per process (MiB): highest sampled VmRSS during the measurement / VmHWM at its end',
    '',
  );
  const names = r.runs[0] ? Object.keys(r.runs[0].memory) : [];
  lines.push(
    `| workload | target | conc. | ${names.join(' | ')} |`,
    `|---|---|---:|${names.map(() => '---:').join('|')}|`,
  );
  for (const x of r.runs) {
    lines.push(
      `| ${x.workload} | ${x.target} | ${x.connections} | ${names
        .map((p) => (x.memory[p] ? `${n0(x.memory[p].rssMax)} / ${n0(x.memory[p].hwm)}` : ''))
        .join(' | ')} |`,
    );
  }
  const heapNames = names.filter((p) => r.runs.some((x) => x.memory[p]?.heapUsed !== undefined));
  if (heapNames.length) {
    lines.push(
      '',
      '### V8 heap per process (MiB) at the end of the measurement: in use / reserved (from /metrics)',
      '',
      `| workload | target | conc. | ${heapNames.join(' | ')} |`,
      `|---|---|---:|${heapNames.map(() => '---:').join('|')}|`,
    );
    for (const x of r.runs) {
      lines.push(
        `| ${x.workload} | ${x.target} | ${x.connections} | ${heapNames
          .map((p) => {
            const mm = x.memory[p];
            return mm?.heapUsed !== undefined
              ? `${n0(mm.heapUsed)} / ${n0(mm.heapTotal ?? 0)}`
              : '';
          })
          .join(' | ')} |`,
      );
    }
  }
  const e = r.events;
  if (e) {
    lines.push(
      '',
      '### Events (E1)',
      '',
      '| measurement | figure |',
      '|---|---|',
      `| raw kafkajs producer → consumer (fresh topic, 3 partitions) | ${n0(e.raw.messagesPerSecond)} msg/s (${e.raw.messages} messages in ${e.raw.totalSeconds.toFixed(1)} s) |`,
      `| outbox → Kafka → volunteers consumer, sustained | ${n0(e.throughput.eventsPerSecond)} events/s (${e.throughput.events} events appended in transactions of ${e.throughput.batchSize} in ${e.throughput.appendSeconds.toFixed(1)} s, all processed after ${e.throughput.totalSeconds.toFixed(1)} s) |`,
      `| loss / double effects | processed ${e.throughput.processed} of ${e.throughput.events} (lost ${e.throughput.lost}); known_residents rows ${e.throughput.effects} (doubled ${e.throughput.doubled}) |`,
      `| commit → effect latency at ${e.latency.ratePerSecond} events/s for ${e.latency.durationS} s | p50 ${n0(e.latency.p50Ms)} ms, p95 ${n0(e.latency.p95Ms)} ms, p99 ${n0(e.latency.p99Ms)} ms, max ${n0(e.latency.maxMs)} ms (${e.latency.processed}/${e.latency.events} processed) |`,
    );
  }

  const l = r.live;
  if (l) {
    lines.push(
      '',
      '### Live updates (S1)',
      '',
      '| measurement | figure |',
      '|---|---|',
      `| subscribers | ${l.subscribers} (${Object.entries(l.kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}) on ${l.connections} WebSocket connections of ${l.callers} callers |`,
      `| events | ${l.events} in ${l.durationS.toFixed(1)} s (${n0(l.eventsPerSecond)}/s of ${l.targetRate} asked, at most ${l.maxInFlight ?? 200} in flight; ${l.mutationErrors} mutation errors, ${l.skipped} skipped) |`,
      `| pushes | ${l.received} of ${l.expectedPushes} expected, ${n0(l.pushesPerSecond)}/s; missed ${l.missed}, duplicated ${l.duplicated}, frames with errors ${l.errorFrames}; last frame ${l.drainS.toFixed(1)} s after the drive |`,
      `| commit (event occurredAt) → frame received | p50 ${n0(l.latency.p50)} ms, p95 ${n0(l.latency.p95)} ms, p99 ${n0(l.latency.p99)} ms, max ${n0(l.latency.max)} ms |`,
      `| CPU ms per push | ${Object.entries(l.cpuMsPerPush)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')}; total ${Object.values(l.cpuMsPerPush)
        .reduce((a, b) => a + b, 0)
        .toFixed(2)} |`,
      `| gateway-live memory | RSS peak ${n0(l.gatewayMemory.rssMax)} MiB (VmHWM ${n0(l.gatewayMemory.hwm)}), heap ${n0(l.gatewayMemory.heapUsed ?? 0)} / ${n0(l.gatewayMemory.heapTotal ?? 0)} MiB |`,
    );
  }

  // Targets.
  lines.push('', '### Targets', '', '| target | result | |', '|---|---|---|');
  for (const target of ['ours', 'cached'] as const) {
    for (const w of ['W1', 'W2']) {
      for (const c of r.durations.concurrencies) {
        const ours = find(r, w, target, c);
        const peer = find(r, w, 'peer', c);
        if (!ours || !peer) continue;
        const ok = ours.rps >= peer.rps && errorsOf(ours) === 0;
        lines.push(
          `| ${w} ${target} c=${c}: throughput ≥ peer, zero errors | ${n0(ours.rps)} vs ${n0(peer.rps)} req/s (${(ours.rps / peer.rps).toFixed(2)}×), ${errorsOf(ours)} errors | ${mark(ok)} |`,
        );
      }
    }
    const w1 = find(r, 'W1', target, 10);
    if (w1)
      lines.push(`| W1 ${target} p99 < 50 ms at c=10 | ${w1.p99} ms | ${mark(w1.p99 < 50)} |`);
  }
  if (e) {
    lines.push(
      `| E1 ≥ 2,000 events/s sustained, no loss, no doubles | ${n0(e.throughput.eventsPerSecond)} events/s, lost ${e.throughput.lost}, doubled ${e.throughput.doubled} | ${mark(e.throughput.eventsPerSecond >= 2000 && e.throughput.lost === 0 && e.throughput.doubled === 0)} |`,
      `| E1 p99 < 250 ms at 200 events/s | ${n0(e.latency.p99Ms)} ms | ${mark(e.latency.p99Ms < 250 && e.latency.processed === e.latency.events)} |`,
    );
  }
  if (l) {
    lines.push(
      `| S1 p99 commit → push < 250 ms at 200 events/s | ${n0(l.latency.p99)} ms at ${n0(l.eventsPerSecond)} events/s | ${mark(l.latency.p99 < 250 && l.eventsPerSecond >= 190)} |`,
      `| S1 zero missed, zero duplicated | missed ${l.missed}, duplicated ${l.duplicated} | ${mark(l.missed === 0 && l.duplicated === 0)} |`,
      `| S1 gateway RSS < 400 MB | peak ${n0(Math.max(l.gatewayMemory.rssMax, l.gatewayMemory.hwm))} MiB | ${mark(Math.max(l.gatewayMemory.rssMax, l.gatewayMemory.hwm) < 400)} |`,
    );
  }
  const peak: Record<string, number> = {};
  for (const x of r.runs)
    for (const [p, mm] of Object.entries(x.memory))
      peak[p] = Math.max(peak[p] ?? 0, mm.hwm, mm.rssMax);
  for (const [p, v] of Object.entries(peak)) {
    if (p === 'kafka' || p === 'peer') continue;
    const limit = p.startsWith('gateway') ? 400 : 250;
    lines.push(`| ${p} RSS < ${limit} MB under load | peak ${n0(v)} MiB | ${mark(v < limit)} |`);
  }
  if (r.failures.length) {
    lines.push(
      '',
      '### Failures',
      '',
      '```',
      ...r.failures.map((f) => f.split('\n').slice(0, 6).join('\n')),
      '```',
    );
  }
  return lines.join('\n');
}

/** Replaces the results section of BENCHMARKS.md (between the markers), creating the file if needed. */
export function writeReport(r: Results, file: string): void {
  const section = `${START}\n${resultsMarkdown(r)}\n${END}`;
  const current = existsSync(file)
    ? readFileSync(file, 'utf8')
    : `# Benchmarks\n\n## Latest results\n\n${START}\n${END}\n`;
  const from = current.indexOf(START);
  const to = current.indexOf(END);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + section + current.slice(to + END.length)
      : `${current.trimEnd()}\n\n## Latest results\n\n${section}\n`;
  writeFileSync(file, next);
}
