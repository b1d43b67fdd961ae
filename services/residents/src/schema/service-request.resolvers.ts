import type { ServiceRequest as ServiceRequestModel } from '../domain/model';
import { canReadRequest } from '../domain/service-requests';
import type { ResidentsContext } from './context';

export const ServiceRequest = {
  __resolveReference: async (ref: { id: string }, ctx: ResidentsContext) => {
    const request = await ctx.loaders.serviceRequest.load(ref.id);
    return request && canReadRequest(ctx.caller, request) ? request : null;
  },
  resident: (r: ServiceRequestModel, _: unknown, ctx: ResidentsContext) =>
    ctx.loaders.resident.load(r.residentId),
  history: (r: ServiceRequestModel, _: unknown, ctx: ResidentsContext) =>
    ctx.loaders.requestChanges.load(r.id),
};
