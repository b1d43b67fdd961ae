import { knownResidentHandlers, recordKnownResidents, type ConsumerDefinition } from '@liyuan/kit';
import {
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  ServiceRequestFiled,
  payloadOf,
} from '@liyuan/schemas';
import { createTx } from '../app';
import { Cases } from '../domain/cases';

export const MEDIATION_CONSUMER_GROUP = 'mediation';

/**
 * What mediation reacts to: a dispute filed at the service hall opens a case (once per request;
 * its CaseFiled tells residents the request is referred), residents registered, updated or moving
 * out (what it knows of the registry, to check the parties a case names; a move-out also flags the
 * party's open cases).
 */
export function mediationConsumers(): ConsumerDefinition[] {
  const known = knownResidentHandlers();
  return [
    {
      groupId: MEDIATION_CONSUMER_GROUP,
      topics: [RESIDENTS_TOPICS.serviceRequest, RESIDENTS_TOPICS.resident],
      handlers: {
        ...known.handlers,
        [ServiceRequestFiled.type]: async (event, manager) => {
          const data = payloadOf(ServiceRequestFiled, event);
          if (data.type !== 'dispute') return;
          await Cases.fromServiceRequest(createTx(manager, event.traceparent), data);
        },
        [ResidentMovedOut.type]: async (event, manager, { logger }) => {
          const data = payloadOf(ResidentMovedOut, event);
          await recordKnownResidents(manager, [{ ...data, status: 'moved_out' }]);
          const flagged = await Cases.flagCasesOfMovedOut(
            createTx(manager, event.traceparent),
            data.residentId,
          );
          logger.info(
            { residentId: data.residentId, flagged },
            'open cases of a moved-out party flagged',
          );
        },
      },
      batchHandlers: known.batchHandlers,
    },
  ];
}
