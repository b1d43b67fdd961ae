import type { ResidentsContext } from './context';

type Args<T = unknown> = { input: T };

/** Thin: the use case validates, authorises and writes; the resolver only hands over the caller. */
export const mutationResolvers = {
  Mutation: {
    createGrid: (_: unknown, a: Args, ctx: ResidentsContext) =>
      ctx.registry.createGrid(ctx.caller, a.input),
    registerBuilding: (_: unknown, a: Args, ctx: ResidentsContext) =>
      ctx.registry.registerBuilding(ctx.caller, a.input),
    registerHousehold: (_: unknown, a: Args, ctx: ResidentsContext) =>
      ctx.registry.registerHousehold(ctx.caller, a.input),
    registerResident: (_: unknown, a: Args, ctx: ResidentsContext) =>
      ctx.registry.registerResident(ctx.caller, a.input),
    updateResident: (_: unknown, a: Args & { id: string }, ctx: ResidentsContext) =>
      ctx.registry.updateResident(ctx.caller, a.id, a.input),
    moveOutResident: (_: unknown, a: Args, ctx: ResidentsContext) =>
      ctx.registry.moveOutResident(ctx.caller, a.input),
    assignGridMember: (_: unknown, a: Args, ctx: ResidentsContext) =>
      ctx.registry.assignGridMember(ctx.caller, a.input),
  },
};
