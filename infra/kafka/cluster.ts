/**
 * A local KRaft cluster: `brokers` JVMs on 127.0.0.1, each a combined broker+controller node
 * (node ids 1..n, a static quorum of all of them, one cluster id), for tests that need replication
 * and a node to fail.
 *
 * Layout of a cluster data directory:
 *   cluster.id     the cluster id every node is formatted with, reused across restarts
 *   node-<id>/     one node's data directory, laid out like a single broker's (see broker.ts)
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as os from 'node:os';
import { KafkaBrokerError } from './errors';
import { assertJava } from './java';
import { ensureKafkaJars } from './jars';
import {
  assertNoBrokerRunning,
  DEFAULT_STOP_TIMEOUT_MS,
  launchNode,
  waitUntilNodeReady,
  type LaunchedNode,
} from './node';
import { dataPaths, HOST, type DataPaths } from './paths';
import { choosePorts } from './ports';
import { isKafkaAnswering } from './probe';
import { readLivePid } from './process';
import {
  readConfiguredPorts,
  renderServerProperties,
  peerName,
  type ClusterMembership,
} from './server-config';
import { formatStorageIfNeeded, loadOrCreateSharedClusterId } from './storage';
import { stopKafkaBroker } from './broker';

const DEFAULT_START_TIMEOUT_MS = 120_000;

/** Three JVMs share a dev box: a smaller heap each than the single broker's 512 MB. */
const NODE_HEAP = { min: '128m', max: '384m' };

const NODE_DIR = /^node-(\d+)$/;

/** Options for {@link startKafkaCluster}. */
export interface StartKafkaClusterOptions {
  /** Cluster directory: `cluster.id` and one `node-<id>/` data directory per node. */
  dataDir: string;
  /** Number of nodes; 3 (the quorum and replication this is made for) unless given. */
  brokers?: number;
  /**
   * Client port of node 1; node i gets `port + 2(i-1)` and its controller the port after it.
   * Free random ports when omitted.
   */
  port?: number;
  /** Deadline for every node to answer and see all the others; default 120 s. */
  timeoutMs?: number;
  /** Run the nodes in their own sessions so they outlive this process (used by `cli.ts start`). */
  detached?: boolean;
  /**
   * The client port node `nodeId` (listening on `port`) advertises to clients and to the other
   * nodes (replication), e.g. of a TCP proxy started here in front of it: cutting the proxy cuts
   * the node off from both. Called once per node after the ports are chosen and before any node
   * starts; the node keeps it across restarts. Default: its own `port`.
   */
  advertise?: (node: { nodeId: number; port: number }) => number | Promise<number>;
  /**
   * The address node `from` reaches node `to` at, e.g. a loopback address such as `127.0.1.2`
   * where the caller listens on every port of `ports` (`to`'s replication and controller ports) and
   * forwards to 127.0.0.1: a TCP proxy per link. With it the nodes address each other by name
   * through a hosts file of their own (one per node, `-Djdk.net.hosts.file`), replicate over a
   * listener of their own, and advertise both under that name; so every link between two nodes,
   * the quorum's included, passes where the caller says. With `advertise` too, a test cuts a node
   * off entirely (its client proxy and every link into and out of it): the others fence it and
   * move its partitions. Called once per ordered pair of distinct nodes, after `advertise`.
   * Default: the nodes reach each other on 127.0.0.1.
   */
  peerHost?: (link: {
    from: number;
    to: number;
    ports: readonly number[];
  }) => string | Promise<string>;
}

/** One node of a running cluster. */
export interface KafkaClusterNode {
  nodeId: number;
  /** PLAINTEXT client port (kept across {@link restart}). */
  port: number;
  /** KRaft CONTROLLER port (kept across {@link restart}). */
  controllerPort: number;
  /** `127.0.0.1:<port>`. */
  address: string;
  /** The client port it advertises (`port` unless {@link StartKafkaClusterOptions.advertise} says otherwise). */
  advertisedPort: number;
  /** This node's data directory. */
  dataDir: string;
  /** Pid of the node's current JVM (changes on {@link restart}). */
  readonly pid: number;
  /** False after {@link kill} or {@link stop} until {@link restart}. */
  readonly running: boolean;
  /** SIGKILL, no clean shutdown (a crash); resolves once the JVM has exited. */
  kill(): Promise<void>;
  /** SIGTERM (controlled shutdown), SIGKILL after 30 s. */
  stop(): Promise<void>;
  /** Starts the node again on the same ports and data; resolves once it answers and sees its peers. */
  restart(timeoutMs?: number): Promise<void>;
}

/** A running cluster started by {@link startKafkaCluster}. */
export interface KafkaClusterHandle {
  /** Bootstrap servers: every node's advertised client address. */
  brokers: string[];
  clusterId: string;
  /** Absolute cluster directory. */
  dataDir: string;
  nodes: KafkaClusterNode[];
  /** The node with `nodeId`; throws for an unknown id. */
  node(nodeId: number): KafkaClusterNode;
  /** Stops every running node (all at once: SIGTERM, SIGKILL after 30 s). Safe to call more than once. */
  stop(): Promise<void>;
}

/** What {@link readKafkaClusterStatus} finds in a cluster directory. */
export interface KafkaClusterStatus {
  dataDir: string;
  nodes: Array<{ nodeId: number; pid: number | null; port: number | null; answering: boolean }>;
  brokers: string[];
}

export const nodeDataDir = (clusterDir: string, nodeId: number): string =>
  path.join(path.resolve(clusterDir), `node-${nodeId}`);

/** The node ids whose directories `dataDir` holds (empty when it is not a cluster directory). */
export async function listClusterNodeIds(dataDir: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dataDir);
  } catch {
    return [];
  }
  return entries
    .map((e) => NODE_DIR.exec(e)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Starts a KRaft cluster of `brokers` combined nodes on 127.0.0.1 and resolves once every node answers
 * and the metadata lists all of them. With 3 nodes, topics default to replication 3 and min ISR 2,
 * internal topics too. Starting again on the same `dataDir` (and `port`) keeps the data.
 * @throws {KafkaPrerequisiteError} when Java or Maven is missing.
 * @throws {KafkaBrokerError} when a node already runs there, a port is taken, a JVM exits early, or
 *   the cluster is not ready within `timeoutMs` (every node started is stopped again).
 */
export async function startKafkaCluster(
  opts: StartKafkaClusterOptions,
): Promise<KafkaClusterHandle> {
  const count = opts.brokers ?? 3;
  if (!Number.isInteger(count) || count < 1)
    throw new KafkaBrokerError(`brokers must be a positive integer, got ${count}.`);
  const libDir = await ensureKafkaJars();
  const java = await assertJava();
  const root = dataPaths(opts.dataDir);
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  await fsp.mkdir(root.dataDir, { recursive: true });
  if ((await fsp.stat(root.kraftDir).catch(() => null)) !== null) {
    throw new KafkaBrokerError(
      `${root.dataDir} holds a single broker's data; use another directory for a cluster.`,
    );
  }

  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const paths = ids.map((id) => dataPaths(nodeDataDir(root.dataDir, id)));
  for (const p of paths) await assertNoBrokerRunning(p);
  const taken = new Set<number>();
  const ports: Array<{ port: number; controllerPort: number }> = [];
  for (const [i] of ids.entries()) {
    const base = opts.port === undefined ? undefined : opts.port + 2 * i;
    ports.push(await choosePorts(base, base === undefined ? undefined : base + 1, taken));
  }
  // Named peers replicate on a listener of their own, on a free port.
  const replicationPorts: Array<number | undefined> = [];
  for (const _ of ids)
    replicationPorts.push(
      opts.peerHost ? (await choosePorts(undefined, undefined, taken)).port : undefined,
    );
  const voters = ids.map((nodeId, i) => ({ nodeId, controllerPort: ports[i]!.controllerPort }));
  const advertisedPorts: number[] = [];
  for (const [i, nodeId] of ids.entries()) {
    const port = ports[i]!.port;
    advertisedPorts.push(opts.advertise ? await opts.advertise({ nodeId, port }) : port);
  }
  const jvmArgsOf: string[][] = ids.map(() => []);
  if (opts.peerHost) {
    for (const [i, from] of ids.entries()) {
      const lines = [`${HOST} localhost ${os.hostname()} ${peerName(from)}`];
      for (const [j, to] of ids.entries()) {
        if (to === from) continue;
        const linkPorts = [replicationPorts[j]!, ports[j]!.controllerPort];
        lines.push(`${await opts.peerHost({ from, to, ports: linkPorts })} ${peerName(to)}`);
      }
      const hostsFile = path.join(paths[i]!.dataDir, 'hosts');
      await fsp.mkdir(paths[i]!.dataDir, { recursive: true });
      await fsp.writeFile(hostsFile, `${lines.join('\n')}\n`);
      jvmArgsOf[i]!.push(`-Djdk.net.hosts.file=${hostsFile}`);
    }
  }
  await Promise.all(
    ids.map((nodeId, i) => {
      const membership: ClusterMembership = {
        nodeId,
        voters,
        advertisedPort: advertisedPorts[i]!,
        ...(replicationPorts[i] === undefined ? {} : { replicationPort: replicationPorts[i] }),
      };
      const { port, controllerPort } = ports[i]!;
      return fsp.writeFile(
        paths[i]!.serverProperties,
        renderServerProperties(paths[i]!, port, controllerPort, membership),
      );
    }),
  );
  const clusterId = await loadOrCreateSharedClusterId(root, paths);
  await Promise.all(paths.map((p) => formatStorageIfNeeded(java, libDir, p, clusterId)));

  const detached = opts.detached ?? false;
  const brokers = advertisedPorts.map((port) => `${HOST}:${port}`);
  const nodes = ids.map((nodeId, i) =>
    makeNode(
      nodeId,
      { ...ports[i]!, advertisedPort: advertisedPorts[i]! },
      paths[i]!,
      count,
      (nodePaths) =>
        launchNode(java, libDir, nodePaths, { detached, heap: NODE_HEAP, jvmArgs: jvmArgsOf[i]! }),
    ),
  );
  let stopping: Promise<void> | null = null;
  const handle: KafkaClusterHandle = {
    brokers,
    clusterId,
    dataDir: root.dataDir,
    nodes: nodes.map((n) => n.node),
    node: (nodeId) => {
      const found = nodes.find((n) => n.node.nodeId === nodeId);
      if (!found) throw new KafkaBrokerError(`No node ${nodeId} in this cluster.`);
      return found.node;
    },
    stop: () => {
      // Together: a node stopping alone would wait for a quorum its peers are leaving.
      stopping ??= Promise.all(nodes.map((n) => n.node.stop())).then(() => undefined);
      return stopping;
    },
  };
  try {
    for (const n of nodes) await n.launch();
    await Promise.all(nodes.map((n) => n.ready(deadline)));
  } catch (error) {
    await handle.stop().catch(() => undefined);
    throw error;
  }
  return handle;
}

function makeNode(
  nodeId: number,
  ports: { port: number; controllerPort: number; advertisedPort: number },
  paths: DataPaths,
  clusterSize: number,
  launch: (paths: DataPaths) => Promise<LaunchedNode>,
): { node: KafkaClusterNode; launch(): Promise<void>; ready(deadline: number): Promise<void> } {
  let current: LaunchedNode | null = null;
  const address = `${HOST}:${ports.port}`;
  const doLaunch = async (): Promise<void> => {
    if (current && !current.exit.exited) throw new KafkaBrokerError(`Node ${nodeId} is running.`);
    await assertNoBrokerRunning(paths);
    current = await launch(paths);
  };
  const ready = (deadline: number): Promise<void> =>
    current ? waitUntilNodeReady(current, [address], deadline, clusterSize) : Promise.resolve();
  const node: KafkaClusterNode = {
    nodeId,
    ...ports,
    address,
    dataDir: paths.dataDir,
    get pid() {
      return current?.pid ?? -1;
    },
    get running() {
      return current !== null && !current.exit.exited;
    },
    kill: async () => {
      await current?.kill();
    },
    stop: async () => {
      await current?.stop();
    },
    restart: async (timeoutMs = DEFAULT_START_TIMEOUT_MS) => {
      await doLaunch();
      await ready(Date.now() + timeoutMs);
    },
  };
  return { node, launch: doLaunch, ready };
}

/**
 * Stops every node recorded in the cluster directory (e.g. started detached by `cli.ts start
 * --brokers 3`), all at once: SIGTERM, then SIGKILL after `timeoutMs`.
 * @returns the pids stopped (empty when none was running).
 */
export async function stopKafkaCluster(
  dataDir: string,
  timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS,
): Promise<number[]> {
  const ids = await listClusterNodeIds(dataDir);
  // Each node is a broker of its own data directory, stopped as a lone broker is.
  const stopped = await Promise.all(
    ids.map((id) => stopKafkaBroker(nodeDataDir(dataDir, id), timeoutMs)),
  );
  return stopped.filter((pid): pid is number => pid !== null);
}

/** Each node's pid, port and whether it answers. Never throws for a missing directory. */
export async function readKafkaClusterStatus(dataDir: string): Promise<KafkaClusterStatus> {
  const root = path.resolve(dataDir);
  const nodes = await Promise.all(
    (await listClusterNodeIds(root)).map(async (nodeId) => {
      const paths = dataPaths(nodeDataDir(root, nodeId));
      const pid = await readLivePid(paths);
      const { port } = await readConfiguredPorts(paths.serverProperties);
      const answering =
        pid !== null && port !== null && (await isKafkaAnswering([`${HOST}:${port}`]));
      return { nodeId, pid, port, answering };
    }),
  );
  const brokers = nodes.flatMap((n) => (n.port === null ? [] : [`${HOST}:${n.port}`]));
  return { dataDir: root, nodes, brokers };
}
