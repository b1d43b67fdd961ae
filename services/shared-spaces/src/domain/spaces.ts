import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ActivityCancelled,
  ActivityCompleted,
  ActivityRegistrationChanged,
  SpaceActivityScheduled,
} from '@liyuan/schemas';
import {
  addDays,
  assertWithin,
  badInput,
  checkResidentReference,
  communityDate,
  conflict,
  forbidden,
  hasRole,
  isoDate,
  isoInstant,
  line,
  notFound,
  parseInput,
  readPage,
  unauthenticated,
  uuid,
  type Caller,
  type NestedPages,
} from '@liyuan/kit';
import { KEYSETS } from './keysets';
import type { RunInTransaction, SpacesStore, Tx } from './ports';
import type { Activity, ActivityPage, Branch, Member, MemberPage, Space, Theme } from './model';

/** Points an attending party member earns per activity, and per hour of approved volunteer service. */
export const ATTENDANCE_POINTS = 2;
export const SERVICE_POINTS_PER_HOUR = 1;

const text = line;
const instant = isoInstant;

/** The earliest join date: the party's founding. */
export const EARLIEST_JOINED_ON = '1921-07-01';
/** How far ahead an activity may start, and how long it may last. */
export const ACTIVITY_HORIZON_DAYS = 365;
export const MAX_ACTIVITY_HOURS = 24;

/** Party secretaries, staff and admins manage branches, members, spaces and activities. */
export const isSecretary = (c: Caller): boolean => hasRole(c, 'party_secretary', 'staff', 'admin');
/**
 * Who may read a resident's party membership, points and activities, on every path to them
 * (`Resident.partyMembership`, a branch's `members`, a member entity): party secretaries, staff,
 * admins and the member themself. Others see nothing, without an error.
 */
export const mayReadMembership = (c: Caller, residentId: string): boolean =>
  c.userId !== null && (isSecretary(c) || c.residentId === residentId);
/**
 * The residents whose memberships a signed-in caller sees in a branch's roster, as
 * {@link mayReadMembership} decides for each member: undefined (every member) for party
 * secretaries, staff and admins, else only their own (none without a resident id). A roster is read
 * a page at a time, so the rule filters the rows read rather than a page already read.
 */
export const rosterResidents = (c: Caller): readonly string[] | undefined =>
  isSecretary(c) ? undefined : c.residentId ? [c.residentId] : [];
function requireUser(c: Caller): void {
  if (c.userId === null) throw unauthenticated();
}
function requireSecretary(c: Caller): void {
  if (c.userId === null) throw unauthenticated();
  if (!isSecretary(c)) throw forbidden('requires the party_secretary, staff or admin role');
}
const id = (value: string, field: string): string => parseInput(uuid, value, field);
/** The arguments of a page: how many (1 to 100, default 20) after which cursor. */
type PageArgs = { first?: number | null; after?: string | null };

/**
 * Party branches and members, the shared spaces and their activities. An activity is planned until
 * facilities answers its venue request; registrations never exceed capacity (the activity row is
 * locked while counting); completing one credits attending party members once.
 */
export class Spaces {
  constructor(
    private readonly read: SpacesStore,
    private readonly transaction: RunInTransaction,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The party branches, for signed-in callers (their rosters are filtered member by member). */
  async branches(caller: Caller): Promise<Branch[]> {
    requireUser(caller);
    return this.read.allBranches();
  }

  /** The shared spaces, for anyone. */
  listSpaces(): Promise<Space[]> {
    return this.read.allSpaces();
  }

  /** A page of the activities still to come, soonest first (first: 1 to 100, default 20). */
  upcoming(args: PageArgs): Promise<ActivityPage> {
    const now = this.clock();
    return readPage(args, KEYSETS.activity, {
      read: (range) => this.read.upcomingPage(now, range),
      count: () => this.read.countUpcoming(now),
    });
  }

  /**
   * A page of the part of a branch's roster a signed-in caller may see: all of it for
   * secretaries, else only the caller's own membership. `roster` reads only the memberships
   * {@link rosterResidents} lets this caller see.
   */
  visibleMembers(
    caller: Caller,
    branchId: string,
    args: PageArgs,
    roster: NestedPages<Member>,
  ): Promise<MemberPage> {
    requireUser(caller);
    return roster.load(branchId, args);
  }

  async createBranch(caller: Caller, input: { name: string; courtyard: boolean }): Promise<Branch> {
    requireSecretary(caller);
    const b: Branch = {
      id: randomUUID(),
      name: parseInput(text(100), input.name, 'input.name'),
      kind: input.courtyard ? 'courtyard' : 'community',
    };
    return this.transaction(async ({ store }) => {
      await store.insertBranch(b);
      return b;
    });
  }

  /**
   * Registers a resident the registry announced (and who has not moved out) as a party member,
   * joined between the party's founding and today.
   */
  async registerMember(
    caller: Caller,
    input: {
      residentId: string;
      branchId: string;
      joinedOn: string;
      reportedToCommunity?: boolean | null;
      servicePost?: string | null;
    },
  ): Promise<Member> {
    requireSecretary(caller);
    const m: Member = {
      id: randomUUID(),
      residentId: id(input.residentId, 'input.residentId'),
      branchId: id(input.branchId, 'input.branchId'),
      joinedOn: parseInput(isoDate, input.joinedOn, 'input.joinedOn'),
      reportedToCommunity: Boolean(input.reportedToCommunity),
      servicePost: input.servicePost
        ? parseInput(text(100), input.servicePost, 'input.servicePost')
        : null,
      status: 'active',
    };
    assertWithin(
      'input.joinedOn',
      m.joinedOn,
      EARLIEST_JOINED_ON,
      communityDate(this.clock()),
      `must be between ${EARLIEST_JOINED_ON} and today`,
    );
    if (m.reportedToCommunity && !m.servicePost)
      throw badInput(
        'input.servicePost',
        'input.servicePost: members who report to the community choose a post',
      );
    return this.transaction(async ({ store }) => {
      checkResidentReference(
        await store.knownResidents([m.residentId]),
        m.residentId,
        'input.residentId',
        { activeOnly: true },
      );
      if (!(await store.branchesByIds([m.branchId])).length)
        throw badInput('input.branchId', 'input.branchId: no such branch');
      if (!(await store.insertMember(m)))
        throw conflict('this resident is already a party member', 'input.residentId');
      return m;
    });
  }

  /** Creates a shared space hosted in a facility facilities announced. */
  async createSpace(
    caller: Caller,
    input: { name: string; theme: Theme; facilityId: string },
  ): Promise<Space> {
    requireSecretary(caller);
    const s: Space = {
      id: randomUUID(),
      name: parseInput(text(100), input.name, 'input.name'),
      theme: input.theme,
      facilityId: id(input.facilityId, 'input.facilityId'),
    };
    return this.transaction(async ({ store }) => {
      if (!(await store.knownFacility(s.facilityId)))
        throw badInput('input.facilityId', 'input.facilityId: no such facility');
      await store.insertSpace(s);
      return s;
    });
  }

  /** Schedules an activity and asks facilities for its venue (SpaceActivityScheduled). */
  async schedule(
    caller: Caller,
    input: { spaceId: string; title: string; startsAt: string; endsAt: string; capacity: number },
  ): Promise<Activity> {
    requireSecretary(caller);
    const startsAt = new Date(parseInput(instant, input.startsAt, 'input.startsAt'));
    const endsAt = new Date(parseInput(instant, input.endsAt, 'input.endsAt'));
    if (endsAt <= startsAt)
      throw badInput('input.endsAt', 'input.endsAt: must be after input.startsAt');
    if (startsAt <= this.clock())
      throw badInput('input.startsAt', 'input.startsAt: must be in the future');
    assertWithin(
      'input.startsAt',
      startsAt,
      undefined,
      addDays(this.clock(), ACTIVITY_HORIZON_DAYS),
      `must be at most ${ACTIVITY_HORIZON_DAYS} days ahead`,
    );
    if (endsAt.getTime() - startsAt.getTime() > MAX_ACTIVITY_HOURS * 3_600_000)
      throw badInput(
        'input.endsAt',
        `input.endsAt: an activity lasts at most ${MAX_ACTIVITY_HOURS} hours`,
      );
    const capacity = parseInput(
      z.number().int().min(1).max(1000),
      input.capacity,
      'input.capacity',
    );
    return this.transaction(async ({ store, publish }) => {
      const [space] = await store.spacesByIds([id(input.spaceId, 'input.spaceId')]);
      if (!space) throw badInput('input.spaceId', 'input.spaceId: no such shared space');
      const activity: Activity = {
        id: randomUUID(),
        spaceId: space.id,
        facilityId: space.facilityId,
        title: parseInput(text(100), input.title, 'input.title'),
        startsAt,
        endsAt,
        capacity,
        status: 'planned',
        venueRejectionReason: null,
        organiser: caller.userId ?? '',
      };
      await store.insertActivity(activity);
      await publish(SpaceActivityScheduled, activity.id, {
        activityId: activity.id,
        spaceId: space.id,
        facilityId: space.facilityId,
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
        expectedAttendees: capacity,
      });
      return activity;
    });
  }

  /** The calling resident registers, while places remain. */
  async register(caller: Caller, input: { activityId: string }): Promise<Activity> {
    if (caller.userId === null) throw unauthenticated();
    if (!caller.residentId) throw forbidden('residents register themselves');
    const residentId = caller.residentId;
    return this.transaction(async (tx) => {
      const { store } = tx;
      const a = await this.locked(store, input.activityId, 'input.activityId');
      if (!['planned', 'confirmed'].includes(a.status))
        throw conflict(
          `a ${a.status.replace('_', ' ')} activity takes no registrations`,
          'input.activityId',
        );
      if (a.startsAt <= this.clock())
        throw conflict('the activity has started', 'input.activityId');
      const current = await store.registrationStatus(a.id, residentId);
      if (current === 'registered' || current === 'checked_in') return a;
      const taken = (await store.registeredCounts([a.id])).get(a.id) ?? 0;
      if (taken >= a.capacity) throw conflict('the activity is full', 'input.activityId');
      await store.register(a.id, residentId);
      await registrationChanged(tx, a);
      return a;
    });
  }

  /** The calling resident withdraws their registration; the place is free again. */
  async cancelRegistration(caller: Caller, input: { activityId: string }): Promise<Activity> {
    if (caller.userId === null) throw unauthenticated();
    if (!caller.residentId) throw forbidden('residents cancel their own registration');
    const residentId = caller.residentId;
    return this.transaction(async (tx) => {
      const { store } = tx;
      const a = await this.locked(store, input.activityId, 'input.activityId');
      if ((await store.registrationStatus(a.id, residentId)) !== 'registered')
        throw conflict('you are not registered', 'input.activityId');
      await store.setRegistration(a.id, residentId, 'cancelled');
      await registrationChanged(tx, a);
      return a;
    });
  }

  /**
   * Calls off an activity that has not started (planned, confirmed or venue-rejected): it takes no
   * more registrations, check-ins or completion, and ActivityCancelled lets facilities release its
   * venue.
   */
  async cancelActivity(caller: Caller, input: { activityId: string }): Promise<Activity> {
    requireSecretary(caller);
    return this.transaction(async ({ store, publish }) => {
      const a = await this.locked(store, input.activityId, 'input.activityId');
      if (!['planned', 'confirmed', 'venue_rejected'].includes(a.status))
        throw conflict(`a ${a.status} activity cannot be cancelled`, 'input.activityId');
      if (a.startsAt <= this.clock())
        throw conflict('an activity that has started cannot be cancelled', 'input.activityId');
      await store.setActivityStatus(a.id, 'cancelled');
      await publish(ActivityCancelled, a.id, {
        activityId: a.id,
        spaceId: a.spaceId,
        facilityId: a.facilityId,
        startsAt: a.startsAt.toISOString(),
        endsAt: a.endsAt.toISOString(),
      });
      return { ...a, status: 'cancelled' };
    });
  }

  async checkIn(
    caller: Caller,
    input: { activityId: string; residentId: string },
  ): Promise<Activity> {
    requireSecretary(caller);
    return this.transaction(async ({ store }) => {
      const a = await this.locked(store, input.activityId, 'input.activityId');
      if (a.status !== 'confirmed')
        throw conflict('only a confirmed activity checks attendees in', 'input.activityId');
      const residentId = id(input.residentId, 'input.residentId');
      if ((await store.registrationStatus(a.id, residentId)) !== 'registered') {
        throw conflict('the resident is not registered', 'input.residentId');
      }
      await store.setRegistration(a.id, residentId, 'checked_in');
      return a;
    });
  }

  /** Completes a confirmed activity: attending party members earn points, ActivityCompleted is published. */
  async complete(
    caller: Caller,
    input: { activityId: string; staffResidentIds?: string[] | null },
  ): Promise<Activity> {
    requireSecretary(caller);
    const staffResidentIds = input.staffResidentIds ?? [];
    staffResidentIds.forEach((s, i) => id(s, `input.staffResidentIds.${i}`));
    return this.transaction(async ({ store, publish }) => {
      const a = await this.locked(store, input.activityId, 'input.activityId');
      if (a.status !== 'confirmed')
        throw conflict(
          `a ${a.status.replace('_', ' ')} activity cannot be completed`,
          'input.activityId',
        );
      await store.setActivityStatus(a.id, 'completed');
      const attendees = await store.checkedIn(a.id);
      for (const m of await store.membersOfResidents(attendees)) {
        if (m.status === 'active')
          await store.credit({
            memberId: m.id,
            delta: ATTENDANCE_POINTS,
            reason: 'attendance',
            reference: a.id,
          });
      }
      await publish(ActivityCompleted, a.id, {
        activityId: a.id,
        spaceId: a.spaceId,
        attendeeResidentIds: attendees,
        staffResidentIds: [...new Set(staffResidentIds)],
        startsAt: a.startsAt.toISOString(),
        endsAt: a.endsAt.toISOString(),
      });
      return { ...a, status: 'completed' };
    });
  }

  /**
   * A resident moved out: their membership is transferred out of the branch and their future
   * registrations cancelled (each activity's new count published); returns how many of each.
   */
  static async residentMovedOut(
    tx: Tx,
    residentId: string,
    now: Date,
  ): Promise<{ transferred: number; cancelled: number }> {
    const transferred = await tx.store.transferMember(residentId);
    const activityIds = await tx.store.cancelFutureRegistrationsOf(residentId, now);
    for (const a of await tx.store.activitiesByIds(activityIds)) await registrationChanged(tx, a);
    return { transferred, cancelled: activityIds.length };
  }

  /** The facilities answer to a venue request moves a planned activity on; any other answer is ignored. */
  static async venueAnswered(
    tx: Tx,
    activityId: string,
    confirmed: boolean,
    reason: string | null,
  ): Promise<boolean> {
    const a = await tx.store.lockActivity(activityId);
    if (!a || a.status !== 'planned') return false;
    await tx.store.setActivityStatus(a.id, confirmed ? 'confirmed' : 'venue_rejected', reason);
    return true;
  }

  /** Approved volunteer service earns a party member points, once per service record. */
  static async creditService(
    tx: Tx,
    residentId: string,
    serviceRecordId: string,
    hours: number,
  ): Promise<boolean> {
    const [member] = await tx.store.membersOfResidents([residentId]);
    if (!member || member.status !== 'active') return false;
    return tx.store.credit({
      memberId: member.id,
      delta: Math.max(1, Math.round(hours * SERVICE_POINTS_PER_HOUR)),
      reason: 'service',
      reference: serviceRecordId,
    });
  }

  private async locked(store: SpacesStore, activityId: string, field: string): Promise<Activity> {
    const a = await store.lockActivity(id(activityId, field));
    if (!a) throw notFound('activity', activityId, field);
    return a;
  }
}

/** Publishes how many places of an activity are taken now (counts only, never who). */
async function registrationChanged(tx: Tx, a: Activity): Promise<void> {
  const registeredCount = (await tx.store.registeredCounts([a.id])).get(a.id) ?? 0;
  await tx.publish(ActivityRegistrationChanged, a.id, {
    activityId: a.id,
    registeredCount,
    capacity: a.capacity,
  });
}
