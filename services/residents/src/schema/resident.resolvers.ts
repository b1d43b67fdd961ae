import { forbidden, loadExisting, textArg, unauthenticated } from '@liyuan/kit';
import { canRead, canSeeBirthDate, canSeeUnmasked } from '../domain/access';
import type { ResidentInGrid } from '../domain/model';
import { maskIdCardNumber, maskPhone } from '../domain/personal-data';
import type { ResidentsContext } from './context';
import type { ResidentResolvers } from './generated/resolvers-types';

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

/** A personal field's value: masked unless the caller may see it, whose read is then recorded. */
async function personalField(
  r: ResidentInGrid,
  field: 'idCardNumber' | 'phone',
  value: string,
  args: { purpose?: string | null },
  ctx: ResidentsContext,
  mask: (v: string) => string,
): Promise<string> {
  if (!canSeeUnmasked(ctx.caller, r, field)) return mask(value);
  await ctx.loaders.personalDataAccess.load({ residentId: r.id, field, purpose: purposeOf(args) });
  return value;
}

export const Resident: ResidentResolvers = {
  __resolveReference: (ref, ctx) => loadReadableResident(ctx, ref.id),
  age: (r, _, ctx) => ctx.registry.ageOf(r),
  birthDate: (r, _, ctx) => (canSeeBirthDate(ctx.caller, r) ? r.birthDate : null),
  idCardNumber: (r, args, ctx) =>
    personalField(r, 'idCardNumber', r.idCardNumber, args, ctx, maskIdCardNumber),
  phone: (r, args, ctx) =>
    r.phone === null ? null : personalField(r, 'phone', r.phone, args, ctx, maskPhone),
  /** Only the requests the caller may read (the loader filters them in its statement). */
  serviceRequests: (r, args, ctx) => ctx.loaders.requestsOfResident.load(r.id, args),
  household: (r, _, ctx) => loadExisting(ctx.loaders.household, r.householdId, 'household'),
  grid: (r, _, ctx) => loadExisting(ctx.loaders.grid, r.gridId, 'grid'),
};
