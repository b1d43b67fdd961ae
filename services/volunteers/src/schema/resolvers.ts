import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { DateTimeScalar, badInput, hasRole, parseInput } from '@liyuan/kit';
import { z } from 'zod';
import type { Opportunity, ServiceRecord, Shift, Team, Volunteer } from '../domain/model';
import type { VolunteersContext as Ctx } from './context';

const mayRead = (ctx: Ctx, residentId: string): boolean =>
  ctx.caller.userId !== null &&
  (hasRole(ctx.caller, 'volunteer_lead', 'staff', 'admin') || ctx.caller.residentId === residentId);
const upper = (s: string) => s.toUpperCase();
const sum = (records: ServiceRecord[], status: ServiceRecord['status']) =>
  records.filter((r) => r.status === status).reduce((s, r) => s + r.hours, 0);
const instant = z.iso.datetime({ offset: true });

export const resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    teams: (_: unknown, __: unknown, ctx: Ctx) => ctx.store.allTeams(),
    openOpportunities: (_: unknown, __: unknown, ctx: Ctx) =>
      ctx.store.openOpportunities(new Date()),
    leaderboard: async (
      _: unknown,
      a: { from: string; to: string; gridId?: string | null },
      ctx: Ctx,
    ) => {
      const from = new Date(parseInput(instant, a.from, 'from'));
      const to = new Date(parseInput(instant, a.to, 'to'));
      if (to <= from) throw badInput('to', 'to: must be after from');
      const gridId = a.gridId ? parseInput(z.uuid('must be a valid id'), a.gridId, 'gridId') : null;
      return (await ctx.store.leaderboard(from, to, gridId)).map((e) => ({
        resident: { id: e.residentId },
        hours: e.hours,
      }));
    },
  },
  Mutation: {
    createTeam: (_: unknown, a: { name: string; kind: string; leadUserId: string }, ctx: Ctx) =>
      ctx.volunteering.createTeam(ctx.caller, { ...a, kind: a.kind.toLowerCase() }),
    registerVolunteer: (_: unknown, a: Parameters<Ctx['volunteering']['register']>[1], ctx: Ctx) =>
      ctx.volunteering.register(ctx.caller, a),
    addTeamMember: (_: unknown, a: { teamId: string; residentId: string }, ctx: Ctx) =>
      ctx.volunteering.addToTeam(ctx.caller, a.teamId, a.residentId),
    postOpportunity: async (_: unknown, a: Parameters<Ctx['volunteering']['post']>[1], ctx: Ctx) =>
      (await ctx.volunteering.post(ctx.caller, { ...a, kind: a.kind.toLowerCase() })).opportunity,
    signUp: (_: unknown, a: { shiftId: string }, ctx: Ctx) =>
      ctx.volunteering.signUp(ctx.caller, a.shiftId),
    cancelSignUp: (_: unknown, a: { shiftId: string }, ctx: Ctx) =>
      ctx.volunteering.cancelSignUp(ctx.caller, a.shiftId),
    checkInVolunteer: async (_: unknown, a: { shiftId: string; residentId: string }, ctx: Ctx) =>
      (await ctx.volunteering.checkInOut(ctx.caller, a.shiftId, a.residentId, false)).shift,
    checkOutVolunteer: async (_: unknown, a: { shiftId: string; residentId: string }, ctx: Ctx) =>
      (await ctx.volunteering.checkInOut(ctx.caller, a.shiftId, a.residentId, true)).record,
    approveHours: (_: unknown, a: { serviceRecordId: string }, ctx: Ctx) =>
      ctx.volunteering.approve(ctx.caller, a.serviceRecordId),
    redeemPoints: (_: unknown, a: { points: number; reference: string }, ctx: Ctx) =>
      ctx.volunteering.redeem(ctx.caller, a.points, a.reference),
  },
  Team: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.team.load(ref.id),
    kind: (t: Team) => upper(t.kind),
  },
  VolunteerProfile: {
    status: (v: Volunteer) => upper(v.status),
    teams: (v: Volunteer, _: unknown, ctx: Ctx) => ctx.loaders.teamsOf.load(v.id),
    approvedHours: async (v: Volunteer, _: unknown, ctx: Ctx) =>
      sum(await ctx.loaders.recordsOf.load(v.id), 'approved'),
    pendingHours: async (v: Volunteer, _: unknown, ctx: Ctx) =>
      sum(await ctx.loaders.recordsOf.load(v.id), 'pending'),
    points: (v: Volunteer, _: unknown, ctx: Ctx) => ctx.loaders.balance.load(v.id),
    serviceRecords: (v: Volunteer, _: unknown, ctx: Ctx) => ctx.loaders.recordsOf.load(v.id),
    upcomingShifts: (v: Volunteer, _: unknown, ctx: Ctx) => ctx.loaders.upcomingShiftsOf.load(v.id),
  },
  ServiceRecord: {
    status: (r: ServiceRecord) => upper(r.status),
    shift: (r: ServiceRecord, _: unknown, ctx: Ctx) =>
      r.shiftId ? ctx.loaders.shift.load(r.shiftId) : null,
  },
  Shift: {
    opportunity: (s: Shift, _: unknown, ctx: Ctx) => ctx.loaders.opportunity.load(s.opportunityId),
    taken: (s: Shift, _: unknown, ctx: Ctx) => ctx.loaders.taken.load(s.id),
  },
  Opportunity: {
    team: (o: Opportunity, _: unknown, ctx: Ctx) =>
      o.teamId ? ctx.loaders.team.load(o.teamId) : null,
    kind: (o: Opportunity) => upper(o.kind),
    facility: (o: Opportunity) => (o.facilityId ? { id: o.facilityId } : null),
    shifts: (o: Opportunity, _: unknown, ctx: Ctx) => ctx.loaders.shiftsOf.load(o.id),
  },
  Resident: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    volunteerProfile: async (r: { id: string }, _: unknown, ctx: Ctx) =>
      mayRead(ctx, r.id) ? ((await ctx.loaders.volunteerOfResident.load(r.id)) ?? null) : null,
  },
} as unknown as GraphQLResolverMap<Ctx>;
