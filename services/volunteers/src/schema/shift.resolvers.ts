import type { Shift as ShiftModel } from '../domain/model';
import type { VolunteersContext as Ctx } from './context';

export const Shift = {
  opportunity: (s: ShiftModel, _: unknown, ctx: Ctx) =>
    ctx.loaders.opportunity.load(s.opportunityId),
  taken: (s: ShiftModel, _: unknown, ctx: Ctx) => ctx.loaders.taken.load(s.id),
};
