import { hasRole } from '@liyuan/kit';
import type { Household, ScheduledVisit, Visit, VisitDue } from '../domain/model';
import type { ResidentsContext } from './context';

const DAY_MS = 86_400_000;

/** Visits are for staff and the household's grid members; others see none. */
const mayReadVisits = (ctx: ResidentsContext, gridId: string): boolean =>
  hasRole(ctx.caller, 'admin', 'staff') ||
  (hasRole(ctx.caller, 'grid_member') && ctx.caller.gridIds.includes(gridId));

export const visitResolvers = {
  Household: {
    visits: async (h: Household, _: unknown, ctx: ResidentsContext) =>
      mayReadVisits(ctx, h.gridId) ? ctx.loaders.householdVisits.load(h.id) : [],
  },
  Visit: {
    household: (v: Visit, _: unknown, ctx: ResidentsContext) =>
      ctx.loaders.household.load(v.householdId),
    resident: (v: Visit, _: unknown, ctx: ResidentsContext) =>
      v.residentId ? ctx.loaders.resident.load(v.residentId) : null,
  },
  VisitDue: {
    household: (d: VisitDue, _: unknown, ctx: ResidentsContext) =>
      ctx.loaders.household.load(d.householdId),
    daysOverdue: (d: VisitDue) =>
      Math.max(0, Math.floor((Date.now() - d.dueAt.getTime()) / DAY_MS)),
  },
  ScheduledVisit: {
    household: (s: ScheduledVisit, _: unknown, ctx: ResidentsContext) =>
      ctx.loaders.household.load(s.householdId),
  },
};
