import type { ServiceRecord as ServiceRecordModel } from '../domain/model';
import type { VolunteersContext as Ctx } from './context';

export const ServiceRecord = {
  status: (r: ServiceRecordModel) => r.status.toUpperCase(),
  shift: (r: ServiceRecordModel, _: unknown, ctx: Ctx) =>
    r.shiftId ? ctx.loaders.shift.load(r.shiftId) : null,
};
