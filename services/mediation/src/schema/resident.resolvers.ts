import { unauthenticated } from '@liyuan/kit';
import type { DisputeCase } from '../domain/model';
import type { ResidentResolvers } from './generated/resolvers-types';

/** A resident's cases, filtered case by case: nobody learns that a case they may not see exists. */
export const Resident: ResidentResolvers = {
  __resolveReference: (ref, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return { id: ref.id };
  },
  mediationCases: async (r, _, ctx) => {
    const ids = await ctx.loaders.casesOfResident.load(r.id);
    const cases = (await ctx.loaders.case.loadMany(ids)).filter(
      (c): c is DisputeCase => Boolean(c) && !(c instanceof Error),
    );
    const visible = await Promise.all(cases.map((c) => ctx.visible(c)));
    return cases.filter((_, i) => visible[i]);
  },
};
