/**
 * Local development Kafka: a real single-node Apache Kafka broker (KRaft, combined
 * broker+controller) run straight from the jars pinned in `pom.xml`.
 *
 * Why not Docker / a tarball: this project's machines have neither a container
 * engine nor access to Apache mirrors; Maven Central is reachable, and the broker
 * is an ordinary JVM program once its jars are on a class path.
 *
 * Layout of a data directory (all created on demand):
 *   server.properties   written on every start (ports may change between starts)
 *   cluster.id          the KRaft cluster id, reused so a restart keeps its data
 *   kafka.pid           pid of the running broker, for `cli.ts stop|status`
 *   kraft/              Kafka's log.dirs: topic partitions and the metadata log
 *   logs/server.log     log4j2 output (WARN and start/stop landmarks)
 *   logs/stdout.log     the JVM's stdout/stderr (default `logFile`)
 *
 * This module is the public entry; the work is done by jars.ts (the pinned jars, via Maven),
 * java.ts (the Java check), ports.ts, server-config.ts (server.properties), storage.ts (cluster id
 * and KRaft format), process.ts (spawn, stop, pid file, logs) and probe.ts (is it answering).
 */
import * as fsp from 'node:fs/promises';
import { assertJava } from './java';
import { ensureKafkaJars } from './jars';
import {
  assertNoBrokerRunning,
  DEFAULT_STOP_TIMEOUT_MS,
  launchNode,
  waitUntilNodeReady,
} from './node';
import { dataPaths, HOST } from './paths';
import { choosePorts } from './ports';
import { isKafkaAnswering } from './probe';
import { readLivePid, removePidFileIfOwned, terminate } from './process';
import { readConfiguredPorts, renderServerProperties } from './server-config';
import { formatStorageIfNeeded, loadOrCreateClusterId } from './storage';

export { KafkaBrokerError, KafkaPrerequisiteError } from './errors';
export { ensureKafkaJars } from './jars';
export { isKafkaAnswering } from './probe';

export const DEFAULT_START_TIMEOUT_MS = 60_000;

/** Options for {@link startKafkaBroker}. */
export interface StartKafkaBrokerOptions {
  /** Directory holding config, data, logs and the pid file; reuse it to keep topics across restarts. */
  dataDir: string;
  /** PLAINTEXT client port on 127.0.0.1; a free random port when omitted. */
  port?: number;
  /** KRaft CONTROLLER port on 127.0.0.1; a free random port when omitted. */
  controllerPort?: number;
  /** File receiving the JVM's stdout/stderr (appended); defaults to `<dataDir>/logs/stdout.log`. */
  logFile?: string;
  /**
   * Deadline for the broker to become usable, counted once the jars are in place (a first Maven
   * download is not included; storage formatting and JVM start-up are); default 60 s.
   */
  timeoutMs?: number;
  /**
   * Run the broker in its own session so it outlives this Node process (used by `cli.ts start`).
   * When false (default) the broker is sent SIGTERM if this process exits without stopping it.
   */
  detached?: boolean;
}

/** A running broker started by {@link startKafkaBroker}. */
export interface KafkaBrokerHandle {
  /** Bootstrap servers for clients, e.g. `['127.0.0.1:40123']`. */
  brokers: string[];
  /** PLAINTEXT client port. */
  port: number;
  /** KRaft CONTROLLER port. */
  controllerPort: number;
  /** Absolute data directory. */
  dataDir: string;
  /** Process id of the broker JVM. */
  pid: number;
  /** SIGTERM, wait up to 30 s for a clean shutdown, then SIGKILL. Safe to call more than once. */
  stop(): Promise<void>;
}

/** What {@link readKafkaBrokerStatus} finds in a data directory. */
export interface KafkaBrokerStatus {
  /** Absolute data directory. */
  dataDir: string;
  /** Pid from the pid file if that process is alive and is this directory's broker, else null. */
  pid: number | null;
  /** Client port from the data directory's server.properties, if it has one. */
  port: number | null;
  /** Controller port from the data directory's server.properties, if it has one. */
  controllerPort: number | null;
  /** Bootstrap servers derived from `port` (empty when unknown). */
  brokers: string[];
  /** True when the process is alive and the port answers Kafka metadata requests. */
  answering: boolean;
}

/**
 * Starts a single-node KRaft broker and resolves once it answers Kafka requests on 127.0.0.1.
 * Starting again with the same `dataDir` (and ports) after {@link KafkaBrokerHandle.stop} keeps all data.
 * @throws {KafkaPrerequisiteError} when Java or Maven is missing.
 * @throws {KafkaBrokerError} when a broker already runs on `dataDir`, a port is taken, formatting
 *   fails, the JVM exits early, or the broker does not answer within `timeoutMs`.
 */
export async function startKafkaBroker(opts: StartKafkaBrokerOptions): Promise<KafkaBrokerHandle> {
  const libDir = await ensureKafkaJars();
  const java = await assertJava();
  const paths = dataPaths(opts.dataDir);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  await assertNoBrokerRunning(paths);

  const { port, controllerPort } = await choosePorts(opts.port, opts.controllerPort);
  await fsp.writeFile(paths.serverProperties, renderServerProperties(paths, port, controllerPort));
  const clusterId = await loadOrCreateClusterId(paths);
  await formatStorageIfNeeded(java, libDir, paths, clusterId);

  const node = await launchNode(java, libDir, paths, {
    logFile: opts.logFile,
    detached: opts.detached ?? false,
  });
  const handle: KafkaBrokerHandle = {
    brokers: [`${HOST}:${port}`],
    port,
    controllerPort,
    dataDir: paths.dataDir,
    pid: node.pid,
    stop: node.stop,
  };
  await waitUntilNodeReady(node, handle.brokers, deadline);
  return handle;
}

/**
 * Stops the broker recorded in `<dataDir>/kafka.pid` (e.g. one started detached by `cli.ts start`):
 * SIGTERM, wait up to `timeoutMs`, then SIGKILL.
 * @returns the pid that was stopped, or null when no broker was running there.
 */
export async function stopKafkaBroker(
  dataDir: string,
  timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS,
): Promise<number | null> {
  const paths = dataPaths(dataDir);
  const pid = await readLivePid(paths);
  if (pid === null) {
    await fsp.rm(paths.pidFile, { force: true });
    return null;
  }
  await terminate(pid, null, timeoutMs);
  await removePidFileIfOwned(paths.pidFile, pid);
  return pid;
}

/**
 * Reports whether a broker runs on `dataDir` (pid file alive and its port answering).
 * Never throws for a missing or never-used data directory.
 */
export async function readKafkaBrokerStatus(dataDir: string): Promise<KafkaBrokerStatus> {
  const paths = dataPaths(dataDir);
  const pid = await readLivePid(paths);
  const ports = await readConfiguredPorts(paths.serverProperties);
  const brokers = ports.port === null ? [] : [`${HOST}:${ports.port}`];
  const answering = pid !== null && brokers.length > 0 && (await isKafkaAnswering(brokers));
  return { dataDir: paths.dataDir, pid, ...ports, brokers, answering };
}

export {
  listClusterNodeIds,
  readKafkaClusterStatus,
  startKafkaCluster,
  stopKafkaCluster,
  type KafkaClusterHandle,
  type KafkaClusterNode,
  type KafkaClusterStatus,
  type StartKafkaClusterOptions,
} from './cluster';
