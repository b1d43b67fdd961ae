import type { Activity } from '../domain/model';
import type { SpacesContext as Ctx } from './context';

export const SpaceActivity = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.activity.load(ref.id),
  space: (a: Activity, _: unknown, ctx: Ctx) => ctx.loaders.space.load(a.spaceId),
  registeredCount: (a: Activity, _: unknown, ctx: Ctx) => ctx.loaders.registeredCount.load(a.id),
};
