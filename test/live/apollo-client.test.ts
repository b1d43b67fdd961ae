import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { TOPIC_PREFIX, testBrokers } from '../support/kafka';
import { startSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const CHANGES = gql`
  subscription GridRequests($gridId: ID!) {
    gridServiceRequestChanged(gridId: $gridId) {
      position
      event
      serviceRequest {
        id
        status
        resident {
          id
          name
        }
      }
    }
  }
`;
const REQUEST = gql`
  fragment Request on ServiceRequest {
    id
    status
    resident {
      id
      name
    }
  }
`;
const FILE = `mutation($input: FileServiceRequestInput!) { fileServiceRequest(input: $input) { id } }`;
const START = `mutation($input: StartServiceRequestInput!) { startServiceRequest(input: $input) { id } }`;

/**
 * A frontend as the grid-member app is built: Apollo Client with GraphQLWsLink subscribes through
 * the gateway, and every pushed change lands in its normalised cache under the entity's id.
 */
describe('live updates in Apollo Client', () => {
  let sys: TestSystem;
  let client: ApolloClient;
  let wsClient: ReturnType<typeof createClient>;
  let staff: string;
  const ids = { grid: '', resident: '' };

  beforeAll(async () => {
    sys = await startSystem({
      gatewayEnv: { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: TOPIC_PREFIX },
    });
    staff = await sys.gw.token(['staff']);
    const call = (q: string, v?: Record<string, unknown>) => sys.gw.query(q, v, staff);
    const { gridId, householdId } = await seedHousehold(call);
    ids.grid = gridId;
    ids.resident = dataOf<{ id: string }>(
      await call(REGISTER_RESIDENT, {
        input: residentInput(householdId, { name: 'Apollo Reader' }),
      }),
      'registerResident',
    ).id;
    const token = await sys.gw.token(['grid_member'], { sub: 'member-apollo', gridIds: [gridId] });
    wsClient = createClient({
      url: sys.gw.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    client = new ApolloClient({
      cache: new InMemoryCache(),
      link: new GraphQLWsLink(wsClient),
    });
  }, 120_000);
  afterAll(async () => {
    client?.stop();
    await wsClient?.dispose();
    await sys?.stop();
  });

  it('when a request of the grid is filed and taken up, then the subscription delivers both and the cache holds the request as it now stands', async () => {
    const received: { event: string; status: string }[] = [];
    const subscription = client
      .subscribe({ query: CHANGES, variables: { gridId: ids.grid } })
      .subscribe({
        next: (r) => {
          const c = (
            r.data as {
              gridServiceRequestChanged: { event: string; serviceRequest: { status: string } };
            }
          ).gridServiceRequestChanged;
          received.push({ event: c.event, status: c.serviceRequest.status });
        },
      });
    try {
      await waitFor('subscribed', async () => {
        const text = await (await fetch(`http://127.0.0.1:${sys.gw.gateway.port}/metrics`)).text();
        return /^live_subscriptions\{[^}]*\} 1$/m.test(text) ? true : undefined;
      });
      const id = dataOf<{ id: string }>(
        await sys.gw.query(
          FILE,
          { input: { residentId: ids.resident, type: 'OTHER', description: 'Lift stuck' } },
          staff,
        ),
        'fileServiceRequest',
      ).id;
      const cached = () =>
        client.cache.readFragment<{ status: string; resident: { name: string } }>({
          id: client.cache.identify({ __typename: 'ServiceRequest', id }),
          fragment: REQUEST,
        });
      await waitFor('the filed request in the cache', () =>
        cached()?.status === 'FILED' ? true : undefined,
      );
      await sys.gw.data(START, { input: { id } }, staff);
      await waitFor('the cache updated in place', () =>
        cached()?.status === 'IN_PROGRESS' ? true : undefined,
      );
      expect(cached()).toMatchObject({
        id,
        status: 'IN_PROGRESS',
        resident: { name: 'Apollo Reader' },
      });
      expect(received).toEqual([
        { event: 'ServiceRequestFiled', status: 'FILED' },
        { event: 'ServiceRequestStatusChanged', status: 'IN_PROGRESS' },
      ]);
      // Normalised: the resident is one cache entry, referenced from the request.
      const entries = client.cache.extract() as Record<string, unknown>;
      expect(entries[`Resident:${ids.resident}`]).toMatchObject({
        name: 'Apollo Reader',
      });
    } finally {
      subscription.unsubscribe();
    }
  });
});
