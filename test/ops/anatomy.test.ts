import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

// The one anatomy every subgraph follows (services/kit/README.md, "One anatomy"), checked on the
// tree and on the lint rules that keep its dependencies pointing inwards.

const ROOT = join(__dirname, '..', '..');
const SUBGRAPHS = ['residents', 'facilities', 'shared-spaces', 'volunteers', 'mediation'];

/** What every subgraph's src/ holds, whatever its domain. */
const REQUIRED = [
  'main.ts',
  'config.ts',
  'service.ts',
  'app.ts',
  'domain/model.ts',
  'domain/ports.ts',
  'data/migrations',
  'events/handlers.ts',
  'schema/index.ts',
  'schema/context.ts',
  'schema/loaders.ts',
  'schema/query.resolvers.ts',
  'schema/mutation.resolvers.ts',
];

const folders = (s: string) =>
  readdirSync(join(ROOT, 'services', s, 'src'))
    .filter((f) => statSync(join(ROOT, 'services', s, 'src', f)).isDirectory())
    .sort();

describe('one anatomy for every subgraph', () => {
  it('when the subgraphs are read side by side, then their src/ trees have the same folders and the same outer files', () => {
    const missing = SUBGRAPHS.flatMap((s) =>
      REQUIRED.filter((f) => !existsSync(join(ROOT, 'services', s, 'src', f))).map(
        (f) => `${s}/src/${f}`,
      ),
    );
    expect(missing).toEqual([]);
    const shapes = new Set(SUBGRAPHS.map((s) => folders(s).join(',')));
    expect([...shapes]).toEqual(['data,domain,events,schema']);
  });

  it('when a resolver file is read, then it holds the resolvers of one type (a file per type, named after it, typed from the SDL)', () => {
    const offenders: string[] = [];
    for (const s of SUBGRAPHS) {
      const dir = join(ROOT, 'services', s, 'src', 'schema');
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.resolvers.ts'))) {
        const types = [
          ...readFileSync(join(dir, f), 'utf8').matchAll(/^export const (\w+): (\w+) = \{/gm),
        ].map((m) => `${m[1]}: ${m[2]}`);
        const expected = f
          .replace('.resolvers.ts', '')
          .split('-')
          .map((w) => w[0]!.toUpperCase() + w.slice(1))
          .join('');
        if (types.length !== 1 || types[0] !== `${expected}: ${expected}Resolvers`)
          offenders.push(`${s}/schema/${f}: ${types.join(', ') || 'none'}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  describe('the lint rules keep the dependencies pointing inwards', () => {
    /** Per layer: imports it must not make, and one it may. */
    const CASES: { layer: string; wrong: string[]; right: string }[] = [
      {
        layer: 'domain',
        wrong: [
          '../data/demo-seed',
          '../schema/context',
          '../events/handlers',
          '../app',
          'typeorm',
        ],
        right: './model',
      },
      { layer: 'events', wrong: ['../schema/context', '../data/demo-seed'], right: '../app' },
      { layer: 'schema', wrong: ['../data/demo-seed', '../events/handlers'], right: '../app' },
      {
        layer: 'data',
        wrong: ['../schema/context', '../events/handlers', '../app'],
        right: '../domain/model',
      },
    ];
    const probes = SUBGRAPHS.flatMap((s) =>
      CASES.flatMap((c) =>
        [
          ...c.wrong.map((from) => ({ from, allowed: false })),
          { from: c.right, allowed: true },
        ].map((p) => ({ file: `services/${s}/src/${c.layer}/probe.ts`, ...p })),
      ),
    );
    /**
     * The repository's own ESLint configuration (as `npm run lint` loads it) on each probe; run in a
     * plain Node process, since the configuration is an ES module Jest's sandbox cannot import.
     */
    const LINT = `
      const { ESLint } = require('eslint');
      const probes = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      (async () => {
        const eslint = new ESLint({ cwd: process.cwd() });
        const out = [];
        for (const p of probes) {
          const [r] = await eslint.lintText("export { x } from '" + p.from + "';", { filePath: p.file });
          out.push(r.messages.filter((m) => m.ruleId === 'no-restricted-imports').length);
        }
        process.stdout.write(JSON.stringify(out));
      })();`;

    it('when a file of any subgraph imports against the direction, then lint refuses it; the allowed import passes', () => {
      const counts = JSON.parse(
        execFileSync(process.execPath, ['-e', LINT], {
          cwd: ROOT,
          input: JSON.stringify(probes),
          encoding: 'utf8',
        }),
      ) as number[];
      const wrong = probes
        .map((p, i) => ({ ...p, refused: counts[i]! > 0 }))
        .filter((p) => p.refused === p.allowed);
      expect(probes).toHaveLength(SUBGRAPHS.length * 16);
      expect(wrong).toEqual([]);
    }, 60_000);
  });
});
