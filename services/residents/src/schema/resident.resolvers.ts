import { forbidden, textArg, unauthenticated } from '@liyuan/kit';
import { canRead, canSeeBirthDate, canSeeUnmasked } from '../domain/access';
import type { ResidentInGrid } from '../domain/model';
import { maskIdCardNumber, maskPhone } from '../domain/personal-data';
import { canReadRequest } from '../domain/service-requests';
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

/** The stated reason for reading personal data (one line), recorded with the read. */
function purposeOf(args: { purpose?: string | null }): string {
  const purpose = args.purpose == null ? '' : textArg(args.purpose, 'purpose', 200);
  return purpose || 'not stated';
}

async function personalField(
  r: ResidentInGrid,
  field: 'idCardNumber' | 'phone',
  args: { purpose?: string | null },
  ctx: ResidentsContext,
  mask: (v: string) => string,
): Promise<string | null> {
  const value = r[field];
  if (value === null) return null;
  if (!canSeeUnmasked(ctx.caller, r, field)) return mask(value);
  await ctx.loaders.personalDataAccess.load({ residentId: r.id, field, purpose: purposeOf(args) });
  return value;
}

type PurposeArgs = { purpose?: string | null };

export const Resident = {
  __resolveReference: (ref: { id: string }, ctx: ResidentsContext) =>
    loadReadableResident(ctx, ref.id),
  age: (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) => ctx.registry.ageOf(r),
  birthDate: (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) =>
    canSeeBirthDate(ctx.caller, r) ? r.birthDate : null,
  idCardNumber: (r: ResidentInGrid, args: PurposeArgs, ctx: ResidentsContext) =>
    personalField(r, 'idCardNumber', args, ctx, maskIdCardNumber),
  phone: (r: ResidentInGrid, args: PurposeArgs, ctx: ResidentsContext) =>
    personalField(r, 'phone', args, ctx, maskPhone),
  serviceRequests: async (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) =>
    (await ctx.loaders.requestsOfResident.load(r.id)).filter((q) => canReadRequest(ctx.caller, q)),
  household: (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) =>
    ctx.loaders.household.load(r.householdId),
  grid: (r: ResidentInGrid, _: unknown, ctx: ResidentsContext) => ctx.loaders.grid.load(r.gridId),
};
