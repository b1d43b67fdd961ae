import { Writable } from 'node:stream';
import type { Producer } from 'kafkajs';
import { createLogger, type Logger } from '@liyuan/kit';
import { publishEnvelope, testKafka } from './kafka';
import {
  startTestGateway,
  startTestService,
  type ServiceName,
  type TestGateway,
  type TestService,
} from './stack';
import { waitFor } from './wait';

/** One parsed JSON log line. */
export interface LogLine {
  service: string;
  level: string;
  msg: string;
  traceId?: string;
  eventId?: string;
  eventType?: string;
  outcome?: string;
  fields?: string[];
  statements?: number;
  [key: string]: unknown;
}

/** A logger whose lines (debug and up) are kept in memory, parsed, for tests to search. */
export function capturingLogger(service: string): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim()) lines.push(JSON.parse(text) as LogLine);
      }
      done();
    },
  });
  return { logger: createLogger(service, 'debug', stream), lines };
}

export const ALL_SERVICES: ServiceName[] = [
  'residents',
  'facilities',
  'shared-spaces',
  'volunteers',
  'mediation',
];

/** An envelope as its producer committed it to the outbox. */
export interface StoredEvent {
  topic: string;
  envelope: Record<string, unknown> & { id: string; type: string; traceparent: string };
}

/** The five subgraphs on their own databases, the gateway in front, the shared broker, every log line kept. */
export interface TestSystem {
  services: Record<ServiceName, TestService>;
  gw: TestGateway;
  logs: Record<ServiceName | 'gateway', LogLine[]>;
  /** The latest event of `type` the producer committed whose data contains `data`, once relayed. */
  published(
    producer: ServiceName,
    type: string,
    data: Record<string, unknown>,
  ): Promise<StoredEvent>;
  /** Waits until `consumer` logged handling event `eventId` with `outcome`. */
  consumed(consumer: ServiceName, eventId: string, outcome: 'applied' | 'duplicate'): Promise<void>;
  /**
   * Delivers a relayed event a second time, exactly as stored (same id), and waits until each
   * consumer has seen it again and recognised the duplicate.
   */
  redeliver(event: StoredEvent, consumers: ServiceName[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `brokers` overrides the shared broker: the bad-input suite points the services at a closed port
 * so that no event from other test files changes their databases while it counts rows.
 */
export async function startSystem(
  opts: {
    brokers?: string[];
    gatewayEnv?: Record<string, string>;
    /** Environment of particular subgraphs, over the test defaults. */
    serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
    /** Start options of particular subgraphs (e.g. the residents' visits-due clock). */
    serviceStart?: Partial<
      Record<ServiceName, NonNullable<Parameters<typeof startTestService>[1]>['start']>
    >;
  } = {},
): Promise<TestSystem> {
  const captured = Object.fromEntries(
    [...ALL_SERVICES, 'gateway'].map((name) => [name, capturingLogger(name)]),
  ) as Record<ServiceName | 'gateway', { logger: Logger; lines: LogLine[] }>;
  const started = await Promise.all(
    ALL_SERVICES.map((name) =>
      startTestService(name, {
        brokers: opts.brokers,
        env: opts.serviceEnv?.[name],
        start: { ...opts.serviceStart?.[name], logger: captured[name].logger },
      }),
    ),
  );
  const services = Object.fromEntries(ALL_SERVICES.map((n, i) => [n, started[i]!])) as Record<
    ServiceName,
    TestService
  >;
  const gw = await startTestGateway(
    Object.fromEntries(ALL_SERVICES.map((n) => [n, services[n].service])),
    { logger: captured.gateway.logger, env: opts.gatewayEnv },
  );
  if (!opts.brokers) await Promise.all(ALL_SERVICES.map((n) => services[n].service.eventsReady));
  const producer: Producer = testKafka(opts.brokers).producer();
  if (!opts.brokers) await producer.connect();
  const logs = Object.fromEntries(
    Object.entries(captured).map(([n, c]) => [n, c.lines]),
  ) as TestSystem['logs'];

  const published: TestSystem['published'] = (from, type, data) =>
    waitFor(`${type} relayed by ${from}`, async () => {
      const [row] = (await services[from].service.db.dataSource.query(
        `SELECT topic, envelope FROM outbox_events
          WHERE type = $1 AND envelope->'data' @> $2::jsonb AND sent_at IS NOT NULL
          ORDER BY seq DESC LIMIT 1`,
        [type, JSON.stringify(data)],
      )) as { topic: string; envelope: StoredEvent['envelope'] }[];
      return row ? { topic: row.topic, envelope: row.envelope } : undefined;
    });
  const consumed: TestSystem['consumed'] = async (consumer, eventId, outcome) => {
    await waitFor(`${consumer} handled ${eventId} (${outcome})`, async () =>
      logs[consumer].some(
        (l) => l.msg === 'event consumed' && l.eventId === eventId && l.outcome === outcome,
      )
        ? true
        : undefined,
    );
  };
  return {
    services,
    gw,
    logs,
    published,
    consumed,
    redeliver: async (event, consumers) => {
      await publishEnvelope(producer, event.topic, event.envelope);
      for (const c of consumers) await consumed(c, event.envelope.id, 'duplicate');
    },
    stop: async () => {
      if (!opts.brokers) await producer.disconnect();
      await gw.stop();
      await Promise.all(ALL_SERVICES.map((n) => services[n].stop()));
    },
  };
}
