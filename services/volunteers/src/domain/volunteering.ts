import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ShiftSlotsChanged, TeamCreated, VolunteerServiceApproved } from '@liyuan/schemas';
import {
  addDays,
  assertWithin,
  badInput,
  checkResidentReference,
  conflict,
  distinct,
  forbidden,
  hasRole,
  isoInstant,
  line,
  notFound,
  parseInput,
  readPage,
  unauthenticated,
  uuid,
  type Caller,
} from '@liyuan/kit';
import { KEYSETS } from './keysets';
import type {
  LeaderboardPage,
  Opportunity,
  OpportunityKind,
  OpportunityPage,
  ServiceRecord,
  Shift,
  Team,
  TeamKind,
  Volunteer,
} from './model';
import type { RunInTransaction, Tx, VolunteersStore } from './ports';

/** Time-bank points per approved hour. */
export const POINTS_PER_HOUR = 10;
/** Most shifts one opportunity may have. */
export const MAX_SHIFTS = 50;
/** How far ahead a shift may start: a year. */
export const SHIFT_HORIZON_DAYS = 365;
/** Check-in opens this long before a shift starts (and closes when it ends). */
export const CHECK_IN_OPENS_BEFORE_MS = 2 * 3_600_000;

const text = line;
const instant = isoInstant;
const id = (v: string, field: string) => parseInput(uuid, v, field);
const isStaff = (c: Caller) => hasRole(c, 'staff', 'admin');

/** Who may read a resident's volunteer profile: leads, staff, admins and the volunteer themself. */
export const mayReadProfile = (c: Caller, residentId: string): boolean =>
  c.userId !== null &&
  (hasRole(c, 'volunteer_lead', 'staff', 'admin') || c.residentId === residentId);

function requireUser(c: Caller): void {
  if (c.userId === null) throw unauthenticated();
}
/** Staff, or the lead of `team`. */
function requireLead(c: Caller, team: Team | undefined): void {
  requireUser(c);
  if (isStaff(c)) return;
  if (team && hasRole(c, 'volunteer_lead') && team.leadUserId === c.userId) return;
  throw forbidden("only the team's lead or staff do this");
}

/** An opportunity's span and total slots, from its shifts. */
function spanOf(shifts: readonly Shift[]): Pick<Opportunity, 'startsAt' | 'endsAt' | 'slots'> {
  return {
    startsAt: new Date(Math.min(...shifts.map((s) => s.startsAt.getTime()))),
    endsAt: new Date(Math.max(...shifts.map((s) => s.endsAt.getTime()))),
    slots: shifts.reduce((n, s) => n + s.slots, 0),
  };
}

/**
 * Volunteers, their teams and opportunities. Opportunities run in shifts; sign-ups never exceed a
 * shift's slots (the shift row is locked while counting); approved hours earn time-bank points; redemptions never take the
 * balance below zero (the volunteer row is locked and the ledger refuses a negative balance).
 */
export class Volunteering {
  constructor(
    private readonly read: VolunteersStore,
    private readonly transaction: RunInTransaction,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Every team. */
  teams(): Promise<Team[]> {
    return this.read.allTeams();
  }

  /** A page of the opportunities still open, soonest first (first: 1 to 100, default 20). */
  openOpportunities(args: {
    first?: number | null;
    after?: string | null;
  }): Promise<OpportunityPage> {
    const now = this.clock();
    return readPage(args, KEYSETS.opportunity, {
      read: (range) => this.read.openOpportunities(now, range),
      count: () => this.read.countOpenOpportunities(now),
    });
  }

  /**
   * A page of residents by hours served in [from, to), most first, optionally of one grid
   * (first: 1 to 100, default 20).
   */
  leaderboard(args: {
    first?: number | null;
    after?: string | null;
    from: string;
    to: string;
    gridId?: string | null;
  }): Promise<LeaderboardPage> {
    const from = new Date(parseInput(instant, args.from, 'from'));
    const to = new Date(parseInput(instant, args.to, 'to'));
    if (to <= from) throw badInput('to', 'to: must be after from');
    const listing = { from, to, gridId: args.gridId ? id(args.gridId, 'gridId') : null };
    return readPage(args, KEYSETS.leaderboard, {
      read: (range) => this.read.leaderboard(listing, range),
      count: () => this.read.countLeaderboard(listing),
    });
  }

  async createTeam(
    caller: Caller,
    input: { name: string; kind: TeamKind; leadUserId: string },
  ): Promise<Team> {
    requireUser(caller);
    if (!isStaff(caller)) throw forbidden('teams are created by staff');
    const t: Team = {
      id: randomUUID(),
      name: parseInput(text(100), input.name, 'input.name'),
      kind: input.kind,
      leadUserId: parseInput(text(100), input.leadUserId, 'input.leadUserId'),
    };
    return this.transaction(async ({ store, publish }) => {
      await store.insertTeam(t);
      // Facilities lets this lead book for the team.
      await publish(TeamCreated, t.id, { teamId: t.id, leadUserId: t.leadUserId });
      return t;
    });
  }

  /** A resident volunteers (themself), or staff register one. */
  async register(
    caller: Caller,
    input: { residentId?: string | null; skills?: string[] | null; availability?: string | null },
  ): Promise<Volunteer> {
    requireUser(caller);
    const residentId = input.residentId
      ? id(input.residentId, 'input.residentId')
      : caller.residentId;
    if (!residentId)
      throw badInput(
        'input.residentId',
        'input.residentId: required when registering someone else',
      );
    const self = residentId === caller.residentId;
    if (!self && !isStaff(caller)) throw forbidden('residents register themselves');
    const v: Volunteer = {
      id: randomUUID(),
      residentId,
      skills: parseInput(
        distinct(text(40), 'each skill once').max(20, 'at most 20 skills'),
        input.skills ?? [],
        'input.skills',
      ),
      availability: input.availability
        ? parseInput(text(200), input.availability, 'input.availability')
        : '',
      status: 'active',
    };
    return this.transaction(async ({ store }) => {
      // Staff name a resident the registry must have announced; a caller's own id comes signed.
      checkResidentReference(
        await store.knownResidents([residentId]),
        residentId,
        'input.residentId',
        { callerResidentId: caller.residentId ?? undefined, activeOnly: true },
      );
      if (!(await store.insertVolunteer(v)))
        throw conflict('this resident already volunteers', 'input.residentId');
      return v;
    });
  }

  async addToTeam(caller: Caller, input: { teamId: string; residentId: string }): Promise<Team> {
    requireUser(caller);
    return this.transaction(async ({ store }) => {
      const [team] = await store.teamsByIds([id(input.teamId, 'input.teamId')]);
      if (!team) throw notFound('team', input.teamId, 'input.teamId');
      requireLead(caller, team);
      const [v] = await store.volunteersOfResidents([id(input.residentId, 'input.residentId')]);
      if (!v) throw badInput('input.residentId', 'input.residentId: not a volunteer');
      await store.addMember(team.id, v.id);
      return team;
    });
  }

  /** A team's lead (or staff) posts an opportunity run in one or more shifts, each with its slots. */
  async post(
    caller: Caller,
    input: {
      teamId: string;
      kind: OpportunityKind;
      title: string;
      facilityId?: string | null;
      shifts: { startsAt: string; endsAt: string; slots: number }[];
    },
  ): Promise<{ opportunity: Opportunity; shifts: Shift[] }> {
    requireUser(caller);
    const kind = input.kind;
    const title = parseInput(text(200), input.title, 'input.title');
    const facilityId = input.facilityId ? id(input.facilityId, 'input.facilityId') : null;
    if (input.shifts.length < 1 || input.shifts.length > MAX_SHIFTS)
      throw badInput('input.shifts', `input.shifts: between 1 and ${MAX_SHIFTS} shifts`);
    const opportunityId = randomUUID();
    const shifts: Shift[] = input.shifts.map((s, i) => {
      const field = `input.shifts[${i}]`;
      const startsAt = new Date(parseInput(instant, s.startsAt, `${field}.startsAt`));
      const endsAt = new Date(parseInput(instant, s.endsAt, `${field}.endsAt`));
      if (endsAt <= startsAt)
        throw badInput(`${field}.endsAt`, `${field}.endsAt: must be after startsAt`);
      if (endsAt.getTime() - startsAt.getTime() > 24 * 3_600_000)
        throw badInput(`${field}.endsAt`, `${field}.endsAt: a shift lasts at most 24 hours`);
      const slots = parseInput(z.number().int().min(1).max(500), s.slots, `${field}.slots`);
      return { id: randomUUID(), opportunityId, startsAt, endsAt, slots };
    });
    const seen = new Set<string>();
    for (const [i, s] of shifts.entries()) {
      const key = `${s.startsAt.getTime()}-${s.endsAt.getTime()}`;
      if (seen.has(key))
        throw badInput(`input.shifts[${i}]`, `input.shifts[${i}]: the same time twice`);
      seen.add(key);
    }
    if (shifts.some((s) => s.startsAt <= this.clock()))
      throw badInput('input.shifts', 'input.shifts: every shift must start in the future');
    for (const [i, s] of shifts.entries())
      assertWithin(
        `input.shifts[${i}].startsAt`,
        s.startsAt,
        undefined,
        addDays(this.clock(), SHIFT_HORIZON_DAYS),
        `must be at most ${SHIFT_HORIZON_DAYS} days ahead`,
      );
    return this.transaction(async ({ store }) => {
      const [team] = await store.teamsByIds([id(input.teamId, 'input.teamId')]);
      if (!team) throw badInput('input.teamId', 'input.teamId: no such team');
      requireLead(caller, team);
      if (facilityId && !(await store.knownFacility(facilityId)))
        throw badInput('input.facilityId', 'input.facilityId: no such facility');
      const o: Opportunity = {
        id: opportunityId,
        teamId: team.id,
        kind,
        title,
        facilityId,
        ...spanOf(shifts),
        status: 'open',
      };
      await store.insertOpportunity(o, shifts, null);
      return { opportunity: o, shifts };
    });
  }

  /**
   * A resident's volunteer profile (undefined when they do not volunteer), for the volunteer
   * themself, volunteer leads, staff and admins: anyone else is refused (FORBIDDEN), as
   * {@link mayReadProfile} decides.
   */
  async volunteerOf(caller: Caller, residentId: string): Promise<Volunteer | undefined> {
    requireUser(caller);
    const resident = id(residentId, 'residentId');
    if (!mayReadProfile(caller, resident))
      throw forbidden("only the volunteer, volunteer leads and staff read a volunteer's profile");
    return (await this.read.volunteersOfResidents([resident]))[0];
  }

  /**
   * A service record (undefined when there is none), for whoever may read its volunteer's profile
   * ({@link mayReadProfile}); anyone else is refused (FORBIDDEN).
   */
  async serviceRecord(caller: Caller, recordId: string): Promise<ServiceRecord | undefined> {
    requireUser(caller);
    const [record] = await this.read.recordsByIds([id(recordId, 'id')]);
    if (!record) return undefined;
    const [v] = await this.read.volunteersByIds([record.volunteerId]);
    if (!v || !mayReadProfile(caller, v.residentId))
      throw forbidden("only the volunteer, volunteer leads and staff read a volunteer's hours");
    return record;
  }

  /** The calling resident signs up for a shift, while its slots remain and it does not overlap another of theirs. */
  async signUp(caller: Caller, input: { shiftId: string }): Promise<Shift> {
    requireUser(caller);
    if (!caller.residentId) throw forbidden('residents sign themselves up');
    const residentId = caller.residentId;
    return this.transaction(async (tx) => {
      const { store } = tx;
      const found = await store.lockShift(id(input.shiftId, 'input.shiftId'));
      if (!found) throw notFound('shift', input.shiftId, 'input.shiftId');
      const { shift, opportunity } = found;
      const v = await store.lockVolunteerOfResident(residentId);
      if (!v || v.status !== 'active') throw forbidden('register as a volunteer first');
      if (opportunity.status !== 'open' || shift.startsAt <= this.clock())
        throw conflict('the shift is no longer open', 'input.shiftId');
      const current = await store.signupOf(shift.id, v.id);
      if (current && current.status !== 'cancelled') return shift;
      if (await store.overlappingSignup(v.id, shift.startsAt, shift.endsAt))
        throw conflict('you are signed up for an overlapping shift', 'input.shiftId');
      if (((await store.takenOfShifts([shift.id])).get(shift.id) ?? 0) >= shift.slots)
        throw conflict('every slot is taken', 'input.shiftId');
      await store.signUp(randomUUID(), shift, v.id);
      await slotsChanged(tx, shift);
      return shift;
    });
  }

  /** The calling resident withdraws from a shift that has not started; the slot is free again. */
  async cancelSignUp(caller: Caller, input: { shiftId: string }): Promise<Shift> {
    requireUser(caller);
    if (!caller.residentId) throw forbidden('residents withdraw themselves');
    const residentId = caller.residentId;
    return this.transaction(async (tx) => {
      const { store } = tx;
      const found = await store.lockShift(id(input.shiftId, 'input.shiftId'));
      if (!found) throw notFound('shift', input.shiftId, 'input.shiftId');
      const [v] = await store.volunteersOfResidents([residentId]);
      const s = v ? await store.signupOf(found.shift.id, v.id) : undefined;
      if (!v || !s || s.status === 'cancelled')
        throw notFound('sign-up', input.shiftId, 'input.shiftId');
      if (s.status !== 'signed_up' || found.shift.startsAt <= this.clock())
        throw conflict('the shift has started', 'input.shiftId');
      await store.setSignup(found.shift.id, v.id, 'cancelled');
      await slotsChanged(tx, found.shift);
      return found.shift;
    });
  }

  /**
   * The team lead checks a volunteer in to a shift, from two hours before it starts until it ends,
   * then out; checking out logs the hours from check-in to check-out (at most until the shift's
   * end) for approval: checking in answers no record, checking out the record of the hours.
   */
  checkInOut(
    caller: Caller,
    input: { shiftId: string; residentId: string },
    out: false,
  ): Promise<{ shift: Shift; record: null }>;
  checkInOut(
    caller: Caller,
    input: { shiftId: string; residentId: string },
    out: true,
  ): Promise<{ shift: Shift; record: ServiceRecord }>;
  async checkInOut(
    caller: Caller,
    input: { shiftId: string; residentId: string },
    out: boolean,
  ): Promise<{ shift: Shift; record: ServiceRecord | null }> {
    requireUser(caller);
    return this.transaction(async ({ store }) => {
      const found = await store.lockShift(id(input.shiftId, 'input.shiftId'));
      if (!found) throw notFound('shift', input.shiftId, 'input.shiftId');
      const { shift, opportunity: o } = found;
      requireLead(caller, o.teamId ? (await store.teamsByIds([o.teamId]))[0] : undefined);
      const [v] = await store.volunteersOfResidents([id(input.residentId, 'input.residentId')]);
      const s = v ? await store.signupOf(shift.id, v.id) : undefined;
      if (!v || !s || s.status === 'cancelled')
        throw badInput('input.residentId', 'input.residentId: not signed up for this shift');
      if (!out) {
        if (s.status !== 'signed_up')
          throw conflict(
            `a ${s.status.replace('_', ' ')} volunteer cannot check in`,
            'input.residentId',
          );
        const now = this.clock().getTime();
        if (
          now < shift.startsAt.getTime() - CHECK_IN_OPENS_BEFORE_MS ||
          now > shift.endsAt.getTime()
        )
          throw conflict(
            'check-in opens two hours before the shift starts and closes when it ends',
            'input.shiftId',
          );
        await store.setSignup(shift.id, v.id, 'checked_in');
        return { shift, record: null };
      }
      if (s.status !== 'checked_in')
        throw conflict('check the volunteer in first', 'input.residentId');
      await store.setSignup(shift.id, v.id, 'checked_out');
      const since = s.checkedInAt ?? this.clock();
      const until = Math.min(this.clock().getTime(), shift.endsAt.getTime());
      const hours = Math.max(0.25, Math.round(((until - since.getTime()) / 3_600_000) * 4) / 4);
      const record: ServiceRecord = {
        id: randomUUID(),
        volunteerId: v.id,
        opportunityId: o.id,
        shiftId: shift.id,
        activityId: null,
        teamId: o.teamId,
        hours,
        servedOn: this.clock(),
        status: 'pending',
      };
      await store.insertRecord(record);
      return { shift, record };
    });
  }

  /**
   * The team lead (or staff) approves hours: points are earned and VolunteerServiceApproved
   * published, once. Nobody approves their own hours, lead or staff: another one does.
   */
  async approve(caller: Caller, input: { serviceRecordId: string }): Promise<ServiceRecord> {
    requireUser(caller);
    return this.transaction(async (tx) => {
      const r = await tx.store.lockRecord(id(input.serviceRecordId, 'input.serviceRecordId'));
      if (!r) throw notFound('service record', input.serviceRecordId, 'input.serviceRecordId');
      requireLead(caller, r.teamId ? (await tx.store.teamsByIds([r.teamId]))[0] : undefined);
      const [v] = await tx.store.volunteersByIds([r.volunteerId]);
      if (caller.residentId && v?.residentId === caller.residentId)
        throw forbidden('nobody approves their own hours: another lead or staff does');
      if (r.status === 'approved')
        throw conflict('these hours are already approved', 'input.serviceRecordId');
      await tx.store.approveRecord(r.id, caller.userId ?? '');
      await tx.store.appendBank(
        r.volunteerId,
        Math.round(r.hours * POINTS_PER_HOUR),
        'earned',
        r.id,
      );
      await tx.publish(VolunteerServiceApproved, r.id, {
        serviceRecordId: r.id,
        residentId: v!.residentId,
        hours: r.hours,
        approvedAt: this.clock().toISOString(),
      });
      return { ...r, status: 'approved' };
    });
  }

  /** The calling volunteer redeems points; the balance never goes below zero. */
  async redeem(caller: Caller, input: { points: number; reference: string }): Promise<number> {
    requireUser(caller);
    if (!caller.residentId) throw forbidden('volunteers redeem their own points');
    const n = parseInput(z.number().int().min(1).max(100_000), input.points, 'input.points');
    const ref = parseInput(text(100), input.reference, 'input.reference');
    const residentId = caller.residentId;
    return this.transaction(async ({ store }) => {
      const v = await store.lockVolunteerOfResident(residentId);
      if (!v) throw forbidden('register as a volunteer first');
      const balance = (await store.balances([v.id])).get(v.id) ?? 0;
      if (balance < n) throw conflict(`the balance is ${balance} points`, 'input.points');
      return store.appendBank(v.id, -n, 'redeemed', `${ref}:${randomUUID()}`);
    });
  }

  /**
   * A resident moved out: their volunteering deactivated and future sign-ups cancelled (each
   * shift's slots taken published).
   */
  static async residentMovedOut(tx: Tx, residentId: string, now: Date): Promise<void> {
    const v = await tx.store.deactivate(residentId);
    if (!v) return;
    const shiftIds = await tx.store.cancelFutureSignupsOf(v.id, now);
    for (const shift of await tx.store.shiftsByIds(shiftIds)) await slotsChanged(tx, shift);
  }

  /** Hours logged for the volunteers who staffed a completed activity, once per volunteer and activity. */
  static async logActivity(
    tx: Tx,
    a: { activityId: string; staffResidentIds: string[]; startsAt: string; endsAt: string },
  ): Promise<number> {
    const hours = Math.max(
      0.25,
      Math.round(((Date.parse(a.endsAt) - Date.parse(a.startsAt)) / 3_600_000) * 4) / 4,
    );
    let logged = 0;
    for (const v of await tx.store.volunteersOfResidents(a.staffResidentIds)) {
      const inserted = await tx.store.insertRecord({
        id: randomUUID(),
        volunteerId: v.id,
        opportunityId: null,
        shiftId: null,
        activityId: a.activityId,
        teamId: null,
        hours,
        servedOn: new Date(a.endsAt),
        status: 'pending',
      });
      if (inserted) logged += 1;
    }
    return logged;
  }

  /** Equipment broke: a repair opportunity for the repair team, once per repair order. */
  static async postRepair(
    tx: Tx,
    fault: { repairOrderId: string; facilityId: string; equipmentId: string },
    now: Date,
  ): Promise<boolean> {
    const team = await tx.store.repairTeam();
    const startsAt = new Date(now.getTime() + 86_400_000);
    const id = randomUUID();
    const shift: Shift = {
      id: randomUUID(),
      opportunityId: id,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 2 * 3_600_000),
      slots: 2,
    };
    return tx.store.insertOpportunity(
      {
        id,
        teamId: team?.id ?? null,
        kind: 'equipment_repair',
        title: `Repair equipment ${fault.equipmentId.slice(0, 8)}`,
        facilityId: fault.facilityId,
        ...spanOf([shift]),
        status: 'open',
      },
      [shift],
      `repair-order:${fault.repairOrderId}`,
    );
  }
}

/** Publishes how many of a shift's slots are taken now (counts only, never who). */
async function slotsChanged(tx: Tx, shift: Shift): Promise<void> {
  const taken = (await tx.store.takenOfShifts([shift.id])).get(shift.id) ?? 0;
  await tx.publish(ShiftSlotsChanged, shift.id, {
    shiftId: shift.id,
    opportunityId: shift.opportunityId,
    slots: shift.slots,
    taken,
  });
}
