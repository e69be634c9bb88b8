/**
 * The `modelstack` CLI as a real child process (`node --import tsx
 * src/cli/main.ts`), for what only a process shows: a real SIGINT, how long
 * the process takes to exit, and what a frozen engine does to it. With
 * `--progress json` its stderr is one event per line, parsed here with the
 * time each line arrived.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const ROOT = new URL('../../', import.meta.url).pathname;
/** tsx's loader by path: the child runs in the project's temp folder, where no node_modules resolves `tsx`. */
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export interface CliProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** When the process exited (epoch ms). */
  exitedAt: number;
}

export interface CliProcess {
  child: ChildProcess;
  startedAt: number;
  done: Promise<CliProcessResult>;
  stderr(): string;
  /** `--progress json` events seen so far, each with the time its line arrived. */
  events(): Array<{ type: string; arrivedAt: number } & Record<string, any>>;
  /** Resolves once an event matches (rejects after `timeoutMs` or when the process exits first). */
  waitForEvent(match: (e: { type: string } & Record<string, any>) => boolean, timeoutMs?: number): Promise<number>;
}

/** Starts `modelstack <argv>` in `cwd`, talking to `dockerHost` (default: this process's DOCKER_HOST). */
export function startCliProcess(argv: string[], options: { cwd: string; dockerHost?: string }): CliProcess {
  const env = { ...process.env };
  delete env['DOCKER_HOST'];
  const host = options.dockerHost ?? process.env['DOCKER_HOST'];
  if (host) env['DOCKER_HOST'] = host;
  const child = spawn(process.execPath, ['--import', TSX, `${ROOT}src/cli/main.ts`, ...argv], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const startedAt = Date.now();
  let stdout = '';
  let stderr = '';
  let partial = '';
  const events: Array<{ type: string; arrivedAt: number } & Record<string, any>> = [];
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => {
    const text = b.toString();
    stderr += text;
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        events.push({ ...(JSON.parse(line) as { type: string }), arrivedAt: Date.now() });
      } catch {
        // not an event line
      }
    }
    for (const w of waiters) w();
  });
  const done = new Promise<CliProcessResult>((resolve) =>
    child.on('exit', (code, signal) => {
      const exitedAt = Date.now();
      for (const w of waiters) w();
      // Let the pipes drain.
      setTimeout(() => resolve({ code, signal, stdout, stderr, exitedAt }), 50);
    }),
  );
  return {
    child,
    startedAt,
    done,
    stderr: () => stderr,
    events: () => events,
    waitForEvent(match, timeoutMs = 60_000) {
      return new Promise<number>((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            cleanup();
            resolve(found.arrivedAt);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`the CLI exited before the awaited event; stderr:\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no such event within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
