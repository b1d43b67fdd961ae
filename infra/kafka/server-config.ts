// server.properties: written on every start, read back for the ports by `status`.
import * as fsp from 'node:fs/promises';
import { HOST, type DataPaths } from './paths';

const SINGLE_NODE_ID = 1;

/** A node's place in a cluster of combined broker+controller nodes. */
export interface ClusterMembership {
  /** This node's `node.id`. */
  nodeId: number;
  /** Every node of the cluster (this one included) and its controller port: the static quorum. */
  voters: ReadonlyArray<{ nodeId: number; controllerPort: number }>;
  /** The client port it advertises when other than its own (a proxy in front of it). */
  advertisedPort?: number;
  /**
   * When set, the nodes reach each other by name (`peerName(id)`, resolved by each node's own
   * hosts file) on a REPLICATION listener on this port and on their CONTROLLER listener, both
   * advertised under that name; clients keep the PLAINTEXT listener. Without it they reach each
   * other on 127.0.0.1 and replicate over PLAINTEXT.
   */
  replicationPort?: number;
}

/** The name node `nodeId` is reached at by its peers when they address each other by name. */
export const peerName = (nodeId: number): string => `kafka-node-${nodeId}`;

/**
 * Replication for a cluster of `nodes` brokers: topics and the internal ones are replicated to up to
 * three of them, and with three copies a write needs two in sync, so one node may fail.
 */
export function replicationFor(nodes: number): {
  replicationFactor: number;
  minInsyncReplicas: number;
} {
  const replicationFactor = Math.max(1, Math.min(3, nodes));
  return { replicationFactor, minInsyncReplicas: replicationFactor >= 3 ? 2 : 1 };
}

/**
 * server.properties of one node. Without `cluster` it is the single broker (node 1, its own only
 * controller, replication 1); with it, one node of a static KRaft quorum of combined nodes.
 */
export function renderServerProperties(
  paths: DataPaths,
  port: number,
  controllerPort: number,
  cluster?: ClusterMembership,
): string {
  const nodeId = cluster?.nodeId ?? SINGLE_NODE_ID;
  const voters = cluster?.voters ?? [{ nodeId, controllerPort }];
  const { replicationFactor, minInsyncReplicas } = replicationFor(voters.length);
  const replicationPort = cluster?.replicationPort;
  const named = replicationPort !== undefined;
  const voterHost = (id: number) => (named ? peerName(id) : HOST);
  const clientListener = `PLAINTEXT://${HOST}:${cluster?.advertisedPort ?? port}`;
  const settings: Array<[string, string | number | boolean] | string> = [
    '# Written by infra/kafka/broker.ts on every start; edits are overwritten.',
    cluster
      ? `# Node ${nodeId} of ${voters.length}, KRaft combined mode: each node is a broker and a controller voter.`
      : '# Single node, KRaft combined mode: this process is both the broker and the only controller.',
    ['process.roles', 'broker,controller'],
    ['node.id', nodeId],
    // Static quorum (not --standalone/dynamic): voters come from config, so the controller port
    // may change between restarts of the same data directory.
    [
      'controller.quorum.voters',
      voters.map((v) => `${v.nodeId}@${voterHost(v.nodeId)}:${v.controllerPort}`).join(','),
    ],
    ...(named
      ? [
          '# Peers by name: each node resolves the others through its own hosts file, so every link',
          '# between two nodes (replication and the quorum, whose leader tells followers the',
          '# address it advertises) can be routed, and cut, on its own.',
          [
            'listeners',
            `PLAINTEXT://${HOST}:${port},REPLICATION://${HOST}:${replicationPort},CONTROLLER://${HOST}:${controllerPort}`,
          ] as [string, string],
          [
            'advertised.listeners',
            `${clientListener},REPLICATION://${peerName(nodeId)}:${replicationPort},CONTROLLER://${peerName(nodeId)}:${controllerPort}`,
          ] as [string, string],
          [
            'listener.security.protocol.map',
            'PLAINTEXT:PLAINTEXT,REPLICATION:PLAINTEXT,CONTROLLER:PLAINTEXT',
          ] as [string, string],
          ['inter.broker.listener.name', 'REPLICATION'] as [string, string],
        ]
      : [
          ['listeners', `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`] as [
            string,
            string,
          ],
          ['advertised.listeners', clientListener] as [string, string],
          ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'] as [
            string,
            string,
          ],
          ['inter.broker.listener.name', 'PLAINTEXT'] as [string, string],
        ]),
    ['controller.listener.names', 'CONTROLLER'],
    ['log.dirs', paths.kraftDir],
    '',
    '# A dev box: few threads.',
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
    '',
    '# Topics: auto-created on first use with 3 partitions, like the services expect.',
    ['auto.create.topics.enable', true],
    ['num.partitions', 3],
    ['default.replication.factor', replicationFactor],
    ['min.insync.replicas', minInsyncReplicas],
    ['delete.topic.enable', true],
    '',
    cluster
      ? '# Internal topics replicated like the others.'
      : '# Internal topics must fit on one broker (defaults assume three).',
    ['offsets.topic.replication.factor', replicationFactor],
    ['transaction.state.log.replication.factor', replicationFactor],
    ['transaction.state.log.min.isr', minInsyncReplicas],
    ['share.coordinator.state.topic.replication.factor', replicationFactor],
    ['share.coordinator.state.topic.min.isr', minInsyncReplicas],
    '# Fewer internal partitions: created on first use, so this shortens the first group join.',
    ['offsets.topic.num.partitions', 1],
    ['transaction.state.log.num.partitions', 1],
    ['share.coordinator.state.topic.num.partitions', 1],
    '# Tests and dev loops start consumers one by one; do not wait 3 s for more members.',
    ['group.initial.rebalance.delay.ms', 0],
    '',
    '# Small segments and short retention: dev data is disposable, disk is not.',
    ['log.segment.bytes', 16 * 1024 * 1024],
    ['log.retention.hours', 24],
    ['log.retention.bytes', 256 * 1024 * 1024],
    ['log.retention.check.interval.ms', 60_000],
    ['log.cleaner.dedupe.buffer.size', 16 * 1024 * 1024],
    ['metadata.log.segment.bytes', 8 * 1024 * 1024],
    ...(cluster
      ? [
          '',
          '# Fence a node that stopped heartbeating after 4 s (default 9 s), so its partitions get',
          '# a new leader sooner when it is killed.',
          ['broker.heartbeat.interval.ms', 1_000] as [string, number],
          ['broker.session.timeout.ms', 4_000] as [string, number],
          '# A follower that has not caught up for 10 s (default 30 s) leaves the ISR: a node cut off',
          '# shows as under-replicated partitions sooner.',
          ['replica.lag.time.max.ms', 10_000] as [string, number],
        ]
      : []),
  ];
  return `${settings
    .map((entry) =>
      typeof entry === 'string' ? entry : `${entry[0]}=${escapePropertyValue(String(entry[1]))}`,
    )
    .join('\n')}\n`;
}

/** java.util.Properties treats backslashes as escapes (Windows paths). */
function escapePropertyValue(value: string): string {
  return value.replace(/\\/g, '\\\\');
}

export async function readConfiguredPorts(
  serverProperties: string,
): Promise<{ port: number | null; controllerPort: number | null }> {
  let text: string;
  try {
    text = await fsp.readFile(serverProperties, 'utf8');
  } catch {
    return { port: null, controllerPort: null };
  }
  const listeners = /^listeners=(.*)$/m.exec(text)?.[1] ?? '';
  const portOf = (name: string): number | null => {
    const match = new RegExp(`${name}://[^,]*:(\\d+)`).exec(listeners);
    return match ? Number(match[1]) : null;
  };
  return { port: portOf('PLAINTEXT'), controllerPort: portOf('CONTROLLER') };
}
