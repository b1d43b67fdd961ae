import type { ServiceRecordResolvers } from './generated/resolvers-types';

export const ServiceRecord: ServiceRecordResolvers = {
  shift: (r, _, ctx) => (r.shiftId ? ctx.loaders.shift.load(r.shiftId) : null),
};
