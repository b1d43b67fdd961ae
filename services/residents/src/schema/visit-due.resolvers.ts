import { loadExisting } from '@liyuan/kit';
import type { VisitDueResolvers } from './generated/resolvers-types';

const DAY_MS = 86_400_000;

export const VisitDue: VisitDueResolvers = {
  /** What is due is the household's next visit: it has the household's id. */
  id: (d) => d.householdId,
  household: (d, _, ctx) => loadExisting(ctx.loaders.household, d.householdId, 'household'),
  daysOverdue: (d) => Math.max(0, Math.floor((Date.now() - d.dueAt.getTime()) / DAY_MS)),
};
