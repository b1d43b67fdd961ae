import { unauthenticated } from '@liyuan/kit';
import type { ViewerResolvers } from './generated/resolvers-types';
import { loadReadableResident } from './resident.resolvers';

/** The signed-in caller: their own record (null for a caller who is not a resident) and roles. */
export const Viewer: ViewerResolvers = {
  id: (viewer) => {
    if (viewer.userId === null) throw unauthenticated();
    return viewer.userId;
  },
  resident: (viewer, _, ctx) =>
    viewer.residentId ? loadReadableResident(ctx, viewer.residentId) : null,
  roles: (viewer) => [...viewer.roles],
  gridIds: (viewer) => [...viewer.gridIds],
};
