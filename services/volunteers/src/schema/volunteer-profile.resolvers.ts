import type { ServiceRecord } from '../domain/model';
import type { VolunteerProfileResolvers } from './generated/resolvers-types';

const sum = (records: ServiceRecord[], status: ServiceRecord['status']) =>
  records.filter((r) => r.status === status).reduce((s, r) => s + r.hours, 0);

export const VolunteerProfile: VolunteerProfileResolvers = {
  status: (v) => v.status.toUpperCase(),
  teams: (v, _, ctx) => ctx.loaders.teamsOf.load(v.id),
  approvedHours: async (v, _, ctx) => sum(await ctx.loaders.recordsOf.load(v.id), 'approved'),
  pendingHours: async (v, _, ctx) => sum(await ctx.loaders.recordsOf.load(v.id), 'pending'),
  points: (v, _, ctx) => ctx.loaders.balance.load(v.id),
  serviceRecords: (v, _, ctx) => ctx.loaders.recordsOf.load(v.id),
  upcomingShifts: (v, _, ctx) => ctx.loaders.upcomingShiftsOf.load(v.id),
};
