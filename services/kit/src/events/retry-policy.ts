import type { KafkaMessage, Producer } from 'kafkajs';
import type { Metrics } from '../metrics';
import { connectOnce } from './kafka';

/** Headers a dead letter carries besides the original ones, so it can be diagnosed and replayed. */
export const DEAD_LETTER_HEADERS = {
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  consumer: 'dlq-consumer',
} as const;

/** The dead-letter topic of a consumer group. */
export const deadLetterTopic = (groupId: string): string => `${groupId}.dlq`;

/** A failure no retry can mend (a malformed message): the message is dead-lettered at once. */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
}

/** Where a message came from: the dead letter names it. */
export interface MessageSource {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface RetryPolicyOptions {
  groupId: string;
  /** Tries per message before it is dead-lettered. */
  maxAttempts: number;
  /** The wait after the first failed try; each further wait doubles. */
  backoffMs: number;
  /** Where failed messages go; `<groupId>.dlq` unless given. */
  deadLetterTopic?: string;
  /** Producer of dead letters (connected on first use). */
  producer: Producer;
  metrics: Metrics;
  /** The longest wait between tries while the database is unreachable; 5 s unless given. */
  unavailableWaitMs?: number;
}

/** Node's codes for a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether an error says the database could not be reached (rather than that the event's work
 * failed): a refused or dropped connection, PostgreSQL's connection-exception class (08xxx), the
 * server shutting down or not yet accepting connections (57P01-57P03), or node-postgres's own
 * words for a lost or timed-out connection. TypeORM keeps the driver's error as `driverError`.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as Record<string, unknown> | undefined, depth = 0; e && depth < 4; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (CONNECTION_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code))
      return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established/i.test(
        message,
      )
    )
      return true;
    e = (e.driverError ?? e.cause) as Record<string, unknown> | undefined;
  }
  return false;
}

/** What became of a message under the policy. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: string; attempts: number };

/** What the policy tells its caller while it works on a message. */
export interface RetryHooks {
  /** A try failed (not called for a permanent failure). */
  failed(attempt: number, maxAttempts: number, error: string): void;
  /** A try failed because the database is unreachable: it is tried again, spending no try. */
  unavailable?(error: string): void;
  /** Between tries, after the backoff: keeps the caller's group membership alive. */
  waited(): Promise<void>;
  /** Whether the caller is stopping: the failure is then thrown, not retried or dead-lettered. */
  stopping(): boolean;
}

/**
 * A consumer's retry and dead-letter policy: a message's work is tried up to `maxAttempts` times
 * with exponential backoff, then the message goes to the group's dead-letter topic with headers
 * naming its origin, the last error and the tries, so one poison message does not stop the
 * messages behind it.
 *
 * A try that fails because the database is unreachable ({@link isDatabaseUnavailable}) is not the
 * message's fault and spends no try: the policy waits (backoff doubling up to `unavailableWaitMs`)
 * and tries again until the database answers or the consumer stops. Every message would fail the
 * same way, so dead-lettering them would only lose their effects (the soak found a 3 s outage
 * dead-lettering every event that arrived meanwhile); the partition waits instead, and a long
 * outage shows as consumer lag and, after CONSUMER_STALL_SECONDS, a stalled consumer.
 */
export class RetryPolicy {
  constructor(private readonly opts: RetryPolicyOptions) {}

  /** The topic dead letters of this group go to. */
  get topic(): string {
    return this.opts.deadLetterTopic ?? deadLetterTopic(this.opts.groupId);
  }

  /**
   * Runs `work` until it succeeds or the tries run out; a message whose tries ran out (or whose
   * work failed permanently) has been dead-lettered when this resolves.
   */
  async settle<T>(
    source: MessageSource,
    work: () => Promise<T>,
    hooks: RetryHooks,
  ): Promise<Settled<T>> {
    const { maxAttempts, backoffMs } = this.opts;
    const unavailableWaitMs = this.opts.unavailableWaitMs ?? 5000;
    let lastError = '';
    let unavailable = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        return { ok: true, value: await work() };
      } catch (err) {
        if (err instanceof PermanentFailure) {
          await this.deadLetter(source, err.message, attempt);
          return { ok: false, error: err.message, attempts: attempt };
        }
        lastError = errorText(err);
        if (isDatabaseUnavailable(err)) {
          hooks.unavailable?.(lastError);
          if (hooks.stopping()) throw err;
          await delay(Math.min(unavailableWaitMs, Math.max(1, backoffMs) * 2 ** unavailable++));
          await hooks.waited();
          attempt--;
          continue;
        }
        unavailable = 0;
        hooks.failed(attempt, maxAttempts, lastError);
        if (hooks.stopping()) throw err;
        if (attempt < maxAttempts) {
          await delay(backoffMs * 2 ** (attempt - 1));
          await hooks.waited();
        }
      }
    }
    await this.deadLetter(source, lastError, maxAttempts);
    return { ok: false, error: lastError, attempts: maxAttempts };
  }

  /** Sends the message, with its own headers and the dead-letter ones, to the dead-letter topic. */
  async deadLetter(source: MessageSource, error: string, attempts: number): Promise<void> {
    const { producer, groupId, metrics } = this.opts;
    const { topic, partition, message } = source;
    await connectOnce(producer);
    const headers: Record<string, string | Buffer> = {};
    for (const [k, v] of Object.entries(message.headers ?? {})) {
      if (typeof v === 'string' || Buffer.isBuffer(v)) headers[k] = v;
    }
    await producer.send({
      topic: this.topic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...headers,
            [DEAD_LETTER_HEADERS.topic]: topic,
            [DEAD_LETTER_HEADERS.partition]: String(partition),
            [DEAD_LETTER_HEADERS.offset]: message.offset,
            [DEAD_LETTER_HEADERS.error]: error.slice(0, 2000),
            [DEAD_LETTER_HEADERS.attempts]: String(attempts),
            [DEAD_LETTER_HEADERS.consumer]: groupId,
          },
        },
      ],
    });
    metrics.deadLetters.inc({ consumer: groupId });
  }
}

const errorText = (err: unknown): string =>
  err instanceof Error ? `${err.name}: ${err.message}` : String(err);

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
