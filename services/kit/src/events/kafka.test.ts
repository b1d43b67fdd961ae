import { createLogger } from '../logger';
import { createKafka, topicReplication } from './kafka';

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
