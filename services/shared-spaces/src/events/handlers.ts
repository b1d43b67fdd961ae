import type { ConsumerDefinition } from '@liyuan/kit';
import {
  BookingConfirmed,
  BookingRejected,
  FACILITIES_TOPICS,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  VOLUNTEERS_TOPICS,
  VolunteerServiceApproved,
  type Envelope,
} from '@liyuan/schemas';
import type { z } from 'zod';
import { Spaces } from '../domain/spaces';
import { createTx } from '../schema/context';

const dataOf = <T extends { data: z.ZodType }>(_: T, e: Envelope): z.infer<T['data']> =>
  e.data as z.infer<T['data']>;

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
          const data = dataOf(BookingConfirmed, event);
          if (data.activityId)
            await Spaces.venueAnswered(
              createTx(manager, event.traceparent),
              data.activityId,
              true,
              null,
            );
        },
        [BookingRejected.type]: async (event, manager) => {
          const data = dataOf(BookingRejected, event);
          if (data.activityId)
            await Spaces.venueAnswered(
              createTx(manager, event.traceparent),
              data.activityId,
              false,
              data.reason,
            );
        },
        [VolunteerServiceApproved.type]: async (event, manager) => {
          const data = dataOf(VolunteerServiceApproved, event);
          await Spaces.creditService(
            createTx(manager, event.traceparent),
            data.residentId,
            data.serviceRecordId,
            data.hours,
          );
        },
        [ResidentMovedOut.type]: async (event, manager, { logger }) => {
          const data = dataOf(ResidentMovedOut, event);
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
