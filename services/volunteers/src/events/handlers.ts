import {
  knownFacilityHandlers,
  knownResidentHandlers,
  recordKnownResidents,
  type ConsumerDefinition,
} from '@liyuan/kit';
import {
  ActivityCompleted,
  EquipmentFaultReported,
  FACILITIES_TOPICS,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  SHARED_SPACES_TOPICS,
  payloadOf,
} from '@liyuan/schemas';
import { createTx } from '../app';
import { Volunteering } from '../domain/volunteering';

export const VOLUNTEERS_CONSUMER_GROUP = 'volunteers';

/**
 * What volunteers reacts to: residents registered, updated or moved out (what it knows of the
 * registry, to check the residents staff name and to group volunteers by grid), facilities added
 * (where an opportunity may be located), broken equipment (a repair opportunity for the repair
 * team, once per repair order), a completed shared-space activity (hours logged for the volunteers
 * who staffed it, once), and a resident moving out (deactivated, future sign-ups cancelled).
 */
export function volunteersConsumers(): ConsumerDefinition[] {
  const residents = knownResidentHandlers();
  const facilities = knownFacilityHandlers();
  return [
    {
      groupId: VOLUNTEERS_CONSUMER_GROUP,
      topics: [
        FACILITIES_TOPICS.facility,
        FACILITIES_TOPICS.equipment,
        SHARED_SPACES_TOPICS.activity,
        RESIDENTS_TOPICS.resident,
      ],
      handlers: {
        ...residents.handlers,
        ...facilities.handlers,
        [EquipmentFaultReported.type]: async (event, manager) => {
          await Volunteering.postRepair(
            createTx(manager, event.traceparent),
            payloadOf(EquipmentFaultReported, event),
            new Date(),
          );
        },
        [ActivityCompleted.type]: async (event, manager) => {
          await Volunteering.logActivity(
            createTx(manager, event.traceparent),
            payloadOf(ActivityCompleted, event),
          );
        },
        [ResidentMovedOut.type]: async (event, manager) => {
          const data = payloadOf(ResidentMovedOut, event);
          await recordKnownResidents(manager, [{ ...data, status: 'moved_out' }]);
          await Volunteering.residentMovedOut(
            createTx(manager, event.traceparent),
            data.residentId,
            new Date(),
          );
        },
      },
      batchHandlers: { ...residents.batchHandlers, ...facilities.batchHandlers },
    },
  ];
}
