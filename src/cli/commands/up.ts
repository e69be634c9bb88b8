/**
 * `modelstack up [-d] [--wait] [--wait-timeout S] [--probe] [--build] [--pull P]
 * [--force-recreate|--no-recreate] [--remove-orphans] [--no-deps] [-t S]
 * [--abort-on-container-exit] [--exit-code-from SERVICE] [--dry-run]
 * [SERVICE...]`: converge the engine to the compose file.
 *
 * Detached (`-d`, implied by `--wait`) it returns after the rollout.
 * Attached (the default, as in Compose) it then follows the services' logs
 * and their exits until Ctrl-C or until every container has exited, and on
 * Ctrl-C stops the containers (`stop`, not `down`); `--abort-on-container-exit`
 * stops them all at the first exit. `--dry-run` prints the plan with its
 * reasons and changes nothing. Ctrl-C during the rollout aborts it.
 */
import type { Command } from 'commander';
import type { ImagePullPolicy } from '../../engine/image-client.js';
import type { Stack } from '../../stack/stack.js';
import type { ContainerExit, StackContainer, UpOptions } from '../../stack/backend.js';
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
  /** False with `--no-deps` (commander's negatable option). */
  deps: boolean;
  build?: boolean;
  timeout?: number;
  abortOnContainerExit?: boolean;
  exitCodeFrom?: string;
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
    .option('--build', 'build the images of services that have build: again, even when present')
    .option('--pull <policy>', `pull images: ${PULL_POLICIES.join(', ')} (default: each service's pull_policy)`, oneOf(PULL_POLICIES))
    .option('--force-recreate', 'recreate containers even if their configuration and image are unchanged')
    .option('--no-recreate', 'keep existing containers even if their configuration or image changed')
    .option('--remove-orphans', 'remove containers of services that are no longer in the compose file')
    .option('--no-deps', "don't start the services the named ones depend on (nor wait for their conditions)")
    .option('-t, --timeout <seconds>', 'seconds a container gets to stop before it is killed, when up replaces it or (attached) stops it (default: its stop_grace_period)', parseSeconds)
    .option('--abort-on-container-exit', 'attached: stop every container as soon as one exits; exit with its exit code')
    .option('--exit-code-from <service>', "attached: exit with that service's exit code; implies --abort-on-container-exit")
    .option('--dry-run', 'print what up would do, and why, without changing anything')
    .action(async (services: string[], _options: UpFlags, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & UpFlags>();
      if (o.forceRecreate && o.recreate === false) throw new CliUsageError('--force-recreate and --no-recreate cannot be used together');
      const abortOnExit = Boolean(o.abortOnContainerExit) || o.exitCodeFrom !== undefined;
      // Compose's wording: these watch an attached up, which -d and --wait leave at once.
      if (abortOnExit && o.wait) throw new CliUsageError('--wait cannot be combined with --abort-on-container-exit or --exit-code-from');
      if (abortOnExit && o.detach) throw new CliUsageError('--detach cannot be combined with --abort-on-container-exit or --exit-code-from');
      const mode = parseProgressMode(o.progress);
      const stack = await openStack(o, io, { requireFile: true, services: [...services, ...(o.exitCodeFrom !== undefined ? [o.exitCodeFrom] : [])] });
      const options: UpOptions = {
        ...(services.length ? { services } : {}),
        ...(o.deps === false ? { noDeps: true } : {}),
        ...(o.build ? { build: true } : {}),
        ...(o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {}),
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
      if (attached) {
        await attach(stack, services, containers, mode, io, {
          since,
          abortOnExit,
          ...(o.exitCodeFrom !== undefined ? { exitCodeFrom: o.exitCodeFrom } : {}),
          ...(o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {}),
        });
      }
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

interface AttachOptions {
  /** Unix seconds: print what the containers wrote from then on. */
  since: number;
  abortOnExit: boolean;
  exitCodeFrom?: string;
  timeoutSeconds?: number;
}

/**
 * Compose's attached mode: print the containers' logs with prefixes, and
 * `<service>-<n> exited with code N` as each exits, until they all exit
 * (exit 0) or Ctrl-C (stop them, exit 130). With `abortOnExit`, the first
 * exit stops them all ("Aborting on container exit...") and up exits with
 * that container's code, or with `exitCodeFrom`'s.
 */
async function attach(stack: Stack, services: string[], containers: StackContainer[], mode: ProgressMode, io: CliIo, options: AttachOptions): Promise<void> {
  const targets = attachedServices(stack, services);
  const printer = new LogPrinter(io);
  const names = containers.map((c) => prefixName(c.service, c.number));
  const byId = new Map(containers.map((c) => [c.id, c]));
  printer.register(names);
  io.stdout(`Attaching to ${[...names].sort().join(', ')}\n`); // on stdout, before the log lines, sorted, as Compose prints it
  const stopTimeout = options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {};
  let interrupted = false;
  let aborting: Promise<void> | undefined;
  let codeFrom = options.exitCodeFrom;
  let exitCode = 0;
  // A container's exit is reported once its log has been read to the end (as Compose's one event queue
  // orders them): a container that exited before we attached still has its lines printed first.
  const logEnded = new Set<string>();
  const exitSeen = new Map<string, ContainerExit>();
  const onExit = (e: ContainerExit) => {
    if (logEnded.has(e.container)) reportExit(e);
    else exitSeen.set(e.container, e);
  };
  const onContainerEnd = ({ container }: { container: string }) => {
    logEnded.add(container);
    const e = exitSeen.get(container);
    if (e) reportExit(e);
  };
  const reportExit = (e: ContainerExit) => {
    const c = byId.get(e.id);
    if (!interrupted && !aborting && c) printer.status(c.service, c.number, `exited with code ${e.exitCode}`);
    if (!options.abortOnExit) return;
    codeFrom ??= e.service;
    if (e.service === codeFrom) exitCode = e.exitCode;
    if (!aborting && !interrupted) {
      io.stderr('Aborting on container exit...\n');
      aborting = renderProgress(stack, mode, io, () => stack.stop(targets, stopTimeout));
    }
  };
  await withInterrupt(
    io,
    (signal) =>
      Promise.all([
        stack.logs({ services: targets, follow: true, since: options.since, signal, onContainerEnd, onLine: (line) => void (aborting ? undefined : printer.print(line)) }),
        stack.wait(targets, { signal, onExit }).catch((err: unknown) => {
          if (!signal.aborted) throw err;
        }),
      ]),
    () => {
      interrupted = true;
      io.stderr('Gracefully stopping... (press Ctrl+C again to force)\n');
    },
  );
  await aborting;
  if (interrupted) {
    await renderProgress(stack, mode, io, () => stack.stop(targets, stopTimeout));
    throw new CliExit(INTERRUPTED_EXIT_CODE);
  }
  if (exitCode !== 0) throw new CliExit(exitCode);
}
