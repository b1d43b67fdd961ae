// Whether a broker answers Kafka requests, and the wait until it does after a start.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { delay, describeExitWatch, type ExitWatch } from './process';

const READY_POLL_INTERVAL_MS = 250;

/**
 * One bounded probe: connects with kafkajs and asks for cluster metadata.
 * @returns true when a broker answered with itself in the metadata, false on any error or timeout.
 */
export async function isKafkaAnswering(
  brokers: string[],
  timeoutMs: number = 3_000,
): Promise<boolean> {
  return (await probeBroker(brokers, timeoutMs, false)) === null;
}

/** Group the readiness probe describes; it never gets members, it only makes the coordinator load. */
const WARMUP_GROUP_ID = 'dev-kafka-readiness-probe';

/**
 * With `coordinators`, also requires the group coordinator and producer-id allocation to serve
 * requests. On a fresh broker the first FindCoordinator creates __consumer_offsets, and after every
 * restart the coordinator reloads it; until then kafkajs consumers fail their join with "The
 * coordinator is loading" and go through a logged crash-and-restart cycle. Likewise the first
 * InitProducerId (idempotent producers) is refused until the broker has fetched a block of producer
 * ids from the controller. Waiting for both here makes the first clients after a start clean.
 * @returns null when ready, else why not (kept for the timeout message).
 */
async function probeBroker(
  brokers: string[],
  timeoutMs: number,
  coordinators: boolean,
  expectedBrokers = 1,
): Promise<string | null> {
  const kafka = new Kafka({
    clientId: 'dev-kafka-probe',
    brokers,
    // Refused connections are the expected answer while the broker boots; don't print them.
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(1_000, timeoutMs),
    requestTimeout: timeoutMs,
    // The caller polls; kafkajs' own exponential retries would only blur the deadline.
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  let producer: Producer | undefined;
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) return 'metadata lists no brokers yet';
    if (cluster.brokers.length < expectedBrokers)
      return `metadata lists ${cluster.brokers.length} of ${expectedBrokers} brokers`;
    // Also exercise a plain Metadata round trip, which is what producers/consumers do first.
    await admin.listTopics();
    if (coordinators) {
      // kafkajs throws on any group-level error code (e.g. COORDINATOR_LOAD_IN_PROGRESS), so
      // resolving at all means the coordinator served it; an unknown group is just "Dead".
      await admin.describeGroups([WARMUP_GROUP_ID]);
      // An idempotent producer's connect() is exactly one InitProducerId round trip. kafkajs
      // refuses idempotence without retries; one quick retry stays well inside the poll budget.
      producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
      });
      await producer.connect();
    }
    return null;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    await producer?.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Polls until the broker answers, the JVM exits, or the deadline passes; with `expectedBrokers`, also
 * until the metadata lists that many brokers (a cluster's node answers before its peers register).
 */
export async function waitUntilAnswering(
  brokers: string[],
  deadline: number,
  exit: ExitWatch,
  expectedBrokers = 1,
): Promise<void> {
  let lastProblem = 'none completed';
  for (;;) {
    if (exit.exited) throw new Error(`the JVM exited early (${describeExitWatch(exit)})`);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new Error(
        `timed out waiting for it to answer Kafka requests (last probe: ${lastProblem})`,
      );
    }
    const problem = await probeBroker(
      brokers,
      Math.max(500, Math.min(3_000, remaining)),
      true,
      expectedBrokers,
    );
    if (problem === null) return;
    lastProblem = problem;
    await Promise.race([delay(READY_POLL_INTERVAL_MS), exit.promise]);
  }
}
