import { z } from 'zod';
import { defineEvent } from './envelope';

/** Contracts of the volunteers service's events that other services consume. */
export const VOLUNTEERS_TOPICS = {
  service: 'volunteers.service.v1',
} as const;

/** A team lead approved a volunteer's hours; shared-spaces credits points to a party member who served. */
export const VolunteerServiceApproved = defineEvent(
  'VolunteerServiceApproved',
  VOLUNTEERS_TOPICS.service,
  {
    serviceRecordId: z.uuid(),
    residentId: z.uuid(),
    hours: z.number().positive(),
    approvedAt: z.iso.datetime({ offset: true }),
  },
);

export const volunteersEvents = [VolunteerServiceApproved] as const;
