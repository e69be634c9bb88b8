/**
 * `modelstack start|stop|restart [SERVICE...]`: start the services' stopped
 * containers (dependencies first), stop them (dependents first, `-t`
 * seconds before SIGKILL), or both. Containers are found by their labels, so
 * `-p NAME` without a file works.
 */
import type { Command } from 'commander';
import { parseSeconds } from '../arguments.js';
import type { CliIo, GlobalOptions } from '../context.js';
import { openStack } from '../open-stack.js';
import { parseProgressMode, renderProgress } from '../progress.js';

interface TimeoutFlags {
  timeout?: number;
}

/** Adds `modelstack start`, `stop` and `restart` to `program`; output goes to `io`. */
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
}
