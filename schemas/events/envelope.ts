import { z } from 'zod';

/** W3C trace context header value: version-traceid-parentid-flags. */
export const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The envelope every event travels in, whatever its type. `data` holds ids and facts, never raw
 * personal data (no ID-card numbers, no phones).
 */
export const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().regex(/^[A-Z][A-Za-z]+$/),
  version: z.number().int().min(1),
  source: z.string().min(1),
  aggregateId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
  traceparent: z.string().regex(TRACEPARENT),
});

export type Envelope<TData = Record<string, unknown>> = Omit<
  z.infer<typeof envelopeSchema>,
  'data'
> & {
  data: TData;
};

/** Kafka header names set on every published event (consumers may route without parsing the value). */
export const EVENT_HEADERS = {
  id: 'event-id',
  type: 'event-type',
  traceparent: 'traceparent',
} as const;

/** One event type's contract: where it is published and what its payload holds. */
export interface EventContract<TData extends z.ZodType = z.ZodType> {
  type: string;
  version: number;
  topic: string;
  data: TData;
}

/** Declares an event contract; the payload schema is strict so unexpected fields (e.g. a phone) are refused. */
export function defineEvent<TShape extends z.ZodRawShape>(
  type: string,
  topic: string,
  shape: TShape,
  version = 1,
): EventContract<z.ZodObject<TShape, z.core.$strict>> {
  return { type, version, topic, data: z.strictObject(shape) };
}

/** The payload of an envelope the consumer already validated against `contract`, typed by it. */
export const payloadOf = <T extends EventContract>(
  _contract: T,
  envelope: Envelope,
): z.infer<T['data']> => envelope.data as z.infer<T['data']>;
