import type { Team as TeamModel } from '../domain/model';
import type { VolunteersContext as Ctx } from './context';

export const Team = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.team.load(ref.id),
  kind: (t: TeamModel) => t.kind.toUpperCase(),
};
