import { loadExisting } from '@liyuan/kit';
import type { ScheduledVisitResolvers } from './generated/resolvers-types';

export const ScheduledVisit: ScheduledVisitResolvers = {
  household: (s, _, ctx) => loadExisting(ctx.loaders.household, s.householdId, 'household'),
};
