import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropAppendOnly, makeAppendOnly } from '@liyuan/kit';

/** Party branches and members, the shared spaces, activities and registrations, the points ledger. */
export class SharedSpaces1764600000000 implements MigrationInterface {
  name = 'SharedSpaces1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE party_branches (
        id         uuid PRIMARY KEY,
        name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        kind       text NOT NULL CHECK (kind IN ('community', 'courtyard')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE party_members (
        id                     uuid PRIMARY KEY,
        resident_id            uuid NOT NULL UNIQUE,
        branch_id              uuid NOT NULL REFERENCES party_branches (id),
        joined_on              date NOT NULL,
        reported_to_community  boolean NOT NULL DEFAULT false,
        service_post           text,
        status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'transferred')),
        created_at             timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE shared_spaces (
        id          uuid PRIMARY KEY,
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        theme       text NOT NULL,
        facility_id uuid NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX shared_spaces_facility ON shared_spaces (facility_id)`);
    await q.query(`
      CREATE TABLE activities (
        id                     uuid PRIMARY KEY,
        space_id               uuid NOT NULL REFERENCES shared_spaces (id),
        facility_id            uuid NOT NULL,
        title                  text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
        starts_at              timestamptz NOT NULL,
        ends_at                timestamptz NOT NULL CHECK (ends_at > starts_at),
        capacity               integer NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
        status                 text NOT NULL CHECK (status IN ('planned', 'confirmed', 'venue_rejected', 'completed', 'cancelled')),
        venue_rejection_reason text,
        organiser              text NOT NULL,
        created_at             timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX activities_upcoming ON activities (starts_at)`);
    await q.query(`
      CREATE TABLE registrations (
        activity_id   uuid NOT NULL REFERENCES activities (id),
        resident_id   uuid NOT NULL,
        status        text NOT NULL CHECK (status IN ('registered', 'checked_in', 'cancelled')),
        registered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (activity_id, resident_id)
      )`);
    await q.query(`CREATE INDEX registrations_resident ON registrations (resident_id)`);
    await q.query(`
      CREATE TABLE points_ledger (
        id        bigserial PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES party_members (id),
        delta     integer NOT NULL CHECK (delta > 0),
        reason    text NOT NULL CHECK (reason IN ('attendance', 'service')),
        reference text NOT NULL,
        at        timestamptz NOT NULL DEFAULT now(),
        UNIQUE (member_id, reason, reference)
      )`);
    // The ledger is append-only: a correction is a new entry, history is never rewritten.
    await makeAppendOnly(q, 'points_ledger');
  }

  async down(q: QueryRunner): Promise<void> {
    await dropAppendOnly(q, 'points_ledger');
    for (const t of [
      'points_ledger',
      'registrations',
      'activities',
      'shared_spaces',
      'party_members',
      'party_branches',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
