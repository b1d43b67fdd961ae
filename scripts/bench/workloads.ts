import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoId } from '@liyuan/kit';
import { BOOKING_HORIZON_DAYS } from '../../services/facilities/src/domain/bookings';
import { REPO_ROOT } from '../config';

// The workloads' operations and request bodies, shared by the benchmark (npm run bench) and the
// soak (npm run soak): W1 a resident across every subgraph, W1-registry one subgraph's query, W2 a
// grid's residents, W3 facility bookings (conflicts expected).

export const WHOLE_RESIDENT = readFileSync(
  join(REPO_ROOT, 'test/operations/WholeResident.graphql'),
  'utf8',
);
export const RESIDENT_REGISTRY = `query ResidentRegistry($id: ID!) {
  resident(id: $id) {
    name age phone(purpose: "service desk") status tags
    household { address members { name relationshipToHead } }
    grid { name }
    serviceRequests { edges { node { type status } } }
  }
}`;
export const GRID_LIST = `query GridList($gridId: ID!) {
  residents(first: 50, filter: { gridId: $gridId }) {
    edges { node {
      id name
      bookings { edges { node { startsAt status } } }
      loans { edges { node { dueOn } } }
      partyMembership { points }
      volunteerProfile { points approvedHours }
      mediationCases { edges { node { category status } } }
    } }
  }
}`;
export const BOOK = `mutation Book($input: BookFacilityInput!) {
  bookFacility(input: $input) { id status }
}`;

/** A random element; `random` defaults to Math.random (the soak passes its seeded generator). */
export const pick = <T>(xs: readonly T[], random: () => number = Math.random): T =>
  xs[Math.floor(random() * xs.length)]!;

/** Request bodies of the workloads, each call with a random resident, grid or booking slot. */
export interface Bodies {
  whole: () => string;
  registry: () => string;
  list: () => string;
  booking: () => string;
}

/** What the demo data holds. */
export interface DataSet {
  residents: number;
  grids: number;
  facilities: number;
}

/** Reads the data set (residents, open facilities) from the running demo data through `url`. */
export async function loadDataSet(
  url: string,
  headers: Record<string, string>,
  random: () => number = Math.random,
): Promise<{ bodies: Bodies; data: DataSet; residentIds: string[]; gridIds: string[] }> {
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors) throw new Error(`setup query failed: ${JSON.stringify(body.errors)}`);
    return body.data!;
  };
  const counted = (await gql('{ residents(first: 1) { totalCount } }')) as {
    residents: { totalCount: number };
  };
  const residents = counted.residents.totalCount;
  const residentIds = Array.from({ length: residents }, (_, i) => demoId('resident', i + 1));
  const gridIds = Array.from({ length: 8 }, (_, i) => demoId('grid', i + 1));
  const { facilities } = (await gql('{ facilities { id capacity opensAt closesAt status } }')) as {
    facilities: {
      id: string;
      capacity: number;
      opensAt: string;
      closesAt: string;
      status: string;
    }[];
  };
  const open = facilities.filter((f) => f.status === 'OPEN' || f.status === 'open');
  const clock = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const DAY = 86_400_000;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const booking = () => {
    const f = pick(open, random);
    const opens = clock(f.opensAt);
    const closes = clock(f.closesAt);
    // Half-hour slots on a random day from tomorrow to the booking horizon (Beijing time is
    // UTC+8). Days beyond the horizon would be refused as bad input, not booked: the benchmark
    // once drew them up to 1,900 days ahead and measured mostly refusals.
    const slots = Math.max(1, Math.floor((closes - opens - 30) / 30));
    const startMin = opens + 30 * Math.floor(random() * slots);
    const day = today + DAY * (2 + Math.floor(random() * (BOOKING_HORIZON_DAYS - 3)));
    const startsAt = new Date(day + (startMin - 8 * 60) * 60_000);
    return JSON.stringify({
      query: BOOK,
      variables: {
        input: {
          facilityId: f.id,
          startsAt: startsAt.toISOString(),
          endsAt: new Date(startsAt.getTime() + 30 * 60_000).toISOString(),
          attendees: 1,
          purpose: 'benchmark',
          residentId: pick(residentIds, random),
        },
      },
    });
  };
  return {
    bodies: {
      whole: () =>
        JSON.stringify({ query: WHOLE_RESIDENT, variables: { id: pick(residentIds, random) } }),
      registry: () =>
        JSON.stringify({ query: RESIDENT_REGISTRY, variables: { id: pick(residentIds, random) } }),
      list: () =>
        JSON.stringify({ query: GRID_LIST, variables: { gridId: pick(gridIds, random) } }),
      booking,
    },
    data: { residents, grids: gridIds.length, facilities: open.length },
    residentIds,
    gridIds,
  };
}
