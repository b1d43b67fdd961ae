import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import {
  FACILITIES_TOPICS,
  FacilityAdded,
  RESIDENTS_TOPICS,
  ResidentRegistered,
  TeamCreated,
  VOLUNTEERS_TOPICS,
} from '@liyuan/schemas';
import { envelopeFor, publishEnvelope } from './kafka';
import { waitFor } from './wait';

/** A service whose database a test may read (a running subgraph). */
interface WithDb {
  db: { dataSource: { query(sql: string, params?: unknown[]): Promise<unknown> } };
}

const count = async (service: WithDb, sql: string, ids: string[]): Promise<number> =>
  ((await service.db.dataSource.query(sql, [ids])) as { n: number }[])[0]!.n;

/**
 * Announces residents as the registry does (ResidentRegistered on the real broker) and waits until
 * `service` has recorded them, so it accepts them as references. Returns the ids.
 */
export async function announceResidents(
  producer: Producer,
  service: WithDb,
  ids: string[] = [randomUUID()],
): Promise<string[]> {
  for (const residentId of ids) {
    await publishEnvelope(
      producer,
      RESIDENTS_TOPICS.resident,
      envelopeFor(ResidentRegistered, residentId, {
        residentId,
        householdId: randomUUID(),
        gridId: randomUUID(),
        status: 'active',
        residencyType: 'registered',
        tags: [],
      }),
    );
  }
  await waitFor('the residents announced', async () =>
    (await count(
      service,
      `SELECT count(*)::int AS n FROM known_residents WHERE resident_id = ANY($1::uuid[])`,
      ids,
    )) === ids.length
      ? true
      : undefined,
  );
  return ids;
}

/** Announces a facility as facilities does (FacilityAdded) and waits until `service` knows it. */
export async function announceFacility(
  producer: Producer,
  service: WithDb,
  facilityId: string = randomUUID(),
): Promise<string> {
  await publishEnvelope(
    producer,
    FACILITIES_TOPICS.facility,
    envelopeFor(FacilityAdded, facilityId, { facilityId, kind: 'activity_room' }),
  );
  await waitFor('the facility announced', async () =>
    (await count(
      service,
      `SELECT count(*)::int AS n FROM known_facilities WHERE facility_id = ANY($1::uuid[])`,
      [facilityId],
    )) === 1
      ? true
      : undefined,
  );
  return facilityId;
}

/** Announces a team and its lead as volunteers does (TeamCreated) and waits until `service` knows it. */
export async function announceTeam(
  producer: Producer,
  service: WithDb,
  leadUserId: string,
  teamId: string = randomUUID(),
): Promise<string> {
  await publishEnvelope(
    producer,
    VOLUNTEERS_TOPICS.team,
    envelopeFor(TeamCreated, teamId, { teamId, leadUserId }),
  );
  await waitFor('the team announced', async () =>
    (await count(
      service,
      `SELECT count(*)::int AS n FROM known_teams WHERE team_id = ANY($1::uuid[])`,
      [teamId],
    )) === 1
      ? true
      : undefined,
  );
  return teamId;
}

/**
 * Waits until every one of `services` has recorded the ids from the owner's events (the residents
 * a registry mutation announced, the facilities `addFacility` announced), so that a mutation
 * naming them is not refused for a reference the service has not yet heard of.
 */
export async function untilKnown(
  services: WithDb[],
  kind: 'residents' | 'facilities',
  ids: string[],
): Promise<void> {
  const sql =
    kind === 'residents'
      ? `SELECT count(*)::int AS n FROM known_residents WHERE resident_id = ANY($1::uuid[])`
      : `SELECT count(*)::int AS n FROM known_facilities WHERE facility_id = ANY($1::uuid[])`;
  await waitFor(
    `the ${kind} ${ids.join(', ')} known to every service that names them`,
    async () => {
      for (const service of services) if ((await count(service, sql, ids)) !== ids.length) return;
      return true;
    },
  );
}
