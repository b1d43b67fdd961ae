import { knownResidentHandlers, recordKnownResidents, type ConsumerDefinition } from '@liyuan/kit';
import {
  ActivityCancelled,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  SHARED_SPACES_TOPICS,
  ServiceRequestFiled,
  SpaceActivityScheduled,
  TeamCreated,
  VOLUNTEERS_TOPICS,
  payloadOf,
} from '@liyuan/schemas';
import { createTx } from '../app';
import { Bookings } from '../domain/bookings';
import { Library } from '../domain/library';
import { Maintenance } from '../domain/maintenance';

/** The consumer group of the facilities service. */
export const FACILITIES_CONSUMER_GROUP = 'facilities';

/**
 * What facilities reacts to: a shared-space activity's venue request (booked and answered) and its
 * cancellation (the booking released), a facility-fault service request (a repair order),
 * residents registered, updated or moving out (what it knows of the registry, to check the
 * residents bookings and loans name; a move-out also cancels future bookings and flags open loans)
 * and teams created (who leads which team, to check team bookings). Each runs in the consumer's
 * transaction, so a redelivered event changes nothing.
 */
export function facilitiesConsumers(): ConsumerDefinition[] {
  const known = knownResidentHandlers();
  return [
    {
      groupId: FACILITIES_CONSUMER_GROUP,
      topics: [
        SHARED_SPACES_TOPICS.activity,
        RESIDENTS_TOPICS.serviceRequest,
        RESIDENTS_TOPICS.resident,
        VOLUNTEERS_TOPICS.team,
      ],
      handlers: {
        ...known.handlers,
        [SpaceActivityScheduled.type]: async (event, manager, { logger }) => {
          const data = payloadOf(SpaceActivityScheduled, event);
          const answer = await Bookings.requestVenue(
            createTx(manager, event.traceparent),
            data,
            new Date(),
          );
          logger.info({ activityId: data.activityId, answer }, 'venue request answered');
        },
        [ActivityCancelled.type]: async (event, manager, { logger }) => {
          const data = payloadOf(ActivityCancelled, event);
          const released = await Bookings.activityCancelled(
            createTx(manager, event.traceparent),
            data.activityId,
            new Date(),
          );
          logger.info({ activityId: data.activityId, released }, 'cancelled activity handled');
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
          await recordKnownResidents(manager, [{ ...data, status: 'moved_out' }]);
          const tx = createTx(manager, event.traceparent);
          const cancelled = await Bookings.cancelForMovedOut(tx, data.residentId, new Date());
          const flagged = await Library.flagLoansOfMovedOut(tx, data.residentId);
          logger.info(
            { residentId: data.residentId, cancelled, flagged },
            'moved-out resident handled',
          );
        },
        [TeamCreated.type]: async (event, manager) => {
          const data = payloadOf(TeamCreated, event);
          await Bookings.teamCreated(
            createTx(manager, event.traceparent),
            data.teamId,
            data.leadUserId,
          );
        },
      },
      batchHandlers: known.batchHandlers,
    },
  ];
}
