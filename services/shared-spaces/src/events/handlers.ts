import type { ConsumerDefinition } from '@liyuan/kit';
import {
  BookingConfirmed,
  BookingRejected,
  FACILITIES_TOPICS,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  VOLUNTEERS_TOPICS,
  VolunteerServiceApproved,
  payloadOf,
} from '@liyuan/schemas';
import { Spaces } from '../domain/spaces';
import { createTx } from '../schema/context';

export const SHARED_SPACES_CONSUMER_GROUP = 'shared-spaces';

/**
 * What shared-spaces reacts to: the facilities answer to a venue request (the second half of the
 * saga), approved volunteer service of a party member (points, once per record), and a resident
 * moving out (membership transferred, future registrations cancelled).
 */
export function sharedSpacesConsumers(): ConsumerDefinition[] {
  return [
    {
      groupId: SHARED_SPACES_CONSUMER_GROUP,
      topics: [FACILITIES_TOPICS.booking, VOLUNTEERS_TOPICS.service, RESIDENTS_TOPICS.resident],
      handlers: {
        [BookingConfirmed.type]: async (event, manager) => {
          const data = payloadOf(BookingConfirmed, event);
          if (data.activityId)
            await Spaces.venueAnswered(
              createTx(manager, event.traceparent),
              data.activityId,
              true,
              null,
            );
        },
        [BookingRejected.type]: async (event, manager) => {
          const data = payloadOf(BookingRejected, event);
          if (data.activityId)
            await Spaces.venueAnswered(
              createTx(manager, event.traceparent),
              data.activityId,
              false,
              data.reason,
            );
        },
        [VolunteerServiceApproved.type]: async (event, manager) => {
          const data = payloadOf(VolunteerServiceApproved, event);
          await Spaces.creditService(
            createTx(manager, event.traceparent),
            data.residentId,
            data.serviceRecordId,
            data.hours,
          );
        },
        [ResidentMovedOut.type]: async (event, manager, { logger }) => {
          const data = payloadOf(ResidentMovedOut, event);
          const { store } = createTx(manager, event.traceparent);
          const transferred = await store.transferMember(data.residentId);
          const cancelled = await store.cancelFutureRegistrationsOf(data.residentId, new Date());
          logger.info(
            { residentId: data.residentId, transferred, cancelled },
            'moved-out resident handled',
          );
        },
      },
    },
  ];
}
