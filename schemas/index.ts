import type { EventContract } from './events/envelope';
import { residentsEvents } from './events/residents';

export * from './events/envelope';
export * from './events/residents';

/** Every event contract in the system, by type name. */
export const EVENT_CONTRACTS: ReadonlyMap<string, EventContract> = new Map(
  [...residentsEvents].map((c) => [c.type, c as EventContract]),
);
