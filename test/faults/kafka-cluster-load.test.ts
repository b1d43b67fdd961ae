import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createLogger, type RunningService } from '@liyuan/kit';
import { FACILITIES_TOPICS, RESIDENTS_TOPICS } from '@liyuan/schemas';
import type { KafkaClusterHandle } from '../../infra/kafka/broker';
import { startTestKafkaCluster, testTopic } from '../support/kafka';
import {
  REGISTER_RESIDENT,
  idCardFor,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { caller, callSubgraph, startTestService, type TestService } from '../support/stack';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait';

/** Events each scenario puts through the relays and consumers at least (residents + facilities). */
const MIN_EVENTS = 2_000;
const ADD_FACILITY = `mutation($input: AddFacilityInput!) { addFacility(input: $input) { id } }`;
const OFFSETS_TOPIC = '__consumer_offsets';

/**
 * Faults of a three-node cluster under load, with the services as they run: residents registering
 * residents and facilities adding facilities (mutations through their subgraphs, events through
 * their outbox relays) while volunteers (both kinds) and facilities (the residents) consume them.
 * Clients reach each node through a TCP proxy of its own, which the node advertises, and each node
 * reaches each other node (replication and the quorum) through proxies of that link, so one node
 * can be cut off from everything. In each scenario at least 2,000 events are in flight while the
 * fault happens; afterwards
 * every acknowledged mutation has its event, both outboxes are drained, and each consumer group
 * applied each event exactly once (its processed-events row and its effect row, and its
 * `events_consumed_total{outcome="applied"}` grew by exactly the number of events).
 */
describe('kafka cluster under load: a leader killed, a broker cut off, a rolling restart', () => {
  /**
   * A proxy in front of each node's client port and one per link and port (node `from` reaching
   * node `to`'s replication and controller listeners): cutting those of one node partitions it
   * from everything else.
   */
  const proxies: Array<{ nodes: number[]; proxy: TcpProxy }> = [];
  const cutOff = async (nodeId: number) => {
    for (const p of proxies) if (p.nodes.includes(nodeId)) await p.proxy.cut();
  };
  const restoreAll = async () => {
    for (const p of proxies) await p.proxy.restore().catch(() => undefined);
  };
  let cluster: KafkaClusterHandle;
  let admin: Admin;
  let residents: TestService;
  let facilities: TestService;
  let volunteers: TestService;
  let householdId: string;
  const topics = [testTopic(RESIDENTS_TOPICS.resident), testTopic(FACILITIES_TOPICS.facility)];

  beforeAll(async () => {
    cluster = await startTestKafkaCluster(3, {
      // Three JVMs and three services on a busy 2-core machine: allow a slow start.
      timeoutMs: 240_000,
      advertise: async ({ nodeId, port }) => {
        const proxy = await startTcpProxy('127.0.0.1', port);
        proxies.push({ nodes: [nodeId], proxy });
        return proxy.port;
      },
      // Node `from` reaches node `to` at 127.0.<from>.<to>: a proxy per link and port.
      peerHost: async ({ from, to, ports }) => {
        const host = `127.0.${from}.${to}`;
        for (const port of ports) {
          const proxy = await startTcpProxy('127.0.0.1', port, { host, port });
          proxies.push({ nodes: [from, to], proxy });
        }
        return host;
      },
    });
    const env = {
      // The under-replicated partitions and the lag are read every second.
      CONSUMER_LAG_INTERVAL_MS: '1000',
      OUTBOX_POLL_INTERVAL_MS: '100',
    };
    const start = (name: 'residents' | 'facilities' | 'volunteers') =>
      startTestService(name, {
        brokers: cluster.brokers,
        env,
        start: process.env.CLUSTER_LOAD_LOG_LEVEL
          ? { logger: createLogger(name, process.env.CLUSTER_LOAD_LOG_LEVEL) }
          : undefined,
      });
    [residents, facilities, volunteers] = await Promise.all([
      start('residents'),
      start('facilities'),
      start('volunteers'),
    ]);
    await Promise.all([residents, facilities, volunteers].map((s) => s.service.eventsReady));
    admin = new Kafka({
      clientId: 'cluster-load-test',
      brokers: cluster.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
    }).admin();
    await admin.connect();
    const staff = caller(['staff']);
    ({ householdId } = await seedHousehold((q, v) => callSubgraph(residents.service, staff, q, v)));
  }, 420_000);
  afterAll(async () => {
    await restoreAll();
    await admin?.disconnect().catch(() => undefined);
    await Promise.all([residents, facilities, volunteers].map((s) => s?.stop()));
    await cluster?.stop();
    for (const p of proxies) await p.proxy.close();
  }, 120_000);

  /** Partitions of the load's topics and the offsets topic whose ISR is smaller than their replicas. */
  const underReplicated = async (): Promise<number> => {
    const { topics: meta } = await admin.fetchTopicMetadata({
      topics: [...topics, OFFSETS_TOPIC],
    });
    return meta.flatMap((t) => t.partitions).filter((p) => p.isr.length < p.replicas.length).length;
  };
  const fullIsr = async (): Promise<true | undefined> =>
    (await underReplicated()) === 0 ? true : undefined;

  /** The partition of the load's topics holding the most records, and its leader. */
  const busiestPartition = async () => {
    const { topics: meta } = await admin.fetchTopicMetadata({ topics });
    let best = { topic: '', partition: -1, records: -1, leader: -1 };
    for (const t of meta) {
      const offsets = await admin.fetchTopicOffsets(t.name);
      for (const p of t.partitions) {
        const o = offsets.find((x) => x.partition === p.partitionId)!;
        const records = Number(o.high) - Number(o.low);
        if (records > best.records)
          best = { topic: t.name, partition: p.partitionId, records, leader: p.leader };
      }
    }
    return best;
  };

  /** The metric every service exports, summed over the load's topics. */
  const metricUnderReplicated = async (s: RunningService): Promise<number> =>
    (await s.metrics.kafkaUnderReplicatedPartitions.get()).values
      .filter((v) => topics.includes(String(v.labels.topic)))
      .reduce((sum, v) => sum + v.value, 0);

  /** Events a consumer has applied so far, by type (events_consumed_total{outcome="applied"}). */
  const applied = async (s: RunningService, type: string): Promise<number> =>
    (await s.metrics.eventsConsumed.get()).values
      .filter((v) => v.labels.type === type && v.labels.outcome === 'applied')
      .reduce((sum, v) => sum + v.value, 0);
  const duplicates = async (s: RunningService): Promise<number> =>
    (await s.metrics.eventsConsumed.get()).values
      .filter((v) => v.labels.outcome === 'duplicate')
      .reduce((sum, v) => sum + v.value, 0);

  const query = async <T>(s: TestService, sql: string, params: unknown[] = []): Promise<T[]> =>
    (await s.service.db.dataSource.query(sql, params)) as T[];

  /**
   * Mutations at the pace the subgraphs answer them: three workers registering residents, one adding
   * facilities, until `stop()` is called and at least MIN_EVENTS were acknowledged.
   */
  const startLoad = (label: string) => {
    const residentIds: string[] = [];
    const facilityIds: string[] = [];
    let refused = 0;
    let stopping = false;
    let n = 0;
    const staff = caller(['staff']);
    const acknowledged = () => residentIds.length + facilityIds.length;
    const done = () => stopping && acknowledged() >= MIN_EVENTS;
    const registering = async () => {
      while (!done()) {
        const i = n++;
        const birthDate = `19${String(30 + (i % 60)).padStart(2, '0')}-1${i % 3}-0${1 + (i % 9)}`;
        const res = await callSubgraph(residents.service, staff, REGISTER_RESIDENT, {
          input: residentInput(householdId, {
            name: `${label} ${i}`,
            birthDate,
            idCardNumber: idCardFor(birthDate),
          }),
        }).catch(() => undefined);
        const id = (res?.data as { registerResident?: { id: string } } | null | undefined)
          ?.registerResident?.id;
        if (id) residentIds.push(id);
        else refused++;
      }
    };
    const adding = async () => {
      while (!done()) {
        const i = n++;
        const res = await callSubgraph(facilities.service, staff, ADD_FACILITY, {
          input: {
            name: `${label} room ${i}`,
            kind: 'ACTIVITY_ROOM',
            capacity: 10,
            opensAt: '08:00',
            closesAt: '20:00',
            location: 'Block C',
          },
        }).catch(() => undefined);
        const id = (res?.data as { addFacility?: { id: string } } | null | undefined)?.addFacility
          ?.id;
        if (id) facilityIds.push(id);
        else refused++;
      }
    };
    const workers = Promise.all([registering(), registering(), registering(), adding()]);
    return {
      residentIds,
      facilityIds,
      acknowledged,
      refused: () => refused,
      /** Lets the workers finish once MIN_EVENTS are acknowledged. */
      stop: async () => {
        stopping = true;
        await workers;
      },
    };
  };
  type Load = ReturnType<typeof startLoad>;

  /** Everything written so far published and applied by both consumers (a scenario starts clean). */
  const settled = () =>
    waitFor(
      'earlier events published and applied',
      async () => {
        const ids = async (s: TestService, type: string) =>
          (
            await query<{ id: string }>(s, `SELECT id::text FROM outbox_events WHERE type = $1`, [
              type,
            ])
          ).map((r) => r.id);
        const unapplied = async (s: TestService, eventIds: string[]) =>
          (
            await query<{ n: number }>(
              s,
              `SELECT count(*)::int AS n FROM unnest($1::uuid[]) AS e(id) WHERE NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.event_id = e.id)`,
              [eventIds],
            )
          )[0]!.n;
        const residentIds = await ids(residents, 'ResidentRegistered');
        const facilityIds = await ids(facilities, 'FacilityAdded');
        const waiting =
          (await unapplied(volunteers, [...residentIds, ...facilityIds])) +
          (await unapplied(facilities, residentIds));
        return waiting === 0 ? true : undefined;
      },
      180_000,
      500,
    );

  /** Counters of both consumers before a scenario, to compare with after it. */
  const consumerCounters = async () => ({
    volunteersResidents: await applied(volunteers.service, 'ResidentRegistered'),
    volunteersFacilities: await applied(volunteers.service, 'FacilityAdded'),
    facilitiesResidents: await applied(facilities.service, 'ResidentRegistered'),
    duplicates: (await duplicates(volunteers.service)) + (await duplicates(facilities.service)),
  });
  type Counters = Awaited<ReturnType<typeof consumerCounters>>;

  /**
   * Every acknowledged mutation has its event, both outboxes drain, each consumer applies each
   * event exactly once. Returns the figures and the event ids with their outbox timestamps.
   */
  const verify = async (load: Load, before: Counters) => {
    const residentEvents = await query<{ id: string }>(
      residents,
      `SELECT id::text FROM outbox_events WHERE type = 'ResidentRegistered' AND aggregate_id = ANY ($1)`,
      [load.residentIds],
    );
    const facilityEvents = await query<{ id: string }>(
      facilities,
      `SELECT id::text FROM outbox_events WHERE type = 'FacilityAdded' AND aggregate_id = ANY ($1)`,
      [load.facilityIds],
    );
    expect(residentEvents).toHaveLength(load.residentIds.length);
    expect(facilityEvents).toHaveLength(load.facilityIds.length);
    const residentEventIds = residentEvents.map((e) => e.id);
    const facilityEventIds = facilityEvents.map((e) => e.id);
    const allIds = [...residentEventIds, ...facilityEventIds];
    const total = allIds.length;
    expect(total).toBeGreaterThanOrEqual(MIN_EVENTS);

    const unsent = async (s: TestService) =>
      (
        await query<{ n: number }>(
          s,
          `SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL`,
        )
      )[0]!.n;
    await waitFor(
      'both outboxes drained',
      async () => ((await unsent(residents)) + (await unsent(facilities)) === 0 ? true : undefined),
      120_000,
    );
    const processed = async (s: TestService, ids: string[]) =>
      (
        await query<{ n: number }>(
          s,
          `SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY ($1::uuid[])`,
          [ids],
        )
      )[0]!.n;
    try {
      await waitFor(
        `all ${total} events applied by volunteers and ${residentEventIds.length} by facilities`,
        async () =>
          (await processed(volunteers, allIds)) === total &&
          (await processed(facilities, residentEventIds)) === residentEventIds.length
            ? true
            : undefined,
        120_000,
      );
    } catch (err) {
      throw new Error(`${String(err)}\n${await diagnose(allIds, residentEventIds)}`);
    }
    // The counters are raised right after the commit: wait for them to reach the count, then
    // check they went no further.
    const expected = {
      volunteersResidents: before.volunteersResidents + residentEventIds.length,
      volunteersFacilities: before.volunteersFacilities + facilityEventIds.length,
      facilitiesResidents: before.facilitiesResidents + residentEventIds.length,
    };
    const after = await waitFor('the applied counters up to date', async () => {
      const now = await consumerCounters();
      return now.volunteersResidents >= expected.volunteersResidents &&
        now.volunteersFacilities >= expected.volunteersFacilities &&
        now.facilitiesResidents >= expected.facilitiesResidents
        ? now
        : undefined;
    });
    expect({
      volunteersResidents: after.volunteersResidents,
      volunteersFacilities: after.volunteersFacilities,
      facilitiesResidents: after.facilitiesResidents,
    }).toEqual(expected);

    const effects = async (s: TestService, table: string, column: string, ids: string[]) =>
      (
        await query<{ rows: number; distinct: number }>(
          s,
          `SELECT count(*)::int AS rows, count(DISTINCT ${column})::int AS distinct FROM ${table} WHERE ${column} = ANY ($1::uuid[])`,
          [ids],
        )
      )[0]!;
    const everyOnce = (n: number) => ({ rows: n, distinct: n });
    expect(await effects(volunteers, 'known_residents', 'resident_id', load.residentIds)).toEqual(
      everyOnce(load.residentIds.length),
    );
    expect(await effects(facilities, 'known_residents', 'resident_id', load.residentIds)).toEqual(
      everyOnce(load.residentIds.length),
    );
    expect(await effects(volunteers, 'known_facilities', 'facility_id', load.facilityIds)).toEqual(
      everyOnce(load.facilityIds.length),
    );

    return {
      total,
      residentEventIds,
      facilityEventIds,
      redelivered: after.duplicates - before.duplicates,
    };
  };

  /**
   * Where the events a consumer has not applied are: their records on the topics (partition and
   * offsets, read by a group of its own), the consumer's committed offsets and its outcome counters.
   */
  const diagnose = async (allIds: string[], residentEventIds: string[]): Promise<string> => {
    const lines: string[] = [];
    const missing = async (s: TestService, ids: string[]) =>
      (
        await query<{ id: string }>(
          s,
          `SELECT id::text FROM unnest($1::uuid[]) AS e(id) WHERE NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.event_id = e.id)`,
          [ids],
        )
      ).map((r) => r.id);
    const byConsumer = {
      volunteers: await missing(volunteers, allIds),
      facilities: await missing(facilities, residentEventIds),
    };
    const wanted = new Set([...byConsumer.volunteers, ...byConsumer.facilities]);
    const kafka = new Kafka({
      clientId: 'cluster-load-diagnose',
      brokers: cluster.brokers,
      logLevel: logLevel.NOTHING,
    });
    const where = new Map<string, string[]>();
    const reader = kafka.consumer({ groupId: `diagnose-${Date.now()}` });
    const ends = new Map<string, number>();
    for (const t of topics)
      for (const o of await admin.fetchTopicOffsets(t))
        ends.set(`${t}:${o.partition}`, Number(o.high));
    const seen = new Map<string, number>();
    await reader.connect();
    try {
      await reader.subscribe({ topics, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ topic, partition, message }) => {
          seen.set(`${topic}:${partition}`, Number(message.offset) + 1);
          const id = message.headers?.['event-id']?.toString() ?? '';
          if (wanted.has(id))
            where.set(id, [
              ...(where.get(id) ?? []),
              `${topic.slice(-20)}[${partition}]@${message.offset}`,
            ]);
        },
      });
      await waitFor(
        'the topics read to their ends',
        () => ([...ends].every(([k, end]) => (seen.get(k) ?? 0) >= end) ? true : undefined),
        60_000,
      );
    } finally {
      await reader.disconnect();
    }
    for (const [name, ids] of Object.entries(byConsumer)) {
      lines.push(`${name}: ${ids.length} not applied`);
      for (const id of ids.slice(0, 20))
        lines.push(`  ${id} on ${where.get(id)?.join(', ') ?? 'no topic'}`);
    }
    for (const s of [volunteers, facilities]) {
      const groups = (await admin.listGroups()).groups.filter((g) =>
        g.groupId.startsWith(s.database.name),
      );
      for (const g of groups) {
        const offsets = await admin.fetchOffsets({ groupId: g.groupId, topics });
        lines.push(
          `${g.groupId} committed ${offsets.map((t) => `${t.topic.slice(-20)} ${t.partitions.map((p) => `${p.partition}:${p.offset}`).join(' ')}`).join('; ')}`,
        );
      }
      const outcomes = (await s.service.metrics.eventsConsumed.get()).values.map(
        (v) => `${String(v.labels.type)}/${String(v.labels.outcome)}=${v.value}`,
      );
      lines.push(`${s.service.name} outcomes ${outcomes.join(' ')}`);
    }
    lines.push(`ends ${[...ends].map(([k, v]) => `${k.slice(-22)}=${v}`).join(' ')}`);
    return lines.join('\n');
  };

  /** Milliseconds from `from` until the first event written after it was published / applied. */
  const resumedAfter = async (from: Date) => {
    const firstSent = async (s: TestService) =>
      (
        await query<{ at: Date | null }>(
          s,
          `SELECT min(sent_at) AS at FROM outbox_events WHERE created_at >= $1`,
          [from],
        )
      )[0]!.at;
    const newIds = async (s: TestService, type: string) =>
      (
        await query<{ id: string }>(
          s,
          `SELECT id::text FROM outbox_events WHERE created_at >= $1 AND type = $2`,
          [from, type],
        )
      ).map((r) => r.id);
    const firstApplied = async (s: TestService, ids: string[]) =>
      (
        await query<{ at: Date | null }>(
          s,
          `SELECT min(processed_at) AS at FROM processed_events WHERE event_id = ANY ($1::uuid[])`,
          [ids],
        )
      )[0]!.at;
    const newResidentEvents = await newIds(residents, 'ResidentRegistered');
    const newFacilityEvents = await newIds(facilities, 'FacilityAdded');
    const since = (at: Date | null) => (at ? at.getTime() - from.getTime() : NaN);
    return {
      published: {
        residents: since(await firstSent(residents)),
        facilities: since(await firstSent(facilities)),
      },
      applied: {
        volunteers: since(
          await firstApplied(volunteers, [...newResidentEvents, ...newFacilityEvents]),
        ),
        facilities: since(await firstApplied(facilities, newResidentEvents)),
      },
    };
  };

  /** The longest an event of the scenario waited in an outbox (created to sent). */
  const longestOutboxWait = async (load: Load): Promise<number> => {
    const wait = async (s: TestService, ids: string[]) =>
      (
        await query<{ ms: number | null }>(
          s,
          `SELECT max(extract(epoch FROM sent_at - created_at) * 1000)::int AS ms FROM outbox_events WHERE aggregate_id = ANY ($1)`,
          [ids],
        )
      )[0]!.ms ?? 0;
    return Math.max(
      await wait(residents, load.residentIds),
      await wait(facilities, load.facilityIds),
    );
  };

  /** Waits until something written after `from` has been published by both relays and applied by both consumers. */
  const waitUntilFlowing = (from: Date, description: string, timeoutMs = 120_000) =>
    waitFor(
      description,
      async () => {
        const r = await resumedAfter(from);
        const all = [
          r.published.residents,
          r.published.facilities,
          r.applied.volunteers,
          r.applied.facilities,
        ];
        return all.every((ms) => Number.isFinite(ms)) ? r : undefined;
      },
      timeoutMs,
      200,
    );

  const ms = (n: number) => `${(n / 1000).toFixed(1)} s`;

  it(`when the leader of the busiest partition is SIGKILLed under load (≥ ${MIN_EVENTS} events), then kafka_under_replicated_partitions rises, publishing and consuming resume, and every event is applied once per consumer`, async () => {
    await settled();
    const before = await consumerCounters();
    const load = startLoad('Kill');
    let killed: number | undefined;
    try {
      await waitFor(
        'load under way',
        () => (load.acknowledged() >= 300 ? true : undefined),
        180_000,
      );
      const busiest = await busiestPartition();
      killed = busiest.leader;
      const at = new Date();
      await cluster.node(busiest.leader).kill();
      // A dead host's ports refuse connections; its proxies, still listening, would accept them
      // and then close them.
      await cutOff(busiest.leader);
      const atKill = load.acknowledged();
      const resumed = await waitUntilFlowing(at, 'publishing and consuming resumed after the kill');
      const restartBegan = Date.now();
      await restoreAll();
      await cluster.node(busiest.leader).restart();
      const restartMs = Date.now() - restartBegan;
      await waitFor('the restarted node back in every ISR', fullIsr, 90_000);
      const rejoinMs = Date.now() - restartBegan;
      killed = undefined;
      await load.stop();

      const result = await verify(load, before);
      const outboxWait = await longestOutboxWait(load);
      process.stdout.write(
        `kafka cluster under load, leader killed: node ${busiest.leader} (leader of ${busiest.topic}[${busiest.partition}], ` +
          `${busiest.records} records) SIGKILLed after ${atKill} mutations; publishing resumed after ` +
          `${ms(resumed.published.residents)} (residents) / ${ms(resumed.published.facilities)} (facilities), ` +
          `consuming after ${ms(resumed.applied.volunteers)} (volunteers) / ${ms(resumed.applied.facilities)} (facilities); ` +
          `restarted in ${ms(restartMs)}, full ISR ${ms(rejoinMs)} after the restart began; ` +
          `${result.total} events (${result.residentEventIds.length} residents, ${result.facilityEventIds.length} facilities), ` +
          `longest outbox wait ${ms(outboxWait)}, ${load.refused()} mutations refused, ` +
          `${result.redelivered} redelivered and skipped, 0 lost, 0 applied twice\n`,
      );
    } finally {
      await load.stop();
      await restoreAll();
      if (killed !== undefined && !cluster.node(killed).running)
        await cluster.node(killed).restart();
    }
  }, 360_000);

  it(`when one broker is cut off by its proxies under load (≥ ${MIN_EVENTS} events) and restored, then kafka_under_replicated_partitions rises and falls, the node rejoins the ISR and every event is applied once per consumer`, async () => {
    await waitFor('a full ISR before the cut', fullIsr, 90_000);
    await settled();
    const before = await consumerCounters();
    const load = startLoad('Cut');
    try {
      await waitFor(
        'load under way',
        () => (load.acknowledged() >= 400 ? true : undefined),
        60_000,
      );
      const busiest = await busiestPartition();
      const node = busiest.leader;
      const cutAt = new Date();
      await cutOff(node);
      const atCut = load.acknowledged();
      const services = [residents, facilities, volunteers].map((s) => s.service);
      await waitFor(
        'every service reporting under-replicated partitions',
        async () => {
          const values = await Promise.all(services.map(metricUnderReplicated));
          return values.every((v) => v > 0) ? values : undefined;
        },
        90_000,
        200,
      );
      const reportedMs = Date.now() - cutAt.getTime();
      const underWhileCut = await metricUnderReplicated(residents.service);
      // Still cut off: the others fenced it (it leads nothing any more) and the services publish
      // and consume without it.
      await waitFor(
        'the cut node fenced: no partition of the load led by it',
        async () => {
          // Asked of the other nodes only: a client bootstrapped on the cut one would wait on it.
          const others = new Kafka({
            clientId: 'cluster-load-test-fenced',
            brokers: cluster.nodes
              .filter((n) => n.nodeId !== node)
              .map((n) => `127.0.0.1:${n.advertisedPort}`),
            logLevel: logLevel.NOTHING,
            connectionTimeout: 1_000,
            retry: { retries: 0 },
          }).admin();
          try {
            await others.connect();
            const { topics: meta } = await others.fetchTopicMetadata({ topics });
            return meta.flatMap((t) => t.partitions).every((p) => p.leader !== node)
              ? true
              : undefined;
          } finally {
            await others.disconnect();
          }
        },
        90_000,
        200,
      );
      const fencedMs = Date.now() - cutAt.getTime();
      const afterCut = await waitUntilFlowing(cutAt, 'publishing and consuming while it is cut');
      const acknowledgedWhileCut = load.acknowledged() - atCut;
      const restoredAt = new Date();
      const publishedWhileCut = async (s: TestService) =>
        (
          await query<{ n: number }>(
            s,
            `SELECT count(*)::int AS n FROM outbox_events WHERE sent_at >= $1 AND sent_at < $2`,
            [cutAt, restoredAt],
          )
        )[0]!.n;
      const sentDuringCut =
        (await publishedWhileCut(residents)) + (await publishedWhileCut(facilities));
      expect(sentDuringCut).toBeGreaterThan(0);
      await restoreAll();
      await waitFor('the node back in every ISR', fullIsr, 90_000);
      const rejoinMs = Date.now() - restoredAt.getTime();
      await waitFor(
        'every service reporting no under-replicated partition',
        async () =>
          (await Promise.all(services.map(metricUnderReplicated))).every((v) => v === 0)
            ? true
            : undefined,
        60_000,
        200,
      );
      const clearedMs = Date.now() - restoredAt.getTime();
      const afterRestore = await waitUntilFlowing(
        restoredAt,
        'publishing and consuming after the restore',
      );
      await load.stop();

      const result = await verify(load, before);
      const outboxWait = await longestOutboxWait(load);
      const worst = (r: typeof afterCut) => ({
        published: Math.max(r.published.residents, r.published.facilities),
        applied: Math.max(r.applied.volunteers, r.applied.facilities),
      });
      process.stdout.write(
        `kafka cluster under load, broker cut off: node ${node}'s proxies cut for ${ms(restoredAt.getTime() - cutAt.getTime())} ` +
          `after ${atCut} mutations (${acknowledgedWhileCut} more acknowledged and ${sentDuringCut} events published while it was cut); ` +
          `kafka_under_replicated_partitions > 0 in every service ${ms(reportedMs)} after the cut (${underWhileCut} partitions seen by residents); ` +
          `fenced (no leadership left) ${ms(fencedMs)} after the cut; ` +
          `an event written after the cut was published within ${ms(worst(afterCut).published)} and applied by both consumers within ${ms(worst(afterCut).applied)} of the cut, while it was cut ` +
          `(after the restore: ${ms(worst(afterRestore).published)} / ${ms(worst(afterRestore).applied)}); ` +
          `back in every ISR ${ms(rejoinMs)} after the restore, metric 0 again after ${ms(clearedMs)}; ` +
          `${result.total} events, longest outbox wait ${ms(outboxWait)}, ${load.refused()} mutations refused, ` +
          `${result.redelivered} redelivered and skipped, 0 lost, 0 applied twice\n`,
      );
    } finally {
      await load.stop();
      await restoreAll();
    }
  }, 360_000);

  it(`when all three brokers are restarted one after another under load (≥ ${MIN_EVENTS} events), then every event is applied once per consumer`, async () => {
    await waitFor('a full ISR before the rolling restart', fullIsr, 90_000);
    await settled();
    const before = await consumerCounters();
    const load = startLoad('Roll');
    const steps: string[] = [];
    try {
      await waitFor(
        'load under way',
        () => (load.acknowledged() >= 300 ? true : undefined),
        60_000,
      );
      const began = Date.now();
      for (const node of cluster.nodes) {
        const t0 = Date.now();
        await node.stop();
        const stopped = Date.now();
        await node.restart();
        const answering = Date.now();
        await waitFor(`node ${node.nodeId} back in every ISR`, fullIsr, 90_000);
        const inSync = Date.now();
        steps.push(
          `node ${node.nodeId}: stopped ${ms(stopped - t0)}, answering ${ms(answering - stopped)}, full ISR ${ms(inSync - answering)}`,
        );
      }
      const rollMs = Date.now() - began;
      const during = load.acknowledged();
      await load.stop();

      const result = await verify(load, before);
      const outboxWait = await longestOutboxWait(load);
      process.stdout.write(
        `kafka cluster under load, rolling restart: ${steps.join('; ')}; all three in ${ms(rollMs)} ` +
          `with ${during} mutations acknowledged by its end; ${result.total} events ` +
          `(${result.residentEventIds.length} residents, ${result.facilityEventIds.length} facilities), ` +
          `longest outbox wait ${ms(outboxWait)}, ${load.refused()} mutations refused, ` +
          `${result.redelivered} redelivered and skipped, 0 lost, 0 applied twice\n`,
      );
    } finally {
      await load.stop();
      for (const node of cluster.nodes) if (!node.running) await node.restart();
    }
  }, 360_000);
});
