import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { appendEvent, type BaseRequestContext } from '@liyuan/kit';
import { TypeOrmRegistryStore } from '../data/registry.repository';
import type {
  Building,
  Grid,
  GridMember,
  Household,
  Resident,
  ResidentInGrid,
} from '../domain/model';
import type { RunInTransaction } from '../domain/ports';
import { Registry } from '../domain/registry';

export const SERVICE_NAME = 'residents';

/** Everything a residents resolver needs for one request. */
export interface ResidentsContext extends BaseRequestContext {
  registry: Registry;
  loaders: ReturnType<typeof createLoaders>;
}

function byId<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | undefined)[] {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id));
}

function grouped<T>(keys: readonly string[], rows: { key: string; value: T }[]): T[][] {
  const map = new Map<string, T[]>();
  for (const r of rows) map.set(r.key, [...(map.get(r.key) ?? []), r.value]);
  return keys.map((k) => map.get(k) ?? []);
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/**
 * Per-request batch loaders: every field that reaches another row goes through one of these, so
 * a page of 100 residents costs one statement per kind of row, not one per resident.
 */
function createLoaders(store: TypeOrmRegistryStore, base: BaseRequestContext) {
  return {
    resident: new DataLoader<string, ResidentInGrid | undefined>(async (ids) =>
      byId(ids, await store.residentsByIds(ids)),
    ),
    household: new DataLoader<string, Household | undefined>(async (ids) =>
      byId(ids, await store.householdsByIds(ids)),
    ),
    householdMembers: new DataLoader<string, Resident[]>(async (ids) =>
      grouped(
        ids,
        (await store.residentsOfHouseholds(ids)).map((r) => ({ key: r.householdId, value: r })),
      ),
    ),
    building: new DataLoader<string, Building | undefined>(async (ids) =>
      byId(ids, await store.buildingsByIds(ids)),
    ),
    grid: new DataLoader<string, Grid | undefined>(async (ids) =>
      byId(ids, await store.gridsByIds(ids)),
    ),
    gridMember: new DataLoader<string, GridMember | undefined>(async (ids) =>
      byId(ids, await store.gridMembersByIds(ids)),
    ),
    membersOfGrid: new DataLoader<string, GridMember[]>(async (ids) =>
      grouped(
        ids,
        (await store.membersOfGrids(ids)).map((r) => ({ key: r.gridId, value: r.member })),
      ),
    ),
    gridsOfMember: new DataLoader<string, Grid[]>(async (ids) =>
      grouped(
        ids,
        (await store.gridsOfMembers(ids)).map((r) => ({ key: r.memberId, value: r.grid })),
      ),
    ),
    /** Every grid, read once per request (the tree is small and read whole). */
    allGrids: once(() => store.allGrids()),
    buildingsOfGrid: (gridId: string | undefined) => store.buildingsOfGrid(gridId),
    /** Records unmasked personal-data reads, one INSERT per request tick; the value is never stored. */
    personalDataAccess: new DataLoader<string, true>(
      async (keys) => {
        await store.recordPersonalDataAccess(
          keys.map((k) => {
            const [residentId = '', field = ''] = k.split(':');
            return {
              actorUserId: base.caller.userId ?? 'anonymous',
              actorRoles: base.caller.roles,
              residentId,
              field,
              requestId: base.requestId,
            };
          }),
        );
        return keys.map(() => true as const);
      },
      { cache: true },
    ),
  };
}

/** Builds the request context: the registry use cases bound to this request's trace, and the loaders. */
export function createContext(base: BaseRequestContext, dataSource: DataSource): ResidentsContext {
  const store = new TypeOrmRegistryStore(dataSource.manager);
  const transaction: RunInTransaction = (work) =>
    dataSource.transaction((manager) =>
      work({
        store: new TypeOrmRegistryStore(manager),
        publish: async (contract, aggregateId, data) => {
          await appendEvent(manager, SERVICE_NAME, contract, aggregateId, data, base.traceparent);
        },
      }),
    );
  return {
    ...base,
    registry: new Registry(store, transaction),
    loaders: createLoaders(store, base),
  };
}
