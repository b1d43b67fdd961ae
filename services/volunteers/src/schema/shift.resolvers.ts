import { loadExisting } from '@liyuan/kit';
import type { ShiftResolvers } from './generated/resolvers-types';

export const Shift: ShiftResolvers = {
  opportunity: (s, _, ctx) => loadExisting(ctx.loaders.opportunity, s.opportunityId, 'opportunity'),
  taken: (s, _, ctx) => ctx.loaders.taken.load(s.id),
};
