import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

// `npm run build [-- <name>...] [--out <dir>]` bundles each process (every subgraph and the gateway)
// into `<out>/<name>/main.js` (default out: dist) with its source map and the files it reads at run
// time. The workspaces (@liyuan/*) are bundled in; every third-party package stays external and is
// installed next to the bundle (`npm ci --omit=dev --workspace @liyuan/<name>` in the image), so
// `<dir>/node_modules` must be reachable from `<dir>/<out>/<name>/main.js` (as /app/node_modules is
// from /app/dist/<name>/main.js in the image).
//
// Run-time files: the sources find their files with `resolve(__dirname, '../../../schemas/…')`.
// In the bundle every workspace file's `__dirname` (and `__filename`) becomes its own directory
// mirrored under the bundle's directory (`services/residents/src` → `<out>/residents/services/
// residents/src`), and the files each process reads are copied to the same relative places
// (`<out>/residents/schemas/residents.graphql`). The paths in the sources hold unchanged and the
// bundle never reaches outside its own directory.

const ROOT = resolve(__dirname, '..');

interface ProcessBuild {
  /** Process entry, relative to the repository root. */
  entry: string;
  /** Files and directories the process reads at run time, relative to the repository root. */
  assets: string[];
}

const subgraph = (name: string): ProcessBuild => ({
  entry: `services/${name}/src/main.ts`,
  assets: [`schemas/${name}.graphql`],
});

/** Every process the build knows, by output name. */
export const PROCESSES: Record<string, ProcessBuild> = {
  residents: subgraph('residents'),
  facilities: subgraph('facilities'),
  'shared-spaces': subgraph('shared-spaces'),
  volunteers: subgraph('volunteers'),
  mediation: subgraph('mediation'),
  gateway: {
    entry: 'gateway/src/main.ts',
    // SUPERGRAPH_PATH and OPERATIONS_DIR (the production safelist) default to these.
    assets: ['schemas/supergraph.graphql', 'test/operations'],
  },
};

/** A file the build wrote (absolute path). */
export interface WrittenFile {
  path: string;
  bytes: number;
}

/** What one process's build produced. */
export interface BuildResult {
  name: string;
  /** The bundle to run with `node`. */
  main: string;
  files: WrittenFile[];
  /** Third-party packages the bundle requires at run time (installed, not bundled). */
  externals: string[];
  warnings: number;
}

const WORKSPACE_PACKAGE = /^@liyuan\//;
/** A bare specifier (a package, a node: builtin) rather than a relative or absolute path. */
const BARE = /^[^./]/;
const packageName = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** Keeps every third-party package (and node builtin) out of the bundle; @liyuan/* goes in. */
function externalPackages(externals: Set<string>): Plugin {
  return {
    name: 'liyuan-external-packages',
    setup(b) {
      b.onResolve({ filter: BARE }, (args) => {
        if (args.kind === 'entry-point' || WORKSPACE_PACKAGE.test(args.path)) return undefined;
        if (!args.path.startsWith('node:')) externals.add(packageName(args.path));
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Gives each workspace source file its own `__dirname` / `__filename`, mirrored under the bundle's
 * directory, so paths the sources resolve from them land on the copied assets.
 */
function mirroredDirname(): Plugin {
  return {
    name: 'liyuan-mirrored-dirname',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const rel = relative(ROOT, args.path);
        if (rel.startsWith('..') || rel.split(sep).includes('node_modules')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
        const posix = (p: string) => JSON.stringify(p.split(sep).join('/'));
        const contents = source
          .replace(/\b__dirname\b/g, `require("node:path").join(__dirname, ${posix(dirname(rel))})`)
          .replace(/\b__filename\b/g, `require("node:path").join(__dirname, ${posix(rel)})`);
        return { contents, loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** The files at `path` (itself, or everything under it), with their sizes. */
function filesAt(path: string): WrittenFile[] {
  if (!statSync(path).isDirectory()) return [{ path, bytes: statSync(path).size }];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .map((f) => join(path, f))
    .filter((f) => statSync(f).isFile())
    .sort()
    .map((f) => ({ path: f, bytes: statSync(f).size }));
}

/** Bundles one process into `<outDir>/<name>/` and copies its run-time files next to it. */
export async function buildProcess(
  name: string,
  outDir = join(ROOT, 'dist'),
): Promise<BuildResult> {
  const spec = PROCESSES[name];
  if (!spec)
    throw new Error(`unknown process "${name}"; one of: ${Object.keys(PROCESSES).join(', ')}`);
  const dir = resolve(outDir, name);
  rmSync(dir, { recursive: true, force: true });
  const externals = new Set<string>();
  const main = join(dir, 'main.js');
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, spec.entry)],
    outfile: main,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // TypeORM records migrations by class name and derives names from classes: never rename them.
    keepNames: true,
    // experimentalDecorators (the TypeORM entities) and the rest of the compiler settings.
    tsconfig: join(ROOT, 'tsconfig.base.json'),
    plugins: [externalPackages(externals), mirroredDirname()],
    metafile: true,
    logLevel: 'warning',
  });
  const files: WrittenFile[] = Object.entries(result.metafile.outputs)
    .map(([path, o]) => ({ path: resolve(ROOT, path), bytes: o.bytes }))
    .sort((a, b) => a.path.localeCompare(b.path));
  for (const asset of spec.assets) {
    const from = join(ROOT, asset);
    if (!existsSync(from)) throw new Error(`${name}: run-time file ${asset} is missing`);
    const to = join(dir, asset);
    cpSync(from, to, { recursive: true });
    files.push(...filesAt(to));
  }
  return {
    name,
    main,
    files,
    externals: [...externals].sort(),
    warnings: result.warnings.length,
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { out: { type: 'string', default: 'dist' } },
    allowPositionals: true,
  });
  const names = positionals.length ? positionals : Object.keys(PROCESSES);
  const unknown = names.filter((n) => !PROCESSES[n]);
  if (unknown.length) {
    process.stderr.write(
      `unknown process: ${unknown.join(', ')}; one of: ${Object.keys(PROCESSES).join(', ')}\n`,
    );
    process.exit(1);
  }
  const outDir = resolve(values.out);
  const shown = (p: string): string => {
    const rel = relative(process.cwd(), p);
    return rel.startsWith('..') ? p : rel;
  };
  for (const name of names) {
    const r = await buildProcess(name, outDir);
    process.stdout.write(`${name}: node --enable-source-maps ${shown(r.main)}\n`);
    for (const f of r.files) {
      const kib = (f.bytes / 1024).toFixed(1).padStart(7);
      process.stdout.write(`  ${shown(f.path).padEnd(50)} ${kib} KiB\n`);
    }
    process.stdout.write(`  external packages: ${r.externals.join(', ')}\n`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
