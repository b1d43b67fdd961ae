import type { VisitDue as VisitDueModel } from '../domain/model';
import type { ResidentsContext } from './context';

const DAY_MS = 86_400_000;

export const VisitDue = {
  household: (d: VisitDueModel, _: unknown, ctx: ResidentsContext) =>
    ctx.loaders.household.load(d.householdId),
  daysOverdue: (d: VisitDueModel) =>
    Math.max(0, Math.floor((Date.now() - d.dueAt.getTime()) / DAY_MS)),
};
