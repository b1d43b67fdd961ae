import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropAppendOnly, makeAppendOnly } from '@liyuan/kit';

/** Teams, volunteers, opportunities and sign-ups, service records and the time-bank ledger. */
export class Volunteers1764700000000 implements MigrationInterface {
  name = 'Volunteers1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE teams (
        id           uuid PRIMARY KEY,
        name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        kind         text NOT NULL CHECK (kind IN ('party_members', 'grid_members', 'volunteers', 'industry_associations', 'repair', 'group')),
        lead_user_id text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE volunteers (
        id           uuid PRIMARY KEY,
        resident_id  uuid NOT NULL UNIQUE,
        skills       text[] NOT NULL DEFAULT '{}',
        availability text NOT NULL DEFAULT '',
        status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE team_members (
        team_id      uuid NOT NULL REFERENCES teams (id),
        volunteer_id uuid NOT NULL REFERENCES volunteers (id),
        PRIMARY KEY (team_id, volunteer_id)
      )`);
    await q.query(`
      CREATE TABLE opportunities (
        id          uuid PRIMARY KEY,
        team_id     uuid REFERENCES teams (id),
        kind        text NOT NULL CHECK (kind IN ('hygiene_drive', 'fraud_prevention', 'elderly_visits', 'equipment_repair', 'activity_staffing', 'other')),
        title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        facility_id uuid,
        starts_at   timestamptz NOT NULL,
        ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
        slots       integer NOT NULL CHECK (slots BETWEEN 1 AND 500),
        status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
        source_ref  text UNIQUE,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE signups (
        id             uuid PRIMARY KEY,
        opportunity_id uuid NOT NULL REFERENCES opportunities (id),
        volunteer_id   uuid NOT NULL REFERENCES volunteers (id),
        status         text NOT NULL CHECK (status IN ('signed_up', 'cancelled', 'checked_in', 'checked_out')),
        checked_in_at  timestamptz,
        checked_out_at timestamptz,
        UNIQUE (opportunity_id, volunteer_id)
      )`);
    await q.query(`
      CREATE TABLE service_records (
        id             uuid PRIMARY KEY,
        volunteer_id   uuid NOT NULL REFERENCES volunteers (id),
        opportunity_id uuid REFERENCES opportunities (id),
        activity_id    uuid,
        team_id        uuid REFERENCES teams (id),
        hours          numeric(6, 2) NOT NULL CHECK (hours > 0),
        served_on      timestamptz NOT NULL,
        status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved')),
        approved_by    text,
        approved_at    timestamptz,
        UNIQUE (volunteer_id, activity_id)
      )`);
    await q.query(`CREATE INDEX service_records_volunteer ON service_records (volunteer_id)`);
    // Append-only, and the balance after each entry can never be negative.
    await q.query(`
      CREATE TABLE time_bank (
        id            bigserial PRIMARY KEY,
        volunteer_id  uuid NOT NULL REFERENCES volunteers (id),
        delta         integer NOT NULL CHECK (delta <> 0),
        reason        text NOT NULL CHECK (reason IN ('earned', 'redeemed')),
        reference     text NOT NULL,
        balance_after integer NOT NULL CHECK (balance_after >= 0),
        at            timestamptz NOT NULL DEFAULT now(),
        UNIQUE (volunteer_id, reason, reference)
      )`);
    await makeAppendOnly(q, 'time_bank');
  }

  async down(q: QueryRunner): Promise<void> {
    await dropAppendOnly(q, 'time_bank');
    for (const t of [
      'time_bank',
      'service_records',
      'signups',
      'opportunities',
      'team_members',
      'volunteers',
      'teams',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
