import type { ViewerResolvers } from './generated/resolvers-types';
import { loadReadableResident } from './resident.resolvers';

/** The signed-in caller: their own record (null for a caller who is not a resident) and roles. */
export const Viewer: ViewerResolvers = {
  resident: (viewer, _, ctx) =>
    viewer.residentId ? loadReadableResident(ctx, viewer.residentId) : null,
  roles: (viewer) => [...viewer.roles],
  gridIds: (viewer) => [...viewer.gridIds],
};
