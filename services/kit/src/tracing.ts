import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { traceparentFrom } from './trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export { SpanKind, type Span, type SpanExporter, type Tracer };
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A process's tracer: exporting over OTLP when configured (and to `exporter` in tests). */
export interface Tracing {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry for one service (a provider of its own, not the global one: tests run several
 * services in one process). Without an OTLP endpoint or exporter the tracer is a no-op that still
 * carries the incoming trace context, so trace ids flow through logs and events either way.
 */
export function createTracing(
  service: string,
  opts: { otlpEndpoint?: string; exporter?: SpanExporter },
): Tracing {
  const processors: SpanProcessor[] = [];
  if (opts.exporter) processors.push(new SimpleSpanProcessor(opts.exporter));
  if (opts.otlpEndpoint) {
    const url = `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  if (!processors.length) {
    return { tracer: trace.getTracerProvider().getTracer(service), shutdown: async () => {} };
  }
  // Versions shared with @apollo/gateway's own OpenTelemetry dependencies (one copy installed).
  const provider = new BasicTracerProvider({
    resource: new Resource({ 'service.name': service }),
    spanProcessors: processors,
  });
  return { tracer: provider.getTracer(service), shutdown: () => provider.shutdown() };
}

/** The context whose parent is the span a W3C traceparent names. */
export function contextOf(traceparent: string): Context {
  const sc = parseTraceParent(traceparent);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, { ...sc, isRemote: true }) : ROOT_CONTEXT;
}

/** The traceparent that makes `span` the parent of what follows (the fallback for a no-op span). */
export function traceparentOf(span: Span, fallback: string): string {
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return fallback;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 1 ? 1 : 0).toString(16).padStart(2, '0')}`;
}

/** The trace a request or an event handler runs in: database spans become its children. */
export const activeTrace = new AsyncLocalStorage<{ tracer: Tracer; traceparent: string }>();

/** Starts a child span of `parent`. */
export function startSpan(
  tracer: Tracer,
  name: string,
  parent: string,
  kind: SpanKind,
  attributes: Attributes = {},
): { span: Span; traceparent: string } {
  const span = tracer.startSpan(name, { kind, attributes }, contextOf(parent));
  return { span, traceparent: traceparentOf(span, parent) };
}

/**
 * A server span per GraphQL request: `open` starts it as a child of the incoming `traceparent`
 * header and hands out its traceparent for the request's context; `around` runs the request in
 * its trace (database statements become its children) and ends the span. The one mechanism the
 * gateway and every subgraph use.
 */
export function requestTracing<C extends { traceparent: string }>(tracer: Tracer, name: string) {
  const spans = new WeakMap<C, Span>();
  return {
    open(incoming: string | string[] | undefined): { traceparent: string; bind(ctx: C): C } {
      const { span, traceparent } = startSpan(
        tracer,
        name,
        traceparentFrom(incoming),
        SpanKind.SERVER,
        { 'http.route': '/graphql' },
      );
      return {
        traceparent,
        bind: (ctx) => {
          spans.set(ctx, span);
          return ctx;
        },
      };
    },
    around: async <T>(ctx: C, execute: () => Promise<T>): Promise<T> => {
      try {
        return await activeTrace.run({ tracer, traceparent: ctx.traceparent }, execute);
      } finally {
        spans.get(ctx)?.end();
      }
    },
  };
}

/** Ends `span`, marking it failed when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.name : 'error',
    });
  }
  span.end();
}

/** Runs `work` in a child span of `parent`; `work` gets the span's traceparent. */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  parent: string,
  kind: SpanKind,
  attributes: Attributes,
  work: (traceparent: string) => Promise<T>,
): Promise<T> {
  const { span, traceparent } = startSpan(tracer, name, parent, kind, attributes);
  try {
    const result = await work(traceparent);
    endSpan(span);
    return result;
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
}

interface QueryableClient {
  query: (...args: unknown[]) => unknown;
  __traced?: boolean;
}

/**
 * Wraps a pg client's `query` so each statement run inside an active trace becomes a `db.query`
 * span (the statement text only: values are parameters and never recorded).
 */
export function traceClientQueries(client: QueryableClient): void {
  if (client.__traced) return;
  client.__traced = true;
  const original = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    const active = activeTrace.getStore();
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : first?.text;
    if (!active || !text) return original(...args);
    const { span } = startSpan(active.tracer, 'db.query', active.traceparent, SpanKind.CLIENT, {
      'db.system': 'postgresql',
      'db.statement': text.replace(/\s+/g, ' ').trim().slice(0, 300),
    });
    const result = original(...args);
    if (!(result instanceof Promise)) {
      endSpan(span);
      return result;
    }
    return result.then(
      (value: unknown) => {
        endSpan(span);
        return value;
      },
      (err: unknown) => {
        endSpan(span, err);
        throw err;
      },
    );
  };
}
