import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { z } from 'zod';
import subgraphs from './subgraphs.json';
import { EVENT_CONTRACTS, envelopeSchema } from './index';

export const SCHEMAS_DIR = __dirname;
export const SUPERGRAPH_PATH = resolve(__dirname, 'supergraph.graphql');

/** The subgraphs composed into the supergraph: name, default routing URL and SDL file. */
export const SUBGRAPHS: { name: string; url: string; schema: string }[] = Object.entries(
  subgraphs as Record<string, { url: string; schema: string }>,
).map(([name, s]) => ({ name, ...s }));

/**
 * Composes every subgraph SDL (or those named in `only`) with `@apollo/composition` and returns the
 * supergraph SDL, or throws with every composition error listed.
 */
export function composeSupergraph(only?: string[]): string {
  const result = composeServices(
    SUBGRAPHS.filter((s) => !only || only.includes(s.name)).map((s) => ({
      name: s.name,
      url: s.url,
      typeDefs: parse(readFileSync(resolve(SCHEMAS_DIR, s.schema), 'utf8')),
    })),
  );
  if (result.errors?.length || !result.supergraphSdl) {
    throw new Error(
      `Composition failed:\n${(result.errors ?? []).map((e) => `  ${e.message}`).join('\n')}`,
    );
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}

/** Folder of the generated JSON Schemas of the event envelope and payloads (for non-TypeScript consumers). */
export const EVENT_JSON_DIR = resolve(__dirname, 'events/json');

/**
 * JSON Schema documents of the envelope and of every event payload, by file name, generated from
 * the zod contracts that producers and consumers validate with.
 */
export function eventJsonSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  const write = (name: string, schema: z.ZodType, extra: Record<string, unknown>) =>
    files.set(name, `${JSON.stringify({ ...extra, ...z.toJSONSchema(schema) }, null, 2)}\n`);
  write('envelope.json', envelopeSchema, { title: 'Event envelope' });
  for (const c of [...EVENT_CONTRACTS.values()].sort((a, b) => a.type.localeCompare(b.type))) {
    write(`${c.type}.v${c.version}.json`, c.data, {
      title: `${c.type} v${c.version} payload`,
      'x-topic': c.topic,
    });
  }
  return files;
}
