import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SCHEMAS_DIR, SUBGRAPHS } from '../schemas/compose-lib';
import { checkSubgraph, report } from '../schemas/schema-check-lib';

/**
 * `npm run schema:check -- <subgraph> [--sdl <file>]`: composes the supergraph with that
 * subgraph's SDL (its file in schemas/ unless --sdl names another) and compares it with the
 * committed supergraph. Exits 1 on composition errors or breaking changes; dangerous changes are
 * printed as warnings. `--all` checks every subgraph's file in schemas/.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sdlAt = args.indexOf('--sdl');
  const sdlFile = sdlAt >= 0 ? args[sdlAt + 1] : undefined;
  const names = args.includes('--all')
    ? SUBGRAPHS.map((s) => s.name)
    : args.filter((a, i) => !a.startsWith('--') && i !== sdlAt + 1);
  if (!names.length) {
    process.stderr.write('usage: npm run schema:check -- <subgraph> [--sdl <file>] | --all\n');
    process.exitCode = 2;
    return;
  }
  let failed = false;
  for (const name of names) {
    const own = SUBGRAPHS.find((s) => s.name === name);
    const file = sdlFile ?? (own ? resolve(SCHEMAS_DIR, own.schema) : '');
    const check = await checkSubgraph(name, readFileSync(file, 'utf8'));
    const { ok, text } = report(check);
    process.stdout.write(`${text}\n`);
    failed ||= !ok;
  }
  // Set, not process.exit: a piped stdout is written out before the process ends.
  process.exitCode = failed ? 1 : 0;
}

void main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 2;
});
