import type { EntityManager } from 'typeorm';
import { FacilityAdded, ResidentRegistered, ResidentUpdated, payloadOf } from '@liyuan/schemas';
import type { BatchHandler, EventHandler } from './events/consumer';
import { queryRows } from './db/rows';
import { badInput, conflict } from './errors';

/**
 * What a service knows of other services' entities, kept from their events, so that a mutation
 * naming a resident or a facility can refuse an id that points to nothing (BAD_USER_INPUT naming
 * the field) without calling the owner. Each service keeps its own copy in its own database: the
 * tables below are created by a migration of the service (with the DDL here, so every copy is the
 * same), filled by its consumer with the handlers here, and read through the lookups here.
 */

/** The registry's statuses of a resident. */
export type KnownResidentStatus = 'active' | 'moved_out' | 'deceased';

/** DDL of the residents a service knows from `residents.resident.v1`. */
export const KNOWN_RESIDENTS_DDL = {
  up: [
    `CREATE TABLE known_residents (
       resident_id  uuid PRIMARY KEY,
       household_id uuid NOT NULL,
       grid_id      uuid NOT NULL,
       status       text NOT NULL CHECK (status IN ('active', 'moved_out', 'deceased')),
       updated_at   timestamptz NOT NULL DEFAULT now()
     )`,
  ],
  down: [`DROP TABLE known_residents`],
};

/** DDL of the facilities a service knows from `facilities.facility.v1`. */
export const KNOWN_FACILITIES_DDL = {
  up: [
    `CREATE TABLE known_facilities (
       facility_id uuid PRIMARY KEY,
       kind        text NOT NULL,
       updated_at  timestamptz NOT NULL DEFAULT now()
     )`,
  ],
  down: [`DROP TABLE known_facilities`],
};

interface ResidentRow {
  residentId: string;
  householdId: string;
  gridId: string;
  status: KnownResidentStatus;
}

/**
 * Records residents as announced, many at once; of several rows for one resident the last wins,
 * the same end state as applying them one after the other.
 */
export async function recordKnownResidents(m: EntityManager, rows: ResidentRow[]): Promise<void> {
  const last = [...new Map(rows.map((r) => [r.residentId, r])).values()];
  if (!last.length) return;
  await queryRows(
    m,
    `INSERT INTO known_residents (resident_id, household_id, grid_id, status)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[])
     ON CONFLICT (resident_id) DO UPDATE SET household_id = EXCLUDED.household_id,
       grid_id = EXCLUDED.grid_id, status = EXCLUDED.status, updated_at = now()`,
    [
      last.map((r) => r.residentId),
      last.map((r) => r.householdId),
      last.map((r) => r.gridId),
      last.map((r) => r.status),
    ],
  );
}

/**
 * Records an update of a resident's registration (household, grid); the status already known is
 * kept, since an update says nothing of it (a resident first heard of this way is active).
 */
export async function recordResidentUpdate(
  m: EntityManager,
  r: Omit<ResidentRow, 'status'>,
): Promise<void> {
  await queryRows(
    m,
    `INSERT INTO known_residents (resident_id, household_id, grid_id, status) VALUES ($1, $2, $3, 'active')
     ON CONFLICT (resident_id) DO UPDATE SET household_id = EXCLUDED.household_id,
       grid_id = EXCLUDED.grid_id, updated_at = now()`,
    [r.residentId, r.householdId, r.gridId],
  );
}

/** The known status of each of `ids` that the service has heard of. */
export async function knownResidentStatuses(
  m: EntityManager,
  ids: readonly string[],
): Promise<Map<string, KnownResidentStatus>> {
  if (!ids.length) return new Map();
  const rows = await queryRows(
    m,
    `SELECT resident_id, status FROM known_residents WHERE resident_id = ANY($1::uuid[])`,
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [String(r.resident_id), r.status as KnownResidentStatus]));
}

/** Records facilities as announced. */
export async function recordKnownFacilities(
  m: EntityManager,
  rows: { facilityId: string; kind: string }[],
): Promise<void> {
  const last = [...new Map(rows.map((r) => [r.facilityId, r])).values()];
  if (!last.length) return;
  await queryRows(
    m,
    `INSERT INTO known_facilities (facility_id, kind)
     SELECT * FROM unnest($1::uuid[], $2::text[])
     ON CONFLICT (facility_id) DO UPDATE SET kind = EXCLUDED.kind, updated_at = now()`,
    [last.map((r) => r.facilityId), last.map((r) => r.kind)],
  );
}

/** Whether the service has heard of the facility. */
export async function isKnownFacility(m: EntityManager, facilityId: string): Promise<boolean> {
  const rows = await queryRows(m, `SELECT 1 FROM known_facilities WHERE facility_id = $1`, [
    facilityId,
  ]);
  return rows.length > 0;
}

/**
 * Consumer handlers that keep `known_residents` from ResidentRegistered and ResidentUpdated (a
 * registry import announces thousands at once: the batch handler writes a run in one statement).
 * ResidentMovedOut is the service's own handler, which calls {@link recordKnownResidents} with
 * status `moved_out` besides its other effects.
 */
export function knownResidentHandlers(): {
  handlers: Record<string, EventHandler>;
  batchHandlers: Record<string, BatchHandler>;
} {
  return {
    handlers: {
      [ResidentRegistered.type]: async (event, manager) => {
        await recordKnownResidents(manager, [payloadOf(ResidentRegistered, event)]);
      },
      [ResidentUpdated.type]: async (event, manager) => {
        await recordResidentUpdate(manager, payloadOf(ResidentUpdated, event));
      },
    },
    batchHandlers: {
      [ResidentRegistered.type]: async (events, manager) => {
        await recordKnownResidents(
          manager,
          events.map((e) => payloadOf(ResidentRegistered, e)),
        );
      },
    },
  };
}

/** Consumer handlers that keep `known_facilities` from FacilityAdded. */
export function knownFacilityHandlers(): {
  handlers: Record<string, EventHandler>;
  batchHandlers: Record<string, BatchHandler>;
} {
  return {
    handlers: {
      [FacilityAdded.type]: async (event, manager) => {
        await recordKnownFacilities(manager, [payloadOf(FacilityAdded, event)]);
      },
    },
    batchHandlers: {
      [FacilityAdded.type]: async (events, manager) => {
        await recordKnownFacilities(
          manager,
          events.map((e) => payloadOf(FacilityAdded, e)),
        );
      },
    },
  };
}

/**
 * Checks a resident reference against what the service knows: an id the registry never announced
 * is BAD_USER_INPUT naming `field` (except the caller's own id, which arrives signed and may be
 * ahead of the announcement); with `activeOnly`, a resident who moved out or died is a CONFLICT.
 */
export function checkResidentReference(
  known: ReadonlyMap<string, KnownResidentStatus>,
  residentId: string,
  field: string,
  opts: { callerResidentId?: string; activeOnly?: boolean } = {},
): void {
  const status = known.get(residentId);
  if (status === undefined) {
    if (opts.callerResidentId === residentId) return;
    throw badInput(field, `${field}: no such resident in the registry`);
  }
  if (opts.activeOnly && status !== 'active')
    throw conflict(`the resident has ${status === 'moved_out' ? 'moved out' : 'died'}`, field);
}
