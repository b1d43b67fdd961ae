import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../../test/support/wait';

/** A process that profiles on SIGUSR2 and keeps its CPU busy until told to stop. */
const SCRIPT = `
const { createLogger } = require('./services/kit/src/logger');
const { profileOnSignal } = require('./services/kit/src/profiler');
const stop = profileOnSignal(process.env.DIR, 'svc', createLogger('svc', 'info'));
const busy = setInterval(() => { let x = 0; for (let i = 0; i < 1e5; i++) x += Math.sqrt(i); }, 5);
process.on('SIGTERM', () => { clearInterval(busy); void stop().then(() => process.exit(0)); });
console.log(JSON.stringify({ msg: 'ready' }));
`;

describe('CPU profile on SIGUSR2', () => {
  it('when a process gets SIGUSR2 twice, then one profile of the window between is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liyuan-profile-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=commonjs', '-e', SCRIPT],
      {
        cwd: join(__dirname, '../../..'),
        env: { ...process.env, DIR: dir },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor('the process to start', () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
        return out.includes('"ready"') ? true : undefined;
      });
      child.kill('SIGUSR2');
      await waitFor('the profiler to start', () =>
        out.includes('cpu profile started') ? true : undefined,
      );
      expect(readdirSync(dir)).toEqual([]);
      child.kill('SIGUSR2');
      const file = await waitFor('the profile file', () =>
        out.includes('cpu profile written')
          ? readdirSync(dir).find((n) => n.endsWith('.cpuprofile'))
          : undefined,
      );
      expect(file).toBe(`svc-${child.pid}-1.cpuprofile`);
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        nodes: unknown[];
        samples: unknown[];
      };
      expect(profile.nodes.length).toBeGreaterThan(1);
      expect(profile.samples.length).toBeGreaterThan(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
