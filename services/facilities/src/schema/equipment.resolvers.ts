import { loadExisting } from '@liyuan/kit';
import type { EquipmentResolvers } from './generated/resolvers-types';

export const Equipment: EquipmentResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.equipment.load(ref.id),
  facility: (e, _, ctx) => loadExisting(ctx.loaders.facility, e.facilityId, 'facility'),
  inspections: (e, _, ctx) => ctx.loaders.inspectionsOf.load(e.id),
  repairOrders: (e, _, ctx) => ctx.loaders.repairOrdersOf.load(e.id),
};
