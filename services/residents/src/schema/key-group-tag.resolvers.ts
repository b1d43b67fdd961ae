import type { KeyGroupTagResolvers } from './generated/resolvers-types';

/** A key-group tag is identified by its code. */
export const KeyGroupTag: KeyGroupTagResolvers = {
  id: (t) => t.code,
};
