import type { Opportunity as OpportunityModel } from '../domain/model';
import type { VolunteersContext as Ctx } from './context';

export const Opportunity = {
  team: (o: OpportunityModel, _: unknown, ctx: Ctx) =>
    o.teamId ? ctx.loaders.team.load(o.teamId) : null,
  kind: (o: OpportunityModel) => o.kind.toUpperCase(),
  facility: (o: OpportunityModel) => (o.facilityId ? { id: o.facilityId } : null),
  shifts: (o: OpportunityModel, _: unknown, ctx: Ctx) => ctx.loaders.shiftsOf.load(o.id),
};
