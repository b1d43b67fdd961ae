import DataLoader from 'dataloader';
import { byId, groupedValues, nestedPages, type BaseRequestContext } from '@liyuan/kit';
import type { ResidentsStores } from '../app';
import { KEYSETS } from '../domain/keysets';
import type {
  Building,
  Grid,
  GridMember,
  Household,
  Resident,
  ResidentInGrid,
  ServiceRequest,
  ServiceRequestChange,
} from '../domain/model';
import { requestVisibility } from '../domain/service-requests';

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/**
 * Per-request batch loaders: every field that reaches another row goes through one of these, so
 * a page of 100 residents costs one statement per kind of row, not one per resident. A connection
 * nested under many parents (a page of each resident's requests) is one statement for every parent
 * asking with the same `first` and `after`, and its `totalCount` one more, only when asked for.
 */
export function createLoaders(stores: ResidentsStores, base: BaseRequestContext) {
  const { registry: store, visits, requests } = stores;
  // Which requests the caller may read, decided once per request and applied in the query.
  const visibleRequests = requestVisibility(base.caller);
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
      return byId<Household>(
        ids,
        rows.map((r) => r.household),
      );
    }),
    householdMembers: new DataLoader<string, Resident[]>(async (ids) =>
      groupedValues(
        ids,
        (await store.residentsOfHouseholds(ids)).map((r) => ({ key: r.householdId, value: r })),
      ),
    ),
    /** A page of each household's visits, newest first. */
    householdVisits: nestedPages(KEYSETS.visit, {
      read: (ids, range) => visits.visitsOfHouseholds(ids, range),
      count: (ids) => visits.countVisitsOfHouseholds(ids),
    }),
    building,
    grid: new DataLoader<string, Grid | undefined>(async (ids) =>
      byId(ids, await store.gridsByIds(ids)),
    ),
    gridMember: new DataLoader<string, GridMember | undefined>(async (ids) =>
      byId(ids, await store.gridMembersByIds(ids)),
    ),
    membersOfGrid: new DataLoader<string, GridMember[]>(async (ids) =>
      groupedValues(
        ids,
        (await store.membersOfGrids(ids)).map((r) => ({ key: r.gridId, value: r.member })),
      ),
    ),
    gridsOfMember: new DataLoader<string, Grid[]>(async (ids) =>
      groupedValues(
        ids,
        (await store.gridsOfMembers(ids)).map((r) => ({ key: r.memberId, value: r.grid })),
      ),
    ),
    serviceRequest: new DataLoader<string, ServiceRequest | undefined>(async (ids) =>
      byId(ids, await requests.byIds(ids)),
    ),
    /** A page of each resident's requests the caller may read, newest first. */
    requestsOfResident: nestedPages(KEYSETS.serviceRequest, {
      read: (ids, range) => requests.ofResidents(ids, visibleRequests, range),
      count: (ids) => requests.countOfResidents(ids, visibleRequests),
    }),
    requestChanges: new DataLoader<string, ServiceRequestChange[]>(async (ids) =>
      groupedValues(
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

export type ResidentsLoaders = ReturnType<typeof createLoaders>;
