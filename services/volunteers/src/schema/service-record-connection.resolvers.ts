import { connectionResolvers } from '@liyuan/kit';
import type { ServiceRecord } from '../domain/model';
import type { ServiceRecordConnectionResolvers } from './generated/resolvers-types';

/** A page of a volunteer's service records; the total is counted only when asked for. */
export const ServiceRecordConnection: ServiceRecordConnectionResolvers = {
  ...connectionResolvers<ServiceRecord>(),
};
