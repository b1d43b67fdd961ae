import { knownFacilityHandlers, type ConsumerDefinition } from '@liyuan/kit';
import {
  ActivityCompleted,
  EquipmentFaultReported,
  FACILITIES_TOPICS,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  ResidentRegistered,
  ResidentUpdated,
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
        [ResidentRegistered.type]: async (event, manager) => {
          await Volunteering.residentsAnnounced(createTx(manager, event.traceparent), [
            payloadOf(ResidentRegistered, event),
          ]);
        },
        [ResidentUpdated.type]: async (event, manager) => {
          await Volunteering.residentsAnnounced(createTx(manager, event.traceparent), [
            { ...payloadOf(ResidentUpdated, event), status: null },
          ]);
        },
        [ResidentMovedOut.type]: async (event, manager) => {
          await Volunteering.residentMovedOut(
            createTx(manager, event.traceparent),
            payloadOf(ResidentMovedOut, event),
            new Date(),
          );
        },
      },
      batchHandlers: {
        ...facilities.batchHandlers,
        // A registry import announces residents by the thousand: one statement per run of them.
        [ResidentRegistered.type]: async (events, manager) => {
          await Volunteering.residentsAnnounced(
            createTx(manager, events[0]!.traceparent),
            events.map((e) => payloadOf(ResidentRegistered, e)),
          );
        },
      },
    },
  ];
}
