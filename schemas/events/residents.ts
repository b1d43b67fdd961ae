import { z } from 'zod';
import { defineEvent } from './envelope';

/** Topics the residents service publishes to, one per aggregate. */
export const RESIDENTS_TOPICS = {
  resident: 'residents.resident.v1',
  household: 'residents.household.v1',
  building: 'residents.building.v1',
  grid: 'residents.grid.v1',
} as const;

const id = z.uuid();
const date = z.iso.date();

export const ResidentRegistered = defineEvent('ResidentRegistered', RESIDENTS_TOPICS.resident, {
  residentId: id,
  householdId: id,
  gridId: id,
  status: z.enum(['active', 'moved_out', 'deceased']),
  residencyType: z.enum(['registered', 'permanent', 'floating']),
  tags: z.array(z.string()),
});

export const ResidentUpdated = defineEvent('ResidentUpdated', RESIDENTS_TOPICS.resident, {
  residentId: id,
  householdId: id,
  gridId: id,
  /** Names of the fields that changed (values of personal fields are never carried). */
  changed: z.array(z.string()).min(1),
});

export const ResidentMovedOut = defineEvent('ResidentMovedOut', RESIDENTS_TOPICS.resident, {
  residentId: id,
  householdId: id,
  gridId: id,
  movedOutOn: date,
});

export const HouseholdRegistered = defineEvent('HouseholdRegistered', RESIDENTS_TOPICS.household, {
  householdId: id,
  buildingId: id,
  gridId: id,
});

export const BuildingRegistered = defineEvent('BuildingRegistered', RESIDENTS_TOPICS.building, {
  buildingId: id,
  gridId: id,
});

export const GridCreated = defineEvent('GridCreated', RESIDENTS_TOPICS.grid, {
  gridId: id,
  parentId: id.nullable(),
});

export const GridMemberAssigned = defineEvent('GridMemberAssigned', RESIDENTS_TOPICS.grid, {
  gridId: id,
  gridMemberId: id,
  userId: z.string().min(1),
});

export const residentsEvents = [
  ResidentRegistered,
  ResidentUpdated,
  ResidentMovedOut,
  HouseholdRegistered,
  BuildingRegistered,
  GridCreated,
  GridMemberAssigned,
] as const;
