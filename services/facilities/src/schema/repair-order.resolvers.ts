import type { RepairOrder as RepairOrderModel } from '../domain/model';
import type { FacilitiesContext as Ctx } from './context';

export const RepairOrder = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.repairOrder.load(ref.id),
  equipment: (o: RepairOrderModel, _: unknown, ctx: Ctx) =>
    o.equipmentId ? ctx.loaders.equipment.load(o.equipmentId) : null,
  facility: (o: RepairOrderModel, _: unknown, ctx: Ctx) =>
    o.facilityId ? ctx.loaders.facility.load(o.facilityId) : null,
  source: (o: RepairOrderModel) => o.source.toUpperCase(),
};
