import DataLoader from 'dataloader';
import type { DataSource, EntityManager } from 'typeorm';
import { outboxPublisher, grouped, keyed, type BaseRequestContext } from '@liyuan/kit';
import { TypeOrmMediationStore } from '../data/mediation.repository';
import { Cases, canSeeCase } from '../domain/cases';
import type { Agreement, DisputeCase, FollowUp, Mediator, Party, Session } from '../domain/model';
import type { RunInTransaction, Tx } from '../domain/ports';

export const SERVICE_NAME = 'mediation';

/** Everything a mediation resolver needs for one request. */
export interface MediationContext extends BaseRequestContext {
  cases: Cases;
  loaders: ReturnType<typeof createLoaders>;
  /** Whether the caller may see the case (parties, its mediators, mediation staff). */
  visible(c: DisputeCase): Promise<boolean>;
}

export function createTx(manager: EntityManager, traceparent: string): Tx {
  return {
    store: new TypeOrmMediationStore(manager),
    publish: outboxPublisher(manager, SERVICE_NAME, traceparent),
  };
}

/** Per-request batch loaders: one statement per kind of row, however many cases are shown. */
function createLoaders(store: TypeOrmMediationStore) {
  return {
    case: new DataLoader<string, DisputeCase | undefined>(async (ids) =>
      keyed(ids, await store.casesByIds(ids), (c) => c.id),
    ),
    parties: new DataLoader<string, Party[]>(async (ids) =>
      grouped(ids, await store.partiesOf(ids), (p) => p.caseId),
    ),
    mediators: new DataLoader<string, Mediator[]>(async (ids) =>
      grouped(ids, await store.mediatorsOf(ids), (m) => m.caseId).map((rows) =>
        rows.map((r) => r.mediator),
      ),
    ),
    sessions: new DataLoader<string, Session[]>(async (ids) =>
      grouped(ids, await store.sessionsOf(ids), (s) => s.caseId),
    ),
    agreement: new DataLoader<string, Agreement | undefined>(async (ids) =>
      grouped(ids, await store.agreementsOf(ids), (a) => a.caseId).map((rows) => rows[0]),
    ),
    followUps: new DataLoader<string, FollowUp[]>(async (ids) =>
      grouped(ids, await store.followUpsOf(ids), (f) => f.caseId),
    ),
    casesOfResident: new DataLoader<string, string[]>(async (ids) =>
      grouped(ids, await store.casesOfResidents(ids), (r) => r.residentId).map((rows) =>
        rows.map((r) => r.caseId),
      ),
    ),
  };
}

export function createContext(base: BaseRequestContext, dataSource: DataSource): MediationContext {
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) => work(createTx(manager, base.traceparent)));
  const store = new TypeOrmMediationStore(dataSource.manager);
  const loaders = createLoaders(store);
  return {
    ...base,
    cases: new Cases(store, transaction),
    loaders,
    visible: async (c) => {
      const [parties, mediators] = await Promise.all([
        loaders.parties.load(c.id),
        loaders.mediators.load(c.id),
      ]);
      return canSeeCase(base.caller, {
        partyIds: parties.map((p) => p.residentId),
        mediatorUserIds: mediators.map((m) => m.userId),
      });
    },
  };
}
