import type { ResidentsContext } from './context';

type Args<T = unknown> = { input: T };

/** Thin: the use case validates, authorises and writes; the resolver only hands over the caller. */
export const Mutation = {
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
  configureKeyGroupTag: (_: unknown, a: Args, ctx: ResidentsContext) =>
    ctx.registry.configureKeyGroupTag(ctx.caller, a.input),
  tagResident: (_: unknown, a: { residentId: string; tag: string }, ctx: ResidentsContext) =>
    ctx.registry.setTag(ctx.caller, a.residentId, a.tag, true),
  untagResident: (_: unknown, a: { residentId: string; tag: string }, ctx: ResidentsContext) =>
    ctx.registry.setTag(ctx.caller, a.residentId, a.tag, false),
  recordVisit: (_: unknown, a: Args, ctx: ResidentsContext) =>
    ctx.visits.recordVisit(ctx.caller, a.input),
  fileServiceRequest: (_: unknown, a: Args, ctx: ResidentsContext) =>
    ctx.requests.file(ctx.caller, a.input),
  startServiceRequest: (
    _: unknown,
    a: { id: string; note?: string | null },
    ctx: ResidentsContext,
  ) => ctx.requests.start(ctx.caller, a.id, a.note),
  resolveServiceRequest: (
    _: unknown,
    a: { id: string; resolution: string },
    ctx: ResidentsContext,
  ) => ctx.requests.resolve(ctx.caller, a.id, a.resolution),
  rejectServiceRequest: (_: unknown, a: { id: string; reason: string }, ctx: ResidentsContext) =>
    ctx.requests.reject(ctx.caller, a.id, a.reason),
};
