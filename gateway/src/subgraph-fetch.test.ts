import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMutation, postToSubgraph } from './subgraph-fetch';

describe('isMutation', () => {
  it('when the gateway serialises a subgraph request, then its operation type is read from the start of the body', () => {
    const body = (query: string) => JSON.stringify({ query, variables: { a: 'mutation' } });
    expect(isMutation(body('mutation Book($i: In!) { book(input: $i) { id } }'))).toBe(true);
    expect(isMutation(body('\n  mutation { x }'))).toBe(true);
    expect(isMutation(body('query Q { x }'))).toBe(false);
    expect(isMutation(body('query Mutation { mutationCount }'))).toBe(false);
    expect(isMutation(body('{ x }'))).toBe(false);
    // Another key order falls back to parsing the body.
    expect(isMutation(JSON.stringify({ variables: {}, query: 'mutation { x }' }))).toBe(true);
    expect(isMutation(JSON.stringify({ variables: {}, query: 'query { x }' }))).toBe(false);
    expect(isMutation(undefined)).toBe(false);
  });
});

describe('postToSubgraph', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<unknown>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/slow') return; // never answers
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-echo', String(req.headers['x-echo'] ?? ''));
        res.statusCode = req.url === '/fail' ? 503 : 200;
        res.end(JSON.stringify({ data: { received: JSON.parse(body) as unknown } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('when it posts, then the answer is read whole, with status and headers, over one kept-alive connection', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await postToSubgraph(
        `${url}/graphql`,
        { method: 'POST', headers: { 'x-echo': `n${i}` }, body: JSON.stringify({ i }) },
        2000,
      );
      expect(res.ok).toBe(true);
      expect(res.headers.get('X-Echo')).toBe(`n${i}`);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.clone().headers.get('x-echo')).toBe(`n${i}`);
      expect(await res.json()).toEqual({ data: { received: { i } } });
    }
    expect(sockets.size).toBe(1);
    const failed = await postToSubgraph(`${url}/fail`, { body: '{}' }, 2000);
    expect({ ok: failed.ok, status: failed.status }).toEqual({ ok: false, status: 503 });
  });

  it('when the subgraph does not answer in time, then the call fails with a TimeoutError', async () => {
    await expect(postToSubgraph(`${url}/slow`, { body: '{}' }, 200)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});
