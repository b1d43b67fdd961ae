import { createLogger } from '../logger';
import type { Kafka, ProducerBatch, ProducerConfig } from 'kafkajs';
import {
  createIdempotentProducer,
  createKafka,
  topicReplication,
  UnacknowledgedPartitionsError,
} from './kafka';

describe('the kafkajs client logs through the process logger', () => {
  const capture = () => {
    const lines: { level: string; msg: string; error?: string }[] = [];
    const logger = createLogger('test', 'info', {
      write: (line: string) => void lines.push(JSON.parse(line)),
    });
    return { kafka: createKafka('test', ['127.0.0.1:1'], logger), lines };
  };

  it('when the broker answers with an error kafkajs retries (a topic being created, a leader being elected), then it is a warning', () => {
    const { kafka, lines } = capture();
    kafka.logger().error('Response Metadata(key: 3, version: 6)', {
      error: 'This server does not host this topic-partition',
    });
    kafka.logger().error('Response ListOffsets(key: 2, version: 3)', {
      error: 'This server is not the leader for that topic-partition',
    });
    kafka.logger().error('Response CreateTopics(key: 19, version: 3)', {
      error: 'Topic creation errors',
    });
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'warn']);
  });

  it('when kafkajs logs any other error, then it stays an error', () => {
    const { kafka, lines } = capture();
    kafka.logger().error('Response SaslAuthenticate(key: 36, version: 1)', {
      error: 'SASL Authentication failed',
    });
    kafka.logger().error('Connection error: connect ECONNREFUSED 127.0.0.1:1', {});
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'Response SaslAuthenticate(key: 36, version: 1)'],
      ['error', 'Connection error: connect ECONNREFUSED 127.0.0.1:1'],
    ]);
  });
});

describe('the replication of the topics the kit creates', () => {
  it('when the cluster has one or two brokers, then every broker holds a copy and min ISR is the broker default', () => {
    expect(topicReplication(1)).toEqual({ replicationFactor: 1 });
    expect(topicReplication(2)).toEqual({ replicationFactor: 2 });
  });

  it('when the cluster has three brokers or more, then three copies of which two must be in sync', () => {
    expect(topicReplication(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(topicReplication(5)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });
});

describe("the relay's producer", () => {
  const partitions = [0, 1, 2].map((partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
  /** A client whose sendBatch places the messages with the producer's partitioner and acknowledges `answer` of the partitions. */
  const fakeKafka = (answer: (written: number[]) => number[]) =>
    ({
      producer: (config: ProducerConfig) => {
        const partitioner = config.createPartitioner!();
        return {
          sendBatch: async ({ topicMessages }: ProducerBatch) => {
            const written = new Set<number>();
            for (const { topic, messages } of topicMessages ?? [])
              for (const message of messages)
                written.add(partitioner({ topic, partitionMetadata: partitions, message }));
            return answer([...written]).map((partition) => ({
              topicName: 't',
              partition,
              errorCode: 0,
            }));
          },
        };
      },
    }) as unknown as Kafka;
  const batch: ProducerBatch = {
    acks: -1,
    topicMessages: [
      { topic: 't', messages: ['a', 'b', 'c', 'd', 'e', 'f'].map((key) => ({ key, value: key })) },
    ],
  };

  it('when every partition written is acknowledged, then the batch is sent', async () => {
    const producer = createIdempotentProducer(fakeKafka((written) => written));
    await expect(producer.sendBatch(batch)).resolves.toHaveLength(3);
  });

  it('when the client resolves a batch one of whose partitions was never acknowledged (kafkajs retrying after a leader moved), then it fails so that the relay re-sends it', async () => {
    const producer = createIdempotentProducer(fakeKafka((written) => written.slice(1)));
    await expect(producer.sendBatch(batch)).rejects.toBeInstanceOf(UnacknowledgedPartitionsError);
  });

  it('when made with kafkajs, then kafkajs accepts its settings', () => {
    const logger = createLogger('test', 'silent');
    expect(() =>
      createIdempotentProducer(createKafka('test', ['127.0.0.1:1'], logger)),
    ).not.toThrow();
  });
});
