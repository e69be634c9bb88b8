/**
 * `modelstack up [-d] [--wait] [--wait-timeout S] [--probe] [--pull P]
 * [--force-recreate|--no-recreate] [--remove-orphans] [--dry-run] [SERVICE...]`:
 * converge the engine to the compose file.
 *
 * Detached (`-d`, implied by `--wait`) it returns after the rollout.
 * Attached (the default, as in Compose) it then follows the services' logs
 * until Ctrl-C or until every container has exited, and on Ctrl-C stops the
 * containers (`stop`, not `down`). `--dry-run` prints the plan with its
 * reasons and changes nothing. Ctrl-C during the rollout aborts it.
 */
import type { Command } from 'commander';
import type { ImagePullPolicy } from '../../engine/image-client.js';
import type { Stack } from '../../stack/stack.js';
import type { StackContainer, UpOptions } from '../../stack/backend.js';
import { formatPlan } from '../../plan/reconcile.js';
import { oneOf, parseSeconds } from '../arguments.js';
import { CliExit, CliUsageError, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { LogPrinter, prefixName } from '../log-printer.js';
import { openStack } from '../open-stack.js';
import { type ProgressMode, parseProgressMode, renderProgress } from '../progress.js';

interface UpFlags {
  detach?: boolean;
  wait?: boolean;
  waitTimeout?: number;
  probe?: boolean;
  pull?: ImagePullPolicy;
  forceRecreate?: boolean;
  /** False with `--no-recreate` (commander's negatable option). */
  recreate: boolean;
  removeOrphans?: boolean;
  dryRun?: boolean;
}

const PULL_POLICIES = ['always', 'missing', 'never'] as const;

/** Adds `modelstack up` to `program`; output goes to `io`. */
export function registerUp(program: Command, io: CliIo): void {
  program
    .command('up')
    .description('Create and start containers; attached (without -d), follow their logs until Ctrl-C, then stop them')
    .argument('[services...]', 'only these services (and what they depend on)')
    .option('-d, --detach', 'return after the rollout, leaving the containers running')
    .option('--wait', 'wait until every container is ready: healthy as Docker says, or running without a healthcheck (a one-shot that exited 0 is done); implies -d')
    .option('--wait-timeout <seconds>', 'deadline for the whole up, waits included (default 300)', parseSeconds)
    .option(
      '--probe',
      "count a container healthy as soon as its healthcheck command, run by exec right after start, passes (for --wait and service_healthy dependencies), before Docker's first interval; Docker may still say 'starting'",
    )
    .option('--pull <policy>', `pull images: ${PULL_POLICIES.join(', ')} (default: each service's pull_policy)`, oneOf(PULL_POLICIES))
    .option('--force-recreate', 'recreate containers even if their configuration and image are unchanged')
    .option('--no-recreate', 'keep existing containers even if their configuration or image changed')
    .option('--remove-orphans', 'remove containers of services that are no longer in the compose file')
    .option('--dry-run', 'print what up would do, and why, without changing anything')
    .action(async (services: string[], _options: UpFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & UpFlags>();
      if (o.forceRecreate && o.recreate === false) throw new CliUsageError('--force-recreate and --no-recreate cannot be used together');
      const mode = parseProgressMode(o.progress);
      const stack = await openStack(o, io, { requireFile: true, services });
      const options: UpOptions = {
        ...(services.length ? { services } : {}),
        recreate: o.forceRecreate ? 'force' : o.recreate === false ? 'never' : 'diverged',
        removeOrphans: Boolean(o.removeOrphans),
        ...(o.pull ? { pull: o.pull } : {}),
        ...(o.waitTimeout !== undefined ? { waitTimeoutMs: o.waitTimeout * 1000 } : {}),
        ...(o.probe ? { probe: true } : {}),
      };

      if (o.dryRun) {
        const plan = await stack.plan(options);
        for (const line of formatPlan(plan)) io.stdout(`${line}\n`);
        return;
      }

      const attached = !o.detach && !o.wait;
      // Attached, show what the containers print from this up on (not the history of kept ones).
      const since = Math.floor(Date.now() / 1000);
      const containers = await rollout(stack, { ...options, wait: Boolean(o.wait) }, mode, io, attached);
      if (attached) await attach(stack, services, containers, mode, io, since);
    });
}

/** Runs `up` with its progress view; Ctrl-C aborts it (attached: and stops what was started). */
async function rollout(stack: Stack, options: UpOptions, mode: ProgressMode, io: CliIo, attached: boolean): Promise<StackContainer[]> {
  let interrupted = false;
  try {
    return await renderProgress(stack, mode, io, (progress) =>
      withInterrupt(
        io,
        async (signal) => (await stack.up({ ...options, signal })).containers,
        () => {
          interrupted = true;
          progress.note(`Interrupted: stopping the rollout${attached ? ' and the containers' : ''}... (press Ctrl+C again to force)`);
        },
      ),
    );
  } catch (err) {
    if (!interrupted) throw err;
    if (attached) await renderProgress(stack, mode, io, () => stack.stop(attachedServices(stack, options.services ?? [])));
    throw new CliExit(
      INTERRUPTED_EXIT_CODE,
      attached ? 'up was interrupted; its containers are stopped' : 'up was interrupted; what it created so far is left as it is (modelstack down removes it)',
    );
  }
}

/** Compose attaches to the services named (default: all of the file's), not to their dependencies or orphans. */
function attachedServices(stack: Stack, services: string[]): string[] {
  return services.length ? services : Object.keys(stack.project.services);
}

/**
 * Compose's attached mode: print the containers' logs with prefixes until
 * they all exit (exit 0) or Ctrl-C (stop them, exit 130).
 */
async function attach(stack: Stack, services: string[], containers: StackContainer[], mode: ProgressMode, io: CliIo, since: number): Promise<void> {
  const targets = attachedServices(stack, services);
  const printer = new LogPrinter(io);
  const names = containers.map((c) => prefixName(c.service, c.number));
  printer.register(names);
  io.stderr(`Attaching to ${names.join(', ')}\n`);
  let interrupted = false;
  await withInterrupt(
    io,
    (signal) => stack.logs({ services: targets, follow: true, since, signal, onLine: (line) => printer.print(line) }),
    () => {
      interrupted = true;
      io.stderr('Gracefully stopping... (press Ctrl+C again to force)\n');
    },
  );
  if (!interrupted) return;
  await renderProgress(stack, mode, io, () => stack.stop(targets));
  throw new CliExit(INTERRUPTED_EXIT_CODE);
}
