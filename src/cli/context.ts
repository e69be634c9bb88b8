/**
 * What every command gets: where to write, how it learns of Ctrl-C, the
 * global options, and the two ways a command ends other than success.
 */
import type { TerminalSize } from '../engine/container-client.js';

/** Output sinks, injectable so tests can capture what the CLI prints. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stdout is an interactive terminal (colored log prefixes; live progress unless `stderrIsTty` says otherwise). */
  isTty: boolean;
  /** True when stderr, where progress goes, is a terminal (default: `isTty`). */
  stderrIsTty?: boolean;
  /** Width of the terminal, so live progress lines never wrap (default 80). */
  columns?: number;
  /** Environment used for interpolation and COMPOSE_PROJECT_NAME. */
  env: Record<string, string | undefined>;
  /** Folder relative paths on the command line are resolved against. */
  cwd: string;
  /**
   * Subscribes to the user's interrupt (Ctrl-C) and returns the unsubscribe
   * function. Without it, commands cannot be interrupted (tests pass a fake).
   */
  onInterrupt?(listener: () => void): () => void;
  /** Where `exec` reads input: the process's stdin (a terminal, a pipe or a file); none in tests that give none. */
  stdin?: CliStdin;
  /** The terminal on stdout, for a pseudo-terminal's size: now and as it changes. */
  terminal?: { size(): TerminalSize; onResize(listener: (size: TerminalSize) => void): () => void };
}

/** A readable input that may be a terminal (then it can be put in raw mode). */
export interface CliStdin extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  /** Lets the process exit while the input is still open (a pipe nobody closes). */
  unref?(): unknown;
}

/** The options every command accepts (Docker Compose's global flags). */
export interface GlobalOptions {
  file: string[];
  projectName?: string;
  envFile: string[];
  profile: string[];
  projectDirectory?: string;
  progress: string;
  /** `--context`: the Docker context to connect to. */
  context?: string;
}

/** A mistake in how the CLI was called (exit code 2). */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * Ends the command with `exitCode` (e.g. the code of `exec`'s command, or 130
 * after an interrupt); `message`, if any, goes to stderr.
 */
export class CliExit extends Error {
  override name = 'CliExit';
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
  }
}

/** The exit code of a command ended by Ctrl-C (128 + SIGINT), as shells and Compose report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    isTty: Boolean(process.stdout.isTTY),
    stderrIsTty: Boolean(process.stderr.isTTY),
    columns: process.stderr.columns || process.stdout.columns || 80,
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    ...(process.stdout.isTTY
      ? {
          terminal: {
            size: () => ({ rows: process.stdout.rows, columns: process.stdout.columns }),
            onResize(listener: (size: TerminalSize) => void) {
              const onResize = () => listener({ rows: process.stdout.rows, columns: process.stdout.columns });
              process.stdout.on('resize', onResize);
              return () => void process.stdout.off('resize', onResize);
            },
          },
        }
      : {}),
    onInterrupt(listener) {
      // The first Ctrl-C asks the command to wind down; a second one means
      // "now": exit at once, as Compose does.
      let count = 0;
      const onSigint = () => {
        count += 1;
        if (count > 1) process.exit(INTERRUPTED_EXIT_CODE);
        listener();
      };
      process.on('SIGINT', onSigint);
      return () => void process.off('SIGINT', onSigint);
    },
  };
}

/**
 * An AbortSignal that fires on the first interrupt, released when `run`
 * settles. `onFirst` runs on that interrupt (e.g. to say "stopping...").
 */
export async function withInterrupt<T>(io: CliIo, run: (signal: AbortSignal) => Promise<T>, onFirst?: () => void): Promise<T> {
  const controller = new AbortController();
  const unsubscribe = io.onInterrupt?.(() => {
    if (controller.signal.aborted) return;
    onFirst?.();
    controller.abort(new InterruptedError());
  });
  try {
    return await run(controller.signal);
  } finally {
    unsubscribe?.();
  }
}

/** The reason of an interrupt's abort; an AbortError, so the library treats it as a cancellation. */
export class InterruptedError extends Error {
  override name = 'AbortError';
  constructor() {
    super('interrupted');
  }
}
