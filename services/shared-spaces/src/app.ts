import type { DataSource, EntityManager } from 'typeorm';
import { outboxPublisher } from '@liyuan/kit';
import { TypeOrmSpacesStore } from './data/spaces.repository';
import type { RunInTransaction, SpacesStore, Tx } from './domain/ports';
import { Spaces } from './domain/spaces';

/**
 * The composition root: the one place that binds the domain's ports to the data layer, for the
 * GraphQL layer (per request) and the event handlers (per consumed event) alike.
 */

export const SERVICE_NAME = 'shared-spaces';

/** The store bound to one transaction and its outbox writer (events carry `traceparent`). */
export function createTx(manager: EntityManager, traceparent: string): Tx {
  return {
    store: new TypeOrmSpacesStore(manager),
    publish: outboxPublisher(manager, SERVICE_NAME, traceparent),
  };
}

/** The use cases of one request, and the store its batch loaders go through. */
export interface SpacesApp {
  spaces: Spaces;
  store: SpacesStore;
}

/** Binds the use cases to `dataSource`, their events carrying `traceparent`. */
export function createApp(dataSource: DataSource, traceparent: string): SpacesApp {
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) => work(createTx(manager, traceparent)));
  const store = new TypeOrmSpacesStore(dataSource.manager);
  return { spaces: new Spaces(store, transaction), store };
}
