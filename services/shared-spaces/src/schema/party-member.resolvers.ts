import { loadExisting } from '@liyuan/kit';
import { mayReadMembership } from '../domain/spaces';
import type { PartyMemberResolvers } from './generated/resolvers-types';

export const PartyMember: PartyMemberResolvers = {
  __resolveReference: async (ref, ctx) => {
    const m = await ctx.loaders.member.load(ref.id);
    return m && mayReadMembership(ctx.caller, m.residentId) ? m : null;
  },
  resident: (m) => ({ id: m.residentId }),
  branch: (m, _, ctx) => loadExisting(ctx.loaders.branch, m.branchId, 'party branch'),
  points: (m, _, ctx) => ctx.loaders.points.load(m.id),
  pointsHistory: (m, a, ctx) => ctx.loaders.ledger.load(m.id, a),
};
