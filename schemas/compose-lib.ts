import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import subgraphs from './subgraphs.json';

export const SCHEMAS_DIR = __dirname;
export const SUPERGRAPH_PATH = resolve(__dirname, 'supergraph.graphql');

/** The subgraphs composed into the supergraph: name, default routing URL and SDL file. */
export const SUBGRAPHS: { name: string; url: string; schema: string }[] = Object.entries(
  subgraphs as Record<string, { url: string; schema: string }>,
).map(([name, s]) => ({ name, ...s }));

/**
 * Composes every subgraph SDL with `@apollo/composition` and returns the supergraph SDL, or throws
 * with every composition error listed.
 */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map((s) => ({
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
