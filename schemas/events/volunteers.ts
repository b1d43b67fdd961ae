import { z } from 'zod';
import { defineEvent } from './envelope';

/** Contracts of the volunteers service's events that other services consume. */
export const VOLUNTEERS_TOPICS = {
  service: 'volunteers.service.v1',
  team: 'volunteers.team.v1',
} as const;

/** A team was created with its lead; facilities lets that lead (and facility staff) book for it. */
export const TeamCreated = defineEvent('TeamCreated', VOLUNTEERS_TOPICS.team, {
  teamId: z.uuid(),
  /** The lead's user id in the identity provider (the token's `sub`). */
  leadUserId: z.string().min(1),
});

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

export const volunteersEvents = [VolunteerServiceApproved, TeamCreated] as const;
