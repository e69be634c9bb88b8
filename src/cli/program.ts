/**
 * The command tree. Each command lives in `commands/<name>.ts` and is a thin
 * adapter: options → one library call → output. Global options follow
 * Docker Compose (`-f`, `-p`, `--env-file`, `--profile`).
 */
import { Command, CommanderError } from 'commander';
import { isModelstackError, messageOf } from '../errors.js';
import { CliUsageError, type CliIo, type GlobalOptions, processIo } from './context.js';
import { registerConfig } from './commands/config.js';

/** Builds the commander program; `io` receives all output. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('modelstack')
    .description('Bring up stacks of model containers with Docker Compose semantics, without the Compose binary.')
    .option('-f, --file <file>', 'compose file (repeatable; later files override earlier ones)', collect, [])
    .option('-p, --project-name <name>', 'project name (default: COMPOSE_PROJECT_NAME, name:, or the folder name)')
    .option('--env-file <file>', 'project env file (repeatable; default: .env in the project folder)', collect, [])
    .option('--profile <profile>', 'activate a profile (repeatable)', collect, [])
    .option('--project-directory <dir>', 'project folder (default: the folder of the first compose file)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    })
    .showHelpAfterError('(run with --help for usage)');

  registerConfig(program, io);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return exitCodeFor(err, io);
  }
}

function exitCodeFor(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander but successes to the user.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
    return 2; // commander already printed the message
  }
  if (err instanceof CliUsageError) {
    io.stderr(`modelstack: ${err.message}\n`);
    return 2;
  }
  if (isModelstackError(err)) {
    io.stderr(`modelstack: ${err.message}\n`);
    return 1;
  }
  io.stderr(`modelstack: unexpected error: ${messageOf(err)}\n`);
  if (err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  return 1;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export type { GlobalOptions };
