import type { ConsumerDefinition } from '@liyuan/kit';
import {
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  ServiceRequestFiled,
  type Envelope,
} from '@liyuan/schemas';
import type { z } from 'zod';
import { Cases } from '../domain/cases';
import { createTx } from '../schema/context';

const dataOf = <T extends { data: z.ZodType }>(_: T, e: Envelope): z.infer<T['data']> =>
  e.data as z.infer<T['data']>;

export const MEDIATION_CONSUMER_GROUP = 'mediation';

/**
 * What mediation reacts to: a dispute filed at the service hall opens a case (once per request;
 * its CaseFiled tells residents the request is referred), and a party moving out flags their open
 * cases.
 */
export function mediationConsumers(): ConsumerDefinition[] {
  return [
    {
      groupId: MEDIATION_CONSUMER_GROUP,
      topics: [RESIDENTS_TOPICS.serviceRequest, RESIDENTS_TOPICS.resident],
      handlers: {
        [ServiceRequestFiled.type]: async (event, manager) => {
          const data = dataOf(ServiceRequestFiled, event);
          if (data.type !== 'dispute') return;
          await Cases.fromServiceRequest(createTx(manager, event.traceparent), data);
        },
        [ResidentMovedOut.type]: async (event, manager, { logger }) => {
          const data = dataOf(ResidentMovedOut, event);
          const flagged = await createTx(manager, event.traceparent).store.flagOpenCasesOf(
            data.residentId,
          );
          logger.info(
            { residentId: data.residentId, flagged },
            'open cases of a moved-out party flagged',
          );
        },
      },
    },
  ];
}
