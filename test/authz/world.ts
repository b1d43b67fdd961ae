import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { AssignerProtocol, type Admin } from 'kafkajs';
import { idCardFor } from '../support/registry-fixtures';
import type { GqlResult } from '../support/stack';
import { testKafka } from '../support/kafka';
import { ALL_SERVICES, startSystem, type TestSystem } from '../support/system';
import { inDaysAt } from '../support/time';
import { waitFor } from '../support/wait';
import type { Who } from './matrix';

/** The composed supergraph, as the gateway serves it. */
export function supergraph(): GraphQLSchema {
  const sdl = readFileSync(join(__dirname, '../../schemas/supergraph.graphql'), 'utf8');
  return buildSchema(sdl, { assumeValidSDL: true });
}

/** Who owns a subject, for each role that can own one (see OWNERSHIP in matrix.ts). */
export interface Owner {
  residentId?: string;
  gridId?: string;
  leadUserId?: string;
  mediatorUserId?: string;
}

/** A token's identity claims. */
export interface Claims {
  sub: string;
  residentId?: string;
  gridIds?: string[];
}

/** Runs `fn` over `items`, at most `limit` at a time, results in order. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const HOUR = 3_600_000;
/** Beijing-time calendar date `days` from today. */
export const dayFromToday = (days: number): string =>
  new Date(Date.now() + 8 * HOUR + days * 24 * HOUR).toISOString().slice(0, 10);

const TAG = randomBytes(3).toString('hex');
let counter = 0;
/** A name nobody else in this run uses. */
export const unique = (prefix: string): string => `${prefix} ${TAG}-${++counter}`;

/** Hours of a day a facility gives out as one-hour slots (its opening hours are 06:00–22:00). */
const SLOT_HOURS = 14;

/**
 * The whole federation (five subgraphs on PostgreSQL, the gateway, the test run's Kafka broker) and
 * the shared things the authorization tests build on, seeded through the gateway as staff: two
 * grids (A holds the subjects, B the strangers), a venue for bookings and a hall for activities,
 * a party branch and a shared space, a stranger resident, team lead and mediator who own nothing
 * of anybody else's, and a pool of residents every service already knows from the registry's
 * events.
 */
export class World {
  private tokens = new Map<string, Promise<string>>();
  private pool: { id: string; gridId: string }[] = [];
  private slots = new Map<string, number>();
  private admin: Admin | undefined;
  staff = '';
  base!: {
    gridA: string;
    gridB: string;
    buildingA: string;
    householdA: string;
    venue: string;
    hall: string;
    branch: string;
    space: string;
    stranger: { residentId: string; gridId: string };
    strangerLead: string;
    strangerMediator: { id: string; userId: string };
    /** Two residents every service knows, the parties of every case. */
    parties: readonly [string, string];
  };
  /** How many known residents were asked for beyond the pool (each costs a wait for events). */
  poolMisses = 0;
  /** How long each step took, for the summary line. */
  readonly timings: string[] = [];
  private lap = Date.now();
  /** Known residents left in the pool when the test ends. */
  get poolLeft(): number {
    return this.pool.length;
  }

  /** Notes how long the step that ends now took. */
  time(step: string): void {
    const now = Date.now();
    this.timings.push(`${step} ${((now - this.lap) / 1000).toFixed(1)} s`);
    this.lap = now;
  }

  private constructor(readonly sys: TestSystem) {}

  /** Starts the stack and seeds the shared things; `poolSize` residents known everywhere. */
  static async start(poolSize: number): Promise<World> {
    const lap = Date.now();
    const w = new World(await startSystem());
    w.lap = lap;
    w.time('stack');
    try {
      w.admin = testKafka().admin();
      await w.admin.connect();
      w.staff = await w.token('staff', { sub: 'staff-authz' });
      await w.seed(poolSize);
      w.time('seed');
      return w;
    } catch (err) {
      await w.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.admin?.disconnect();
    await this.sys.stop();
  }

  /** A token for `who` with these claims (undefined for anonymous), issued once per identity. */
  token(who: Who, claims: Claims | null): Promise<string> {
    if (who === 'anonymous' || !claims) return Promise.resolve('');
    const key = JSON.stringify([who, claims]);
    let t = this.tokens.get(key);
    if (!t) {
      t = this.sys.gw.token([who], claims);
      this.tokens.set(key, t);
    }
    return t;
  }

  /** One GraphQL request through the gateway. */
  call<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    token = '',
  ): Promise<GqlResult<T>> {
    return this.sys.gw.query<T>(query, variables, token || undefined);
  }

  /**
   * A request of one root field that must succeed (as staff unless told): the field's value, or a
   * throw naming the errors.
   */
  async ok(
    query: string,
    variables: Record<string, unknown> = {},
    token = this.staff,
  ): Promise<Record<string, unknown>> {
    const res = await this.call(query, variables, token);
    const value = res.data ? Object.values(res.data)[0] : undefined;
    if (res.errors?.length || value == null)
      throw new Error(`seeding failed: ${query}\n${JSON.stringify(res.errors ?? res.status)}`);
    return value as Record<string, unknown>;
  }

  /** Like `ok`, for a field that returns an object with an id: the id. */
  async id(query: string, variables: Record<string, unknown> = {}, token = this.staff) {
    return String((await this.ok(query, variables, token)).id);
  }

  private async seed(poolSize: number): Promise<void> {
    const grid = (name: string) =>
      this.id(`mutation($i: CreateGridInput!) { createGrid(input: $i) { id } }`, { i: { name } });
    const [gridA, gridB] = await Promise.all([grid(unique('Grid A')), grid(unique('Grid B'))]);
    const building = (gridId: string) =>
      this.id(`mutation($i: RegisterBuildingInput!) { registerBuilding(input: $i) { id } }`, {
        i: { name: unique('Building'), address: '1 Mingshan Road', gridId },
      });
    const [buildingA, buildingB] = await Promise.all([building(gridA), building(gridB)]);
    const [householdA, householdB] = await Promise.all([
      this.household(buildingA),
      this.household(buildingB),
    ]);
    const [strangerId, venue, hall, , strangerMediator] = await Promise.all([
      this.registerResident(householdB),
      this.facility(),
      this.facility(),
      this.team('lead-stranger'),
      this.mediator('mediator-stranger'),
      this.ok(
        `mutation($i: ConfigureKeyGroupTagInput!) { configureKeyGroupTag(input: $i) { code } }`,
        { i: { code: 'authz_tag', name: 'Authorization test tag', visitCadenceDays: 30 } },
      ),
    ]);
    // A household is locked while a resident joins it: a few residents to a household.
    const households = await inParallel(Array.from({ length: Math.ceil(poolSize / 5) }), 6, () =>
      this.household(buildingA),
    );
    const ids = await inParallel(Array.from({ length: poolSize }), 6, (_, i) =>
      this.registerResident(households[i % households.length]!),
    );
    this.pool = ids.map((id) => ({ id, gridId: gridA }));
    const parties = [this.pool.pop()!.id, this.pool.pop()!.id] as const;
    // Other services learn of residents and facilities from events: wait until they have.
    await this.quiesce();
    const [branch, space] = await Promise.all([
      this.id(`mutation($i: CreatePartyBranchInput!) { createPartyBranch(input: $i) { id } }`, {
        i: { name: unique('Courtyard Branch'), courtyard: true },
      }),
      this.id(`mutation($i: CreateSharedSpaceInput!) { createSharedSpace(input: $i) { id } }`, {
        i: { name: unique('Reading Space'), theme: 'READING', facilityId: hall },
      }),
    ]);
    this.base = {
      gridA,
      gridB,
      buildingA,
      householdA,
      venue,
      hall,
      branch,
      space,
      stranger: { residentId: strangerId, gridId: gridB },
      strangerLead: 'lead-stranger',
      strangerMediator,
      parties,
    };
  }

  /** A new household in `buildingId`. */
  async household(buildingId: string): Promise<string> {
    const room = `${++counter}`;
    return this.id(
      `mutation($i: RegisterHouseholdInput!) { registerHousehold(input: $i) { id } }`,
      { i: { buildingId, unit: TAG, room } },
    );
  }

  /** Input for a new adult resident of `householdId`, with a unique ID-card number. */
  residentInput(householdId: string, extra: Record<string, unknown> = {}) {
    const birthDate = `19${50 + (counter % 40)}-0${1 + (counter % 9)}-1${counter % 10}`;
    return {
      householdId,
      name: unique('Wen'),
      gender: 'FEMALE',
      birthDate,
      idCardNumber: idCardFor(birthDate),
      phone: '13912345678',
      residencyType: 'REGISTERED',
      relationshipToHead: 'OTHER',
      ...extra,
    };
  }

  /** Registers a resident in `householdId` (the registry alone knows them until events arrive). */
  async registerResident(
    householdId: string,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    return this.id(`mutation($i: RegisterResidentInput!) { registerResident(input: $i) { id } }`, {
      i: this.residentInput(householdId, extra),
    });
  }

  /** A new resident of grid A (only the registry knows them yet). */
  async resident(extra: Record<string, unknown> = {}): Promise<{ id: string; gridId: string }> {
    return {
      id: await this.registerResident(this.base.householdA, extra),
      gridId: this.base.gridA,
    };
  }

  /** A resident of grid A every service already knows; each is handed out once. */
  async knownResident(): Promise<{ id: string; gridId: string }> {
    const r = this.pool.pop();
    if (r) return r;
    this.poolMisses += 1;
    const fresh = await this.resident();
    await this.quiesce();
    return fresh;
  }

  /** A resident every service knows, shared by the subjects that need not have one of their own. */
  sharedResident(): Promise<{ id: string; gridId: string }> {
    return Promise.resolve({ id: this.base.parties[0], gridId: this.base.gridA });
  }

  /** A new facility open between the given times. */
  async facility(opensAt = '06:00', closesAt = '22:00'): Promise<string> {
    return this.id(`mutation($i: AddFacilityInput!) { addFacility(input: $i) { id } }`, {
      i: {
        name: unique('Activity Room'),
        kind: 'ACTIVITY_ROOM',
        capacity: 200,
        opensAt,
        closesAt,
        location: 'East wing',
      },
    });
  }

  /** A one-hour period of `facility` no other subject has, on a coming day, inside its hours. */
  slot(facility: string): { startsAt: string; endsAt: string } {
    const k = this.slots.get(facility) ?? 0;
    this.slots.set(facility, k + 1);
    const day = 2 + Math.floor(k / SLOT_HOURS);
    const hour = 7 + (k % SLOT_HOURS);
    return { startsAt: inDaysAt(day, hour), endsAt: inDaysAt(day, hour + 1) };
  }

  /** A new team led by `leadUserId`. */
  async team(leadUserId: string = unique('lead').replace(/ /g, '-')) {
    const id = await this.id(`mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }`, {
      i: { name: unique("Mom's Team"), kind: 'GROUP', leadUserId },
    });
    return { id, leadUserId };
  }

  /** A new mediator on the roster. */
  async mediator(userId: string = unique('mediator').replace(/ /g, '-')) {
    const id = await this.id(`mutation($i: AddMediatorInput!) { addMediator(input: $i) { id } }`, {
      i: { name: unique('Mediator'), userId, specialties: ['NEIGHBOUR'] },
    });
    return { id, userId };
  }

  /** Runs a statement on a service's own database (only to age a row where no API can). */
  sql(service: (typeof ALL_SERVICES)[number], text: string, params: unknown[] = []) {
    return this.sys.services[service].service.db.dataSource.query(text, params) as Promise<
      Record<string, unknown>[]
    >;
  }

  /**
   * Waits until nothing is in flight: every outbox row is relayed and every consumer group of
   * these services has committed up to the end of each topic it reads, with no new outbox row
   * meanwhile (so a consumer's own events are counted too).
   */
  async quiesce(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      'every event relayed and consumed',
      async () => {
        const before = await this.outbox();
        if (before.unsent > 0) return undefined;
        if (!(await this.consumersCaughtUp())) return undefined;
        const after = await this.outbox();
        return after.total === before.total && after.unsent === 0 ? true : undefined;
      },
      timeoutMs,
      50,
    );
  }

  private async outbox(): Promise<{ total: number; unsent: number }> {
    let total = 0;
    let unsent = 0;
    for (const name of ALL_SERVICES) {
      const [row] = await this.sql(
        name,
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE sent_at IS NULL)::int AS unsent FROM outbox_events`,
      );
      total += Number(row!.total);
      unsent += Number(row!.unsent);
    }
    return { total, unsent };
  }

  private async consumersCaughtUp(): Promise<boolean> {
    const admin = this.admin!;
    const prefixes = ALL_SERVICES.map((n) => `${this.sys.services[n].database.name}.`);
    const { groups } = await admin.listGroups();
    const mine = groups.map((g) => g.groupId).filter((g) => prefixes.some((p) => g.startsWith(p)));
    if (!mine.length) return false;
    const { groups: described } = await admin.describeGroups(mine);
    const highs = new Map<string, Map<number, { high: number; low: number }>>();
    for (const group of described) {
      if (group.state !== 'Stable' || !group.members.length) return false;
      const topics = [
        ...new Set(
          group.members.flatMap(
            (m) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? [],
          ),
        ),
      ];
      const committed = await admin.fetchOffsets({ groupId: group.groupId, topics });
      for (const t of committed) {
        let ends = highs.get(t.topic);
        if (!ends) {
          ends = new Map(
            (await admin.fetchTopicOffsets(t.topic)).map((p) => [
              p.partition,
              { high: Number(p.high), low: Number(p.low) },
            ]),
          );
          highs.set(t.topic, ends);
        }
        for (const p of t.partitions) {
          const end = ends.get(p.partition);
          if (end && end.high > Math.max(Number(p.offset), end.low)) return false;
        }
      }
    }
    return true;
  }

  /**
   * Every table of every service's database: its row count and a hash of its contents, so that
   * any insert, update or delete shows.
   */
  async snapshot(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of ALL_SERVICES) {
      const tables = await this.sql(
        name,
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
      );
      for (const { table_name } of tables) {
        const [row] = await this.sql(
          name,
          `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM "${String(table_name)}" t`,
        );
        out[`${name}.${String(table_name)}`] = `${String(row!.n)} rows ${String(row!.h)}`;
      }
    }
    return out;
  }
}

/** The tables whose contents differ between two snapshots, with before and after. */
export function changedTables(
  before: Record<string, string>,
  after: Record<string, string>,
): Record<string, { before?: string; after?: string }> {
  const changed: Record<string, { before?: string; after?: string }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[key] !== after[key]) changed[key] = { before: before[key], after: after[key] };
  }
  return changed;
}
