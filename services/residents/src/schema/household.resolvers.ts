import { forbidden, loadExisting, pageOf, unauthenticated } from '@liyuan/kit';
import { canRead, mayReadVisits } from '../domain/access';
import { KEYSETS } from '../domain/keysets';
import type { Household as HouseholdModel, VisitPage } from '../domain/model';
import type { ResidentsContext } from './context';
import type { HouseholdResolvers } from './generated/resolvers-types';

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

/** The page a caller who may not read a household's visits gets: none, and none in all. */
const noVisits = (): VisitPage => pageOf([], 1, KEYSETS.visit.cursor, () => Promise.resolve(0));

export const Household: HouseholdResolvers = {
  __resolveReference: (ref, ctx) => loadReadableHousehold(ctx, ref.id),
  building: (h, _, ctx) => loadExisting(ctx.loaders.building, h.buildingId, 'building'),
  address: async (h, _, ctx) => {
    const b = await ctx.loaders.building.load(h.buildingId);
    return `${b?.address ?? ''}, ${b?.name ?? ''}, Unit ${h.unit}, Room ${h.room}`;
  },
  head: async (h, _, ctx) => {
    if (!h.headResidentId) return null;
    const head = await ctx.loaders.resident.load(h.headResidentId);
    return head && canRead(ctx.caller, head) ? head : null;
  },
  /** Only the members the caller may read; a resident sees themself in their household. */
  members: async (h, _, ctx) => {
    const members = await ctx.loaders.householdMembers.load(h.id);
    return members.map((m) => ({ ...m, gridId: h.gridId })).filter((m) => canRead(ctx.caller, m));
  },
  grid: (h, _, ctx) => loadExisting(ctx.loaders.grid, h.gridId, 'grid'),
  visits: (h, args, ctx) =>
    mayReadVisits(ctx.caller, h.gridId) ? ctx.loaders.householdVisits.load(h.id, args) : noVisits(),
};
