import { loadExisting } from '@liyuan/kit';
import type { VisitResolvers } from './generated/resolvers-types';

export const Visit: VisitResolvers = {
  household: (v, _, ctx) => loadExisting(ctx.loaders.household, v.householdId, 'household'),
  resident: (v, _, ctx) => (v.residentId ? ctx.loaders.resident.load(v.residentId) : null),
};
