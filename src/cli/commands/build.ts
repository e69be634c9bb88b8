/**
 * `modelstack build [--no-cache] [--pull] [-q] [SERVICE...]`: build the
 * images of the services that have `build:`, as `docker compose build`,
 * tagged as `up` uses them (`image:`, else `<project>-<service>`). Progress
 * and build output on stderr (`-q`: none); Ctrl-C stops the builds (exit
 * code 130).
 */
import type { Command } from 'commander';
import { CliExit, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { openStack } from '../open-stack.js';
import { parseProgressMode, renderProgress } from '../progress.js';

interface BuildFlags {
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
}

/** Adds `modelstack build` to `program`; output goes to `io`. */
export function registerBuild(program: Command, io: CliIo): void {
  program
    .command('build')
    .description("Build the services' images (those with build:)")
    .argument('[services...]', 'only these services')
    .option('--no-cache', "build without the engine's cache")
    .option('--pull', 'pull the base images again')
    .option('-q, --quiet', 'print no progress')
    .action(async (services: string[], _options: unknown, command: Command) => {
      // commander's negatable `--no-cache` sets `cache: false`.
      const o = command.optsWithGlobals<GlobalOptions & BuildFlags & { cache?: boolean }>();
      const mode = o.quiet ? 'quiet' : parseProgressMode(o.progress);
      const stack = await openStack(o, io, { requireFile: true, services });
      await renderProgress(stack, mode, io, () =>
        withInterrupt(io, (signal) =>
          stack
            .build(services.length ? services : undefined, { signal, ...(o.cache === false ? { noCache: true } : {}), ...(o.pull ? { pull: true } : {}) })
            .catch((err: unknown) => {
              throw signal.aborted ? new CliExit(INTERRUPTED_EXIT_CODE, 'build was interrupted') : err;
            }),
        ),
      );
    });
}
