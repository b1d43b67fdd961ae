import { z } from 'zod';
import { defineEvent } from './envelope';

/** Contracts of the volunteers service's events that other services consume. */
export const VOLUNTEERS_TOPICS = {
  service: 'volunteers.service.v1',
  team: 'volunteers.team.v1',
  opportunity: 'volunteers.opportunity.v1',
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

/**
 * A volunteer signed up for a shift or withdrew (themselves, or by moving out): how many of its
 * slots are taken now. Counts only, never who: what a shift's live view follows.
 */
export const ShiftSlotsChanged = defineEvent('ShiftSlotsChanged', VOLUNTEERS_TOPICS.opportunity, {
  shiftId: z.uuid(),
  opportunityId: z.uuid(),
  slots: z.number().int().min(1),
  taken: z.number().int().min(0),
});

export const volunteersEvents = [VolunteerServiceApproved, TeamCreated, ShiftSlotsChanged] as const;
