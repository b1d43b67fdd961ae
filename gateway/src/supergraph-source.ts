import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '@liyuan/kit';

/**
 * The supergraph from a file, reloaded without a restart when the file changes (polled every
 * `intervalMs`). A file that does not load (unreadable, not a valid supergraph) is refused: the
 * previous supergraph keeps serving and the reason is logged.
 */
export function supergraphFromFile(
  path: string,
  intervalMs: number,
  logger: Logger,
): SupergraphSdlHook {
  return async ({ update }) => {
    const initial = readFileSync(path, 'utf8');
    let current = initial;
    const onChange = () => {
      let next: string;
      try {
        next = readFileSync(path, 'utf8');
      } catch (err) {
        logger.error(
          { path, err: String(err) },
          'supergraph reload failed; serving the previous one',
        );
        return;
      }
      if (next === current) return;
      try {
        update(next);
        current = next;
        logger.info({ path }, 'supergraph reloaded');
      } catch (err) {
        logger.error(
          { path, err: String(err).slice(0, 500) },
          'supergraph reload failed; serving the previous one',
        );
      }
    };
    watchFile(path, { interval: intervalMs }, onChange);
    return {
      supergraphSdl: initial,
      cleanup: async () => unwatchFile(path, onChange),
    };
  };
}
