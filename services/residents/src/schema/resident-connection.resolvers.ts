import { residentCursor } from '../domain/registry';
import type { ResidentConnectionResolvers } from './generated/resolvers-types';

/** A page of residents as a Relay-style connection; the total is counted only when asked for. */
export const ResidentConnection: ResidentConnectionResolvers = {
  edges: (page) => page.items.map((node) => ({ cursor: residentCursor(node), node })),
  pageInfo: (page) => {
    const last = page.items[page.items.length - 1];
    return { hasNextPage: page.hasNextPage, endCursor: last ? residentCursor(last) : null };
  },
  totalCount: (page) => page.totalCount(),
};
