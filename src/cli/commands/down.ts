/**
 * `modelstack down [-v] [--remove-orphans] [-t SECONDS]`: stop and remove
 * the project's containers (reverse dependency order), then its networks,
 * and with `-v` its volumes. Works from the compose file or, without one,
 * from `-p NAME` alone (everything labelled with the project).
 */
import type { Command } from 'commander';
import { parseSeconds } from '../arguments.js';
import type { CliIo, GlobalOptions } from '../context.js';
import { openStack } from '../open-stack.js';
import { parseProgressMode, renderProgress } from '../progress.js';

interface DownFlags {
  volumes?: boolean;
  removeOrphans?: boolean;
  timeout?: number;
}

/** Adds `modelstack down` to `program`; output goes to `io`. */
export function registerDown(program: Command, io: CliIo): void {
  program
    .command('down')
    .description("Stop and remove the project's containers and networks (and volumes with -v)")
    .option('-v, --volumes', "also remove the project's named volumes")
    .option('--remove-orphans', 'also remove containers of services that are not in the compose file')
    .option('-t, --timeout <seconds>', "seconds each container gets to stop before it is killed (default: its stop_grace_period)", parseSeconds)
    .action(async (_options: DownFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & DownFlags>();
      const mode = parseProgressMode(o.progress);
      const stack = await openStack(o, io);
      const result = await renderProgress(stack, mode, io, () =>
        stack.down({ volumes: Boolean(o.volumes), removeOrphans: Boolean(o.removeOrphans), ...(o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {}) }),
      );
      const orphans = result.kept.filter((k) => !k.startsWith('network '));
      if (orphans.length) {
        io.stderr(`modelstack: warning: left in place: ${orphans.join(', ')} (not in the compose file); use --remove-orphans to remove them\n`);
      }
    });
}
