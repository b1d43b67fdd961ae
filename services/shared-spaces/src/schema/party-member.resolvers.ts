import type { Member } from '../domain/model';
import { mayReadMembership } from '../domain/spaces';
import type { SpacesContext as Ctx } from './context';

export const PartyMember = {
  __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
    const m = await ctx.loaders.member.load(ref.id);
    return m && mayReadMembership(ctx.caller, m.residentId) ? m : null;
  },
  resident: (m: Member) => ({ id: m.residentId }),
  branch: (m: Member, _: unknown, ctx: Ctx) => ctx.loaders.branch.load(m.branchId),
  status: (m: Member) => m.status.toUpperCase(),
  points: async (m: Member, _: unknown, ctx: Ctx) =>
    (await ctx.loaders.ledger.load(m.id)).reduce((s, e) => s + e.delta, 0),
  pointsHistory: (m: Member, _: unknown, ctx: Ctx) => ctx.loaders.ledger.load(m.id),
};
