import { loadExisting } from '@liyuan/kit';
import type { EquipmentResolvers } from './generated/resolvers-types';

export const Equipment: EquipmentResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.equipment.load(ref.id),
  facility: (e, _, ctx) => loadExisting(ctx.loaders.facility, e.facilityId, 'facility'),
  inspections: (e, args, ctx) => ctx.loaders.inspectionsOf.load(e.id, args),
  repairOrders: (e, args, ctx) => ctx.loaders.repairOrdersOf.load(e.id, args),
};
