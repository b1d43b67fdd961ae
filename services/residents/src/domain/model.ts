/** The registry as the domain sees it: plain values, no ORM and no GraphQL. */

export const GENDERS = ['male', 'female'] as const;
export type Gender = (typeof GENDERS)[number];

export const RESIDENCY_TYPES = ['registered', 'permanent', 'floating'] as const;
export type ResidencyType = (typeof RESIDENCY_TYPES)[number];

export const RESIDENT_STATUSES = ['active', 'moved_out', 'deceased'] as const;
export type ResidentStatus = (typeof RESIDENT_STATUSES)[number];

export const RELATIONSHIPS = [
  'head',
  'spouse',
  'child',
  'parent',
  'grandchild',
  'grandparent',
  'sibling',
  'child_in_law',
  'other',
] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export interface Grid {
  id: string;
  name: string;
  parentId: string | null;
}

export interface Building {
  id: string;
  name: string;
  address: string;
  gridId: string;
}

export interface Household {
  id: string;
  buildingId: string;
  gridId: string;
  unit: string;
  room: string;
  headResidentId: string | null;
}

export interface Resident {
  id: string;
  householdId: string;
  name: string;
  gender: Gender;
  birthDate: string;
  idCardNumber: string;
  phone: string | null;
  residencyType: ResidencyType;
  status: ResidentStatus;
  relationshipToHead: Relationship;
  tags: string[];
  movedOutOn: string | null;
  registeredAt: Date;
}

/** A resident with the grid of their household, which decides who may see and manage them. */
export interface ResidentInGrid extends Resident {
  gridId: string;
}

export interface GridMember {
  id: string;
  userId: string;
  name: string;
}

/** Listing filters, already validated. */
export interface ResidentQuery {
  gridIds?: string[];
  tag?: string;
  status?: ResidentStatus;
  bornOnOrAfter?: string;
  bornOnOrBefore?: string;
  name?: string;
  onlyResidentId?: string;
  after?: { name: string; id: string };
  limit: number;
}

/** One unmasked read of a personal field, as audited (the value itself is never recorded). */
export interface PersonalDataAccess {
  actorUserId: string;
  actorRoles: string[];
  residentId: string;
  field: string;
  requestId: string;
}
