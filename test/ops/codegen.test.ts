import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';

// The resolver types each subgraph's resolvers are checked against are generated from its SDL
// (`npm run codegen`, codegen.ts) and committed; this test regenerates them in memory and compares.

const ROOT = join(__dirname, '..', '..');
const SUBGRAPHS = ['residents', 'facilities', 'shared-spaces', 'volunteers', 'mediation'];

/**
 * codegen.ts through the Code Generator's `generate` API without writing, each output formatted as
 * `npm run codegen` formats it (Prettier), then compared with the file on disk. Run in a plain Node
 * process (with tsx for the TypeScript config): the generator and Prettier load ES modules, which
 * Jest's sandbox cannot import.
 */
const CHECK = `
  const { existsSync, readFileSync } = require('node:fs');
  const { generate } = require('@graphql-codegen/cli');
  const prettier = require('prettier');
  const config = require('./codegen.ts').default;
  (async () => {
    const outputs = await generate({ ...config, hooks: {}, silent: true }, false);
    const result = { files: [], stale: [] };
    for (const o of outputs) {
      const options = (await prettier.resolveConfig(o.filename)) ?? {};
      const expected = await prettier.format(o.content, { ...options, filepath: o.filename });
      const committed = existsSync(o.filename) ? readFileSync(o.filename, 'utf8') : undefined;
      result.files.push(o.filename);
      if (committed !== expected) result.stale.push(o.filename);
    }
    process.stdout.write(JSON.stringify(result));
  })().catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err));
    process.exit(1);
  });`;

describe('resolver types generated from the SDL', () => {
  it('when the generator runs on the schemas, then its output is the committed files (else run npm run codegen)', () => {
    const result = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', '-e', CHECK], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      }),
    ) as { files: string[]; stale: string[] };
    const files = result.files.map((f) => relative(ROOT, join(ROOT, f))).sort();
    expect(files).toEqual(
      SUBGRAPHS.map((s) => `services/${s}/src/schema/generated/resolvers-types.ts`).sort(),
    );
    const stale = result.stale.map((f) => relative(ROOT, join(ROOT, f)));
    if (stale.length > 0)
      throw new Error(
        `Resolver types out of date with the SDL: run npm run codegen\n  ${stale.join('\n  ')}`,
      );
  });
});
