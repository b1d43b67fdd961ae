import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '@liyuan/kit';
import { TEST_SECRETS } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { TOPIC_PREFIX, testBrokers } from '../support/kafka';
import { waitFor } from '../support/wait';
import { PROCESSES } from '../../scripts/build';

// The production build: `npm run build` bundles a process into dist/<name>/main.js, which runs with
// plain node next to node_modules (as /app/dist/<name>/main.js runs next to /app/node_modules in
// the images), applies its migrations at start and serves; and the one Dockerfile, given a process's
// SERVICE and PORT, has the shape the deployment relies on.

const ROOT = join(__dirname, '..', '..');
const TSX_CLI = require.resolve('tsx/cli');
const run = promisify(execFile);

const IMAGES = [
  { name: 'residents', port: 4001 },
  { name: 'facilities', port: 4002 },
  { name: 'shared-spaces', port: 4003 },
  { name: 'volunteers', port: 4004 },
  { name: 'mediation', port: 4005 },
  { name: 'gateway', port: 4000 },
];
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

interface BundleProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The image's CMD (exec form). */
function imageCommand(): string[] {
  const line = instructions(DOCKERFILE).find((l) => /^CMD\s/i.test(l));
  return JSON.parse(line?.replace(/^CMD\s+/i, '') ?? '[]') as string[];
}

/** Runs the image's CMD from `<app>` with SERVICE=<name>: `<app>/dist/<name>/main.js`, plain node. */
async function startBundle(
  app: string,
  name: string,
  env: Record<string, string>,
): Promise<BundleProcess> {
  const port = await freePort();
  const [command, ...args] = imageCommand();
  const child = spawn(command!, args, {
    cwd: app,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      SERVICE: name,
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) =>
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, port, url: `http://127.0.0.1:${port}`, output, exited };
}

/** Polls /health/ready until it answers 200, failing early (with the log) if the process exits. */
async function waitReady(p: BundleProcess, name: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `${name} bundle to report ready`,
    async () => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        throw new Error(`${name} exited: ${p.output.slice(-15).join('\n')}`);
      }
      const res = await fetch(`${p.url}/health/ready`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    timeoutMs,
    200,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n--- ${name} log ---\n${p.output.slice(-15).join('\n')}`);
  });
}

/** SIGTERM, then waits for the exit (SIGKILL after a grace period). */
async function stopBundle(
  p: BundleProcess | undefined,
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  if (!p) return undefined;
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill('SIGTERM');
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
    const result = await p.exited;
    clearTimeout(timer);
    return result;
  }
  return p.exited;
}

/** Third-party packages a bundle requires at run time (node builtins aside). */
function requiredPackages(bundle: string): string[] {
  const names = new Set<string>();
  for (const [, spec] of bundle.matchAll(/\brequire(?:\.resolve)?\("([^"]+)"\)/g)) {
    if (!spec || spec.startsWith('.') || spec.startsWith('/') || isBuiltin(spec)) continue;
    const parts = spec.split('/');
    names.add(parts.slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
  }
  return [...names].sort();
}

/** A Dockerfile's instructions, continuation lines joined and comments dropped. */
function instructions(dockerfile: string): string[] {
  return dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Runs the image's HEALTHCHECK command (shell form) as Docker would, against `port`: its exit code. */
async function runHealthcheck(port: number): Promise<number> {
  const line = instructions(DOCKERFILE).find((l) => /^HEALTHCHECK\s/i.test(l));
  const command = /\sCMD\s+(.+)$/.exec(line ?? '')?.[1];
  if (!command) throw new Error('Dockerfile: no HEALTHCHECK ... CMD <command>');
  try {
    await run('sh', ['-c', command], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      timeout: 15_000,
    });
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'number') throw err;
    return code;
  }
}

describe('production build', () => {
  let app: string;
  let buildOutput: string;
  let database: TestDatabase | undefined;
  let residents: BundleProcess | undefined;
  let gateway: BundleProcess | undefined;

  beforeAll(async () => {
    // A throwaway "/app": dist/ from the build, node_modules beside it as in the image.
    app = mkdtempSync(join(tmpdir(), 'liyuan-build-'));
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
    const { stdout } = await run(
      process.execPath,
      [
        TSX_CLI,
        join(ROOT, 'scripts', 'build.ts'),
        'residents',
        'gateway',
        '--out',
        join(app, 'dist'),
      ],
      { cwd: ROOT },
    );
    buildOutput = stdout;
    database = await createTestDatabase('build_residents');
  }, 120_000);

  afterAll(async () => {
    await stopBundle(gateway);
    await stopBundle(residents);
    await database?.drop();
    if (app) rmSync(app, { recursive: true, force: true });
  }, 60_000);

  test('builds only the processes asked for, each with its source map and run-time files', () => {
    expect(readdirSync(join(app, 'dist')).sort()).toEqual(['gateway', 'residents']);
    for (const name of ['residents', 'gateway']) {
      expect(buildOutput).toContain(`dist/${name}/main.js`);
      expect(existsSync(join(app, 'dist', name, 'main.js.map'))).toBe(true);
    }
    expect(existsSync(join(app, 'dist/residents/schemas/residents.graphql'))).toBe(true);
    expect(existsSync(join(app, 'dist/gateway/schemas/supergraph.graphql'))).toBe(true);
    expect(readdirSync(join(app, 'dist/gateway/test/operations')).sort()).toEqual(
      readdirSync(join(ROOT, 'test/operations')).sort(),
    );
  });

  test('inlines the workspaces, leaves third-party packages external, bakes in no local path', () => {
    for (const name of ['residents', 'gateway']) {
      const bundle = readFileSync(join(app, 'dist', name, 'main.js'), 'utf8');
      const required = requiredPackages(bundle);
      expect(required.filter((p) => p.startsWith('@liyuan/'))).toEqual([]);
      expect(required).toEqual(expect.arrayContaining(['graphql', 'zod', 'pino']));
      expect(bundle).not.toContain(ROOT);
      expect(bundle).toMatch(/sourceMappingURL=main\.js\.map/);
    }
  });

  test("each workspace's production-only install provides every package its bundle requires", async () => {
    // The image's `npm ci --omit=dev --workspace @liyuan/<name>`, resolved from the lockfile alone.
    const manifests = mkdtempSync(join(tmpdir(), 'liyuan-manifests-'));
    try {
      const workspaces = (
        JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }
      ).workspaces;
      for (const file of [
        'package.json',
        'package-lock.json',
        ...workspaces.map((w) => `${w}/package.json`),
      ]) {
        mkdirSync(dirname(join(manifests, file)), { recursive: true });
        writeFileSync(join(manifests, file), readFileSync(join(ROOT, file)));
      }
      for (const name of ['residents', 'gateway']) {
        const { stdout } = await run(
          'npm',
          ['ci', '--omit=dev', '--workspace', `@liyuan/${name}`, '--dry-run', '--offline'],
          {
            cwd: manifests,
            // Not the settings of an `npm test` around this run (its npm_* variables).
            env: {
              ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
              npm_config_audit: 'false',
              npm_config_fund: 'false',
            },
          },
        );
        const installed = new Set([...stdout.matchAll(/^add (\S+) /gm)].map((m) => m[1]));
        expect(installed.size).toBeGreaterThan(0);
        for (const dev of ['jest', 'typescript', 'tsx', 'esbuild'])
          expect(installed).not.toContain(dev);
        const bundle = readFileSync(join(app, 'dist', name, 'main.js'), 'utf8');
        expect(requiredPackages(bundle).filter((p) => !installed.has(p))).toEqual([]);
      }
    } finally {
      rmSync(manifests, { recursive: true, force: true });
    }
  }, 60_000);

  test('the residents bundle runs with plain node, applies its migrations at start and gets ready', async () => {
    residents = await startBundle(app, 'residents', {
      NODE_ENV: 'production',
      DATABASE_URL: database!.url,
      KAFKA_BROKERS: testBrokers().join(','),
      KAFKA_TOPIC_PREFIX: TOPIC_PREFIX,
      KAFKA_CONSUMER_GROUP_PREFIX: `build-${randomBytes(4).toString('hex')}.`,
      IDENTITY_SECRET: TEST_SECRETS.identity,
      OUTBOX_POLL_INTERVAL_MS: '200',
      DATABASE_POOL_SIZE: '5',
    });
    await waitReady(residents, 'residents', 90_000);
    expect(await runHealthcheck(residents.port)).toBe(0);

    const db = new Client({ connectionString: database!.url });
    await db.connect();
    try {
      const tables = await db.query<{ residents: string | null; grids: string | null }>(
        `SELECT to_regclass('public.residents')::text AS residents, to_regclass('public.grids')::text AS grids`,
      );
      expect(tables.rows[0]).toEqual({ residents: 'residents', grids: 'grids' });
      const migrations = await db.query<{ name: string }>('SELECT name FROM migrations');
      expect(migrations.rows.map((r) => r.name)).toEqual(
        expect.arrayContaining([
          'KitTables1764200000000',
          'Registry1764200000100',
          'VisitsAndRequests1764300000000',
        ]),
      );
    } finally {
      await db.end();
    }
  }, 120_000);

  test('the gateway bundle serves a query through the residents bundle', async () => {
    expect(residents).toBeDefined();
    gateway = await startBundle(app, 'gateway', {
      // development: the safelist is off, so an ad-hoc query is served.
      NODE_ENV: 'development',
      SUBGRAPH_URLS: `residents=${residents!.url}/graphql`,
      JWT_SECRET: TEST_SECRETS.jwt,
      IDENTITY_SECRET: TEST_SECRETS.identity,
    });
    await waitReady(gateway, 'gateway', 60_000);
    expect(await runHealthcheck(gateway.port)).toBe(0);

    const res = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ grids { id } }' }),
    });
    const body = (await res.json()) as { data?: { grids?: unknown[] }; errors?: unknown[] };
    expect({ status: res.status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
    expect(Array.isArray(body.data?.grids)).toBe(true);
  }, 90_000);

  test('both bundles stop cleanly on SIGTERM (what docker stop sends), and then fail the health check', async () => {
    expect(gateway && residents).toBeDefined();
    expect(await stopBundle(gateway)).toEqual({ code: 0, signal: null });
    expect(await stopBundle(residents)).toEqual({ code: 0, signal: null });
    // Nothing answers any more: the image's health check reports unhealthy.
    expect(await runHealthcheck(residents!.port)).toBe(1);
  }, 60_000);

  describe('the Dockerfile', () => {
    const lines = instructions(DOCKERFILE);
    const stages = lines.reduce<string[][]>((acc, line) => {
      if (/^FROM\s/i.test(line)) acc.push([]);
      acc[acc.length - 1]?.push(line);
      return acc;
    }, []);
    const [build, runtime] = stages;
    const find = (stage: string[] | undefined, re: RegExp) =>
      (stage ?? []).filter((l) => re.test(l));

    test('says its build context is the repository root and the SERVICE and PORT of every image', () => {
      const header = DOCKERFILE.split('\n').slice(0, 6).join('\n');
      expect(header).toMatch(/build context.*repository root/i);
      for (const { name, port } of IMAGES) expect(header).toContain(`${name} ${port}`);
    });

    test('has two node:26-trixie-slim stages: build (SERVICE named after npm ci), then production', () => {
      expect(stages).toHaveLength(2);
      expect(build![0]).toMatch(/^FROM node:26-trixie-slim AS build$/i);
      expect(runtime![0]).toMatch(/^FROM node:26-trixie-slim$/i);
      const ci = build!.findIndex((l) => /^RUN npm ci\b/.test(l));
      expect(find(build, /^RUN npm ci\b/)).toHaveLength(1);
      expect(build!.indexOf('ARG SERVICE')).toBeGreaterThan(ci);
      expect(find(build, /^RUN npm run build -- "\$SERVICE"$/)).toHaveLength(1);
    });

    test('installs production dependencies of its own workspace only', () => {
      expect(find(runtime, /^ARG (SERVICE|PORT)$/).sort()).toEqual(['ARG PORT', 'ARG SERVICE']);
      expect(
        find(runtime, /^RUN npm ci --omit=dev --workspace "@liyuan\/\$SERVICE"(\s|$)/),
      ).toHaveLength(1);
      expect(find(runtime, /^(ENV NODE_ENV=production)$/)).toHaveLength(1);
      expect(
        find(runtime, /^COPY --from=build \/app\/dist\/\$\{SERVICE\} dist\/\$\{SERVICE\}$/),
      ).toHaveLength(1);
    });

    test('copies the manifest of every workspace (npm ci checks the lockfile against them all)', () => {
      const workspaces = (
        JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }
      ).workspaces;
      for (const stage of [build, runtime]) {
        for (const w of workspaces) {
          expect(find(stage, new RegExp(`^COPY ${w}/package.json ${w}/$`))).toHaveLength(1);
        }
      }
    });

    test('runs as a non-root user', () => {
      const users = find(runtime, /^USER\s/i).map((l) => l.split(/\s+/)[1]);
      expect(users.length).toBeGreaterThan(0);
      expect(['root', '0', '0:0']).not.toContain(users[users.length - 1]);
    });

    test("exposes PORT, checks /health/ready on it with node's fetch and runs the SERVICE's bundle", () => {
      const env = find(runtime, /^ENV\s/i).join(' ');
      expect(env).toContain('SERVICE=${SERVICE}');
      expect(env).toContain('PORT=${PORT}');
      expect(find(runtime, /^EXPOSE\s/i)).toEqual(['EXPOSE ${PORT}']);
      const health = find(runtime, /^HEALTHCHECK\s/i);
      expect(health).toHaveLength(1);
      expect(health[0]).toMatch(/CMD node -e .*fetch\(.*process\.env\.PORT.*\/health\/ready/);
      expect(runtime![runtime!.length - 1]).toMatch(/^CMD \[/);
      expect(imageCommand()).toEqual([
        'sh',
        '-c',
        'exec node --enable-source-maps dist/$SERVICE/main.js',
      ]);
    });

    test.each(IMAGES)(
      'SERVICE=$name names a process the build knows and a workspace',
      ({ name }) => {
        expect(Object.keys(PROCESSES)).toContain(name);
        const manifest = name === 'gateway' ? 'gateway' : `services/${name}`;
        expect(
          (
            JSON.parse(readFileSync(join(ROOT, manifest, 'package.json'), 'utf8')) as {
              name: string;
            }
          ).name,
        ).toBe(`@liyuan/${name}`);
      },
    );
  });

  test('.dockerignore keeps installed packages, build output, local data and history out', () => {
    const entries = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(entries).toEqual(
      expect.arrayContaining(['**/node_modules', '**/dist', '.data', '.git', 'coverage']),
    );
  });
});
