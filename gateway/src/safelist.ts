import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { parse, print, type DocumentNode } from 'graphql';
import { AppError } from '@liyuan/kit';

/** The normalised hash a safelist keeps of an operation document. */
export const hashOf = (doc: DocumentNode) => createHash('sha256').update(print(doc)).digest('hex');

/** The normalised hashes of every operation document in `dir` (`*.graphql`). */
export function loadSafelist(dir: string): Set<string> {
  const hashes = new Set<string>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()) {
    hashes.add(hashOf(parse(readFileSync(join(dir, file), 'utf8'))));
  }
  return hashes;
}

/**
 * Refuses any operation whose document (compared after normalising whitespace and comments) is not
 * in the safelist, before any subgraph is called.
 */
export function safelistPlugin<T extends BaseContext>(allowed: Set<string>): ApolloServerPlugin<T> {
  const seen = new Map<string, boolean>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ source, document, contextValue }) {
          // Live updates run queries of their own for a subscription the safelist already allowed.
          if ((contextValue as { live?: boolean }).live) return;
          let ok = seen.get(source);
          if (ok === undefined) {
            ok = allowed.has(hashOf(document));
            if (seen.size < 10_000) seen.set(source, ok);
          }
          if (!ok) throw new AppError('FORBIDDEN', 'this operation is not in the safelist');
        },
      };
    },
  };
}
