import { randomBytes } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { ensureTopics } from '@liyuan/kit';
import type { KafkaClusterHandle } from '../../infra/kafka/broker';
import { startTestKafkaCluster } from '../support/kafka';
import { waitFor } from '../support/wait';

/**
 * A three-node KRaft cluster of its own: the kit creates topics with three replicas of which two must
 * be in sync, and an idempotent producer (acks=-1) keeps publishing when the leader of the partition
 * it writes to is killed with SIGKILL: every acknowledged record is read back exactly once.
 */
describe('kafka cluster: the leader of a partition killed while publishing', () => {
  const topic = `cluster-fault-${randomBytes(4).toString('hex')}`;
  let cluster: KafkaClusterHandle;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    cluster = await startTestKafkaCluster();
    kafka = new Kafka({
      clientId: 'cluster-fault-test',
      brokers: cluster.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 10_000,
      // Enough retries to outlast the dead leader's fencing (4 s) and the election after it.
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 60 },
    });
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic], 1);
  }, 180_000);
  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  const partition0 = async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]!.partitions.find((p) => p.partitionId === 0)!;
  };

  it('when the kit creates a topic on three brokers, then it has three replicas and min ISR 2', async () => {
    const p = await partition0();
    expect(p.replicas).toHaveLength(3);
    expect(p.isr).toHaveLength(3);
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] },
      ],
    });
    expect(
      resources[0]!.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue,
    ).toBe('2');
  });

  it('when the leader is SIGKILLed mid-publish, then publishing resumes and every acknowledged record is read back exactly once', async () => {
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();

    const acked: string[] = [];
    let failed = 0;
    let killedAt: number | undefined;
    let resumedAt: number | undefined;
    let producing = true;
    let seq = 0;
    const publishing = (async () => {
      while (producing) {
        const key = `k${seq++}`;
        const startedAt = Date.now();
        try {
          await producer.send({ topic, acks: -1, messages: [{ key, value: key, partition: 0 }] });
          acked.push(key);
          // Only a send begun after the kill proves the partition has a new leader.
          if (killedAt !== undefined && resumedAt === undefined && startedAt >= killedAt)
            resumedAt = Date.now();
        } catch {
          // Not acknowledged: may or may not be in the log, never twice (idempotence); a new key.
          failed++;
        }
      }
    })();

    try {
      await waitFor('200 acknowledged before the kill', () =>
        acked.length >= 200 ? true : undefined,
      );
      const leader = (await partition0()).leader;
      await cluster.node(leader).kill();
      killedAt = Date.now();
      const ackedAtKill = acked.length;
      await waitFor(
        '200 more acknowledged after the kill',
        () => (acked.length >= ackedAtKill + 200 && resumedAt !== undefined ? true : undefined),
        90_000,
      );
      producing = false;
      await publishing;

      const after = await partition0();
      expect(after.leader).not.toBe(leader);
      expect(after.isr).not.toContain(leader);
      expect(after.isr.length).toBeGreaterThanOrEqual(2);

      // The killed node comes back on its ports and data and catches up with the others.
      const restartStarted = Date.now();
      await cluster.node(leader).restart();
      await waitFor(
        'the restarted node back in sync',
        async () => ((await partition0()).isr.length === 3 ? true : undefined),
        60_000,
      );
      const rejoinMs = Date.now() - restartStarted;

      // Read the partition to its end and count every key.
      const offsets = await admin.fetchTopicOffsets(topic);
      const end = Number(offsets.find((o) => o.partition === 0)?.high ?? 0);
      const counts = new Map<string, number>();
      let lastOffset = -1;
      const consumer = kafka.consumer({
        groupId: `cluster-fault-${randomBytes(4).toString('hex')}`,
      });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            const key = message.key?.toString() ?? '';
            counts.set(key, (counts.get(key) ?? 0) + 1);
            lastOffset = Math.max(lastOffset, Number(message.offset));
          },
        });
        await waitFor(
          'the partition read to its end',
          () => (lastOffset >= end - 1 ? true : undefined),
          60_000,
        );
      } finally {
        await consumer.disconnect();
      }

      const missing = acked.filter((k) => counts.get(k) !== 1);
      const twice = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
      expect({ missing, twice }).toEqual({ missing: [], twice: [] });
      expect(end).toBeLessThanOrEqual(acked.length + failed);

      process.stdout.write(
        `kafka cluster: killed leader node ${leader} after ${ackedAtKill} acknowledged; publishing resumed ` +
          `${resumedAt! - killedAt} ms after the kill on node ${after.leader}; ${acked.length} acknowledged, ` +
          `${failed} sends failed, ${end} records in the log, every acknowledged one read once; ` +
          `the killed node rejoined the ISR ${rejoinMs} ms after its restart began\n`,
      );
    } finally {
      producing = false;
      await publishing;
    }
  }, 300_000);
});
