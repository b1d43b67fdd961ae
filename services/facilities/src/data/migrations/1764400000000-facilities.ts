import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Facilities and their bookings (no two confirmed bookings of one facility overlap: an exclusion
 * constraint over the booked range), equipment with inspections and repair orders, and the library.
 */
export class Facilities1764400000000 implements MigrationInterface {
  name = 'Facilities1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`
      CREATE TABLE facilities (
        id         uuid PRIMARY KEY,
        name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        kind       text NOT NULL CHECK (kind IN ('service_hall', 'civilization_practice_station', 'conference_room',
                     'activity_room', 'library', 'chess_and_card_room', 'dance_room', 'central_square', 'fitness_area')),
        capacity   integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
        opens_at   time NOT NULL,
        closes_at  time NOT NULL CHECK (closes_at > opens_at),
        status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'maintenance')),
        location   text NOT NULL CHECK (length(location) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE bookings (
        id           uuid PRIMARY KEY,
        facility_id  uuid NOT NULL REFERENCES facilities (id),
        booker_type  text NOT NULL CHECK (booker_type IN ('resident', 'activity', 'team')),
        resident_id  uuid,
        organiser_id uuid,
        during       tstzrange NOT NULL CHECK (NOT isempty(during)),
        attendees    integer NOT NULL CHECK (attendees >= 1),
        purpose      text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 200),
        status       text NOT NULL CHECK (status IN ('requested', 'confirmed', 'rejected', 'checked_in', 'no_show', 'cancelled')),
        reason       text,
        created_by   text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        CHECK ((booker_type = 'resident') = (resident_id IS NOT NULL)),
        CONSTRAINT bookings_no_overlap EXCLUDE USING gist (facility_id WITH =, during WITH &&)
          WHERE (status IN ('confirmed', 'checked_in'))
      )`);
    await q.query(
      `CREATE INDEX bookings_resident ON bookings (resident_id) WHERE resident_id IS NOT NULL`,
    );
    // One venue answer per shared-space activity, however often its request is delivered.
    await q.query(
      `CREATE UNIQUE INDEX bookings_one_per_activity ON bookings (organiser_id) WHERE booker_type = 'activity'`,
    );
    await q.query(`
      CREATE TABLE equipment (
        id          uuid PRIMARY KEY,
        facility_id uuid NOT NULL REFERENCES facilities (id),
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        status      text NOT NULL DEFAULT 'in_service' CHECK (status IN ('in_service', 'out_of_service')),
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX equipment_facility ON equipment (facility_id)`);
    await q.query(`
      CREATE TABLE inspections (
        id                uuid PRIMARY KEY,
        equipment_id      uuid NOT NULL REFERENCES equipment (id),
        inspected_at      timestamptz NOT NULL DEFAULT now(),
        passed            boolean NOT NULL,
        notes             text NOT NULL CHECK (length(notes) <= 2000),
        inspector_user_id text NOT NULL
      )`);
    await q.query(
      `CREATE INDEX inspections_equipment ON inspections (equipment_id, inspected_at DESC)`,
    );
    await q.query(`
      CREATE TABLE repair_orders (
        id                 uuid PRIMARY KEY,
        equipment_id       uuid REFERENCES equipment (id),
        facility_id        uuid REFERENCES facilities (id),
        source             text NOT NULL CHECK (source IN ('inspection', 'fault_report', 'service_request')),
        service_request_id uuid UNIQUE,
        description        text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
        status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed')),
        opened_at          timestamptz NOT NULL DEFAULT now(),
        completed_at       timestamptz,
        resolution         text
      )`);
    await q.query(
      `CREATE INDEX repair_orders_equipment ON repair_orders (equipment_id, opened_at DESC)`,
    );
    await q.query(`
      CREATE TABLE books (
        id         uuid PRIMARY KEY,
        title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        author     text NOT NULL CHECK (length(author) BETWEEN 1 AND 100),
        isbn       text,
        copies     integer NOT NULL CHECK (copies BETWEEN 1 AND 100),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE loans (
        id          uuid PRIMARY KEY,
        book_id     uuid NOT NULL REFERENCES books (id),
        resident_id uuid NOT NULL,
        borrowed_at timestamptz NOT NULL DEFAULT now(),
        due_on      date NOT NULL,
        returned_at timestamptz,
        flagged_at  timestamptz
      )`);
    await q.query(`CREATE INDEX loans_resident ON loans (resident_id)`);
    await q.query(`CREATE INDEX loans_open ON loans (book_id) WHERE returned_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE loans`);
    await q.query(`DROP TABLE books`);
    await q.query(`DROP TABLE repair_orders`);
    await q.query(`DROP TABLE inspections`);
    await q.query(`DROP TABLE equipment`);
    await q.query(`DROP TABLE bookings`);
    await q.query(`DROP TABLE facilities`);
  }
}
