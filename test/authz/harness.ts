import { getNamedType, isLeafType, type GraphQLField, type GraphQLSchema } from 'graphql';
import type { GqlResult } from '../support/stack';
import type { Actor, CallSpec, Subject } from './calls';
import type { Who } from './matrix';
import type { Claims, Owner, World } from './world';

/** The root field a row is called through, and its definition in the schema. */
export function rootOf(
  schema: GraphQLSchema,
  row: string,
  spec: CallSpec,
): { kind: 'query' | 'mutation'; field: GraphQLField<unknown, unknown> } {
  const [type, name] = row.split('.') as [string, string];
  const kind = type === 'Mutation' ? 'mutation' : 'query';
  const rootName = type === 'Query' || type === 'Mutation' ? name : spec.via;
  const root = kind === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  const field = rootName ? root?.getFields()[rootName] : undefined;
  if (!field) throw new Error(`${row}: no root field to call it through`);
  return { kind, field };
}

/** The operation calling a row's root field with `args`, every argument a variable. */
export function operation(
  schema: GraphQLSchema,
  row: string,
  spec: CallSpec,
  args: Record<string, unknown>,
): { query: string; variables: Record<string, unknown>; root: string } {
  const { kind, field } = rootOf(schema, row, spec);
  const used = field.args.filter((a) => a.name in args);
  const defs = used.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const call = used.map((a) => `${a.name}: $${a.name}`).join(', ');
  const select = spec.select ?? (isLeafType(getNamedType(field.type)) ? '' : '{ __typename }');
  return {
    query: `${kind} Authz${defs ? `(${defs})` : ''} { ${field.name}${call ? `(${call})` : ''} ${select} }`,
    variables: Object.fromEntries(used.map((a) => [a.name, args[a.name]])),
    root: field.name,
  };
}

export const argsFor = (subject: Subject, actor: Actor): Record<string, unknown> =>
  typeof subject.args === 'function' ? subject.args(actor) : subject.args;

/**
 * The identity of a caller in role `who`: as the subject's owner (its resident, a member of its
 * grid, its team's lead, its mediator) or as someone who owns nothing of it (a resident of grid B,
 * a grid member of grid B, the stranger lead and mediator). Roles that cannot own a row have one
 * identity. `asResident` adds the subject's resident to the caller (a lead who is the volunteer).
 */
export function claimsFor(
  w: World,
  who: Who,
  owner: Owner | undefined,
  asOwner: boolean,
  asResident?: string,
): Claims | null {
  const mine = asOwner ? owner : undefined;
  const extra = asResident ? { residentId: asResident } : {};
  switch (who) {
    case 'anonymous':
      return null;
    case 'resident': {
      const residentId = mine?.residentId ?? w.base.stranger.residentId;
      return { sub: `resident-${residentId}`, residentId };
    }
    case 'grid_member': {
      const gridId = mine?.gridId ?? w.base.gridB;
      return { sub: `grid-member-${gridId}`, gridIds: [gridId], ...extra };
    }
    case 'volunteer_lead':
      return { sub: mine?.leadUserId ?? w.base.strangerLead, ...extra };
    case 'mediator':
      return { sub: mine?.mediatorUserId ?? w.base.strangerMediator.userId, ...extra };
    default:
      return { sub: `${who}-authz`, ...extra };
  }
}

/** The error codes of an answer ('NONE' for an error without one). */
export const codesOf = (res: GqlResult): string[] =>
  (res.errors ?? []).map((e) => e.extensions?.code ?? 'NONE');

/** What an answer says, briefly, for a failure message. */
export function summary(res: GqlResult): string {
  if (res.errors?.length)
    return res.errors
      .map((e) => `${e.extensions?.code ?? 'NONE'} (${e.message.slice(0, 160)})`)
      .join('; ');
  return `HTTP ${res.status}, no errors`;
}
