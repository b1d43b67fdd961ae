import type { Space } from '../domain/model';
import type { SpacesContext as Ctx } from './context';

export const SharedSpace = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.space.load(ref.id),
  facility: (s: Space) => ({ id: s.facilityId }),
  activities: (s: Space, _: unknown, ctx: Ctx) => ctx.loaders.activitiesOfSpace.load(s.id),
};
