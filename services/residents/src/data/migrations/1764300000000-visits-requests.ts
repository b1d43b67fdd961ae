import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Key-group tags with their visit cadence, visits and scheduled follow-up visits, one-stop service
 * requests with their status history, and the purpose of each personal-data read.
 */
export class VisitsAndRequests1764300000000 implements MigrationInterface {
  name = 'VisitsAndRequests1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_group_tags (
        code               text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
        name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        visit_cadence_days integer CHECK (visit_cadence_days BETWEEN 1 AND 366),
        created_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      INSERT INTO key_group_tags (code, name, visit_cadence_days) VALUES
        ('elderly_living_alone', 'Elderly living alone', 7),
        ('disabled', 'Disabled', 14),
        ('left_behind_child', 'Left-behind child', 14),
        ('empty_nest_elderly', 'Empty-nest elderly', 14),
        ('low_income', 'Low income', 30),
        ('veteran', 'Veteran', NULL)`);
    await q.query(`
      CREATE TABLE visits (
        id                 uuid PRIMARY KEY,
        household_id       uuid NOT NULL REFERENCES households (id),
        resident_id        uuid REFERENCES residents (id),
        grid_id            uuid NOT NULL REFERENCES grids (id),
        visitor_user_id    text NOT NULL,
        visited_at         timestamptz NOT NULL,
        notes              text NOT NULL CHECK (length(notes) <= 2000),
        follow_up_needed   boolean NOT NULL DEFAULT false,
        scheduled_visit_id uuid,
        created_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX visits_household_time ON visits (household_id, visited_at DESC)`);
    await q.query(`CREATE INDEX visits_grid ON visits (grid_id)`);
    await q.query(`
      CREATE TABLE scheduled_visits (
        id           uuid PRIMARY KEY,
        household_id uuid NOT NULL REFERENCES households (id),
        grid_id      uuid NOT NULL REFERENCES grids (id),
        reason       text NOT NULL CHECK (reason IN ('follow_up', 'mediation_follow_up')),
        reference_id text,
        due_on       date NOT NULL,
        status       text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'done')),
        visit_id     uuid REFERENCES visits (id),
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    // One follow-up per household per agreement, however often the agreement is delivered.
    await q.query(`
      CREATE UNIQUE INDEX scheduled_visits_once ON scheduled_visits (reason, reference_id, household_id)
        WHERE reference_id IS NOT NULL`);
    await q.query(
      `CREATE INDEX scheduled_visits_grid ON scheduled_visits (grid_id, status, due_on)`,
    );
    await q.query(`
      CREATE TABLE service_requests (
        id           uuid PRIMARY KEY,
        resident_id  uuid NOT NULL REFERENCES residents (id),
        household_id uuid NOT NULL REFERENCES households (id),
        grid_id      uuid NOT NULL REFERENCES grids (id),
        type         text NOT NULL CHECK (type IN ('social_insurance', 'medical_insurance', 'dispute',
                                                   'facility_fault', 'fraud_report', 'other')),
        description  text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
        status       text NOT NULL CHECK (status IN ('filed', 'in_progress', 'resolved', 'referred', 'rejected')),
        referred_to  text CHECK (referred_to IN ('mediation', 'facilities')),
        filed_by     text NOT NULL,
        filed_at     timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX service_requests_resident ON service_requests (resident_id)`);
    await q.query(
      `CREATE INDEX service_requests_list ON service_requests (filed_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE service_request_changes (
        id          bigserial PRIMARY KEY,
        request_id  uuid NOT NULL REFERENCES service_requests (id),
        from_status text,
        to_status   text NOT NULL,
        actor       text NOT NULL,
        note        text CHECK (length(note) <= 2000),
        at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX service_request_changes_request ON service_request_changes (request_id, id)`,
    );
    await q.query(
      `ALTER TABLE personal_data_access ADD COLUMN purpose text NOT NULL DEFAULT 'not stated'`,
    );
    await q.query(
      `CREATE INDEX personal_data_access_time ON personal_data_access (accessed_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX personal_data_access_time`);
    await q.query(`ALTER TABLE personal_data_access DROP COLUMN purpose`);
    await q.query(`DROP TABLE service_request_changes`);
    await q.query(`DROP TABLE service_requests`);
    await q.query(`DROP TABLE scheduled_visits`);
    await q.query(`DROP TABLE visits`);
    await q.query(`DROP TABLE key_group_tags`);
  }
}
