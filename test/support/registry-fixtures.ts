import { randomInt } from 'node:crypto';
import { idCardCheckDigit } from '../../services/residents/src/domain/personal-data';

let sequence = randomInt(0, 1000);

/**
 * A valid ID-card number for a birth date (region 620982, a synthetic code). The sequence part
 * counts up, so a process gets 1,000 distinct numbers per birth date.
 */
export function idCardFor(birthDate: string): string {
  sequence = (sequence + 1) % 1000;
  const first17 = `620982${birthDate.replace(/-/g, '')}${String(sequence).padStart(3, '0')}`;
  return `${first17}${idCardCheckDigit(first17)}`;
}

export const REGISTER_GRID = `mutation($name: String!) { createGrid(input: { name: $name }) { id name } }`;
export const REGISTER_BUILDING = `mutation($gridId: ID!, $name: String!) {
  registerBuilding(input: { name: $name, address: "1 Mingshan Road", gridId: $gridId }) { id } }`;
export const REGISTER_HOUSEHOLD = `mutation($buildingId: ID!, $room: String!) {
  registerHousehold(input: { buildingId: $buildingId, unit: "1", room: $room }) { id address grid { id } } }`;
export const REGISTER_RESIDENT = `mutation($input: RegisterResidentInput!) {
  registerResident(input: $input) { id name age idCardNumber phone status household { id address } grid { id } } }`;

/** Input for a valid adult resident of `householdId`. */
export function residentInput(
  householdId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const birthDate = (overrides.birthDate as string | undefined) ?? '1962-05-17';
  return {
    householdId,
    name: 'Wen Shuyi',
    gender: 'FEMALE',
    birthDate,
    idCardNumber: idCardFor(birthDate),
    phone: '13912345678',
    residencyType: 'REGISTERED',
    relationshipToHead: 'OTHER',
    tags: ['elderly_living_alone'],
    ...overrides,
  };
}

type Call = (
  query: string,
  variables?: Record<string, unknown>,
) => Promise<{ data?: unknown; errors?: unknown }>;

function dataOf<T>(res: { data?: unknown; errors?: unknown }, field: string): T {
  const data = res.data as Record<string, T> | null | undefined;
  const value = data?.[field];
  if (value === undefined || value === null)
    throw new Error(`${field} failed: ${JSON.stringify(res.errors)}`);
  return value;
}

/** Creates a grid, a building in it and a household, as staff; returns their ids. */
export async function seedHousehold(call: Call, room = String(randomInt(100, 10000))) {
  const grid = dataOf<{ id: string }>(
    await call(REGISTER_GRID, { name: `Grid ${room}` }),
    'createGrid',
  );
  const building = dataOf<{ id: string }>(
    await call(REGISTER_BUILDING, { gridId: grid.id, name: `Building ${room}` }),
    'registerBuilding',
  );
  const household = dataOf<{ id: string }>(
    await call(REGISTER_HOUSEHOLD, { buildingId: building.id, room }),
    'registerHousehold',
  );
  return { gridId: grid.id, buildingId: building.id, householdId: household.id };
}

export { dataOf };
