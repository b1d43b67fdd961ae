import { z } from 'zod';
import { defineEvent } from './envelope';

/** Contracts of the facilities service's events that other services consume. */
export const FACILITIES_TOPICS = {
  repairOrder: 'facilities.repair-order.v1',
} as const;

const id = z.uuid();

/** A repair order was opened; `serviceRequestId` is set when a resident's fault report caused it. */
export const RepairOrderOpened = defineEvent('RepairOrderOpened', FACILITIES_TOPICS.repairOrder, {
  repairOrderId: id,
  equipmentId: id.nullable(),
  facilityId: id.nullable(),
  serviceRequestId: id.nullable(),
});

export const facilitiesEvents = [RepairOrderOpened] as const;
