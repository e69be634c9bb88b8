/**
 * The command tree. Each command lives in `commands/<name>.ts` and is a thin
 * adapter: options → one library call → output. Global options follow
 * Docker Compose (`-f`, `-p`, `--env-file`, `--profile`, `--progress`) and,
 * as in Compose, come before the command.
 *
 * Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted, and `exec`
 * passes its command's code through.
 */
import { Command, CommanderError } from 'commander';
import { isModelstackError, messageOf } from '../errors.js';
import { collect } from './arguments.js';
import { registerConfig } from './commands/config.js';
import { registerDown } from './commands/down.js';
import { registerExec } from './commands/exec.js';
import { registerKubernetes } from './commands/kubernetes.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerLogs } from './commands/logs.js';
import { registerModels } from './commands/models.js';
import { registerPort } from './commands/port.js';
import { registerPs } from './commands/ps.js';
import { registerStack } from './commands/stack.js';
import { registerUp } from './commands/up.js';
import { CliExit, CliUsageError, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, InterruptedError, processIo } from './context.js';
import { PROGRESS_MODES, parseProgressMode } from './progress.js';

/** Builds the commander program; `io` receives all output. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('modelstack')
    .description('Bring up stacks of model containers with Docker Compose semantics, without the Compose binary.')
    .option('-f, --file <file>', 'compose file (repeatable; later files override earlier ones)', collect, [])
    .option('-p, --project-name <name>', 'project name (default: COMPOSE_PROJECT_NAME, name:, or the folder name)')
    .option('--env-file <file>', 'project env file (repeatable; default: .env in the project folder)', collect, [])
    .option('--profile <profile>', 'activate a profile (repeatable)', collect, [])
    .option('--project-directory <dir>', 'project folder (default: the folder of the first compose file)')
    .option('--progress <mode>', `progress output on stderr: ${PROGRESS_MODES.join(', ')}`, 'auto')
    // Global options go before the command; this lets `exec` hand everything
    // after SERVICE to the container's command.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    })
    .showHelpAfterError('(run with --help for usage)')
    .hook('preAction', (_program, command) => {
      parseProgressMode(command.optsWithGlobals<GlobalOptions>().progress);
    });

  registerUp(program, io);
  registerDown(program, io);
  registerPs(program, io);
  registerLogs(program, io);
  registerExec(program, io);
  registerPort(program, io);
  registerLifecycle(program, io);
  registerConfig(program, io);
  registerModels(program, io);
  registerKubernetes(program, io);
  registerStack(program, io);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return exitCodeFor(err, io, program);
  }
}

function exitCodeFor(err: unknown, io: CliIo, program: Command): number {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander but successes to the user.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
    // commander already printed the message; a global option after the command deserves a hint.
    const flag = err.code === 'commander.unknownOption' ? /'([^']+)'/.exec(err.message)?.[1]?.split('=')[0] : undefined;
    if (flag && program.options.some((o) => o.short === flag || o.long === flag)) {
      io.stderr(`modelstack: ${flag} is a global option: put it before the command (modelstack ${flag} ... COMMAND)\n`);
    }
    return 2;
  }
  if (err instanceof CliExit) {
    if (err.message) io.stderr(`modelstack: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof InterruptedError) {
    io.stderr('modelstack: interrupted\n');
    return INTERRUPTED_EXIT_CODE;
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

export type { GlobalOptions };
