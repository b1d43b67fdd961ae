import DataLoader from 'dataloader';
import type { DataSource, EntityManager } from 'typeorm';
import { outboxPublisher, grouped, keyed, type BaseRequestContext } from '@liyuan/kit';
import { VolunteersStore } from '../data/volunteers.repository';
import type { Opportunity, ServiceRecord, Shift, Team, Volunteer } from '../domain/model';
import { Volunteering, type RunInTransaction, type Tx } from '../domain/volunteering';

export const SERVICE_NAME = 'volunteers';

export interface VolunteersContext extends BaseRequestContext {
  volunteering: Volunteering;
  store: VolunteersStore;
  loaders: ReturnType<typeof createLoaders>;
}

export function createTx(manager: EntityManager, traceparent: string): Tx {
  return {
    store: new VolunteersStore(manager),
    publish: outboxPublisher(manager, SERVICE_NAME, traceparent),
  };
}

/** Per-request batch loaders: a page of residents costs one statement per kind of row. */
function createLoaders(store: VolunteersStore) {
  return {
    team: new DataLoader<string, Team | undefined>(async (ids) =>
      keyed(ids, await store.teamsByIds(ids), (t) => t.id),
    ),
    volunteerOfResident: new DataLoader<string, Volunteer | undefined>(async (ids) =>
      keyed(ids, await store.volunteersOfResidents(ids), (v) => v.residentId),
    ),
    teamsOf: new DataLoader<string, Team[]>(async (ids) =>
      grouped(ids, await store.teamsOfVolunteers(ids), (r) => r.volunteerId).map((rows) =>
        rows.map((r) => r.team),
      ),
    ),
    recordsOf: new DataLoader<string, ServiceRecord[]>(async (ids) =>
      grouped(ids, await store.recordsOfVolunteers(ids), (r) => r.volunteerId),
    ),
    opportunity: new DataLoader<string, Opportunity | undefined>(async (ids) =>
      keyed(ids, await store.opportunitiesByIds(ids), (o) => o.id),
    ),
    shift: new DataLoader<string, Shift | undefined>(async (ids) =>
      keyed(ids, await store.shiftsByIds(ids), (s) => s.id),
    ),
    shiftsOf: new DataLoader<string, Shift[]>(async (ids) =>
      grouped(ids, await store.shiftsOfOpportunities(ids), (s) => s.opportunityId),
    ),
    taken: new DataLoader<string, number>(async (ids) => {
      const n = await store.takenOfShifts(ids);
      return ids.map((id) => n.get(id) ?? 0);
    }),
    upcomingShiftsOf: new DataLoader<string, Shift[]>(async (ids) =>
      grouped(ids, await store.upcomingShiftsOf(ids, new Date()), (r) => r.volunteerId).map(
        (rows) => rows.map((r) => r.shift),
      ),
    ),
    balance: new DataLoader<string, number>(async (ids) => {
      const b = await store.balances(ids);
      return ids.map((id) => b.get(id) ?? 0);
    }),
  };
}

export function createContext(base: BaseRequestContext, dataSource: DataSource): VolunteersContext {
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) => work(createTx(manager, base.traceparent)));
  const store = new VolunteersStore(dataSource.manager);
  return {
    ...base,
    volunteering: new Volunteering(transaction),
    store,
    loaders: createLoaders(store),
  };
}
