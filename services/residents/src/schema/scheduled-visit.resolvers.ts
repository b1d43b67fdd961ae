import type { ScheduledVisit as ScheduledVisitModel } from '../domain/model';
import type { ResidentsContext } from './context';

export const ScheduledVisit = {
  household: (s: ScheduledVisitModel, _: unknown, ctx: ResidentsContext) =>
    ctx.loaders.household.load(s.householdId),
};
