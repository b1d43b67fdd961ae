import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { DateScalar, DateTimeScalar, unauthenticated } from '@liyuan/kit';
import { THEMES, type Activity, type Branch, type Member, type Space } from '../domain/model';
import { isSecretary } from '../domain/spaces';
import type { SpacesContext as Ctx } from './context';

/**
 * Who may read a resident's party membership, points and activities, on every path to them
 * (`Resident.partyMembership`, a branch's `members`, a member entity): party secretaries, staff,
 * admins and the member themself. Others see nothing, without an error.
 */
const mayRead = (ctx: Ctx, residentId: string): boolean =>
  ctx.caller.userId !== null && (isSecretary(ctx.caller) || ctx.caller.residentId === residentId);
const requireUser = (ctx: Ctx): void => {
  if (ctx.caller.userId === null) throw unauthenticated();
};

export const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  SpaceTheme: Object.fromEntries(THEMES.map((t) => [t.toUpperCase(), t])),
  ActivityStatus: {
    PLANNED: 'planned',
    CONFIRMED: 'confirmed',
    VENUE_REJECTED: 'venue_rejected',
    COMPLETED: 'completed',
    CANCELLED: 'cancelled',
  },
  Query: {
    partyBranches: (_: unknown, __: unknown, ctx: Ctx) => {
      requireUser(ctx);
      return ctx.store.allBranches();
    },
    sharedSpaces: (_: unknown, __: unknown, ctx: Ctx) => ctx.store.allSpaces(),
    activity: (_: unknown, a: { id: string }, ctx: Ctx) =>
      /^[0-9a-f-]{36}$/i.test(a.id) ? ctx.loaders.activity.load(a.id) : null,
    upcomingActivities: (_: unknown, __: unknown, ctx: Ctx) => ctx.store.upcoming(new Date()),
  },
  Mutation: {
    createPartyBranch: (_: unknown, a: { name: string; courtyard: boolean }, ctx: Ctx) =>
      ctx.spaces.createBranch(ctx.caller, a.name, a.courtyard),
    registerPartyMember: (
      _: unknown,
      a: Parameters<Ctx['spaces']['registerMember']>[1],
      ctx: Ctx,
    ) => ctx.spaces.registerMember(ctx.caller, a),
    createSharedSpace: (
      _: unknown,
      a: { name: string; theme: string; facilityId: string },
      ctx: Ctx,
    ) => ctx.spaces.createSpace(ctx.caller, a.name, a.theme, a.facilityId),
    scheduleActivity: (_: unknown, a: Parameters<Ctx['spaces']['schedule']>[1], ctx: Ctx) =>
      ctx.spaces.schedule(ctx.caller, a),
    registerForActivity: (_: unknown, a: { activityId: string }, ctx: Ctx) =>
      ctx.spaces.register(ctx.caller, a.activityId),
    cancelRegistration: (_: unknown, a: { activityId: string }, ctx: Ctx) =>
      ctx.spaces.cancelRegistration(ctx.caller, a.activityId),
    checkInAttendee: (_: unknown, a: { activityId: string; residentId: string }, ctx: Ctx) =>
      ctx.spaces.checkIn(ctx.caller, a.activityId, a.residentId),
    completeActivity: (
      _: unknown,
      a: { activityId: string; staffResidentIds?: string[] | null },
      ctx: Ctx,
    ) => ctx.spaces.complete(ctx.caller, a.activityId, a.staffResidentIds ?? []),
  },
  PartyBranch: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.branch.load(ref.id),
    kind: (b: Branch) => b.kind.toUpperCase(),
    /** The whole roster for secretaries, staff and admins; anyone else sees only their own membership. */
    members: async (b: Branch, _: unknown, ctx: Ctx) => {
      requireUser(ctx);
      return (await ctx.loaders.membersOfBranch.load(b.id)).filter((m) =>
        mayRead(ctx, m.residentId),
      );
    },
  },
  PartyMember: {
    __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
      const m = await ctx.loaders.member.load(ref.id);
      return m && mayRead(ctx, m.residentId) ? m : null;
    },
    resident: (m: Member) => ({ id: m.residentId }),
    branch: (m: Member, _: unknown, ctx: Ctx) => ctx.loaders.branch.load(m.branchId),
    status: (m: Member) => m.status.toUpperCase(),
    points: async (m: Member, _: unknown, ctx: Ctx) =>
      (await ctx.loaders.ledger.load(m.id)).reduce((s, e) => s + e.delta, 0),
    pointsHistory: (m: Member, _: unknown, ctx: Ctx) => ctx.loaders.ledger.load(m.id),
  },
  PointsEntry: { reason: (e: { reason: string }) => e.reason.toUpperCase() },
  SharedSpace: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.space.load(ref.id),
    facility: (s: Space) => ({ id: s.facilityId }),
    activities: (s: Space, _: unknown, ctx: Ctx) => ctx.loaders.activitiesOfSpace.load(s.id),
  },
  SpaceActivity: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.activity.load(ref.id),
    space: (a: Activity, _: unknown, ctx: Ctx) => ctx.loaders.space.load(a.spaceId),
    registeredCount: (a: Activity, _: unknown, ctx: Ctx) => ctx.loaders.registeredCount.load(a.id),
  },
  Resident: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    partyMembership: async (r: { id: string }, _: unknown, ctx: Ctx) =>
      mayRead(ctx, r.id) ? ((await ctx.loaders.memberOfResident.load(r.id)) ?? null) : null,
    activitiesAttended: (r: { id: string }, _: unknown, ctx: Ctx) =>
      mayRead(ctx, r.id) ? ctx.loaders.attendedBy.load(r.id) : null,
  },
  Facility: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    sharedSpaces: (f: { id: string }, _: unknown, ctx: Ctx) =>
      ctx.loaders.spacesOfFacility.load(f.id),
    upcomingActivities: (f: { id: string }, _: unknown, ctx: Ctx) =>
      ctx.loaders.upcomingAtFacility.load(f.id),
  },
} as unknown as GraphQLResolverMap<Ctx>;
