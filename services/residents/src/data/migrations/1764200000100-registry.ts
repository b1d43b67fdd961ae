import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The registry: grids, buildings, households, residents, grid members and the personal-data audit. */
export class Registry1764200000100 implements MigrationInterface {
  name = 'Registry1764200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE grids (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        parent_id  uuid REFERENCES grids (id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX grids_parent ON grids (parent_id)`);
    await q.query(`
      CREATE TABLE buildings (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        address    text NOT NULL CHECK (length(address) BETWEEN 1 AND 200),
        grid_id    uuid NOT NULL REFERENCES grids (id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX buildings_grid ON buildings (grid_id)`);
    await q.query(`
      CREATE TABLE households (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        building_id      uuid NOT NULL REFERENCES buildings (id),
        grid_id          uuid NOT NULL REFERENCES grids (id),
        unit             text NOT NULL CHECK (length(unit) BETWEEN 1 AND 20),
        room             text NOT NULL CHECK (length(room) BETWEEN 1 AND 20),
        head_resident_id uuid,
        created_at       timestamptz NOT NULL DEFAULT now(),
        UNIQUE (building_id, unit, room)
      )`);
    await q.query(`CREATE INDEX households_grid ON households (grid_id)`);
    await q.query(`
      CREATE TABLE residents (
        id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        household_id         uuid NOT NULL REFERENCES households (id),
        name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
        gender               text NOT NULL CHECK (gender IN ('male', 'female')),
        birth_date           date NOT NULL,
        id_card_number       text NOT NULL UNIQUE,
        phone                text,
        residency_type       text NOT NULL CHECK (residency_type IN ('registered', 'permanent', 'floating')),
        status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'moved_out', 'deceased')),
        relationship_to_head text NOT NULL,
        tags                 text[] NOT NULL DEFAULT '{}',
        moved_out_on         date,
        registered_at        timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX residents_household ON residents (household_id)`);
    await q.query(`CREATE INDEX residents_name_id ON residents (name, id)`);
    await q.query(`CREATE INDEX residents_tags ON residents USING gin (tags)`);
    await q.query(`
      ALTER TABLE households ADD CONSTRAINT households_head_fk
        FOREIGN KEY (head_resident_id) REFERENCES residents (id)`);
    await q.query(`
      CREATE TABLE grid_members (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id    text NOT NULL UNIQUE,
        name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE grid_assignments (
        grid_id        uuid NOT NULL REFERENCES grids (id),
        grid_member_id uuid NOT NULL REFERENCES grid_members (id),
        assigned_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (grid_id, grid_member_id)
      )`);
    await q.query(`CREATE INDEX grid_assignments_member ON grid_assignments (grid_member_id)`);
    await q.query(`
      CREATE TABLE personal_data_access (
        id            bigserial PRIMARY KEY,
        actor_user_id text NOT NULL,
        actor_roles   text[] NOT NULL,
        resident_id   uuid NOT NULL,
        field         text NOT NULL CHECK (field IN ('idCardNumber', 'phone')),
        request_id    text NOT NULL,
        accessed_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX personal_data_access_resident ON personal_data_access (resident_id, accessed_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE personal_data_access`);
    await q.query(`DROP TABLE grid_assignments`);
    await q.query(`DROP TABLE grid_members`);
    await q.query(`ALTER TABLE households DROP CONSTRAINT households_head_fk`);
    await q.query(`DROP TABLE residents`);
    await q.query(`DROP TABLE households`);
    await q.query(`DROP TABLE buildings`);
    await q.query(`DROP TABLE grids`);
  }
}
