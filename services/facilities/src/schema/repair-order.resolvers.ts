import type { RepairOrderResolvers } from './generated/resolvers-types';

export const RepairOrder: RepairOrderResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.repairOrder.load(ref.id),
  equipment: (o, _, ctx) => (o.equipmentId ? ctx.loaders.equipment.load(o.equipmentId) : null),
  facility: (o, _, ctx) => (o.facilityId ? ctx.loaders.facility.load(o.facilityId) : null),
};
