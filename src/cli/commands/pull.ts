/**
 * `modelstack pull [-q] [--include-deps] [--ignore-pull-failures]
 * [--ignore-buildable] [--policy missing|always] [SERVICE...]`: pull the
 * services' images as `docker compose pull` does (what it skips, each image
 * once, in parallel), with the registry credentials of `docker login`.
 * Progress on stderr (`-q`: none); Ctrl-C stops the pulls (exit code 130).
 */
import type { Command } from 'commander';
import { oneOf } from '../arguments.js';
import { CliExit, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { openStack } from '../open-stack.js';
import { parseProgressMode, renderProgress } from '../progress.js';

const POLICIES = ['missing', 'always'] as const;

interface PullFlags {
  quiet?: boolean;
  includeDeps?: boolean;
  ignorePullFailures?: boolean;
  ignoreBuildable?: boolean;
  policy?: (typeof POLICIES)[number];
}

/** Adds `modelstack pull` to `program`; output goes to `io`. */
export function registerPull(program: Command, io: CliIo): void {
  program
    .command('pull')
    .description("Pull the services' images")
    .argument('[services...]', 'only these services')
    .option('-q, --quiet', 'print no progress')
    .option('--include-deps', 'also pull the services the named ones depend on')
    .option('--ignore-pull-failures', 'pull what can be pulled; report the failures without failing')
    .option('--ignore-buildable', 'skip the services that have build:')
    .option('--policy <policy>', `override every service's pull_policy: ${POLICIES.join(' or ')}`, oneOf(POLICIES))
    .action(async (services: string[], _options: PullFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & PullFlags>();
      const mode = o.quiet ? 'quiet' : parseProgressMode(o.progress);
      const stack = await openStack(o, io, { requireFile: true, services });
      await renderProgress(stack, mode, io, () =>
        withInterrupt(io, (signal) =>
          stack
            .pull(services.length ? services : undefined, {
              signal,
              ...(o.includeDeps ? { includeDeps: true } : {}),
              ...(o.ignorePullFailures ? { ignoreFailures: true } : {}),
              ...(o.ignoreBuildable ? { ignoreBuildable: true } : {}),
              ...(o.policy ? { policy: o.policy } : {}),
            })
            .catch((err: unknown) => {
              throw signal.aborted ? new CliExit(INTERRUPTED_EXIT_CODE, 'pull was interrupted') : err;
            }),
        ),
      );
    });
}
