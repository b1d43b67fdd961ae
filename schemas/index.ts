import type { EventContract } from './events/envelope';
import { facilitiesEvents } from './events/facilities';
import { mediationEvents } from './events/mediation';
import { residentsEvents } from './events/residents';

export * from './events/envelope';
export * from './events/residents';
export * from './events/mediation';
export * from './events/facilities';

/** Every event contract in the system, by type name. */
export const EVENT_CONTRACTS: ReadonlyMap<string, EventContract> = new Map(
  [...residentsEvents, ...mediationEvents, ...facilitiesEvents].map((c) => [
    c.type,
    c as EventContract,
  ]),
);
