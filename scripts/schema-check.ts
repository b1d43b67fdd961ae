import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SCHEMAS_DIR, SUBGRAPHS, SUPERGRAPH_PATH } from '../schemas/compose-lib';
import { checkAll, checkSubgraph, report } from '../schemas/schema-check-lib';

/**
 * `npm run schema:check -- <subgraph> [--sdl <file>]`: composes the supergraph with that
 * subgraph's SDL (its file in schemas/ unless --sdl names another) and compares it with the
 * committed supergraph. Exits 1 on composition errors or breaking changes; dangerous changes are
 * printed as warnings. `--all` composes every subgraph's file in schemas/ and reports the change once.
 *
 * `--against <file | git revision>` compares with another supergraph instead of the committed one:
 * a supergraph file, or the supergraph committed at a revision (`--against v1`, `--against HEAD~3`),
 * which is how a deliberate breaking change is shown and reviewed after it is committed.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sdlAt = args.indexOf('--sdl');
  const sdlFile = sdlAt >= 0 ? args[sdlAt + 1] : undefined;
  const againstAt = args.indexOf('--against');
  const against = againstAt >= 0 ? args[againstAt + 1] : undefined;
  const all = args.includes('--all');
  const names = all
    ? SUBGRAPHS.map((s) => s.name)
    : args.filter(
        (a, i) =>
          !a.startsWith('--') &&
          (sdlAt < 0 || i !== sdlAt + 1) &&
          (againstAt < 0 || i !== againstAt + 1),
      );
  if (!names.length || (againstAt >= 0 && !against)) {
    process.stderr.write(
      'usage: npm run schema:check -- <subgraph> [--sdl <file>] | --all [--against <file | git revision>]\n',
    );
    process.exitCode = 2;
    return;
  }
  const baseline = against ? baselineSupergraph(against) : readFileSync(SUPERGRAPH_PATH, 'utf8');
  if (all) {
    // Every subgraph's file at once: one composition, one report of the whole change.
    const { ok, text } = report(await checkAll(baseline));
    process.stdout.write(`${text}\n`);
    process.exitCode = ok ? 0 : 1;
    return;
  }
  let failed = false;
  for (const name of names) {
    const own = SUBGRAPHS.find((s) => s.name === name);
    const file = sdlFile ?? (own ? resolve(SCHEMAS_DIR, own.schema) : '');
    const check = await checkSubgraph(name, readFileSync(file, 'utf8'), baseline);
    const { ok, text } = report(check);
    process.stdout.write(`${text}\n`);
    failed ||= !ok;
  }
  // Set, not process.exit: a piped stdout is written out before the process ends.
  process.exitCode = failed ? 1 : 0;
}

/** The supergraph to compare with: a file, or schemas/supergraph.graphql at a git revision. */
function baselineSupergraph(against: string): string {
  if (existsSync(against)) return readFileSync(against, 'utf8');
  return execFileSync('git', ['show', `${against}:schemas/supergraph.graphql`], {
    cwd: resolve(SCHEMAS_DIR, '..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 2;
});
