import { AnswerStore, type KeptAnswer } from './answer-store';

const answer = (text: string): KeptAnswer => ({
  url: 'http://subgraph/graphql',
  status: 200,
  statusText: 'OK',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(text),
});

describe('the subgraph answer store', () => {
  it('answers what it kept until the subgraph changes', () => {
    const store = new AnswerStore(1 << 20, 60_000);
    const g = store.generation('facilities');
    expect(store.put('k1', 'facilities', g, answer('{"data":1}'))).toBe(true);
    expect(
      store.put('k2', 'volunteers', store.generation('volunteers'), answer('{"data":2}')),
    ).toBe(true);
    expect(store.get('k1')?.body.toString()).toBe('{"data":1}');

    store.evict('facilities');
    expect(store.get('k1')).toBeUndefined();
    // Other subgraphs' entries stay.
    expect(store.get('k2')?.body.toString()).toBe('{"data":2}');
  });

  it('refuses an answer fetched before a change it has since been told of', () => {
    const store = new AnswerStore(1 << 20, 60_000);
    const before = store.generation('residents');
    store.evict('residents');
    expect(store.put('k', 'residents', before, answer('{"data":"old"}'))).toBe(false);
    expect(store.get('k')).toBeUndefined();
  });

  it('forgets everything when the feed may have missed a change', () => {
    const store = new AnswerStore(1 << 20, 60_000);
    const g = store.generation('mediation');
    store.put('k', 'mediation', g, answer('{}'));
    store.evictAll();
    expect(store.get('k')).toBeUndefined();
    expect(store.put('k', 'mediation', g, answer('{}'))).toBe(false);
    expect(store.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('drops entries past their time limit', () => {
    const store = new AnswerStore(1 << 20, 1000);
    store.put('k', 'residents', store.generation('residents'), answer('{}'));
    expect(store.get('k', Date.now() + 500)).toBeDefined();
    expect(store.get('k', Date.now() + 1500)).toBeUndefined();
  });

  it('drops the least recently used entries past its size', () => {
    const body = 'x'.repeat(400);
    // Room for two entries of about 600 bytes.
    const store = new AnswerStore(1300, 60_000);
    const g = store.generation('residents');
    store.put('a', 'residents', g, answer(body));
    store.put('b', 'residents', g, answer(body));
    store.get('a');
    store.put('c', 'residents', g, answer(body));
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBeDefined();
    expect(store.get('c')).toBeDefined();
    expect(store.size.entries).toBe(2);
    expect(store.size.bytes).toBeLessThanOrEqual(1300);
  });
});
