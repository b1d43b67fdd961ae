import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { EVENT_CONTRACTS, envelopeSchema, type Envelope, type EventContract } from '@liyuan/schemas';
import type { z } from 'zod';

/** The NOTIFY channel that wakes the relay when an event commits. */
export const OUTBOX_CHANNEL = 'outbox_events';

/**
 * Writes an event to the outbox inside the caller's transaction, so the event exists exactly when
 * the domain change it describes commits. The payload is validated against the event's contract
 * first: an event that breaks its schema fails the whole transaction rather than reach Kafka.
 */
export async function appendEvent<T extends EventContract>(
  manager: EntityManager,
  source: string,
  contract: T,
  aggregateId: string,
  data: z.input<T['data']>,
  traceparent: string,
): Promise<Envelope> {
  if (EVENT_CONTRACTS.get(contract.type) !== contract) {
    throw new Error(`event type ${contract.type} is not registered in @liyuan/schemas`);
  }
  const envelope = envelopeSchema.parse({
    id: randomUUID(),
    type: contract.type,
    version: contract.version,
    source,
    aggregateId,
    occurredAt: new Date().toISOString(),
    data: contract.data.parse(data),
    traceparent,
  }) as Envelope;
  await manager.query(
    `INSERT INTO outbox_events (id, topic, type, aggregate_id, envelope) VALUES ($1, $2, $3, $4, $5)`,
    [envelope.id, contract.topic, envelope.type, aggregateId, JSON.stringify(envelope)],
  );
  // Delivered on commit, dropped on rollback: the relay wakes only for committed events.
  await manager.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  return envelope;
}
