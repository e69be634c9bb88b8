/**
 * The container backend: a project as containers on one Docker engine, as
 * Docker Compose makes them. `up` and `down` live in their own files; the
 * everyday commands (ps, logs, exec, port, start, stop, restart, kill,
 * pause, unpause, rm, wait, top, images) are here.
 * Containers are found by their labels, so every command but `up` works
 * without the compose file.
 */
import { dependencyOrder } from '../../compose/graph.js';
import type { Engine } from '../../engine/engine.js';
import { assertServicesExist } from '../../compose/load-errors.js';
import { ModelstackError } from '../../errors.js';
import { LABEL, projectFilter } from '../../plan/labels.js';
import type { ObservedContainer } from '../../plan/observed.js';
import { familiarName, parseImageReference } from '../../engine/image-client.js';
import type {
  ContainerExit,
  ContainerImage,
  ContainerProcesses,
  ContainerStatus,
  DownOptions,
  DownResult,
  ExecResult,
  KillOptions,
  LifecycleOptions,
  PortOptions,
  ReadFileOptions,
  PsOptions,
  RemoveOptions,
  ServiceBuild,
  ServicePull,
  StackBackend,
  StackBuildOptions,
  StackEventsOptions,
  StackExecOptions,
  StackLogsOptions,
  StackPullOptions,
  StackWaitOptions,
  UpOptions,
  UpResult,
} from '../../stack/backend.js';
import { type StackContext, settleAll } from '../../stack/context.js';
import { startContainer, stopContainer, walkDependencyGraph } from './container-ops.js';
import { runBuild } from './build.js';
import { runDown } from './down.js';
import { type LockHolder, withDownLock } from './lock.js';
import { observeContainers } from './observe.js';
import { runPull } from './pull.js';
import { runUp } from './up.js';

const LIVE_STATES = ['running', 'paused', 'restarting'];

export class ContainerBackend implements StackBackend {
  up(ctx: StackContext, options: UpOptions): Promise<UpResult> {
    return runUp(ctx, options);
  }

  /** Under the project lock: a down that races an up waits for it, then removes all it made (lock.ts). */
  async down(ctx: StackContext, options: DownOptions): Promise<DownResult> {
    const call = callOptions(options);
    const images = [...(await observeContainers(ctx.engine, ctx.project.name, [], call)).map((c) => c.image), ...Object.values(ctx.project.services).map((s) => s.image)];
    const onWait = (holder: LockHolder) =>
      ctx.emit({ type: 'warning', message: `waiting for the ${holder.purpose} of project "${ctx.project.name}" in process ${holder.owner} to finish (at most until ${new Date(holder.until).toISOString()})` });
    return withDownLock(ctx.engine, ctx.project.name, images, { ...call, onWait }, () => runDown(ctx, options));
  }

  async ps(ctx: StackContext, options: PsOptions): Promise<ContainerStatus[]> {
    const call = callOptions(options);
    // Without `all`, what `docker ps` lists: the containers whose process exists (running, paused, restarting).
    const containers = (await serviceContainers(ctx, options.services, call)).filter((c) => options.all || LIVE_STATES.includes(c.state));
    const statuses = await settleAll(containers.map((c) => ctx.limit(() => toStatus(ctx.engine, c, call))));
    const order = serviceOrder(ctx);
    return statuses.sort((a, b) => order(a.service) - order(b.service) || a.service.localeCompare(b.service) || a.number - b.number);
  }

  async logs(ctx: StackContext, options: StackLogsOptions): Promise<void> {
    const containers = (await serviceContainers(ctx, options.services, callOptions(options))).map((c) => ({
      c,
      origin: { service: c.service, container: c.name, number: c.number },
    }));
    options.onContainers?.(containers.map((x) => x.origin));
    await settleAll(
      containers.map(async ({ c, origin }) => {
        const common = {
          ...(options.tail !== undefined ? { tail: options.tail } : {}),
          ...(options.timestamps ? { timestamps: true } : {}),
          ...(options.since !== undefined ? { since: options.since } : {}),
          ...(options.until !== undefined ? { until: options.until } : {}),
          ...callOptions(options),
        };
        if (options.follow) {
          await ctx.engine.containers.followLogs(c.id, { ...common, onLine: (l) => options.onLine({ ...origin, ...l }) });
        } else {
          for (const l of await ctx.engine.containers.logs(c.id, common)) options.onLine({ ...origin, ...l });
        }
        if (!options.signal?.aborted) options.onContainerEnd?.(origin);
      }),
    );
  }

  async exec(ctx: StackContext, service: string, command: string[], options: StackExecOptions): Promise<ExecResult> {
    const c = await serviceContainer(ctx, service, options.index ?? 1, callOptions(options));
    if (c.state !== 'running') {
      throw new ModelstackError('SERVICE_NOT_RUNNING', `service "${service}" (container ${c.name}) is ${c.state}, not running; start it first (modelstack up or start)`);
    }
    return ctx.engine.containers.exec(c.id, command, {
      ...(options.user ? { user: options.user } : {}),
      ...(options.workingDir ? { workingDir: options.workingDir } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
      ...(options.stdin ? { stdin: options.stdin } : {}),
      ...(options.terminal ? { terminal: options.terminal } : {}),
      ...callOptions(options),
    });
  }

  async readFile(ctx: StackContext, service: string, path: string, options: ReadFileOptions): Promise<string> {
    const result = await this.exec(ctx, service, ['cat', path], options);
    if (result.exitCode !== 0) {
      throw new ModelstackError('FILE_UNREADABLE', `cannot read ${path} in service "${service}": ${result.stderr.trim() || `exit code ${result.exitCode}`}`);
    }
    return result.stdout;
  }

  async port(ctx: StackContext, service: string, containerPort: number, options: PortOptions): Promise<{ hostIp: string; hostPort: number }> {
    const call = callOptions(options);
    const c = await serviceContainer(ctx, service, options.index ?? 1, call);
    const info = await ctx.engine.containers.inspect(c.id, call);
    const key = `${containerPort}/${options.protocol ?? 'tcp'}`;
    const binding = info?.NetworkSettings.Ports?.[key]?.[0];
    if (!binding) {
      throw new ModelstackError('PORT_NOT_PUBLISHED', `service "${service}" (container ${c.name}) does not publish port ${key}${info?.State.Running ? '' : ' (it is not running)'}`);
    }
    return { hostIp: binding.HostIp, hostPort: Number(binding.HostPort) };
  }

  /** Starts the services' stopped containers, dependencies first (from the containers' labels). */
  async start(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<void> {
    const call = callOptions(options);
    await walkDependencyGraph(
      ctx,
      await serviceContainers(ctx, services, call),
      'forward',
      async (c, signal) => {
        // A list taken right after a stop may still say running (26.1): the container itself decides.
        const running = c.state === 'running' && (await ctx.engine.containers.inspect(c.id, { signal }))?.State.Running === true;
        if (!running) await startContainer(ctx, c.service, c.name, c.id, { signal });
      },
      call,
    );
  }

  /** Stops the services' containers, dependents first (from the containers' labels). */
  async stop(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<void> {
    const call = callOptions(options);
    await walkDependencyGraph(
      ctx,
      await serviceContainers(ctx, services, call),
      'reverse',
      async (c, signal) => {
        if (c.state === 'running' || c.state === 'restarting' || c.state === 'paused') {
          await stopContainer(ctx, c.service, c.name, c.id, { signal, ...stopTimeout(options) });
        }
      },
      call,
    );
  }

  /**
   * Restarts the services' containers, running or not, in dependency order
   * (as Compose does: each container is stopped and started again before its
   * dependents). Acts on every container found, without reading its state
   * back: an engine's list may still show a just-stopped container running.
   */
  async restart(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<void> {
    const call = callOptions(options);
    await walkDependencyGraph(
      ctx,
      await serviceContainers(ctx, services, call),
      'forward',
      async (c, signal) => {
        await stopContainer(ctx, c.service, c.name, c.id, { signal, ...stopTimeout(options) });
        await startContainer(ctx, c.service, c.name, c.id, { signal });
      },
      call,
    );
  }

  /** As `docker compose kill`: every running (or paused) container at once, no dependency order. */
  async kill(ctx: StackContext, services: string[] | undefined, options: KillOptions): Promise<string[]> {
    return this.eachContainer(ctx, await this.inState(ctx, services, options, LIVE_STATES), options, 'killing', 'killed', (id, call) =>
      ctx.engine.containers.kill(id, { ...call, signalName: options.signalName ?? 'SIGKILL' }),
    );
  }

  async pause(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<string[]> {
    return this.eachContainer(ctx, await this.inState(ctx, services, options, ['running']), options, 'pausing', 'paused', (id, call) => ctx.engine.containers.pause(id, call));
  }

  async unpause(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<string[]> {
    return this.eachContainer(ctx, await this.inState(ctx, services, options, ['paused']), options, 'unpausing', 'unpaused', (id, call) => ctx.engine.containers.unpause(id, call));
  }

  /** As `docker compose wait`: every container of the services, in parallel (one-off ones excluded). */
  async wait(ctx: StackContext, services: string[] | undefined, options: StackWaitOptions): Promise<ContainerExit[]> {
    const call = callOptions(options);
    const exits: ContainerExit[] = [];
    await settleAll(
      (await serviceContainers(ctx, services, call)).map(async (c) => {
        const exit = { service: c.service, container: c.name, id: c.id, exitCode: await ctx.engine.containers.wait(c.id, call) };
        exits.push(exit);
        options.onExit?.(exit);
      }),
    );
    return exits;
  }

  /**
   * As `docker compose rm`: the stopped containers of the services (their
   * state read by inspect, since a list right after a stop may still say
   * running), after `confirm`, all at once.
   */
  async rm(ctx: StackContext, services: string[] | undefined, options: RemoveOptions): Promise<string[]> {
    const call = callOptions(options);
    if (options.stop) await this.stop(ctx, services, options);
    const found = await serviceContainers(ctx, services, call);
    const running = await settleAll(found.map((c) => ctx.limit(async () => (await ctx.engine.containers.inspect(c.id, call))?.State.Running ?? true)));
    const stopped = found.filter((_, i) => !running[i]);
    if (stopped.length === 0 || !(await (options.confirm?.(stopped.map((c) => c.name)) ?? true))) return [];
    return this.eachContainer(ctx, stopped, options, 'removing', 'removed', (id, call) =>
      ctx.engine.containers.remove(id, { ...call, force: true, ...(options.volumes ? { volumes: true } : {}) }),
    );
  }

  /**
   * As `docker compose events`: the engine's container events for the
   * project's label, from now on, without one-off containers' and without
   * Compose's own labels among the attributes.
   */
  async events(ctx: StackContext, options: StackEventsOptions): Promise<void> {
    const { services, signal, onEvent } = options;
    if (services?.length) assertServicesExist(ctx.project, services);
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      let subscription: { close(): void } | undefined;
      const stop = () => {
        subscription?.close();
        resolve();
      };
      ctx.engine.events
        .subscribe({
          filters: { type: ['container'], label: [projectFilter(ctx.project.name)] },
          replayMs: 0,
          ...(signal ? { signal } : {}),
          onEvent: (e) => {
            if (e.attributes[LABEL.oneoff] === 'True') return;
            const service = e.attributes[LABEL.service] ?? '';
            if (services?.length && !services.includes(service)) return;
            const attributes = Object.fromEntries(Object.entries(e.attributes).filter(([k]) => !k.startsWith('com.docker.compose.')));
            onEvent({ time: e.timeNano / 1e6, service, id: e.id, action: e.action, attributes });
          },
          onEnd: (err) => {
            signal?.removeEventListener('abort', stop);
            reject(err ?? new Error('the engine closed its event stream'));
          },
        })
        .then((s) => {
          subscription = s;
          if (signal?.aborted) stop();
          else signal?.addEventListener('abort', stop, { once: true });
        }, reject);
    });
  }

  build(ctx: StackContext, services: string[] | undefined, options: StackBuildOptions): Promise<ServiceBuild[]> {
    return runBuild(ctx, services, options);
  }

  pull(ctx: StackContext, services: string[] | undefined, options: StackPullOptions): Promise<ServicePull[]> {
    return runPull(ctx, services, options);
  }

  /** As `docker compose top`: the engine's `ps` of each running (or paused) container, all at once, one-off containers included. */
  async top(ctx: StackContext, services: string[] | undefined, options: { signal?: AbortSignal }): Promise<ContainerProcesses[]> {
    const call = callOptions(options);
    const running = (await serviceContainers(ctx, services, call, { oneOff: true })).filter((c) => c.state === 'running' || c.state === 'paused');
    const tops = await settleAll(running.map((c) => ctx.limit(async () => ({ service: c.service, container: c.name, ...(await ctx.engine.containers.top(c.id, call)) }))));
    return tops.sort((a, b) => a.container.localeCompare(b.container));
  }

  /**
   * As `docker compose images`: each container of the services (stopped and
   * one-off ones too) with the image it was created from, each image
   * inspected once; a container whose image is gone is an error naming it.
   */
  async images(ctx: StackContext, services: string[] | undefined, options: { signal?: AbortSignal }): Promise<ContainerImage[]> {
    const call = callOptions(options);
    const containers = await serviceContainers(ctx, services, call, { oneOff: true });
    const ids = [...new Set(containers.map((c) => c.imageId))];
    const inspected = new Map(await settleAll(ids.map((id) => ctx.limit(async () => [id, await ctx.engine.images.inspect(id, call)] as const))));
    return containers
      .map((c) => {
        const image = inspected.get(c.imageId);
        if (!image) throw new ModelstackError('IMAGE_GONE', `the image of container ${c.name} (${c.image}, ${c.imageId}) is no longer on the engine`);
        const ref = image.RepoTags?.[0] ? parseImageReference(image.RepoTags[0]) : undefined;
        return { service: c.service, container: c.name, id: image.Id, repository: ref ? familiarName(ref.repository) : '', tag: ref?.tag ?? '', size: image.Size };
      })
      .sort((a, b) => a.container.localeCompare(b.container));
  }

  /** The containers of `services` the list shows in one of `states`. */
  private async inState(ctx: StackContext, services: string[] | undefined, options: { signal?: AbortSignal }, states: string[]): Promise<ObservedContainer[]> {
    return (await serviceContainers(ctx, services, callOptions(options))).filter((c) => states.includes(c.state));
  }

  /** `act` on each of `targets`, all at once, with its two events; the names acted on. */
  private async eachContainer(
    ctx: StackContext,
    targets: ObservedContainer[],
    options: { signal?: AbortSignal },
    doing: 'killing' | 'pausing' | 'unpausing' | 'removing',
    done: 'killed' | 'paused' | 'unpaused' | 'removed',
    act: (id: string, call: { signal?: AbortSignal }) => Promise<void>,
  ): Promise<string[]> {
    const call = callOptions(options);
    await settleAll(
      targets.map(async (c) => {
        ctx.emit({ type: `container.${doing}`, service: c.service, container: c.name });
        await act(c.id, call);
        ctx.emit({ type: `container.${done}`, service: c.service, container: c.name });
      }),
    );
    return targets.map((c) => c.name);
  }
}

/** The project's containers of `services` (all when none are named; one-off ones with `oneOff`); an unknown service is an error. */
async function serviceContainers(ctx: StackContext, services: string[] | undefined, options: { signal?: AbortSignal }, which: { oneOff?: boolean } = {}): Promise<ObservedContainer[]> {
  const all = await observeContainers(ctx.engine, ctx.project.name, which.oneOff ? [] : [`${LABEL.oneoff}=False`], options);
  if (!services?.length) return all;
  // A stack known by name only has no services but its containers'.
  const known = { ...ctx.project, services: { ...Object.fromEntries(all.map((c) => [c.service, {}])), ...ctx.project.services } };
  assertServicesExist(known, services);
  return all.filter((c) => services.includes(c.service));
}

async function serviceContainer(ctx: StackContext, service: string, index: number, options: { signal?: AbortSignal }): Promise<ObservedContainer> {
  const found = (await serviceContainers(ctx, [service], options)).find((c) => c.number === index);
  if (!found) throw new ModelstackError('NO_CONTAINER', `service "${service}" has no container #${index} in project "${ctx.project.name}"; is the stack up?`);
  return found;
}

/** Position of a service in dependency order (unknown services last). */
function serviceOrder(ctx: StackContext): (service: string) => number {
  const order = Object.keys(ctx.project.services).length ? dependencyOrder(ctx.project) : [];
  return (s) => {
    const i = order.indexOf(s);
    return i < 0 ? order.length : i;
  };
}

async function toStatus(engine: Engine, c: ObservedContainer, call: { signal?: AbortSignal }): Promise<ContainerStatus> {
  const info = await engine.containers.inspect(c.id, call);
  const publishers: ContainerStatus['publishers'] = [];
  const exposed: ContainerStatus['exposed'] = [];
  for (const [key, bindings] of Object.entries(info?.NetworkSettings.Ports ?? {})) {
    const [port, protocol = 'tcp'] = key.split('/');
    if (!bindings?.length) exposed.push({ targetPort: Number(port), protocol });
    for (const b of bindings ?? []) publishers.push({ url: b.HostIp, targetPort: Number(port), publishedPort: Number(b.HostPort), protocol });
  }
  return {
    id: c.id,
    name: c.name,
    service: c.service,
    number: c.number,
    image: c.image,
    command: c.command,
    state: info?.State.Status ?? c.state,
    health: info?.State.Health?.Status ?? '',
    exitCode: info?.State.ExitCode ?? 0,
    status: c.status,
    created: c.created,
    publishers,
    exposed,
    labels: info?.Config.Labels ?? c.labels,
    networks: (info ? Object.keys(info.NetworkSettings.Networks ?? {}) : [...c.networks]).sort(),
    mounts: (info?.Mounts ?? []).map((m) => ({
      type: m.Type,
      source: m.Source,
      destination: m.Destination,
      ...(m.Name ? { name: m.Name } : {}),
      ...(m.Driver ? { driver: m.Driver } : {}),
    })),
  };
}

function callOptions(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

function stopTimeout(options: LifecycleOptions): { timeoutSeconds?: number } {
  return options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds };
}
