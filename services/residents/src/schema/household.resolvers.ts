import { forbidden, unauthenticated } from '@liyuan/kit';
import { canRead, mayReadVisits } from '../domain/access';
import type { Household as HouseholdModel } from '../domain/model';
import type { ResidentsContext } from './context';

/** A household is visible to whoever may read one of its members (staff, its grid, its own residents). */
export async function loadReadableHousehold(
  ctx: ResidentsContext,
  id: string,
): Promise<HouseholdModel | null> {
  if (ctx.caller.userId === null) throw unauthenticated();
  const household = await ctx.loaders.household.load(id);
  if (!household) return null;
  if (canRead(ctx.caller, { id: '', gridId: household.gridId })) return household;
  const members = await ctx.loaders.householdMembers.load(id);
  if (members.some((m) => m.id === ctx.caller.residentId)) return household;
  throw forbidden('this household is not visible to the caller');
}

export const Household = {
  __resolveReference: (ref: { id: string }, ctx: ResidentsContext) =>
    loadReadableHousehold(ctx, ref.id),
  building: (h: HouseholdModel, _: unknown, ctx: ResidentsContext) =>
    ctx.loaders.building.load(h.buildingId),
  address: async (h: HouseholdModel, _: unknown, ctx: ResidentsContext) => {
    const b = await ctx.loaders.building.load(h.buildingId);
    return `${b?.address ?? ''}, ${b?.name ?? ''}, Unit ${h.unit}, Room ${h.room}`;
  },
  head: async (h: HouseholdModel, _: unknown, ctx: ResidentsContext) => {
    if (!h.headResidentId) return null;
    const head = await ctx.loaders.resident.load(h.headResidentId);
    return head && canRead(ctx.caller, head) ? head : null;
  },
  /** Only the members the caller may read; a resident sees themself in their household. */
  members: async (h: HouseholdModel, _: unknown, ctx: ResidentsContext) => {
    const members = await ctx.loaders.householdMembers.load(h.id);
    return members.map((m) => ({ ...m, gridId: h.gridId })).filter((m) => canRead(ctx.caller, m));
  },
  grid: (h: HouseholdModel, _: unknown, ctx: ResidentsContext) => ctx.loaders.grid.load(h.gridId),
  visits: async (h: HouseholdModel, _: unknown, ctx: ResidentsContext) =>
    mayReadVisits(ctx.caller, h.gridId) ? ctx.loaders.householdVisits.load(h.id) : [],
};
