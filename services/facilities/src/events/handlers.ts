import type { ConsumerDefinition } from '@liyuan/kit';
import {
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  SHARED_SPACES_TOPICS,
  ServiceRequestFiled,
  SpaceActivityScheduled,
  payloadOf,
} from '@liyuan/schemas';
import { Bookings } from '../domain/bookings';
import { Maintenance } from '../domain/maintenance';
import { createTx } from '../schema/context';

/** The consumer group of the facilities service. */
export const FACILITIES_CONSUMER_GROUP = 'facilities';

/**
 * What facilities reacts to: a shared-space activity's venue request (booked and answered), a
 * facility-fault service request (a repair order), and a resident moving out (future bookings
 * cancelled, open loans flagged). Each runs in the consumer's transaction, so a redelivered event
 * changes nothing.
 */
export function facilitiesConsumers(): ConsumerDefinition[] {
  return [
    {
      groupId: FACILITIES_CONSUMER_GROUP,
      topics: [
        SHARED_SPACES_TOPICS.activity,
        RESIDENTS_TOPICS.serviceRequest,
        RESIDENTS_TOPICS.resident,
      ],
      handlers: {
        [SpaceActivityScheduled.type]: async (event, manager, { logger }) => {
          const data = payloadOf(SpaceActivityScheduled, event);
          const answer = await Bookings.requestVenue(
            createTx(manager, event.traceparent),
            data,
            new Date(),
          );
          logger.info({ activityId: data.activityId, answer }, 'venue request answered');
        },
        [ServiceRequestFiled.type]: async (event, manager) => {
          const data = payloadOf(ServiceRequestFiled, event);
          if (data.type !== 'facility_fault') return;
          await Maintenance.openForServiceRequest(
            createTx(manager, event.traceparent),
            data.requestId,
          );
        },
        [ResidentMovedOut.type]: async (event, manager, { logger }) => {
          const data = payloadOf(ResidentMovedOut, event);
          const tx = createTx(manager, event.traceparent);
          const cancelled = await Bookings.cancelForMovedOut(tx, data.residentId, new Date());
          const flagged = await tx.store.flagOpenLoansOf(data.residentId);
          logger.info(
            { residentId: data.residentId, cancelled, flagged },
            'moved-out resident handled',
          );
        },
      },
    },
  ];
}
