import { forbidden, unauthenticated } from '@liyuan/kit';
import { canRead, canSeeUnmasked } from '../domain/access';
import type { ResidentInGrid } from '../domain/model';
import { maskIdCardNumber, maskPhone } from '../domain/personal-data';
import type { ResidentsContext } from './context';

/** Loads a resident the caller may read, or throws the reason they may not. */
export async function loadReadableResident(
  ctx: ResidentsContext,
  id: string,
): Promise<ResidentInGrid | null> {
  if (ctx.caller.userId === null) throw unauthenticated();
  const resident = await ctx.loaders.resident.load(id);
  if (!resident) return null;
  if (!canRead(ctx.caller, resident)) throw forbidden('this resident is not visible to the caller');
  return resident;
}

async function personalField(
  r: ResidentInGrid,
  field: 'idCardNumber' | 'phone',
  ctx: ResidentsContext,
  mask: (v: string) => string,
): Promise<string | null> {
  const value = r[field];
  if (value === null) return null;
  if (!canSeeUnmasked(ctx.caller, r, field)) return mask(value);
  await ctx.loaders.personalDataAccess.load(`${r.id}:${field}`);
  return value;
}

export const residentResolvers = {
  Resident: {
    __resolveReference: (ref: { id: string }, ctx: ResidentsContext) =>
      loadReadableResident(ctx, ref.id),
    age: (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) => ctx.registry.ageOf(r),
    idCardNumber: (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) =>
      personalField(r, 'idCardNumber', ctx, maskIdCardNumber),
    phone: (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) =>
      personalField(r, 'phone', ctx, maskPhone),
    household: (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) =>
      ctx.loaders.household.load(r.householdId),
    grid: (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) => ctx.loaders.grid.load(r.gridId),
  },
};
