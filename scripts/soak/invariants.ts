import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import type { ConsumerDefinition } from '@liyuan/kit';
import { facilitiesConsumers } from '../../services/facilities/src/events/handlers';
import { mediationConsumers } from '../../services/mediation/src/events/handlers';
import { residentsConsumers } from '../../services/residents/src/events/handlers';
import { sharedSpacesConsumers } from '../../services/shared-spaces/src/events/handlers';
import { volunteersConsumers } from '../../services/volunteers/src/events/handlers';
import { SUBGRAPHS, type SubgraphName } from '../bench/stack';

/** Every service's consumer groups, as the services define them (topics and handled types). */
export function consumerGroups(): Record<SubgraphName, ConsumerDefinition[]> {
  return {
    residents: residentsConsumers(),
    facilities: facilitiesConsumers(),
    'shared-spaces': sharedSpacesConsumers(),
    volunteers: volunteersConsumers(),
    mediation: mediationConsumers(),
  };
}

/** One invariant's verdict. */
export interface InvariantResult {
  name: string;
  ok: boolean;
  /** What was checked, with the numbers. */
  detail: string;
}

/** One consumer group's exactly-once figures. */
export interface GroupDelivery {
  service: string;
  group: string;
  /** Events of its topics and handled types in the producers' outboxes. */
  expected: number;
  processed: number;
  missing: number;
  /** Ids recorded more than once (the primary key forbids it; checked all the same). */
  twice: number;
  /** Ids recorded that no producer's outbox holds. */
  unknown: number;
  missingSample: string[];
}

const connect = async (url: string): Promise<Client> => {
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
};

/** Unsent outbox rows per service. */
export async function unsentOutbox(urls: Record<string, string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [service, url] of Object.entries(urls)) {
    const c = await connect(url);
    try {
      const { rows } = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL',
      );
      out[service] = rows[0]!.n;
    } finally {
      await c.end();
    }
  }
  return out;
}

/** Events each consumer group has yet to commit (high watermark minus committed offset, summed). */
export async function groupLag(brokers: string[]): Promise<Record<string, number>> {
  const kafka = new Kafka({ clientId: 'soak-drain', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const out: Record<string, number> = {};
    for (const defs of Object.values(consumerGroups())) {
      for (const def of defs) {
        const topics = def.topics.filter((t) => existing.has(t));
        let lag = 0;
        for (const topic of topics) {
          const high = await admin.fetchTopicOffsets(topic);
          const [committed] = await admin.fetchOffsets({ groupId: def.groupId, topics: [topic] });
          for (const p of high) {
            const c = committed?.partitions.find((x) => x.partition === p.partition);
            const at = Number(c?.offset ?? -1);
            lag += Math.max(0, Number(p.high) - Math.max(0, at));
          }
        }
        out[def.groupId] = lag;
      }
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Messages in every consumer group's dead-letter topic (`<group>.dlq`). */
export async function deadLetters(brokers: string[]): Promise<Record<string, number>> {
  const kafka = new Kafka({ clientId: 'soak-dlq', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const out: Record<string, number> = {};
    for (const defs of Object.values(consumerGroups())) {
      for (const def of defs) {
        const topic = `${def.groupId}.dlq`;
        out[def.groupId] = existing.has(topic)
          ? (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0)
          : 0;
      }
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/**
 * The soak's invariants, by SQL against every service's database once the system has drained:
 * no two confirmed bookings of a facility overlap, no time-bank balance below zero, every event a
 * group handles recorded exactly once by that group, every outbox empty.
 */
export async function checkInvariants(
  urls: Record<SubgraphName, string>,
): Promise<{ results: InvariantResult[]; groups: GroupDelivery[] }> {
  const clients = Object.fromEntries(
    await Promise.all(SUBGRAPHS.map(async (s) => [s, await connect(urls[s])] as const)),
  ) as Record<SubgraphName, Client>;
  try {
    const results: InvariantResult[] = [];

    const overlap = await clients.facilities.query<{ n: number; bookings: number }>(
      `SELECT (SELECT count(*)::int FROM bookings a JOIN bookings b
                 ON a.facility_id = b.facility_id AND a.id < b.id AND a.during && b.during
                WHERE a.status IN ('confirmed', 'checked_in') AND b.status IN ('confirmed', 'checked_in')) AS n,
              (SELECT count(*)::int FROM bookings WHERE status IN ('confirmed', 'checked_in')) AS bookings`,
    );
    results.push({
      name: 'no double booking',
      ok: overlap.rows[0]!.n === 0,
      detail: `${overlap.rows[0]!.n} overlapping pairs among ${overlap.rows[0]!.bookings} confirmed bookings`,
    });

    const balance = await clients.volunteers.query<{
      negative_entries: number;
      negative_sums: number;
      entries: number;
      redeemed: number;
    }>(
      `SELECT (SELECT count(*)::int FROM time_bank WHERE balance_after < 0) AS negative_entries,
              (SELECT count(*)::int FROM (SELECT volunteer_id FROM time_bank GROUP BY volunteer_id
                                          HAVING sum(delta) < 0) x) AS negative_sums,
              (SELECT count(*)::int FROM time_bank) AS entries,
              (SELECT count(*)::int FROM time_bank WHERE reason = 'redeemed') AS redeemed`,
    );
    const b = balance.rows[0]!;
    results.push({
      name: 'no negative balance',
      ok: b.negative_entries === 0 && b.negative_sums === 0,
      detail: `${b.negative_entries} entries with a negative balance, ${b.negative_sums} volunteers whose entries sum below zero; ${b.entries} entries, ${b.redeemed} redemptions`,
    });

    // Every outbox event with its topic and type, from every producer.
    const produced: { id: string; topic: string; type: string }[] = [];
    for (const s of SUBGRAPHS) {
      const { rows } = await clients[s].query<{ id: string; topic: string; type: string }>(
        'SELECT id::text, topic, type FROM outbox_events',
      );
      produced.push(...rows);
    }
    const producedIds = new Set(produced.map((e) => e.id));
    const groups: GroupDelivery[] = [];
    for (const [service, defs] of Object.entries(consumerGroups()) as [
      SubgraphName,
      ConsumerDefinition[],
    ][]) {
      for (const def of defs) {
        const topics = new Set(def.topics);
        const expected = new Set(
          produced.filter((e) => topics.has(e.topic) && def.handlers[e.type]).map((e) => e.id),
        );
        const { rows } = await clients[service].query<{ id: string; n: number }>(
          'SELECT event_id::text AS id, count(*)::int AS n FROM processed_events WHERE consumer = $1 GROUP BY event_id',
          [def.groupId],
        );
        const seen = new Set(rows.map((r) => r.id));
        const missing = [...expected].filter((id) => !seen.has(id));
        groups.push({
          service,
          group: def.groupId,
          expected: expected.size,
          processed: rows.length,
          missing: missing.length,
          twice: rows.filter((r) => r.n > 1).length,
          unknown: rows.filter((r) => !producedIds.has(r.id)).length,
          missingSample: missing.slice(0, 5),
        });
      }
    }
    const bad = groups.filter((g) => g.missing || g.twice || g.unknown);
    results.push({
      name: 'every event applied once per consumer group',
      ok: bad.length === 0,
      detail:
        `${groups.length} groups, ${groups.reduce((a, g) => a + g.expected, 0)} (group, event) pairs expected` +
        (bad.length
          ? `; ${bad.map((g) => `${g.group}: ${g.missing} missing, ${g.twice} twice, ${g.unknown} unknown`).join('; ')}`
          : ', each recorded once'),
    });

    const unsent: Record<string, number> = {};
    for (const s of SUBGRAPHS) {
      const { rows } = await clients[s].query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL',
      );
      unsent[s] = rows[0]!.n;
    }
    const total = Object.values(unsent).reduce((a, n) => a + n, 0);
    results.push({
      name: 'outbox empty',
      ok: total === 0,
      detail: `${total} unsent (${Object.entries(unsent)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}) of ${produced.length} events`,
    });
    return { results, groups };
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.end()));
  }
}
