import DataLoader from 'dataloader';
import type { DataSource, EntityManager } from 'typeorm';
import { outboxPublisher, grouped, keyed, type BaseRequestContext } from '@liyuan/kit';
import { TypeOrmRegistryStore } from '../data/registry.repository';
import { TypeOrmServiceRequestStore } from '../data/service-request.repository';
import { TypeOrmVisitStore } from '../data/visit.repository';
import type {
  Building,
  Grid,
  GridMember,
  Household,
  Resident,
  ResidentInGrid,
  ServiceRequest,
  ServiceRequestChange,
  Visit,
} from '../domain/model';
import type { RunInTransaction, Tx } from '../domain/ports';
import { Registry } from '../domain/registry';
import { ServiceRequests } from '../domain/service-requests';
import { Visits } from '../domain/visits';

export const SERVICE_NAME = 'residents';

/** Everything a residents resolver needs for one request. */
export interface ResidentsContext extends BaseRequestContext {
  registry: Registry;
  visits: Visits;
  requests: ServiceRequests;
  loaders: ReturnType<typeof createLoaders>;
}

/** The stores bound to one transaction and its outbox writer, events carrying `traceparent`. */
export function createTx(manager: EntityManager, traceparent: string): Tx {
  return {
    store: new TypeOrmRegistryStore(manager),
    visits: new TypeOrmVisitStore(manager),
    requests: new TypeOrmServiceRequestStore(manager),
    publish: outboxPublisher(manager, SERVICE_NAME, traceparent),
  };
}

const byId = <T extends { id: string }>(ids: readonly string[], rows: T[]) =>
  keyed(ids, rows, (r) => r.id);

/** Groups `{ key, value }` pairs per key, in the order of the keys. */
const groupedPairs = <T>(keys: readonly string[], rows: { key: string; value: T }[]): T[][] =>
  grouped(keys, rows, (r) => r.key).map((list) => list.map((r) => r.value));

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/** How many recent visits `Household.visits` returns. */
export const RECENT_VISITS = 20;

/**
 * Per-request batch loaders: every field that reaches another row goes through one of these, so
 * a page of 100 residents costs one statement per kind of row, not one per resident.
 */
function createLoaders(manager: EntityManager, base: BaseRequestContext) {
  const store = new TypeOrmRegistryStore(manager);
  const visits = new TypeOrmVisitStore(manager);
  const requests = new TypeOrmServiceRequestStore(manager);
  const building = new DataLoader<string, Building | undefined>(async (ids) =>
    byId(ids, await store.buildingsByIds(ids)),
  );
  return {
    resident: new DataLoader<string, ResidentInGrid | undefined>(async (ids) =>
      byId(ids, await store.residentsByIds(ids)),
    ),
    /** Loads each household with its building (its address needs both) in one statement. */
    household: new DataLoader<string, Household | undefined>(async (ids) => {
      const rows = await store.householdsWithBuildings(ids);
      for (const r of rows) if (r.building) building.prime(r.building.id, r.building);
      return byId(
        ids,
        rows.map((r) => r.household),
      );
    }),
    householdMembers: new DataLoader<string, Resident[]>(async (ids) =>
      groupedPairs(
        ids,
        (await store.residentsOfHouseholds(ids)).map((r) => ({ key: r.householdId, value: r })),
      ),
    ),
    householdVisits: new DataLoader<string, Visit[]>(async (ids) =>
      groupedPairs(
        ids,
        (await visits.visitsOfHouseholds(ids, RECENT_VISITS)).map((v) => ({
          key: v.householdId,
          value: v,
        })),
      ),
    ),
    building,
    grid: new DataLoader<string, Grid | undefined>(async (ids) =>
      byId(ids, await store.gridsByIds(ids)),
    ),
    gridMember: new DataLoader<string, GridMember | undefined>(async (ids) =>
      byId(ids, await store.gridMembersByIds(ids)),
    ),
    membersOfGrid: new DataLoader<string, GridMember[]>(async (ids) =>
      groupedPairs(
        ids,
        (await store.membersOfGrids(ids)).map((r) => ({ key: r.gridId, value: r.member })),
      ),
    ),
    gridsOfMember: new DataLoader<string, Grid[]>(async (ids) =>
      groupedPairs(
        ids,
        (await store.gridsOfMembers(ids)).map((r) => ({ key: r.memberId, value: r.grid })),
      ),
    ),
    serviceRequest: new DataLoader<string, ServiceRequest | undefined>(async (ids) =>
      byId(ids, await requests.byIds(ids)),
    ),
    requestsOfResident: new DataLoader<string, ServiceRequest[]>(async (ids) =>
      groupedPairs(
        ids,
        (await requests.ofResidents(ids)).map((r) => ({ key: r.residentId, value: r })),
      ),
    ),
    requestChanges: new DataLoader<string, ServiceRequestChange[]>(async (ids) =>
      groupedPairs(
        ids,
        (await requests.changesOf(ids)).map((c) => ({ key: c.requestId, value: c })),
      ),
    ),
    /** Every grid, read once per request (the tree is small and read whole). */
    allGrids: once(() => store.allGrids()),
    keyGroupTags: once(() => store.keyGroupTags()),
    buildingsOfGrid: (gridId: string | undefined) => store.buildingsOfGrid(gridId),
    /**
     * Records unmasked personal-data reads, one INSERT per request tick; a (resident, field,
     * purpose) read in one request is recorded once. The value is never stored.
     */
    personalDataAccess: new DataLoader<
      { residentId: string; field: string; purpose: string },
      true,
      string
    >(
      async (keys) => {
        // An audited read is recorded on every request: no cache may answer it instead.
        base.cacheHints.noStore = true;
        await store.recordPersonalDataAccess(
          keys.map((k) => ({
            ...k,
            actorUserId: base.caller.userId ?? 'anonymous',
            actorRoles: base.caller.roles,
            requestId: base.requestId,
          })),
        );
        return keys.map(() => true as const);
      },
      { cacheKeyFn: (k) => JSON.stringify([k.residentId, k.field, k.purpose]) },
    ),
  };
}

/** Builds the request context: the use cases bound to this request's trace, and the loaders. */
export function createContext(base: BaseRequestContext, dataSource: DataSource): ResidentsContext {
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) => work(createTx(manager, base.traceparent)));
  const manager = dataSource.manager;
  return {
    ...base,
    registry: new Registry(new TypeOrmRegistryStore(manager), transaction),
    visits: new Visits(new TypeOrmVisitStore(manager), transaction),
    requests: new ServiceRequests(new TypeOrmServiceRequestStore(manager), transaction),
    loaders: createLoaders(manager, base),
  };
}
