import { connectionResolvers } from '@liyuan/kit';
import type { ServiceRequest } from '../domain/model';
import type { ServiceRequestConnectionResolvers } from './generated/resolvers-types';

/** A page of service requests; the total is counted only when asked for. */
export const ServiceRequestConnection: ServiceRequestConnectionResolvers = {
  ...connectionResolvers<ServiceRequest>(),
};
