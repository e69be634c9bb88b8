/**
 * The command tree. Each command lives in `commands/<name>.ts` and is a thin
 * adapter: options → one library call → output. Global options follow
 * Docker Compose (`-f`, `-p`, `--env-file`, `--profile`, `--progress`) and,
 * as in Compose, come before the command.
 *
 * Only the command being run is loaded: the engine client (dockerode, with
 * its ssh2 and gRPC), the compose loader and the exporters cost hundreds of
 * milliseconds to import, and `--help`, `--version` or `config` need none
 * or only some of them. The other commands appear as their name and summary
 * from {@link COMMANDS}, which is enough for the top-level help.
 *
 * Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted, and `exec`
 * passes its command's code through.
 */
import { Command, CommanderError, Help } from 'commander';
import { isModelstackError, messageOf } from '../errors.js';
import { collect, contextOption } from './arguments.js';
import { registerVersion, versionLine } from './commands/version.js';
import { CliExit, CliUsageError, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, InterruptedError, processIo } from './context.js';
import { PROGRESS_MODES, parseProgressMode } from './progress.js';

type Register = (program: Command, io: CliIo) => void;

/** A command as the top-level help lists it: `term` as commander prints it (name, alias, `[options]`, arguments). */
export interface CommandSummary {
  name: string;
  alias?: string;
  term: string;
  description: string;
}

/** The commands of one module, and how to load the module. */
export interface CommandModule {
  commands: CommandSummary[];
  load(): Promise<Register>;
}

/**
 * Every command, in the order of the help. The summaries repeat what each
 * module registers (test/unit/cli/lazy-commands.test.ts checks that they
 * agree), so listing the commands loads none of them.
 */
export const COMMANDS: CommandModule[] = [
  {
    commands: [{ name: 'up', term: 'up [options] [services...]', description: 'Create and start containers; attached (without -d), follow their logs until Ctrl-C, then stop them' }],
    load: async () => (await import('./commands/up.js')).registerUp,
  },
  {
    commands: [{ name: 'down', term: 'down [options]', description: "Stop and remove the project's containers and networks (and volumes with -v)" }],
    load: async () => (await import('./commands/down.js')).registerDown,
  },
  {
    commands: [{ name: 'ps', term: 'ps [options] [services...]', description: "List the project's containers (running ones unless -a)" }],
    load: async () => (await import('./commands/ps.js')).registerPs,
  },
  {
    commands: [{ name: 'logs', term: 'logs [options] [services...]', description: "Print the services' logs (container stdout to stdout, stderr to stderr)" }],
    load: async () => (await import('./commands/logs.js')).registerLogs,
  },
  {
    commands: [
      {
        name: 'exec',
        term: 'exec [options] <service> <command...>',
        description: "Run a command in a service's running container and exit with its exit code (interactive on a terminal)",
      },
    ],
    load: async () => (await import('./commands/exec.js')).registerExec,
  },
  {
    commands: [{ name: 'port', term: 'port [options] <service> <private_port>', description: 'Print the host address and port a container port is published on' }],
    load: async () => (await import('./commands/port.js')).registerPort,
  },
  {
    commands: [
      { name: 'start', term: 'start [services...]', description: "Start the services' stopped containers" },
      { name: 'stop', term: 'stop [options] [services...]', description: "Stop the services' running containers (without removing them)" },
      { name: 'restart', term: 'restart [options] [services...]', description: "Restart the services' containers" },
      { name: 'kill', term: 'kill [options] [services...]', description: "Send a signal (default SIGKILL) to the services' running containers" },
      { name: 'rm', term: 'rm [options] [services...]', description: "Remove the services' stopped containers" },
      { name: 'wait', term: 'wait [options] <services...>', description: "Block until the services' containers stop; exit with the last one's exit code" },
      { name: 'pause', term: 'pause [services...]', description: "Pause the services' running containers" },
      { name: 'unpause', term: 'unpause [services...]', description: "Unpause the services' paused containers" },
    ],
    load: async () => (await import('./commands/lifecycle.js')).registerLifecycle,
  },
  {
    commands: [{ name: 'events', term: 'events [options] [services...]', description: "Print the runtime events of the project's containers as they happen, until Ctrl-C" }],
    load: async () => (await import('./commands/events.js')).registerEvents,
  },
  {
    commands: [{ name: 'build', term: 'build [options] [services...]', description: "Build the services' images (those with build:)" }],
    load: async () => (await import('./commands/build.js')).registerBuild,
  },
  {
    commands: [{ name: 'pull', term: 'pull [options] [services...]', description: "Pull the services' images" }],
    load: async () => (await import('./commands/pull.js')).registerPull,
  },
  {
    commands: [
      { name: 'ls', term: 'ls [options]', description: 'List the Compose projects on the engine (those with a running container unless -a)' },
      { name: 'images', term: 'images [options] [services...]', description: "List the images of the project's containers" },
      { name: 'top', term: 'top [services...]', description: "Print the processes of the project's running containers" },
    ],
    load: async () => (await import('./commands/overview.js')).registerOverview,
  },
  {
    commands: [{ name: 'config', term: 'config [options]', description: 'Parse, resolve and print the compose file(s) in canonical form' }],
    load: async () => (await import('./commands/config.js')).registerConfig,
  },
  {
    commands: [
      { name: 'models', term: 'models [options]', description: 'Model stacks from a models file: intent/sentiment/NER-style TensorFlow containers, secure by default' },
    ],
    load: async () => (await import('./commands/models.js')).registerModels,
  },
  {
    commands: [
      {
        name: 'kubernetes',
        alias: 'k8s',
        term: 'kubernetes|k8s [options]',
        description: 'Print Kubernetes manifests for the project (or a models file); what has no faithful Kubernetes form is warned about on stderr',
      },
    ],
    load: async () => (await import('./commands/kubernetes.js')).registerKubernetes,
  },
  {
    commands: [{ name: 'stack', term: 'stack', description: 'Deploy the project to a Docker Swarm (DOCKER_HOST: a manager), as docker stack does' }],
    load: async () => (await import('./commands/stack.js')).registerStack,
  },
];

/**
 * Builds the commander program; `io` receives all output. The commands of
 * `loaded` are registered in full (by their module); every other command is
 * only its summary, for the help (running one is a bug: see runCli).
 */
export async function buildProgram(io: CliIo, loaded: CommandModule[] = COMMANDS): Promise<Command> {
  const program = globalOptions(new Command('modelstack'))
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // commander's `error: …` in the form of every other error (subcommands inherit this).
      outputError: (text, write) => write(text.replace(/^error: /, 'modelstack: ')),
    })
    .showHelpAfterError('(run with --help for usage)')
    .hook('preAction', (_program, command) => {
      parseProgressMode(command.optsWithGlobals<GlobalOptions>().progress);
    });

  const terms = new Map<Command, string>();
  const registers = await Promise.all(loaded.map((m) => m.load()));
  for (const m of COMMANDS) {
    const i = loaded.indexOf(m);
    if (i >= 0) {
      registers[i]!(program, io);
      continue;
    }
    for (const c of m.commands) {
      const stub = program.command(c.name).description(c.description);
      if (c.alias) stub.alias(c.alias);
      stub.action(() => {
        throw new Error(`modelstack: internal error: command ${c.name} ran without its module`);
      });
      terms.set(stub, c.term);
    }
  }
  registerVersion(program, io);
  program.configureHelp({
    subcommandTerm(cmd) {
      return terms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
  return program;
}

/** The global options (as in Compose, before the command): the same for the program that finds the command and the one that runs it. */
function globalOptions(program: Command): Command {
  return (
    program
      .description('Bring up stacks of model containers with Docker Compose semantics, without the Compose binary.')
      .option('-f, --file <file>', 'compose file (repeatable; later files override earlier ones)', collect, [])
      .option('-p, --project-name <name>', 'project name (default: COMPOSE_PROJECT_NAME, name:, or the folder name)')
      .option('--env-file <file>', 'project env file (repeatable; default: .env in the project folder)', collect, [])
      .option('--profile <profile>', 'activate a profile (repeatable)', collect, [])
      .option('--project-directory <dir>', 'project folder (default: the folder of the first compose file)')
      .option('--progress <mode>', `progress output on stderr: ${PROGRESS_MODES.join(', ')}`, 'auto')
      .addOption(contextOption())
      .option('-v, --version', 'print the version and exit')
      // Global options go before the command; this lets `exec` hand everything
      // after SERVICE to the container's command.
      .enablePositionalOptions()
  );
}

/**
 * What `argv` asks for, found by commander's own option parser over the
 * global options and the command names (so `-f FILE up`, `--file=FILE up`,
 * `help up` and aliases all resolve as the real parse will): the module of
 * the command, and whether the global `--version` came first. A malformed
 * command line selects no module; the full parse then reports it.
 */
function selectCommand(argv: string[]): { module?: CommandModule; version: boolean } {
  const finder = globalOptions(new Command('modelstack'))
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  for (const m of COMMANDS) {
    for (const c of m.commands) {
      const cmd = finder.command(c.name);
      if (c.alias) cmd.alias(c.alias);
    }
  }
  try {
    const { operands } = finder.parseOptions(argv);
    const version = finder.opts<{ version?: boolean }>().version === true;
    const name = operands[0] === 'help' ? operands[1] : operands[0];
    const module = name === undefined ? undefined : COMMANDS.find((m) => m.commands.some((c) => c.name === name || c.alias === name));
    return { version, ...(module ? { module } : {}) };
  } catch {
    return { version: false };
  }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const selected = selectCommand(argv);
  if (selected.version) {
    io.stdout(`${versionLine()}\n`);
    return 0;
  }
  let program: Command | undefined;
  try {
    program = await buildProgram(io, selected.module ? [selected.module] : []);
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return exitCodeFor(err, io, program);
  }
}

/**
 * Runs the CLI as the process it owns: the exit code is the process's, and
 * the process ends as soon as the command is over and its output written
 * (stdout and stderr are synchronous on Linux for files, pipes and
 * terminals). What may still hold the event loop then are the engine's
 * answers to calls `up` stopped waiting for after Ctrl-C (it reported
 * them): they change nothing now, so the process does not wait for them.
 */
export async function runCliProcess(argv: string[]): Promise<never> {
  process.exit(await runCli(argv));
}

function exitCodeFor(err: unknown, io: CliIo, program: Command | undefined): number {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander but successes to the user.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
    // commander already printed the message; a global option after the command deserves a hint.
    const flag = err.code === 'commander.unknownOption' ? /'([^']+)'/.exec(err.message)?.[1]?.split('=')[0] : undefined;
    if (flag && program?.options.some((o) => o.short === flag || o.long === flag)) {
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
