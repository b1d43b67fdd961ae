import { loadConfig as loadGatewayConfig } from '../../gateway/src/config';
import { issueToken } from '../../gateway/src/auth';
import { startGateway, type RunningGateway } from '../../gateway/src/gateway';
import {
  createLogger,
  signCaller,
  type Caller,
  type Logger,
  type Role,
  type SpanExporter,
  type RunningService,
  type StartOptions,
} from '@liyuan/kit';
import { loadConfig as loadResidentsConfig } from '../../services/residents/src/config';
import { startResidents, type ResidentsStartOptions } from '../../services/residents/src/service';
import { loadConfig as loadFacilitiesConfig } from '../../services/facilities/src/config';
import { startFacilities } from '../../services/facilities/src/service';
import { loadConfig as loadMediationConfig } from '../../services/mediation/src/config';
import { startMediation } from '../../services/mediation/src/service';
import { loadConfig as loadSpacesConfig } from '../../services/shared-spaces/src/config';
import { startSharedSpaces } from '../../services/shared-spaces/src/service';
import { loadConfig as loadVolunteersConfig } from '../../services/volunteers/src/config';
import { startVolunteers } from '../../services/volunteers/src/service';
import { TEST_SECRETS } from './config';
import { createTestDatabase, type TestDatabase } from './db';
import { TOPIC_PREFIX, testBrokers } from './kafka';

/** A GraphQL response as tests inspect it. */
export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  /** SQL statements the answering service ran for this request (subgraphs only). */
  statements?: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; field?: string } }[];
}

/** POSTs a GraphQL operation and returns status and body. */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, 'status'>;
  const statements = res.headers.get('x-db-statements');
  return {
    status: res.status,
    ...(statements === null ? {} : { statements: Number(statements) }),
    ...body,
  };
}

export const silentLogger = () => createLogger('test', 'silent');

const SERVICES = {
  residents: { load: loadResidentsConfig, start: startResidents },
  facilities: { load: loadFacilitiesConfig, start: startFacilities },
  mediation: { load: loadMediationConfig, start: startMediation },
  'shared-spaces': { load: loadSpacesConfig, start: startSharedSpaces },
  volunteers: { load: loadVolunteersConfig, start: startVolunteers },
} as const;
export type ServiceName = keyof typeof SERVICES;

/** A subgraph started on its own new database and the shared broker, and how to stop it. */
export interface TestService {
  service: RunningService;
  database: TestDatabase;
  stop(): Promise<void>;
}

/** Starts the named subgraph in this process on a random port, with a database of its own. */
export async function startTestService(
  name: ServiceName,
  opts: {
    brokers?: string[];
    env?: Record<string, string>;
    /** Start options; residents also takes its visits-due clock. */
    start?: StartOptions & Pick<ResidentsStartOptions, 'visitsDueClock'>;
  } = {},
): Promise<TestService> {
  const database = await createTestDatabase(name);
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    KAFKA_BROKERS: (opts.brokers ?? testBrokers()).join(','),
    IDENTITY_SECRET: TEST_SECRETS.identity,
    // Each instance is its own consumer group: files running at once share the broker, not offsets.
    KAFKA_CONSUMER_GROUP_PREFIX: `${database.name}.`,
    KAFKA_TOPIC_PREFIX: TOPIC_PREFIX,
    OUTBOX_POLL_INTERVAL_MS: '200',
    DATABASE_POOL_SIZE: '5',
    ...opts.env,
  };
  const def = SERVICES[name];
  const service = await def.start(def.load(env) as never, {
    logger: silentLogger(),
    ...opts.start,
  });
  return {
    service,
    database,
    stop: async () => {
      await service.stop();
      await database.drop();
    },
  };
}

/** Starts the residents subgraph on its own new database and the shared broker. */
export const startTestResidents = (opts: Parameters<typeof startTestService>[1] = {}) =>
  startTestService('residents', opts);

/** Calls a subgraph directly the way the gateway does, with a signed caller. */
export function callSubgraph<T = Record<string, unknown>>(
  service: { url: string },
  caller: Caller,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResult<T>> {
  return postGraphQL<T>(service.url, query, variables, signCaller(caller, TEST_SECRETS.identity));
}

/** A caller with `roles` (a staff user unless told otherwise). */
export const caller = (roles: Role[] = ['staff'], extra: Partial<Caller> = {}): Caller => ({
  userId: extra.userId ?? `user-${roles.join('-')}`,
  roles,
  gridIds: extra.gridIds ?? [],
  residentId: extra.residentId,
});

/** The gateway in front of running subgraphs, with tokens for any role. */
export interface TestGateway {
  gateway: RunningGateway;
  url: string;
  token(
    roles: Role[],
    claims?: { sub?: string; residentId?: string; gridIds?: string[] },
    /** Lifetime in jose's form (12 h unless told). */
    ttl?: string,
  ): Promise<string>;
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GqlResult<T>>;
  /** Like `query`, for a step that must succeed: its data, or a throw with the errors. */
  data<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<T>;
  stop(): Promise<void>;
}

/** Starts the gateway routing each named subgraph to the given running service. */
export async function startTestGateway(
  subgraphs: Record<string, { url: string }>,
  opts: { logger?: Logger; env?: Record<string, string>; spanExporter?: SpanExporter } = {},
): Promise<TestGateway> {
  const config = loadGatewayConfig({
    // Tests call as a handful of identities; the rate limit has a test of its own.
    RATE_LIMIT_PER_MINUTE: '600000',
    RATE_LIMIT_BURST: '10000',
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_SECRETS.jwt,
    IDENTITY_SECRET: TEST_SECRETS.identity,
    SUBGRAPH_URLS: Object.entries(subgraphs)
      .map(([name, s]) => `${name}=${s.url}`)
      .join(','),
    ...opts.env,
  });
  const gateway = await startGateway(config, {
    logger: opts.logger ?? silentLogger(),
    spanExporter: opts.spanExporter,
  });
  const query: TestGateway['query'] = (q, variables = {}, tok) =>
    postGraphQL(gateway.url, q, variables, tok ? { authorization: `Bearer ${tok}` } : {});
  const token: TestGateway['token'] = (roles, claims = {}, ttl) =>
    issueToken(config.jwt, { sub: claims.sub ?? `user-${roles.join('-')}`, roles, ...claims }, ttl);
  return {
    gateway,
    url: gateway.url,
    token,
    query,
    data: async <T>(q: string, variables: Record<string, unknown> = {}, tok?: string) => {
      const res = await query<T>(q, variables, tok);
      if (res.errors || res.data == null) throw new Error(JSON.stringify(res.errors));
      return res.data;
    },
    stop: () => gateway.stop(),
  };
}
