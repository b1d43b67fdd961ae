import type { Equipment as EquipmentModel } from '../domain/model';
import type { FacilitiesContext as Ctx } from './context';

export const Equipment = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.equipment.load(ref.id),
  facility: (e: EquipmentModel, _: unknown, ctx: Ctx) => ctx.loaders.facility.load(e.facilityId),
  inspections: (e: EquipmentModel, _: unknown, ctx: Ctx) => ctx.loaders.inspectionsOf.load(e.id),
  repairOrders: (e: EquipmentModel, _: unknown, ctx: Ctx) => ctx.loaders.repairOrdersOf.load(e.id),
};
