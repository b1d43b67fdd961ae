import { loadExisting } from '@liyuan/kit';
import { canReadRequest } from '../domain/service-requests';
import type { ServiceRequestResolvers } from './generated/resolvers-types';

export const ServiceRequest: ServiceRequestResolvers = {
  __resolveReference: async (ref, ctx) => {
    const request = await ctx.loaders.serviceRequest.load(ref.id);
    return request && canReadRequest(ctx.caller, request) ? request : null;
  },
  resident: (r, _, ctx) => loadExisting(ctx.loaders.resident, r.residentId, 'resident'),
  history: (r, _, ctx) => ctx.loaders.requestChanges.load(r.id),
};
