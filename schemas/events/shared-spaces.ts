import { z } from 'zod';
import { defineEvent } from './envelope';

/** Contracts of the shared-spaces service's events that other services consume. */
export const SHARED_SPACES_TOPICS = {
  activity: 'shared-spaces.activity.v1',
} as const;

const id = z.uuid();

/**
 * An activity was scheduled in a shared space and asks facilities for its venue (the first half
 * of the venue saga; facilities answers BookingConfirmed or BookingRejected with the activity id).
 */
export const SpaceActivityScheduled = defineEvent(
  'SpaceActivityScheduled',
  SHARED_SPACES_TOPICS.activity,
  {
    activityId: id,
    spaceId: id,
    facilityId: id,
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    expectedAttendees: z.number().int().min(1),
  },
);

/** An activity took place: who attended and who staffed it (volunteers log their hours from this). */
export const ActivityCompleted = defineEvent('ActivityCompleted', SHARED_SPACES_TOPICS.activity, {
  activityId: id,
  spaceId: id,
  attendeeResidentIds: z.array(id),
  staffResidentIds: z.array(id),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
});

/**
 * Residents registered for an activity or withdrew (themselves, or by moving out): how many places
 * are taken now. Counts only, never who: what an activity's live view follows.
 */
export const ActivityRegistrationChanged = defineEvent(
  'ActivityRegistrationChanged',
  SHARED_SPACES_TOPICS.activity,
  {
    activityId: id,
    registeredCount: z.number().int().min(0),
    capacity: z.number().int().min(1),
  },
);

/**
 * An activity was called off before it started; facilities releases its venue (the booking made
 * for it is cancelled).
 */
export const ActivityCancelled = defineEvent('ActivityCancelled', SHARED_SPACES_TOPICS.activity, {
  activityId: id,
  spaceId: id,
  facilityId: id,
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
});

export const sharedSpacesEvents = [
  SpaceActivityScheduled,
  ActivityCompleted,
  ActivityRegistrationChanged,
  ActivityCancelled,
] as const;
