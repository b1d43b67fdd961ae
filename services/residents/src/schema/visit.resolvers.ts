import type { Visit as VisitModel } from '../domain/model';
import type { ResidentsContext } from './context';

export const Visit = {
  household: (v: VisitModel, _: unknown, ctx: ResidentsContext) =>
    ctx.loaders.household.load(v.householdId),
  resident: (v: VisitModel, _: unknown, ctx: ResidentsContext) =>
    v.residentId ? ctx.loaders.resident.load(v.residentId) : null,
};
