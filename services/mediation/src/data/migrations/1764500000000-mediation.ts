import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Mediators, cases with their parties, mediators, sessions, agreement, follow-ups and history. */
export class Mediation1764500000000 implements MigrationInterface {
  name = 'Mediation1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mediators (
        id          uuid PRIMARY KEY,
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
        user_id     text NOT NULL UNIQUE,
        specialties text[] NOT NULL DEFAULT '{}',
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE cases (
        id                   uuid PRIMARY KEY,
        category             text NOT NULL CHECK (category IN ('neighbour', 'family', 'property', 'labour', 'other')),
        source               text NOT NULL CHECK (source IN ('application', 'committee', 'referral', 'service_request')),
        referral_from        text,
        service_request_id   uuid UNIQUE,
        summary              text NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000),
        status               text NOT NULL CHECK (status IN ('filed', 'accepted', 'declined', 'in_mediation',
                               'agreement_reached', 'failed', 'withdrawn', 'closed')),
        outcome              text CHECK (outcome IN ('agreement_reached', 'failed', 'withdrawn', 'declined')),
        outcome_note         text,
        filed_at             timestamptz NOT NULL DEFAULT now(),
        accepted_at          timestamptz,
        resolved_at          timestamptz,
        closed_at            timestamptz,
        party_moved_out_at   timestamptz,
        created_by           text NOT NULL
      )`);
    await q.query(`CREATE INDEX cases_filed ON cases (filed_at DESC)`);
    await q.query(`
      CREATE TABLE case_parties (
        case_id     uuid NOT NULL REFERENCES cases (id),
        resident_id uuid NOT NULL,
        role        text NOT NULL CHECK (role IN ('applicant', 'respondent', 'other')),
        refused_at  timestamptz,
        PRIMARY KEY (case_id, resident_id)
      )`);
    await q.query(`CREATE INDEX case_parties_resident ON case_parties (resident_id)`);
    await q.query(`
      CREATE TABLE case_mediators (
        case_id           uuid NOT NULL REFERENCES cases (id),
        mediator_id       uuid NOT NULL REFERENCES mediators (id),
        chosen_by_parties boolean NOT NULL DEFAULT false,
        assigned_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (case_id, mediator_id)
      )`);
    await q.query(`
      CREATE TABLE mediation_sessions (
        id        uuid PRIMARY KEY,
        case_id   uuid NOT NULL REFERENCES cases (id),
        held_at   timestamptz NOT NULL,
        attendees uuid[] NOT NULL,
        record    text NOT NULL CHECK (length(record) BETWEEN 1 AND 4000)
      )`);
    await q.query(`CREATE INDEX mediation_sessions_case ON mediation_sessions (case_id, held_at)`);
    await q.query(`
      CREATE TABLE agreements (
        id          uuid PRIMARY KEY,
        case_id     uuid NOT NULL UNIQUE REFERENCES cases (id),
        form        text NOT NULL CHECK (form IN ('written', 'oral')),
        terms       text NOT NULL CHECK (length(terms) BETWEEN 1 AND 4000),
        signed_on   date NOT NULL
      )`);
    await q.query(`
      CREATE TABLE follow_ups (
        id           uuid PRIMARY KEY,
        case_id      uuid NOT NULL REFERENCES cases (id),
        agreement_id uuid NOT NULL REFERENCES agreements (id),
        due_on       date NOT NULL,
        done_at      timestamptz,
        outcome      text
      )`);
    await q.query(`CREATE INDEX follow_ups_case ON follow_ups (case_id)`);
    await q.query(`
      CREATE TABLE case_changes (
        id          bigserial PRIMARY KEY,
        case_id     uuid NOT NULL REFERENCES cases (id),
        from_status text,
        to_status   text NOT NULL,
        actor       text NOT NULL,
        at          timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'case_changes',
      'follow_ups',
      'agreements',
      'mediation_sessions',
      'case_mediators',
      'case_parties',
      'cases',
      'mediators',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
