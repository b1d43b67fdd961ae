import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { parse, type GraphQLSchema } from 'graphql';
import { SCHEMAS_DIR, SUBGRAPHS, SUPERGRAPH_PATH } from './compose-lib';

/** The outcome of checking one subgraph's SDL against the committed supergraph. */
export interface SchemaCheck {
  subgraph: string;
  compositionErrors: string[];
  breaking: string[];
  dangerous: string[];
  safe: string[];
}

const apiSchemaOf = (supergraphSdl: string): GraphQLSchema =>
  Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();

/**
 * Composes the supergraph with `subgraph`'s SDL replaced by `sdl` (the other subgraphs as they are
 * in `schemas/`) and compares the API it would serve with the committed supergraph's: composition
 * errors and breaking changes (removed or retyped fields, new required arguments, ...) fail the
 * check, dangerous ones (e.g. a new enum value, a changed default) are warnings.
 */
export async function checkSubgraph(
  subgraph: string,
  sdl: string,
  committedSupergraph = readFileSync(SUPERGRAPH_PATH, 'utf8'),
): Promise<SchemaCheck> {
  if (!SUBGRAPHS.some((s) => s.name === subgraph))
    throw new Error(
      `unknown subgraph ${subgraph}; one of ${SUBGRAPHS.map((s) => s.name).join(', ')}`,
    );
  const result: SchemaCheck = {
    subgraph,
    compositionErrors: [],
    breaking: [],
    dangerous: [],
    safe: [],
  };
  let typeDefs;
  try {
    typeDefs = parse(sdl);
  } catch (err) {
    result.compositionErrors.push(`${subgraph}: ${String(err)}`);
    return result;
  }
  const composed = composeServices(
    SUBGRAPHS.map((s) => ({
      name: s.name,
      url: s.url,
      typeDefs:
        s.name === subgraph
          ? typeDefs
          : parse(readFileSync(resolve(SCHEMAS_DIR, s.schema), 'utf8')),
    })),
  );
  if (composed.errors?.length || !composed.supergraphSdl) {
    result.compositionErrors.push(...(composed.errors ?? []).map((e) => e.message));
    return result;
  }
  await classify(result, committedSupergraph, composed.supergraphSdl);
  return result;
}

/**
 * Composes every subgraph's SDL in `schemas/` and compares the API it would serve with
 * `baseline` (the committed supergraph unless given): one report for a change across subgraphs.
 */
export async function checkAll(
  baseline = readFileSync(SUPERGRAPH_PATH, 'utf8'),
): Promise<SchemaCheck> {
  const result: SchemaCheck = {
    subgraph: 'every subgraph',
    compositionErrors: [],
    breaking: [],
    dangerous: [],
    safe: [],
  };
  const composed = composeServices(
    SUBGRAPHS.map((s) => ({
      name: s.name,
      url: s.url,
      typeDefs: parse(readFileSync(resolve(SCHEMAS_DIR, s.schema), 'utf8')),
    })),
  );
  if (composed.errors?.length || !composed.supergraphSdl) {
    result.compositionErrors.push(...(composed.errors ?? []).map((e) => e.message));
    return result;
  }
  await classify(result, baseline, composed.supergraphSdl);
  return result;
}

/** Sorts the changes between two supergraphs' APIs into breaking, dangerous and safe. */
async function classify(result: SchemaCheck, before: string, after: string): Promise<void> {
  const changes = await diff(apiSchemaOf(before), apiSchemaOf(after));
  for (const c of changes) {
    const line = `${c.path ?? ''}: ${c.message}`;
    if (c.criticality.level === CriticalityLevel.Breaking) result.breaking.push(line);
    else if (c.criticality.level === CriticalityLevel.Dangerous) result.dangerous.push(line);
    else result.safe.push(line);
  }
}

/** A readable report; `ok` is false on composition errors or breaking changes. */
export function report(c: SchemaCheck): { ok: boolean; text: string } {
  const lines = [`schema check of ${c.subgraph}:`];
  const section = (title: string, items: string[]) => {
    if (items.length) lines.push(`  ${title}:`, ...items.map((i) => `    - ${i}`));
  };
  section('composition errors', c.compositionErrors);
  section('breaking changes', c.breaking);
  section('dangerous changes (warnings)', c.dangerous);
  section('safe changes', c.safe);
  const ok = c.compositionErrors.length === 0 && c.breaking.length === 0;
  if (lines.length === 1) lines.push('  no change to the served API');
  lines.push(ok ? '  result: OK' : '  result: FAILED');
  return { ok, text: lines.join('\n') };
}
