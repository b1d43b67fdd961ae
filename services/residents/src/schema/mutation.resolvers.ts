import type { MutationResolvers } from './generated/resolvers-types';

/** Thin: the use case validates, authorises and writes; the resolver only hands over the caller. */
export const Mutation: MutationResolvers = {
  createGrid: (_, a, ctx) => ctx.registry.createGrid(ctx.caller, a.input),
  registerBuilding: (_, a, ctx) => ctx.registry.registerBuilding(ctx.caller, a.input),
  registerHousehold: (_, a, ctx) => ctx.registry.registerHousehold(ctx.caller, a.input),
  registerResident: (_, a, ctx) => ctx.registry.registerResident(ctx.caller, a.input),
  updateResident: (_, a, ctx) => ctx.registry.updateResident(ctx.caller, a.input),
  moveOutResident: (_, a, ctx) => ctx.registry.moveOutResident(ctx.caller, a.input),
  assignGridMember: (_, a, ctx) => ctx.registry.assignGridMember(ctx.caller, a.input),
  configureKeyGroupTag: (_, a, ctx) => ctx.registry.configureKeyGroupTag(ctx.caller, a.input),
  tagResident: (_, a, ctx) => ctx.registry.setTag(ctx.caller, a.input, true),
  untagResident: (_, a, ctx) => ctx.registry.setTag(ctx.caller, a.input, false),
  recordVisit: (_, a, ctx) => ctx.visits.recordVisit(ctx.caller, a.input),
  fileServiceRequest: (_, a, ctx) => ctx.requests.file(ctx.caller, a.input),
  startServiceRequest: (_, a, ctx) => ctx.requests.start(ctx.caller, a.input),
  resolveServiceRequest: (_, a, ctx) => ctx.requests.resolve(ctx.caller, a.input),
  rejectServiceRequest: (_, a, ctx) => ctx.requests.reject(ctx.caller, a.input),
};
