/**
 * What every command gets: where to write, and the global options.
 */

/** Output sinks, injectable so tests can capture what the CLI prints. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stdout is an interactive terminal (live progress view). */
  isTty: boolean;
  /** Environment used for interpolation and COMPOSE_PROJECT_NAME. */
  env: Record<string, string | undefined>;
  /** Folder relative paths on the command line are resolved against. */
  cwd: string;
}

/** The options every command accepts (Docker Compose's global flags). */
export interface GlobalOptions {
  file: string[];
  projectName?: string;
  envFile: string[];
  profile: string[];
  projectDirectory?: string;
}

/** A mistake in how the CLI was called (exit code 2). */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    isTty: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}
