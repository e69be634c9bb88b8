/**
 * `modelstack start|stop|restart [SERVICE...]`: start the services' stopped
 * containers (dependencies first), stop them (dependents first, `-t`
 * seconds before SIGKILL), or both. `kill [-s SIGNAL]`, `pause` and
 * `unpause` act on every running (paused) container at once, as Compose's
 * do; `kill` with nothing running says "no container to kill", as Compose.
 * `rm [-f] [-s] [-v]` removes the stopped containers after asking (as
 * Compose: "Going to remove …", a yes on stdin; `-f` does not ask).
 * `wait SERVICE...` blocks until the services' containers stop, prints
 * each one's exit as Compose does, and exits with the last one's code
 * (`--down-project`: then takes the project down).
 * Containers are found by their labels, so `-p NAME` without a file works.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { ContainerExit } from '../../stack/backend.js';
import { parseSeconds } from '../arguments.js';
import { CliExit, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { openStack } from '../open-stack.js';
import { parseProgressMode, renderProgress } from '../progress.js';

interface TimeoutFlags {
  timeout?: number;
}

interface KillFlags {
  signal: string;
}

interface RmFlags extends TimeoutFlags {
  force?: boolean;
  stop?: boolean;
  volumes?: boolean;
}

/** Adds `modelstack start`, `stop`, `restart`, `kill`, `rm`, `wait`, `pause` and `unpause` to `program`; output goes to `io`. */
export function registerLifecycle(program: Command, io: CliIo): void {
  const timeoutOption = ['-t, --timeout <seconds>', 'seconds each container gets to stop before it is killed (default: its stop_grace_period)'] as const;
  const run = async (command: Command, services: string[], operation: 'start' | 'stop' | 'restart') => {
    const o = command.optsWithGlobals<GlobalOptions & TimeoutFlags>();
    const mode = parseProgressMode(o.progress);
    const stack = await openStack(o, io, { services });
    const selection = services.length ? services : undefined;
    const timeout = o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {};
    await renderProgress(stack, mode, io, () => (operation === 'start' ? stack.start(selection) : stack[operation](selection, timeout)));
  };

  program
    .command('start')
    .description("Start the services' stopped containers")
    .argument('[services...]', 'only these services')
    .action((services: string[], _options: unknown, command: Command) => run(command, services, 'start'));
  program
    .command('stop')
    .description("Stop the services' running containers (without removing them)")
    .argument('[services...]', 'only these services')
    .option(...timeoutOption, parseSeconds)
    .action((services: string[], _options: TimeoutFlags, command: Command) => run(command, services, 'stop'));
  program
    .command('restart')
    .description("Restart the services' containers")
    .argument('[services...]', 'only these services')
    .option(...timeoutOption, parseSeconds)
    .action((services: string[], _options: TimeoutFlags, command: Command) => run(command, services, 'restart'));
  program
    .command('kill')
    .description("Send a signal (default SIGKILL) to the services' running containers")
    .argument('[services...]', 'only these services')
    .option('-s, --signal <signal>', 'the signal to send: a name (SIGTERM, HUP) or a number', 'SIGKILL')
    .action(async (services: string[], _options: KillFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & KillFlags>();
      const stack = await openStack(o, io, { services });
      const signalled = await renderProgress(stack, parseProgressMode(o.progress), io, () => stack.kill(services.length ? services : undefined, { signalName: o.signal }));
      if (signalled.length === 0) io.stderr('no container to kill\n');
    });
  program
    .command('rm')
    .description("Remove the services' stopped containers")
    .argument('[services...]', 'only these services')
    .option('-f, --force', "don't ask to confirm the removal")
    .option('-s, --stop', 'stop the containers first, if they run')
    .option('-v, --volumes', 'also remove the anonymous volumes attached to the containers')
    .option(...timeoutOption, parseSeconds)
    .action(async (services: string[], _options: RmFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & RmFlags>();
      const stack = await openStack(o, io, { services });
      let asked = false;
      const confirm = async (names: string[]) => {
        asked = true;
        const message = `Going to remove ${names.join(', ')}`;
        if (o.force) {
          io.stdout(`${message}\n`);
          return true;
        }
        return askYesNo(io, message);
      };
      const removed = await renderProgress(stack, parseProgressMode(o.progress), io, () =>
        stack.rm(services.length ? services : undefined, {
          confirm,
          ...(o.stop ? { stop: true } : {}),
          ...(o.volumes ? { volumes: true } : {}),
          ...(o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {}),
        }),
      );
      if (removed.length === 0 && !asked) io.stderr('No stopped containers\n');
    });
  program
    .command('wait')
    .description("Block until the services' containers stop; exit with the last one's exit code")
    .argument('<services...>', 'the services to wait for')
    .option('--down-project', 'take the project down once they have stopped')
    .action(async (services: string[], _options: { downProject?: boolean }, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & { downProject?: boolean }>();
      const stack = await openStack(o, io, { services });
      const onExit = (e: ContainerExit) => io.stdout(`container ${JSON.stringify(e.id)} exited with status code ${e.exitCode}\n`);
      const exits = await withInterrupt(io, (signal) =>
        stack.wait(services, { signal, onExit }).catch((err: unknown) => {
          throw signal.aborted ? new CliExit(INTERRUPTED_EXIT_CODE) : err;
        }),
      );
      if (o.downProject) await renderProgress(stack, parseProgressMode(o.progress), io, () => stack.down());
      const last = exits.at(-1)?.exitCode ?? 0;
      if (last !== 0) throw new CliExit(last);
    });
  for (const operation of ['pause', 'unpause'] as const) {
    program
      .command(operation)
      .description(operation === 'pause' ? "Pause the services' running containers" : "Unpause the services' paused containers")
      .argument('[services...]', 'only these services')
      .action(async (services: string[], _options: unknown, command: Command) => {
        const o = command.optsWithGlobals<GlobalOptions>();
        const stack = await openStack(o, io, { services });
        await renderProgress(stack, parseProgressMode(o.progress), io, () => stack[operation](services.length ? services : undefined));
      });
  }
}

/**
 * Asks `message` and reads one line of stdin, as Compose's prompt does: on a
 * terminal `? message (y/N) `, from a pipe the message alone. Yes is `y`,
 * `yes`, `true` or `1` (any case); anything else, an empty line, the end of
 * the input or no input at all is no.
 */
async function askYesNo(io: CliIo, message: string): Promise<boolean> {
  const stdin = io.stdin;
  const terminal = stdin?.isTTY === true;
  io.stdout(terminal ? `? ${message} (y/N) ` : message);
  const answer = stdin ? await firstLine(stdin) : '';
  if (!terminal) io.stdout('\n');
  return ['y', 'yes', 'true', '1'].includes(answer.trim().toLowerCase());
}

async function firstLine(stdin: NonNullable<CliIo['stdin']>): Promise<string> {
  const lines = createInterface({ input: stdin, terminal: false });
  try {
    const [line] = (await Promise.race([once(lines, 'line'), once(lines, 'close').then(() => [''])])) as [string];
    return line;
  } finally {
    lines.close();
    stdin.pause();
    stdin.unref?.();
  }
}
