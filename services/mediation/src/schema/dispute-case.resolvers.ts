import type { DisputeCase as DisputeCaseModel } from '../domain/model';
import type { MediationContext as Ctx } from './context';

export const DisputeCase = {
  __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
    const c = await ctx.loaders.case.load(ref.id);
    return c && (await ctx.visible(c)) ? c : null;
  },
  parties: (c: DisputeCaseModel, _: unknown, ctx: Ctx) => ctx.loaders.parties.load(c.id),
  mediators: (c: DisputeCaseModel, _: unknown, ctx: Ctx) => ctx.loaders.mediators.load(c.id),
  sessions: (c: DisputeCaseModel, _: unknown, ctx: Ctx) => ctx.loaders.sessions.load(c.id),
  agreement: (c: DisputeCaseModel, _: unknown, ctx: Ctx) => ctx.loaders.agreement.load(c.id),
  followUps: (c: DisputeCaseModel, _: unknown, ctx: Ctx) => ctx.loaders.followUps.load(c.id),
};
