import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { Logger } from './logger';

/**
 * CPU profiles of a running process on demand: each SIGUSR2 starts the V8 sampling profiler, the
 * next one stops it and writes `<dir>/<name>-<pid>-<n>.cpuprofile` (open it in Chrome DevTools or
 * speedscope). Unlike `node --cpu-prof`, the profile covers only the window an operator chose, not
 * the start-up. Enabled only when a directory is configured (`CPU_PROFILE_DIR`).
 */
export function profileOnSignal(dir: string, name: string, logger: Logger): () => Promise<void> {
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  let running = false;
  let busy = Promise.resolve();
  let n = 0;
  const toggle = async () => {
    if (!running) {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      running = true;
      logger.info('cpu profile started');
      return;
    }
    const { profile } = await session.post('Profiler.stop');
    running = false;
    n += 1;
    const file = join(dir, `${name}-${process.pid}-${n}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    logger.info({ file }, 'cpu profile written');
  };
  const onSignal = () => {
    busy = busy.then(toggle).catch((err: unknown) => logger.error({ err }, 'cpu profile failed'));
  };
  process.on('SIGUSR2', onSignal);
  return async () => {
    process.off('SIGUSR2', onSignal);
    await busy;
    if (running) await session.post('Profiler.stop');
    session.disconnect();
  };
}
