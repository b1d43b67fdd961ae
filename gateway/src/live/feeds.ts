import {
  Kind,
  parse,
  visit,
  type ArgumentNode,
  type FieldNode,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  type ValueNode,
} from 'graphql';

/**
 * A Subscription field fed by domain events, as its subgraph declares it with `@live` (see the
 * directive's description in the subgraph SDL): the topic and event types that feed it, the payload
 * fields that must equal its arguments, the Query field that reads the changed entity and the Query
 * selection that authorises a subscriber.
 */
export interface LiveFeed {
  /** The Subscription field's name. */
  field: string;
  /** The topic (without a deployment's prefix). */
  topic: string;
  events: ReadonlySet<string>;
  /** Payload fields that must equal the subscription's arguments of the same name. */
  match: readonly string[];
  /** The Query field reading the entity; its `$name` arguments come from the event payload. */
  entity: FieldNode;
  /** A Query selection run at subscribe time; its `$name` arguments come from the subscription. */
  authorize: FieldNode;
}

const argString = (args: readonly ArgumentNode[] | undefined, name: string): string => {
  const v = args?.find((a) => a.name.value === name)?.value;
  if (v?.kind !== Kind.STRING) throw new Error(`@live: ${name} must be a string`);
  return v.value;
};

const argStrings = (args: readonly ArgumentNode[] | undefined, name: string): string[] => {
  const v = args?.find((a) => a.name.value === name)?.value;
  if (v?.kind === Kind.STRING) return [v.value];
  if (v?.kind !== Kind.LIST) throw new Error(`@live: ${name} must be a list of strings`);
  return v.values.map((x) => {
    if (x.kind !== Kind.STRING) throw new Error(`@live: ${name} must be a list of strings`);
    return x.value;
  });
};

/** One field written as it would be in a query, e.g. `serviceRequest(id: $requestId)`. */
function fieldOf(text: string, what: string, field: string): FieldNode {
  const doc = parse(`{ ${text} }`);
  const op = doc.definitions[0];
  const selections = op?.kind === Kind.OPERATION_DEFINITION ? op.selectionSet.selections : [];
  const only = selections[0];
  if (selections.length !== 1 || only?.kind !== Kind.FIELD)
    throw new Error(`@live on Subscription.${field}: ${what} must be exactly one field`);
  return only;
}

/** Every `@live` Subscription field of a supergraph (or subgraph) SDL, by field name. */
export function liveFeedsOf(sdl: string): Map<string, LiveFeed> {
  const feeds = new Map<string, LiveFeed>();
  for (const def of parse(sdl).definitions) {
    if (
      (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) ||
      def.name.value !== 'Subscription'
    )
      continue;
    for (const f of (def as ObjectTypeDefinitionNode | ObjectTypeExtensionNode).fields ?? []) {
      const live = f.directives?.find((d) => d.name.value === 'live');
      if (!live) continue;
      const field = f.name.value;
      feeds.set(field, {
        field,
        topic: argString(live.arguments, 'topic'),
        events: new Set(argStrings(live.arguments, 'events')),
        match: argStrings(live.arguments, 'match'),
        entity: fieldOf(argString(live.arguments, 'entity'), 'entity', field),
        authorize: fieldOf(argString(live.arguments, 'authorize'), 'authorize', field),
      });
    }
  }
  return feeds;
}

/** A JSON value as a GraphQL literal. */
export function literalOf(value: unknown): ValueNode {
  if (value === null || value === undefined) return { kind: Kind.NULL };
  if (typeof value === 'string') return { kind: Kind.STRING, value };
  if (typeof value === 'boolean') return { kind: Kind.BOOLEAN, value };
  if (typeof value === 'number')
    return Number.isInteger(value)
      ? { kind: Kind.INT, value: String(value) }
      : { kind: Kind.FLOAT, value: String(value) };
  if (Array.isArray(value)) return { kind: Kind.LIST, values: value.map(literalOf) };
  return {
    kind: Kind.OBJECT,
    fields: Object.entries(value as Record<string, unknown>).map(([k, v]) => ({
      kind: Kind.OBJECT_FIELD,
      name: { kind: Kind.NAME, value: k },
      value: literalOf(v),
    })),
  };
}

/**
 * The field with every `$name` replaced by `values[name]` as a literal.
 * @throws when a variable has no value (a declaration that names a field the event lacks).
 */
export function bindField(field: FieldNode, values: Record<string, unknown>): FieldNode {
  return visit(field, {
    Variable(node) {
      const name = node.name.value;
      if (!(name in values)) throw new Error(`@live: no value for $${name}`);
      return literalOf(values[name]);
    },
  });
}
