import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  EVENT_CONTRACTS,
  envelopeSchema,
  type Envelope,
  type EventContract,
} from '@liyuan/schemas';
import type { z } from 'zod';

/** The NOTIFY channel that wakes the relay when an event commits. */
export const OUTBOX_CHANNEL = 'outbox_events';

/** One event to append: its contract, the aggregate it is about, and its payload. */
export interface PendingEvent<T extends EventContract = EventContract> {
  contract: T;
  aggregateId: string;
  data: z.input<T['data']>;
}

function envelopeFor(source: string, e: PendingEvent, traceparent: string): Envelope {
  if (EVENT_CONTRACTS.get(e.contract.type) !== e.contract) {
    throw new Error(`event type ${e.contract.type} is not registered in @liyuan/schemas`);
  }
  return envelopeSchema.parse({
    id: randomUUID(),
    type: e.contract.type,
    version: e.contract.version,
    source,
    aggregateId: e.aggregateId,
    occurredAt: new Date().toISOString(),
    data: e.contract.data.parse(e.data),
    traceparent,
  }) as Envelope;
}

/**
 * Writes events to the outbox inside the caller's transaction, so they exist exactly when the
 * domain change they describe commits. Each payload is validated against its contract first: an
 * event that breaks its schema fails the whole transaction rather than reach Kafka. One INSERT
 * carries any number of events.
 */
export async function appendEvents(
  manager: EntityManager,
  source: string,
  events: PendingEvent[],
  traceparent: string,
): Promise<Envelope[]> {
  if (!events.length) return [];
  const envelopes = events.map((e) => envelopeFor(source, e, traceparent));
  await manager.query(
    `INSERT INTO outbox_events (id, topic, type, aggregate_id, envelope)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
    [
      envelopes.map((e) => e.id),
      events.map((e) => e.contract.topic),
      envelopes.map((e) => e.type),
      envelopes.map((e) => e.aggregateId),
      envelopes.map((e) => JSON.stringify(e)),
    ],
  );
  // Delivered on commit, dropped on rollback: the relay wakes only for committed events.
  await manager.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  return envelopes;
}

/** Writes one event to the outbox inside the caller's transaction (see {@link appendEvents}). */
export async function appendEvent<T extends EventContract>(
  manager: EntityManager,
  source: string,
  contract: T,
  aggregateId: string,
  data: z.input<T['data']>,
  traceparent: string,
): Promise<Envelope> {
  const [envelope] = await appendEvents(
    manager,
    source,
    [{ contract, aggregateId, data }],
    traceparent,
  );
  return envelope!;
}

/** Writes an event of the current transaction to the outbox (see {@link appendEvent}). */
export type Publish = <T extends EventContract>(
  contract: T,
  aggregateId: string,
  data: z.input<T['data']>,
) => Promise<void>;

/** The outbox writer of one transaction: events from `source`, carrying `traceparent`. */
export const outboxPublisher =
  (manager: EntityManager, source: string, traceparent: string): Publish =>
  async (contract, aggregateId, data) => {
    await appendEvent(manager, source, contract, aggregateId, data, traceparent);
  };
