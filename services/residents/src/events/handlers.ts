import type { ConsumerDefinition } from '@liyuan/kit';
import {
  AgreementReached,
  CaseFiled,
  FACILITIES_TOPICS,
  MEDIATION_TOPICS,
  RepairOrderOpened,
  payloadOf,
} from '@liyuan/schemas';
import { createTx } from '../app';
import { ServiceRequests } from '../domain/service-requests';
import { Visits } from '../domain/visits';

/** The consumer group of the residents service. */
export const RESIDENTS_CONSUMER_GROUP = 'residents';

/**
 * What residents reacts to: mediation opening a case for a dispute request and facilities opening
 * a repair order for a fault request mark the request referred; an agreement schedules follow-up
 * visits to the parties' households. Effects run in the consumer's transaction (idempotent) and
 * their own events carry the incoming event's trace.
 */
export function residentsConsumers(): ConsumerDefinition[] {
  return [
    {
      groupId: RESIDENTS_CONSUMER_GROUP,
      topics: [MEDIATION_TOPICS.case, FACILITIES_TOPICS.repairOrder],
      handlers: {
        [CaseFiled.type]: async (event, manager, { logger }) => {
          const data = payloadOf(CaseFiled, event);
          if (!data.serviceRequestId) return;
          await ServiceRequests.markReferred(
            createTx(manager, event.traceparent),
            data.serviceRequestId,
            'mediation',
            data.caseId,
            logger,
          );
        },
        [RepairOrderOpened.type]: async (event, manager, { logger }) => {
          const data = payloadOf(RepairOrderOpened, event);
          if (!data.serviceRequestId) return;
          await ServiceRequests.markReferred(
            createTx(manager, event.traceparent),
            data.serviceRequestId,
            'facilities',
            data.repairOrderId,
            logger,
          );
        },
        [AgreementReached.type]: async (event, manager, { logger }) => {
          const data = payloadOf(AgreementReached, event);
          const scheduled = await Visits.scheduleAgreementFollowUps(
            createTx(manager, event.traceparent),
            data,
          );
          logger.info(
            { agreementId: data.agreementId, scheduled },
            'follow-up visits scheduled after agreement',
          );
        },
      },
    },
  ];
}
