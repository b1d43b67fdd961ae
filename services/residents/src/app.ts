import type { DataSource, EntityManager } from 'typeorm';
import { outboxPublisher } from '@liyuan/kit';
import { TypeOrmRegistryStore } from './data/registry.repository';
import { TypeOrmServiceRequestStore } from './data/service-request.repository';
import { TypeOrmVisitStore } from './data/visit.repository';
import type {
  RegistryStore,
  RunInTransaction,
  ServiceRequestStore,
  Tx,
  VisitStore,
} from './domain/ports';
import { Registry } from './domain/registry';
import { ServiceRequests } from './domain/service-requests';
import { Visits } from './domain/visits';

/**
 * The composition root: the one place that binds the domain's ports to the data layer, for the
 * GraphQL layer (per request) and the event handlers (per consumed event) alike.
 */

export const SERVICE_NAME = 'residents';

/** The stores bound to one transaction and its outbox writer, events carrying `traceparent`. */
export function createTx(manager: EntityManager, traceparent: string): Tx {
  return {
    store: new TypeOrmRegistryStore(manager),
    visits: new TypeOrmVisitStore(manager),
    requests: new TypeOrmServiceRequestStore(manager),
    publish: outboxPublisher(manager, SERVICE_NAME, traceparent),
  };
}

/** The stores a request reads through (its batch loaders too). */
export interface ResidentsStores {
  registry: RegistryStore;
  visits: VisitStore;
  requests: ServiceRequestStore;
}

/** The use cases of one request, and the stores its reads go through. */
export interface ResidentsApp {
  registry: Registry;
  visits: Visits;
  requests: ServiceRequests;
  stores: ResidentsStores;
}

/** Binds the use cases to `dataSource`, their events carrying `traceparent`. */
export function createApp(dataSource: DataSource, traceparent: string): ResidentsApp {
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) => work(createTx(manager, traceparent)));
  const stores: ResidentsStores = {
    registry: new TypeOrmRegistryStore(dataSource.manager),
    visits: new TypeOrmVisitStore(dataSource.manager),
    requests: new TypeOrmServiceRequestStore(dataSource.manager),
  };
  return {
    registry: new Registry(stores.registry, transaction),
    visits: new Visits(stores.visits, transaction),
    requests: new ServiceRequests(stores.requests, transaction),
    stores,
  };
}
