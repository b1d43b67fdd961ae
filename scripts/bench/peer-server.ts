import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { peerConfig } from './config';

// The peer gateway of the benchmark: @graphql-hive/gateway's runtime on a plain node http server,
// serving a copy of schemas/supergraph.graphql whose routing URLs point at this run's subgraphs
// (written by the benchmark to PEER_SUPERGRAPH). It verifies no token: the load generator sends the
// HMAC-signed caller headers itself and this gateway propagates them to every subgraph call.

const SIGNED_HEADERS = ['x-liyuan-caller', 'x-liyuan-caller-ts', 'x-liyuan-caller-sig'];

const { supergraph, port } = peerConfig();

const gateway = createGatewayRuntime({
  supergraph,
  logging: 'error',
  graphqlEndpoint: '/graphql',
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const out: Record<string, string> = {};
      for (const name of SIGNED_HEADERS) {
        const value = request.headers.get(name);
        if (value) out[name] = value;
      }
      return out;
    },
  },
});

const server = createServer(gateway);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`peer gateway listening on http://127.0.0.1:${port}/graphql\n`);
});

const stop = () => {
  server.close();
  void Promise.resolve(gateway.dispose()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
