import { randomBytes } from 'node:crypto';
import type { Admin, Consumer } from 'kafkajs';
import { createKafka, publishInvalidation } from '@liyuan/kit';
import { AnswerStore, type KeptAnswer } from '../../gateway/src/answer-store';
import { InvalidationFeed } from '../../gateway/src/invalidation-feed';
import { testBrokers, testKafka } from '../support/kafka';
import { capturingLogger } from '../support/system';
import { waitFor } from '../support/wait';

const answer = (): KeptAnswer => ({
  url: 'http://subgraph/graphql',
  status: 200,
  statusText: 'OK',
  headers: {},
  body: Buffer.from('{"data":{}}'),
});

/**
 * Two gateways' change feeds on one broker topic: the fence, the evictions, and what a stalled
 * reader does, against the real broker.
 */
describe('the subgraph cache change feed', () => {
  const topic = `feed-test.${randomBytes(4).toString('hex')}.cache.invalidations`;
  const subgraphs = new Set(['residents', 'facilities']);
  const { logger, lines } = capturingLogger('gateway');
  const stores = [new AnswerStore(1 << 20, 600_000), new AnswerStore(1 << 20, 600_000)];
  const feeds = stores.map(
    (store) =>
      new InvalidationFeed(
        createKafka('feed-test', testBrokers(), logger),
        topic,
        'feed-test.',
        store,
        logger,
        subgraphs,
      ),
  );
  const producer = testKafka().producer();

  beforeAll(async () => {
    await producer.connect();
    for (const feed of feeds) feed.startInBackground();
    for (const feed of feeds)
      await waitFor('the feed reading', async () => ((await feed.fence(2000)) ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    await producer.disconnect();
    await Promise.all(feeds.map((f) => f.stop()));
  });

  it('once a fence passes, every announcement acknowledged before it has evicted', async () => {
    for (let round = 0; round < 5; round++) {
      for (const store of stores) {
        store.put('r', 'residents', store.generation('residents'), answer());
        store.put('f', 'facilities', store.generation('facilities'), answer());
      }
      // One gateway announces a mutation; the other's next fence must see it (and so must its own,
      // whose cache evicts locally too when the mutation goes through it).
      await feeds[round % 2]!.announce('residents', 3000);
      const other = (round + 1) % 2;
      expect(await feeds[other]!.fence(5000)).toBe(true);
      expect(stores[other]!.get('r')).toBeUndefined();
      expect(stores[other]!.get('f')).toBeDefined();
      expect(await feeds[round % 2]!.fence(5000)).toBe(true);
      expect(stores[round % 2]!.get('r')).toBeUndefined();
      expect(stores[round % 2]!.get('f')).toBeDefined();
      // A consumer's announcement (another process) evicts on both.
      await publishInvalidation(producer, topic, 'facilities', 'event');
      for (const [k, feed] of feeds.entries()) {
        expect(await feed.fence(5000)).toBe(true);
        expect(stores[k]!.get('f')).toBeUndefined();
      }
    }
  });

  it('a reader that stops reading makes the fence fail, and it passes again once it reads', async () => {
    const consumer = (feeds[0] as unknown as { consumer: Consumer }).consumer;
    consumer.pause([{ topic }]);
    try {
      await publishInvalidation(producer, topic, 'residents', 'event');
      expect(await feeds[0]!.fence(500)).toBe(false);
      // Within the following second reads skip the cache without asking the broker again.
      const admin = (feeds[0] as unknown as { admin: Admin }).admin;
      const asked = jest.spyOn(admin, 'fetchTopicOffsets');
      try {
        expect(await feeds[0]!.fence(5000)).toBe(false);
        expect(asked).not.toHaveBeenCalled();
      } finally {
        asked.mockRestore();
      }
    } finally {
      consumer.resume([{ topic }]);
    }
    await waitFor(
      'the fence passing again',
      async () => ((await feeds[0]!.fence(2000)) ? true : undefined),
      15_000,
      200,
    );
    expect(lines.some((l) => l.level === 'warn' && /skipped/.test(l.msg))).toBe(false);
  });
});
