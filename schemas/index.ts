import type { EventContract } from './events/envelope';
import { facilitiesEvents } from './events/facilities';
import { mediationEvents } from './events/mediation';
import { residentsEvents } from './events/residents';
import { sharedSpacesEvents } from './events/shared-spaces';
import { volunteersEvents } from './events/volunteers';

export * from './events/envelope';
export * from './events/residents';
export * from './events/mediation';
export * from './events/facilities';
export * from './events/shared-spaces';
export * from './events/volunteers';

/** Every event contract in the system, by type name. */
export const EVENT_CONTRACTS: ReadonlyMap<string, EventContract> = new Map(
  [
    ...residentsEvents,
    ...mediationEvents,
    ...facilitiesEvents,
    ...sharedSpacesEvents,
    ...volunteersEvents,
  ].map((c) => [c.type, c as EventContract]),
);
