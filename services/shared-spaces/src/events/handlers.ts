import {
  knownFacilityHandlers,
  knownResidentHandlers,
  recordKnownResidents,
  type ConsumerDefinition,
} from '@liyuan/kit';
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
import { createTx } from '../app';
import { Spaces } from '../domain/spaces';

export const SHARED_SPACES_CONSUMER_GROUP = 'shared-spaces';

/**
 * What shared-spaces reacts to: the facilities answer to a venue request (the second half of the
 * saga), approved volunteer service of a party member (points, once per record), residents
 * registered or updated and facilities added (what it knows of them, to check the residents and
 * facilities it is named), and a resident moving out (known as moved out, membership transferred,
 * future registrations cancelled).
 */
export function sharedSpacesConsumers(): ConsumerDefinition[] {
  const residents = knownResidentHandlers();
  const facilities = knownFacilityHandlers();
  return [
    {
      groupId: SHARED_SPACES_CONSUMER_GROUP,
      topics: [
        FACILITIES_TOPICS.booking,
        FACILITIES_TOPICS.facility,
        VOLUNTEERS_TOPICS.service,
        RESIDENTS_TOPICS.resident,
      ],
      batchHandlers: { ...residents.batchHandlers, ...facilities.batchHandlers },
      handlers: {
        ...residents.handlers,
        ...facilities.handlers,
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
          await recordKnownResidents(manager, [{ ...data, status: 'moved_out' }]);
          const done = await Spaces.residentMovedOut(
            createTx(manager, event.traceparent),
            data.residentId,
            new Date(),
          );
          logger.info({ residentId: data.residentId, ...done }, 'moved-out resident handled');
        },
      },
    },
  ];
}
