import type { ServiceRecord, Volunteer } from '../domain/model';
import type { VolunteersContext as Ctx } from './context';

const sum = (records: ServiceRecord[], status: ServiceRecord['status']) =>
  records.filter((r) => r.status === status).reduce((s, r) => s + r.hours, 0);

export const VolunteerProfile = {
  status: (v: Volunteer) => v.status.toUpperCase(),
  teams: (v: Volunteer, _: unknown, ctx: Ctx) => ctx.loaders.teamsOf.load(v.id),
  approvedHours: async (v: Volunteer, _: unknown, ctx: Ctx) =>
    sum(await ctx.loaders.recordsOf.load(v.id), 'approved'),
  pendingHours: async (v: Volunteer, _: unknown, ctx: Ctx) =>
    sum(await ctx.loaders.recordsOf.load(v.id), 'pending'),
  points: (v: Volunteer, _: unknown, ctx: Ctx) => ctx.loaders.balance.load(v.id),
  serviceRecords: (v: Volunteer, _: unknown, ctx: Ctx) => ctx.loaders.recordsOf.load(v.id),
  upcomingShifts: (v: Volunteer, _: unknown, ctx: Ctx) => ctx.loaders.upcomingShiftsOf.load(v.id),
};
