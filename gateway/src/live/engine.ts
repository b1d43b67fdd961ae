import {
  Kind,
  TypeInfo,
  getNamedType,
  getOperationAST,
  isObjectType,
  parseType,
  print,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values';
import type { Caller, Logger } from '@liyuan/kit';
import type { Frontier, LiveEventLog, LoggedEvent } from './event-log';
import { bindField, type LiveFeed } from './feeds';
import type { LiveMetrics } from './metrics';
import { formatPosition, parsePosition } from './position';

/** Runs a query through the federation under a caller's identity (what an HTTP request would do). */
export type FederatedRunner = (
  /** A document, or its printed text (which the gateway's parse, validation and plan caches key on). */
  document: DocumentNode | string,
  variables: Record<string, unknown>,
  caller: Caller,
) => Promise<FormattedExecutionResult>;

/** One frame for a subscriber: the GraphQL result, and the position it stands for. */
export interface LiveMessage {
  id: string;
  result: FormattedExecutionResult;
  /** When the broker appended the event (ms since the epoch), for the push-latency histogram. */
  appendedAt: number;
}

/** Why a subscription ended other than by its client. */
export type CloseReason = 'token_expired' | 'slow_consumer' | 'shutdown' | 'error';

export interface LiveRequest {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  caller: Caller;
  /** When the caller's token expires (ms since the epoch). */
  expiresAt: number | null;
  /** The last position the client saw (SSE Last-Event-ID, or `resumeFrom` over WebSocket). */
  resumeFrom?: string | null;
}

export interface LiveSettings {
  /** Frames kept for a subscriber that has not taken them; one more ends it as too slow. */
  maxBuffered: number;
}

const GATEWAY_FIELDS = new Set(['position', 'event', 'occurredAt', '__typename']);
const WITHHOLD = new Set(['FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED']);
/** How long a subscription waits for a gateway that is still starting to read the event log. */
const LOG_READY_WAIT_MS = 10_000;

const bad = (message: string, field?: string): GraphQLFormattedError => ({
  message,
  extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}) },
});

/**
 * Serves `@live` Subscription fields: checks and authorises a subscription, matches every event of
 * the log against it, resolves the changed entity through the federation under the subscriber's
 * identity, and hands the frames out in order, resuming from a position when asked.
 */
export class LiveEngine {
  private readonly open = new Set<LiveSubscription>();

  constructor(
    private readonly log: LiveEventLog,
    private readonly feeds: ReadonlyMap<string, LiveFeed>,
    private readonly run: FederatedRunner,
    private readonly metrics: LiveMetrics,
    private readonly logger: Logger,
    private readonly settings: LiveSettings,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Whether the document is a subscription (the transports send anything else to HTTP). */
  static isSubscription(document: DocumentNode, operationName?: string | null): boolean {
    return getOperationAST(document, operationName ?? undefined)?.operation === 'subscription';
  }

  private async logReady(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), LOG_READY_WAIT_MS);
    });
    try {
      return await Promise.race([this.log.ready.then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Starts a subscription for a document already validated against `schema`, or answers the
   * errors that refuse it (UNAUTHENTICATED, FORBIDDEN from the authorising query, BAD_USER_INPUT).
   */
  async subscribe(
    req: LiveRequest,
  ): Promise<LiveSubscription | { errors: readonly GraphQLFormattedError[] }> {
    const op = getOperationAST(req.document, req.operationName ?? undefined);
    if (!op || op.operation !== 'subscription')
      return { errors: [bad('the document has no such subscription operation')] };
    const roots = flatten(op.selectionSet, req.document).filter(
      (s) => s.name.value !== '__typename',
    );
    if (roots.length !== 1) return { errors: [bad('a subscription selects exactly one field')] };
    const root = roots[0]!;
    const feed = this.feeds.get(root.name.value);
    const fieldDef = req.schema.getSubscriptionType()?.getFields()[root.name.value];
    if (!feed || !fieldDef) return { errors: [bad(`no live feed serves ${root.name.value}`)] };
    if (req.caller.userId === null)
      return {
        errors: [{ message: 'sign in to subscribe', extensions: { code: 'UNAUTHENTICATED' } }],
      };

    const coerced = getVariableValues(
      req.schema,
      op.variableDefinitions ?? [],
      req.variables ?? {},
    );
    if (coerced.errors) return { errors: coerced.errors.map((e) => bad(e.message)) };
    const variables = coerced.coerced;
    const args = getArgumentValues(fieldDef, root, variables);

    // Authorised as the equivalent query would be, by the subgraph that owns the data.
    const auth = await this.run(
      {
        kind: Kind.DOCUMENT,
        definitions: [
          {
            kind: Kind.OPERATION_DEFINITION,
            operation: 'query' as never,
            selectionSet: {
              kind: Kind.SELECTION_SET,
              selections: [bindField(feed.authorize, args)],
            },
          },
        ],
      },
      {},
      req.caller,
    );
    if (auth.errors?.length) return { errors: auth.errors };
    // A null answer is what a subgraph gives for what the caller may not see (or that does not
    // exist, which it does not tell apart): refused alike, revealing nothing.
    const granted = (auth.data as Record<string, unknown> | null | undefined)?.[
      feed.authorize.alias?.value ?? feed.authorize.name.value
    ];
    if (granted == null)
      return {
        errors: [
          {
            message: `not allowed to subscribe to ${root.name.value} with these arguments`,
            extensions: { code: 'FORBIDDEN' },
          },
        ],
      };

    // Until the gateway reads the event log it cannot say from where a subscription is served:
    // events of that moment would be lost.
    if (!(await this.logReady()))
      return {
        errors: [
          {
            message: 'live updates are not reading the event log yet: subscribe again shortly',
            extensions: { code: 'SERVICE_UNAVAILABLE' },
          },
        ],
      };

    let resume: Frontier | undefined;
    if (req.resumeFrom) {
      const position = parsePosition(req.resumeFrom);
      if (!position || position.topic !== feed.topic)
        return {
          errors: [bad(`resumeFrom: not a position of ${root.name.value}`, 'resumeFrom')],
        };
      const starts = await this.log.starts(feed.topic);
      if (starts.some((low, p) => (position.frontier[p] ?? 0n) < low))
        return {
          errors: [
            bad(
              'resumeFrom: the event log no longer holds every event since this position; ' +
                'refetch and subscribe without it',
              'resumeFrom',
            ),
          ],
        };
      resume = position.frontier;
    }

    const changeType = getNamedType(fieldDef.type);
    if (!isObjectType(changeType))
      return { errors: [bad(`${root.name.value} does not return an object`)] };
    const selections = flatten(root.selectionSet!, req.document);
    let entity: EntityRead | undefined;
    try {
      entity = entityRead(req.schema, feed, selections, op, req.document);
    } catch (err) {
      return { errors: [bad((err as Error).message)] };
    }
    const sub = new LiveSubscription(
      {
        feed,
        args,
        alias: root.alias?.value ?? root.name.value,
        selections,
        entity,
        variables,
        caller: req.caller,
        expiresAt: req.expiresAt,
        typeName: changeType.name,
      },
      this.log,
      this.run,
      this.metrics,
      this.logger,
      this.settings,
      () => this.open.delete(sub),
    );
    this.open.add(sub);
    sub.begin(resume);
    return sub;
  }

  /** Ends every subscription (a gateway stopping): clients reconnect elsewhere and resume. */
  closeAll(reason: CloseReason): void {
    for (const s of [...this.open]) s.close(reason);
  }
}

interface SubscriptionPlan {
  feed: LiveFeed;
  args: Record<string, unknown>;
  alias: string;
  /** The selections on the change type, fragments flattened. */
  selections: FieldNode[];
  /** The query that reads the changed entity (none when only gateway fields are selected). */
  entity: EntityRead | undefined;
  variables: Record<string, unknown>;
  caller: Caller;
  expiresAt: number | null;
  /** The change type's name, for `__typename`. */
  typeName: string;
}

/** One open subscription: an async iterable of frames, ended by its client or by the gateway. */
export class LiveSubscription implements AsyncIterable<LiveMessage> {
  private readonly queue: LiveMessage[] = [];
  private waiting: ((r: IteratorResult<LiveMessage>) => void) | undefined;
  private frontier: Frontier = [];
  private chain: Promise<void> = Promise.resolve();
  /** Steps on the chain not yet through it. */
  private queued = 0;
  private listener: ((e: LoggedEvent) => void) | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private ended = false;
  /** Why the gateway ended it (undefined while open or when its client ended it). */
  closeReason: CloseReason | undefined;
  private readonly closeListeners: ((reason: CloseReason | undefined) => void)[] = [];

  constructor(
    private readonly plan: SubscriptionPlan,
    private readonly log: LiveEventLog,
    private readonly run: FederatedRunner,
    private readonly metrics: LiveMetrics,
    private readonly logger: Logger,
    private readonly settings: LiveSettings,
    private readonly onEnd: () => void,
  ) {}

  get field(): string {
    return this.plan.feed.field;
  }

  /** Called once it ends, with the gateway's reason (none when its client ended it). */
  onClose(listener: (reason: CloseReason | undefined) => void): void {
    this.closeListeners.push(listener);
  }

  begin(resume: Frontier | undefined): void {
    this.metrics.subscriptions.inc({ field: this.field });
    const { topic } = this.plan.feed;
    const fail = (err: unknown) => {
      this.logger.error({ err, field: this.field }, 'live subscription failed');
      this.close('error');
    };
    const then = (step: () => Promise<void>) => {
      this.queued++;
      this.chain = this.chain
        .then(step)
        .catch(fail)
        .finally(() => this.queued--);
    };
    this.listener = (event) => {
      if (event.topic !== topic) return;
      // Most events of the topic are about other entities: with nothing before them in the queue,
      // they only move the frontier, at once.
      if (this.queued === 0 && !this.watches(event)) this.advance(event);
      else then(() => this.handle(event));
    };
    const from = this.log.listen(this.listener).get(topic) ?? [];
    this.frontier = resume ? [...resume] : [...from];
    if (resume) {
      // Everything between the client's position and where the live reading stands, first.
      then(async () => {
        const missed = await this.log.replay(topic, resume, from);
        for (const e of missed) await this.handle(e);
      });
    }
    if (this.plan.expiresAt !== null) {
      const ms = this.plan.expiresAt - Date.now();
      if (ms <= 0) queueMicrotask(() => this.close('token_expired'));
      else this.expiry = setTimeout(() => this.close('token_expired'), Math.min(ms, 2 ** 31 - 1));
    }
  }

  /** Whether the event is one this subscription pushes (its type, its arguments). */
  private watches(event: LoggedEvent): boolean {
    const { feed, args } = this.plan;
    const { envelope } = event;
    return (
      feed.events.has(envelope.type) &&
      feed.match.every((m) => m in envelope.data && String(envelope.data[m]) === String(args[m]))
    );
  }

  /** Moves the frontier past the event; false when it was behind it already (seen before). */
  private advance(event: LoggedEvent): boolean {
    const p = event.partition;
    if (event.offset < (this.frontier[p] ?? 0n)) return false;
    for (let i = 0; i < p; i++) this.frontier[i] ??= 0n;
    this.frontier[p] = event.offset + 1n;
    return true;
  }

  private async handle(event: LoggedEvent): Promise<void> {
    if (this.ended) return;
    const p = event.partition;
    if (!this.advance(event) || !this.watches(event)) return;
    const { feed } = this.plan;
    this.metrics.matched.inc({ field: this.field });
    if (this.plan.expiresAt !== null && Date.now() >= this.plan.expiresAt) {
      this.close('token_expired');
      return;
    }
    const position = formatPosition({
      topic: feed.topic,
      partition: p,
      offset: event.offset,
      frontier: [...this.frontier],
    });
    const result = await this.resolve(event, position);
    if (!result) {
      this.metrics.withheld.inc({ field: this.field });
      return;
    }
    this.push({ id: position, result, appendedAt: event.appendedAt });
  }

  /** The frame for an event, or null when this subscriber may not read what changed. */
  private async resolve(
    event: LoggedEvent,
    position: string,
  ): Promise<FormattedExecutionResult | null> {
    const { envelope } = event;
    const { entity } = this.plan;
    let fetched: FormattedExecutionResult = { data: {} };
    if (entity) {
      // The same query text for every event: parsed, validated and planned once by the gateway.
      const variables = { ...this.plan.variables };
      for (const [name, variable] of entity.bind) {
        if (!(name in envelope.data)) throw new Error(`@live: no value for $${name}`);
        variables[variable] = envelope.data[name];
      }
      fetched = await this.run(entity.query, variables, this.plan.caller);
      // Withheld when the entity itself is refused or gone. A refusal further down (a field of it
      // the subscriber may not read, e.g. another party of a case) is masked as a query masks it.
      const refusals = (fetched.errors ?? []).filter((e) =>
        WITHHOLD.has(String(e.extensions?.code)),
      );
      const data = fetched.data as Record<string, unknown> | null | undefined;
      if (
        refusals.some((e) => (e.path?.length ?? 0) <= 1) ||
        entity.keys.some((key) => data?.[key] == null)
      )
        return fetched.errors?.length && !refusals.length
          ? { data: null, errors: fetched.errors }
          : null;
    }
    const data = fetched.data as Record<string, unknown>;
    const change: Record<string, unknown> = {};
    for (const f of this.plan.selections) {
      const key = f.alias?.value ?? f.name.value;
      switch (f.name.value) {
        case '__typename':
          change[key] = this.plan.typeName;
          break;
        case 'position':
          change[key] = position;
          break;
        case 'event':
          change[key] = envelope.type;
          break;
        case 'occurredAt':
          change[key] = envelope.occurredAt;
          break;
        default:
          change[key] = data[key];
      }
    }
    return {
      data: { [this.plan.alias]: change },
      // Paths of the frame: the entity's fields sit under the subscription field.
      ...(fetched.errors?.length
        ? {
            errors: fetched.errors.map((e) =>
              e.path ? { ...e, path: [this.plan.alias, ...e.path] } : e,
            ),
          }
        : {}),
      extensions: {
        position: { topic: event.topic, partition: event.partition, offset: String(event.offset) },
      },
    };
  }

  private push(message: LiveMessage): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      this.metrics.pushed.inc({ field: this.field });
      w({ value: message, done: false });
      return;
    }
    if (this.queue.length >= this.settings.maxBuffered) {
      this.logger.warn(
        { field: this.field, buffered: this.queue.length },
        'live subscriber too slow; ended',
      );
      this.close('slow_consumer');
      return;
    }
    this.queue.push(message);
  }

  /** Ends it; a reason says the gateway did (expired token, slow client, shutdown). */
  close(reason?: CloseReason): void {
    if (this.ended) return;
    this.ended = true;
    this.closeReason = reason;
    clearTimeout(this.expiry);
    if (this.listener) this.log.unlisten(this.listener);
    this.metrics.subscriptions.dec({ field: this.field });
    this.queue.length = 0;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onEnd();
    for (const l of this.closeListeners) l(reason);
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveMessage> {
    return {
      next: () => {
        const value = this.queue.shift();
        if (value) {
          this.metrics.pushed.inc({ field: this.field });
          return Promise.resolve({ value, done: false });
        }
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Fields of a selection set with inline fragments and fragment spreads taken in. */
function flatten(set: SelectionSetNode, document: DocumentNode): FieldNode[] {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const out: FieldNode[] = [];
  const walk = (selections: readonly SelectionNode[]) => {
    for (const s of selections) {
      if (s.kind === Kind.FIELD) out.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet.selections);
      else {
        const f = fragments.get(s.name.value);
        if (f) walk(f.selectionSet.selections);
      }
    }
  };
  walk(set.selections);
  return out;
}

/** The query reading a subscription's changed entity, built once when it starts. */
interface EntityRead {
  /** Its printed text: the same for every event, so the gateway parses, validates and plans it once. */
  query: string;
  /** Each event payload field the entity is read by, and the query variable it fills. */
  bind: ReadonlyMap<string, string>;
  /** The response keys of the entity fields (null there: the entity is refused or gone). */
  keys: readonly string[];
}

/**
 * The query for the entity fields of a subscription's selections: the feed's entity field once per
 * selected alias, its `$name` arguments (event payload fields) as variables of their own, typed from
 * the schema and named apart from the subscription's variables, which the query keeps.
 */
function entityRead(
  schema: GraphQLSchema,
  feed: LiveFeed,
  selections: FieldNode[],
  op: OperationDefinitionNode,
  document: DocumentNode,
): EntityRead | undefined {
  const entityFields = selections.filter((s) => !GATEWAY_FIELDS.has(s.name.value));
  if (!entityFields.length) return undefined;
  const taken = new Set((op.variableDefinitions ?? []).map((d) => d.variable.name.value));
  const bind = new Map<string, string>();
  const definitions: VariableDefinitionNode[] = [];
  const typeInfo = new TypeInfo(schema);
  const read = visit(
    {
      kind: Kind.DOCUMENT,
      definitions: [
        {
          kind: Kind.OPERATION_DEFINITION,
          operation: 'query' as never,
          selectionSet: { kind: Kind.SELECTION_SET, selections: [feed.entity] },
        },
      ],
    } as DocumentNode,
    visitWithTypeInfo(typeInfo, {
      Variable(node) {
        const name = node.name.value;
        let variable = bind.get(name);
        if (!variable) {
          const type = typeInfo.getInputType();
          if (!type) throw new Error(`@live on ${feed.field}: $${name} is not an argument here`);
          variable = `live_${name}`;
          while (taken.has(variable)) variable = `_${variable}`;
          taken.add(variable);
          bind.set(name, variable);
          definitions.push({
            kind: Kind.VARIABLE_DEFINITION,
            variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variable } },
            type: parseType(String(type)),
          });
        }
        return { ...node, name: { kind: Kind.NAME, value: variable } };
      },
    }),
  );
  const op0 = read.definitions[0] as OperationDefinitionNode;
  const field = op0.selectionSet.selections[0] as FieldNode;
  const fields = entityFields.map((f) => ({
    ...field,
    alias: { kind: Kind.NAME, value: f.alias?.value ?? f.name.value },
    selectionSet: f.selectionSet,
    directives: f.directives,
  })) as FieldNode[];
  return {
    query: print(queryFor(fields, op, document, definitions)),
    bind,
    keys: entityFields.map((f) => f.alias?.value ?? f.name.value),
  };
}

/** A query of `selections` with the variables and fragments of the subscription they use. */
function queryFor(
  selections: FieldNode[],
  op: OperationDefinitionNode,
  document: DocumentNode,
  extraVariables: VariableDefinitionNode[],
): DocumentNode {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const usedVars = new Set<string>();
  const usedFragments = new Set<string>();
  const collect = (node: FieldNode | FragmentDefinitionNode) =>
    visit(node, {
      Variable(v) {
        usedVars.add(v.name.value);
      },
      FragmentSpread(s) {
        if (usedFragments.has(s.name.value)) return;
        usedFragments.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) collect(f);
      },
    });
  for (const s of selections) collect(s);
  return {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as never,
        variableDefinitions: [
          ...(op.variableDefinitions ?? []).filter((d) => usedVars.has(d.variable.name.value)),
          ...extraVariables,
        ],
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      },
      ...[...usedFragments].flatMap((n) => (fragments.get(n) ? [fragments.get(n)!] : [])),
    ],
  };
}
