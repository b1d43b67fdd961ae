import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { freePort, type ConsumerDefinition } from '@liyuan/kit';
import { issueToken } from '../../gateway/src/auth';
import { DEV_JWT } from '../../scripts/dev-secrets';
import { LOCAL_SUBGRAPHS, REPO_ROOT } from '../../scripts/config';
import { facilitiesConsumers } from '../../services/facilities/src/events/handlers';
import { mediationConsumers } from '../../services/mediation/src/events/handlers';
import { residentsConsumers } from '../../services/residents/src/events/handlers';
import { sharedSpacesConsumers } from '../../services/shared-spaces/src/events/handlers';
import { volunteersConsumers } from '../../services/volunteers/src/events/handlers';
import { testEnv } from '../support/config';
import { postGraphQL } from '../support/stack';
import { inDaysAt } from '../support/time';
import { waitFor } from '../support/wait';

/** Each subgraph's consumer groups, as the services define them (group, topics, handled types). */
const CONSUMERS: Record<string, ConsumerDefinition[]> = {
  residents: residentsConsumers(),
  facilities: facilitiesConsumers(),
  'shared-spaces': sharedSpacesConsumers(),
  volunteers: volunteersConsumers(),
  mediation: mediationConsumers(),
};

const TSX_CLI = require.resolve('tsx/cli');

/** A free port whose successor is free too (the local broker's controller takes port + 1). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port >= 65535) continue;
    const next = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port + 1, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (next) return port;
  }
}

/**
 * A service's embedded server: the port from its postmaster.pid (line 4), the superuser's password
 * from the file kept beside the cluster.
 */
function embeddedUrl(dataDir: string, service: string): string {
  const pid = readFileSync(join(dataDir, service, 'postgres', 'postmaster.pid'), 'utf8');
  const port = Number(pid.split('\n')[3]);
  const password = readFileSync(join(dataDir, service, 'postgres.password'), 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres?sslmode=disable`;
}

async function sql<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * `npm start` as a new user meets it: a fresh data directory, embedded databases, the local broker,
 * the demo data and every consumer at its default concurrency — the process tree the README's
 * first command starts, not the tests' own setup. Every demo event must be consumed (the groups'
 * committed offsets at the high watermarks), every consumer must hold what the events imply, and
 * mutations that depend on those events must succeed through the gateway.
 */
describe('npm start on its embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'liyuan-start-'));
  let start: ChildProcess;
  let exited: Promise<number | null>;
  let output = '';
  let gatewayUrl = '';
  let readyAfterMs = 0;
  const startedAt = Date.now();
  let kafka: Kafka;

  const token = async (
    roles: ('staff' | 'resident')[],
    claims: { residentId?: string } = {},
  ): Promise<string> => {
    const secrets = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
      jwt: string;
    };
    return issueToken(
      { secret: secrets.jwt, ...DEV_JWT },
      { sub: `npm-start-${roles[0]}-${claims.residentId ?? ''}`, roles, ...claims },
    );
  };
  const gql = async <T>(query: string, variables: Record<string, unknown>, tok: string) => {
    const res = await postGraphQL<T>(gatewayUrl, query, variables, {
      authorization: `Bearer ${tok}`,
    });
    return res;
  };

  beforeAll(async () => {
    // The broker's ports are chosen free, yet another process may take one before the broker
    // binds it: such a start is retried on fresh ports; any other failure fails at once.
    for (let attempt = 1; ; attempt++) {
      const kafkaPort = await freePortPair();
      const ports: Record<string, string> = { GATEWAY_PORT: String(await freePort()) };
      for (const s of LOCAL_SUBGRAPHS)
        ports[`${s.name.replace(/-/g, '_').toUpperCase()}_PORT`] = String(await freePort());
      output = '';
      start = spawn(process.execPath, [TSX_CLI, 'scripts/start.ts'], {
        cwd: REPO_ROOT,
        // What a user's shell has: no DATABASE_URL, no KAFKA_BROKERS, so every default applies.
        env: {
          PATH: testEnv().path,
          HOME: process.env.HOME ?? '',
          DATA_DIR: dataDir,
          KAFKA_PORT: String(kafkaPort),
          ...ports,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      exited = new Promise((resolve) => start.once('exit', (code) => resolve(code)));
      start.stdout!.on('data', (b: Buffer) => (output += b.toString()));
      start.stderr!.on('data', (b: Buffer) => (output += b.toString()));
      const outcome = await waitFor(
        'npm start to print its gateway',
        () =>
          output.includes('Ctrl-C stops every process')
            ? ('ready' as const)
            : start.exitCode !== null
              ? ('exited' as const)
              : undefined,
        300_000,
        250,
      );
      if (outcome === 'ready') {
        gatewayUrl = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
        kafka = new Kafka({
          clientId: 'npm-start-test',
          brokers: [`127.0.0.1:${kafkaPort}`],
          logLevel: logLevel.NOTHING,
        });
        break;
      }
      if (attempt < 3 && output.includes('already in use')) continue;
      throw new Error(`npm start exited before it was ready:\n${output}`);
    }
    readyAfterMs = Date.now() - startedAt;
  }, 320_000);

  afterAll(async () => {
    if (start && start.exitCode === null) {
      start.kill('SIGINT');
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000).unref()),
      ]);
      if (code === 'timeout') start.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('when the demo data is loaded, then every consumer group commits up to the high watermark on every partition', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const behind = async () => {
        const out: string[] = [];
        for (const defs of Object.values(CONSUMERS)) {
          for (const def of defs) {
            const committed = await admin.fetchOffsets({
              groupId: def.groupId,
              topics: def.topics,
            });
            for (const topic of def.topics) {
              const ends = await admin.fetchTopicOffsets(topic);
              for (const p of ends) {
                const c =
                  committed
                    .find((t) => t.topic === topic)
                    ?.partitions.find((x) => x.partition === p.partition)?.offset ?? '-1';
                const lag = Number(p.high) - (c === '-1' ? Number(p.low) : Number(c));
                if (lag !== 0) out.push(`${def.groupId} ${topic}[${p.partition}] ${lag} behind`);
              }
            }
          }
        }
        return out;
      };
      // The relays first empty every outbox (the demo data's events), then the groups catch up.
      let last: string[] = [];
      await waitFor(
        'every demo event published and every group committed to the end',
        async () => {
          const backlogs = await Promise.all(
            LOCAL_SUBGRAPHS.map(
              async (s) =>
                (
                  await sql<{ n: number }>(
                    embeddedUrl(dataDir, s.name),
                    'SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL',
                  )
                )[0]!.n,
            ),
          );
          if (backlogs.some((n) => n > 0)) return undefined;
          last = await behind();
          return last.length === 0 ? true : undefined;
        },
        240_000,
        1000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\nstill behind:\n${last.join('\n')}`);
      });
      process.stdout.write(
        `npm start: ready after ${(readyAfterMs / 1000).toFixed(1)} s, every demo event consumed and committed after ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`,
      );
    } finally {
      await admin.disconnect();
    }
  }, 260_000);

  it('when the events are consumed, then every consumer has recorded each event of a type it handles, and volunteers knows every demo resident', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const topics = [
      ...new Set(Object.values(CONSUMERS).flatMap((d) => d.flatMap((c) => c.topics))),
    ];
    const ends = new Map<string, Map<number, bigint>>();
    for (const t of topics) {
      const offsets = await admin.fetchTopicOffsets(t);
      ends.set(t, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
    }
    await admin.disconnect();
    // Every event on the subscribed topics, read from the beginning by a reader of its own.
    const byTopic = new Map<string, { id: string; type: string }[]>();
    const reader = kafka.consumer({ groupId: `npm-start-reader-${Date.now()}` });
    const seen = new Map<string, bigint>();
    await reader.connect();
    await reader.subscribe({ topics, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ topic, partition, message }) => {
        const type = message.headers?.['event-type']?.toString() ?? '';
        const id = message.headers?.['event-id']?.toString() ?? '';
        const list = byTopic.get(topic) ?? [];
        list.push({ id, type });
        byTopic.set(topic, list);
        seen.set(`${topic}:${partition}`, BigInt(message.offset) + 1n);
      },
    });
    try {
      await waitFor(
        'every subscribed topic read to its end',
        () =>
          [...ends].every(([t, parts]) =>
            [...parts].every(([p, high]) => high === 0n || (seen.get(`${t}:${p}`) ?? 0n) >= high),
          )
            ? true
            : undefined,
        120_000,
        250,
      );
    } finally {
      await reader.disconnect();
    }

    const missing: string[] = [];
    for (const [service, defs] of Object.entries(CONSUMERS)) {
      const url = embeddedUrl(dataDir, service);
      for (const def of defs) {
        const expected = def.topics.flatMap((t) =>
          (byTopic.get(t) ?? []).filter((e) => def.handlers[e.type]).map((e) => e.id),
        );
        const recorded = new Set(
          (
            await sql<{ event_id: string }>(
              url,
              'SELECT event_id::text FROM processed_events WHERE consumer = $1',
              [def.groupId],
            )
          ).map((r) => r.event_id),
        );
        const notApplied = expected.filter((id) => !recorded.has(id));
        if (notApplied.length)
          missing.push(`${def.groupId}: ${notApplied.length} of ${expected.length} not applied`);
      }
    }
    expect(missing).toEqual([]);

    const residents = await sql<{ id: string }>(
      embeddedUrl(dataDir, 'residents'),
      'SELECT id::text FROM residents',
    );
    const known = new Set(
      (
        await sql<{ resident_id: string }>(
          embeddedUrl(dataDir, 'volunteers'),
          'SELECT resident_id::text FROM known_residents',
        )
      ).map((r) => r.resident_id),
    );
    expect(residents.length).toBeGreaterThan(4000);
    expect(residents.filter((r) => !known.has(r.id))).toEqual([]);
  }, 180_000);

  it('when staff and residents act through the gateway, then mutations that rely on the events succeed', async () => {
    const staff = await token(['staff']);
    const residentsUrl = embeddedUrl(dataDir, 'residents');
    const volunteers = new Set(
      (
        await sql<{ resident_id: string }>(
          embeddedUrl(dataDir, 'volunteers'),
          'SELECT resident_id::text FROM volunteers',
        )
      ).map((r) => r.resident_id),
    );
    const active = await sql<{ id: string }>(
      residentsUrl,
      `SELECT id::text FROM residents WHERE status = 'active' ORDER BY id`,
    );
    const newcomers = active.filter((r) => !volunteers.has(r.id)).slice(0, 50);
    expect(newcomers).toHaveLength(50);
    const failures: string[] = [];
    for (const r of newcomers) {
      const res = await gql<{ registerVolunteer: { id: string } }>(
        `mutation($r: ID!) { registerVolunteer(input: { residentId: $r, skills: ["tea"] }) { id } }`,
        { r: r.id },
        staff,
      );
      if (res.errors || !res.data?.registerVolunteer.id)
        failures.push(`${r.id}: ${JSON.stringify(res.errors)}`);
    }
    expect(failures).toEqual([]);

    // A resident books the chess room for themself (on the first day the demo season left free);
    // staff files a case between two neighbours.
    const facilities = await gql<{ facilities: { id: string; name: string; status: string }[] }>(
      `{ facilities { id name status } }`,
      {},
      staff,
    );
    expect(facilities.errors).toBeUndefined();
    const room = facilities.data!.facilities.find((f) => f.name === 'Chess and Card Room')!;
    expect(room).toBeDefined();
    const resident = await token(['resident'], { residentId: newcomers[0]!.id });
    let booked: { id: string } | undefined;
    const refused: string[] = [];
    for (let days = 30; days < 40 && !booked; days++) {
      const res = await gql<{ bookFacility: { id: string } }>(
        `mutation($f: ID!, $a: DateTime!, $b: DateTime!) { bookFacility(input: { facilityId: $f, startsAt: $a, endsAt: $b, attendees: 3, purpose: "Calligraphy practice" }) { id } }`,
        { f: room.id, a: inDaysAt(days, 14), b: inDaysAt(days, 15) },
        resident,
      );
      if (res.data?.bookFacility) booked = res.data.bookFacility;
      else refused.push(JSON.stringify(res.errors));
    }
    expect({
      booked: Boolean(booked),
      refused: refused.filter((r) => !r.includes('CONFLICT')),
    }).toEqual({
      booked: true,
      refused: [],
    });

    const dispute = await gql<{ fileCase: { id: string } }>(
      `mutation($a: ID!, $b: ID!) { fileCase(input: { category: NEIGHBOUR, source: COMMITTEE, summary: "Noise after ten at night",
        parties: [{ residentId: $a, role: APPLICANT }, { residentId: $b, role: RESPONDENT }] }) { id } }`,
      { a: newcomers[1]!.id, b: newcomers[2]!.id },
      staff,
    );
    expect(dispute.errors).toBeUndefined();
    expect(dispute.data!.fileCase.id).toBeTruthy();
  }, 120_000);

  it('when npm start is stopped, then it exits 0 and leaves no database server behind', async () => {
    start.kill('SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000).unref()),
    ]);
    expect(code).toBe(0);
    const servers = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dataDir);
        } catch {
          return false;
        }
      });
    expect(servers).toEqual([]);
  }, 90_000);
});
