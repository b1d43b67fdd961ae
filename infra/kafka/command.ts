// Short-lived commands (Maven, `java -version`, the storage formatter) and how their outcome is told.
import { spawn } from 'node:child_process';

export const LOG_TAIL_BYTES = 6_000;

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a short-lived command, capturing stdout+stderr; rejects only if it cannot be spawned. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs: number },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

export function describeExit(result: {
  code: number | null;
  signal: NodeJS.Signals | null;
}): string {
  return result.signal ? `killed by ${result.signal}` : `exit code ${String(result.code)}`;
}

export function tailText(text: string, maxChars: number): string {
  return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
}
