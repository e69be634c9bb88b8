/**
 * A Stack: one Compose project on one engine, with the everyday commands
 * (`up`, `down`, `ps`, `logs`, `exec`, `port`, `start`, `stop`, `restart`)
 * and a dry run. The work lives in `up.ts`, `down.ts` and the pure planner;
 * this class holds the shared context and emits typed events.
 *
 * A Stack is disposable: `await using stack = ...` runs `down` at the end of
 * the scope.
 */
import pLimit from 'p-limit';
import { type Logger, pino } from 'pino';
import type { ExecOptions, ExecResult, LogLine } from '../engine/container-client.js';
import { Engine } from '../engine/engine.js';
import { ModelstackError } from '../errors.js';
import { LABEL } from '../plan/labels.js';
import type { ObservedContainer } from '../plan/observed.js';
import type { UpPlan } from '../plan/reconcile.js';
import { dependencyOrder } from '../compose/graph.js';
import type { Project } from '../compose/model.js';
import { type StackContext, settleAll } from './context.js';
import { startContainer, stopContainer, walkDependencyGraph } from './container-ops.js';
import { type DownOptions, type DownResult, runDown } from './down.js';
import { observeContainers } from './observe.js';
import type { ReadyEvent, StackEvent, StackEventListener, WithoutTime } from './events.js';
import { ownerOfThisProcess, staleEphemeralProjects } from './sweep.js';
import { type StackContainer, type UpOptions, type UpResult, runUp } from './up.js';

/** Engine operations in flight at once: the engine, not the client, is the bottleneck; stops are mostly waiting. */
const DEFAULT_PARALLELISM = 32;

/** Service extension whose text is emitted as a warning at every `up`. */
export const WARNING_EXTENSION = 'x-modelstack-warning';

export interface StackOptions {
  /** Engine to use (default: connect from `DOCKER_HOST` or the default socket). */
  engine?: Engine;
  /** pino logger (default: warnings and errors to stderr). */
  logger?: Logger;
  /** Receives every progress event. */
  onEvent?: StackEventListener;
  /** Engine operations in flight at once (default 32: the engine, not the client, is the bottleneck; stops are mostly waiting). */
  parallelism?: number;
  /**
   * Host address for published ports without `host_ip`. Default `127.0.0.1`:
   * nothing is reachable from other machines unless the file or the caller
   * says so (Compose's default is all interfaces).
   */
  defaultHostIp?: string;
  /**
   * Mark everything this stack creates with this process as owner. Before an
   * ephemeral stack comes up, ephemeral stacks whose owner process (on this
   * host) is gone are removed: crash-safe cleanup for test harnesses.
   */
  ephemeral?: boolean;
}

/** One container as `ps` reports it. */
export interface ContainerStatus {
  id: string;
  name: string;
  service: string;
  number: number;
  image: string;
  command: string;
  /** `created`, `running`, `exited`, `restarting`, `paused`, `dead`. */
  state: string;
  /** `healthy`, `unhealthy`, `starting`, or `""` without a healthcheck. */
  health: string;
  exitCode: number;
  /** Engine status text (`Up 5 seconds (healthy)`). */
  status: string;
  /** Unix seconds. */
  created: number;
  publishers: Array<{ url: string; targetPort: number; publishedPort: number; protocol: string }>;
  /**
   * How an `up` of this Stack found the container ready, if it waited for it:
   * `healthcheck` (Docker said healthy), `probe` (our probe passed while
   * Docker's `health` may still say `starting`), or `state`.
   */
  readyBy?: 'state' | 'healthcheck' | 'probe';
}

/** One line of `logs`, with where it came from. */
export interface ServiceLogLine extends LogLine {
  service: string;
  container: string;
  number: number;
}

export interface StackLogsOptions {
  services?: string[];
  follow?: boolean;
  /** Lines from the end of each container's log (default all). */
  tail?: number | 'all';
  timestamps?: boolean;
  /** Only lines written at or after this Unix time (seconds). */
  since?: number;
  signal?: AbortSignal;
  /** Called once, before the first line, with every container whose logs follow (e.g. to align prefixes). */
  onContainers?: (containers: Array<{ service: string; number: number; container: string }>) => void;
  onLine: (line: ServiceLogLine) => void;
}

export class Stack implements AsyncDisposable {
  readonly project: Project;
  readonly logger: Logger;
  private engine: Engine | undefined;
  private readonly listeners = new Set<StackEventListener>();
  /** The verdict each container was found ready by, from this Stack's ups (by container name). */
  private readonly verdicts = new Map<string, ReadyEvent['readyBy']>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly options: StackOptions;

  constructor(project: Project, options: StackOptions = {}) {
    this.project = project;
    this.options = options;
    this.engine = options.engine;
    this.logger = (options.logger ?? pino({ level: 'warn' }, pino.destination(2))).child({ project: project.name });
    this.limit = pLimit(options.parallelism ?? DEFAULT_PARALLELISM);
    if (options.onEvent) this.listeners.add(options.onEvent);
  }

  /**
   * A stack known by name only (no compose file): enough for `down`, `ps`,
   * `logs`, `port`, `start`/`stop`, since stacks are found by their labels.
   */
  static forProject(name: string, options: StackOptions = {}): Stack {
    return new Stack(
      { name, working_dir: process.cwd(), config_files: [], services: {}, networks: {}, volumes: {}, configs: {}, secrets: {} },
      options,
    );
  }

  /** Subscribes to progress events; returns the unsubscribe function. */
  on(listener: StackEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The engine, connected on first use. */
  async connect(): Promise<Engine> {
    this.engine ??= await Engine.connect({ logger: this.logger });
    return this.engine;
  }

  /** What `up` would do, with a reason per action; changes nothing. */
  async plan(options: Omit<UpOptions, 'dryRun'> = {}): Promise<UpPlan> {
    return (await runUp(await this.context(), { ...options, dryRun: true })).plan;
  }

  /**
   * Converges the engine to the project: creates what is missing, recreates
   * what changed (and says why), leaves the rest alone, in dependency order,
   * then waits until everything is ready (unless `wait: false`).
   */
  async up(options: UpOptions = {}): Promise<UpResult> {
    const ctx = await this.context();
    if (this.options.ephemeral && !options.dryRun) await this.sweep(ctx);
    // A service may carry a warning to repeat at every up (the model-stack
    // preset uses it for its explicit insecure opt-in).
    for (const [name, s] of Object.entries(this.project.services)) {
      const warning = s.extensions?.[WARNING_EXTENSION];
      if (typeof warning === 'string') ctx.emit({ type: 'warning', service: name, message: warning });
    }
    return runUp(ctx, options);
  }

  /** Stops and removes the project's containers (reverse dependency order), then its networks; volumes with `volumes: true`. */
  async down(options: DownOptions = {}): Promise<DownResult> {
    return runDown(await this.context(), options);
  }

  /** The project's containers (running ones unless `all`), in dependency order. */
  async ps(options: { all?: boolean; services?: string[]; signal?: AbortSignal } = {}): Promise<ContainerStatus[]> {
    const engine = await this.connect();
    const call = callOptions(options);
    const containers = (await this.containers(options.services, call)).filter((c) => options.all || c.state === 'running');
    const statuses = await settleAll(containers.map((c) => this.limit(() => toStatus(engine, c, this.verdicts.get(c.name), call))));
    const order = this.serviceOrder();
    return statuses.sort((a, b) => order(a.service) - order(b.service) || a.service.localeCompare(b.service) || a.number - b.number);
  }

  /** Prints (through `onLine`) the logs of the services' containers; with `follow`, until they stop or `signal` aborts. */
  async logs(options: StackLogsOptions): Promise<void> {
    const engine = await this.connect();
    const containers = (await this.containers(options.services, callOptions(options))).map((c) => ({
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
          ...callOptions(options),
        };
        if (options.follow) {
          await engine.containers.followLogs(c.id, { ...common, onLine: (l) => options.onLine({ ...origin, ...l }) });
        } else {
          for (const l of await engine.containers.logs(c.id, common)) options.onLine({ ...origin, ...l });
        }
      }),
    );
  }

  /** Runs a command in a service's running container (`index`, default 1) and returns exit code and output. */
  async exec(
    service: string,
    command: string[],
    options: { index?: number; user?: string; workingDir?: string; env?: Record<string, string>; onOutput?: ExecOptions['onOutput']; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const engine = await this.connect();
    const c = await this.container(service, options.index ?? 1, callOptions(options));
    if (c.state !== 'running') {
      throw new ModelstackError('SERVICE_NOT_RUNNING', `service "${service}" (container ${c.name}) is ${c.state}, not running; start it first (modelstack up or start)`);
    }
    return engine.containers.exec(c.id, command, {
      ...(options.user ? { user: options.user } : {}),
      ...(options.workingDir ? { workingDir: options.workingDir } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * The host address and port the daemon bound for `containerPort` of a
   * service's container — read back from the engine, so daemon-assigned
   * ports (`"8080"` with no host port) work.
   */
  async port(
    service: string,
    containerPort: number,
    options: { index?: number; protocol?: 'tcp' | 'udp' | 'sctp'; signal?: AbortSignal } = {},
  ): Promise<{ hostIp: string; hostPort: number }> {
    const engine = await this.connect();
    const call = callOptions(options);
    const c = await this.container(service, options.index ?? 1, call);
    const info = await engine.containers.inspect(c.id, call);
    const key = `${containerPort}/${options.protocol ?? 'tcp'}`;
    const binding = info?.NetworkSettings.Ports?.[key]?.[0];
    if (!binding) {
      throw new ModelstackError('PORT_NOT_PUBLISHED', `service "${service}" (container ${c.name}) does not publish port ${key}${info?.State.Running ? '' : ' (it is not running)'}`);
    }
    return { hostIp: binding.HostIp, hostPort: Number(binding.HostPort) };
  }

  /** Starts the services' stopped containers, dependencies first (from the containers' labels). */
  async start(services?: string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    const ctx = await this.context();
    const call = callOptions(options);
    await walkDependencyGraph(
      ctx,
      await this.containers(services, call),
      'forward',
      async (c, signal) => {
        if (c.state !== 'running') await startContainer(ctx, c.service, c.name, c.id, { signal });
      },
      call,
    );
  }

  /** Stops the services' containers, dependents first (from the containers' labels). */
  async stop(services?: string[], options: { timeoutSeconds?: number; signal?: AbortSignal } = {}): Promise<void> {
    const ctx = await this.context();
    const call = callOptions(options);
    await walkDependencyGraph(
      ctx,
      await this.containers(services, call),
      'reverse',
      async (c, signal) => {
        if (c.state === 'running' || c.state === 'restarting' || c.state === 'paused') {
          await stopContainer(ctx, c.service, c.name, c.id, { signal, ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }) });
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
  async restart(services?: string[], options: { timeoutSeconds?: number; signal?: AbortSignal } = {}): Promise<void> {
    const ctx = await this.context();
    const call = callOptions(options);
    await walkDependencyGraph(
      ctx,
      await this.containers(services, call),
      'forward',
      async (c, signal) => {
        await stopContainer(ctx, c.service, c.name, c.id, { signal, ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }) });
        await startContainer(ctx, c.service, c.name, c.id, { signal });
      },
      call,
    );
  }

  /** `await using`: runs `down` (with volumes for ephemeral stacks). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.down({ volumes: Boolean(this.options.ephemeral), removeOrphans: true });
  }

  private async context(): Promise<StackContext> {
    const engine = await this.connect();
    return {
      engine,
      project: this.project,
      logger: this.logger,
      emit: (e) => this.emit(e),
      limit: this.limit,
      parallelism: this.options.parallelism ?? DEFAULT_PARALLELISM,
      defaultHostIp: this.options.defaultHostIp ?? '127.0.0.1',
      extraLabels: this.options.ephemeral ? { [LABEL.ephemeral]: 'true', [LABEL.owner]: ownerOfThisProcess() } : {},
    };
  }

  private async sweep(ctx: StackContext): Promise<void> {
    for (const name of await staleEphemeralProjects(ctx.engine)) {
      if (name === this.project.name) continue; // our own leftovers are converged by up itself
      ctx.emit({ type: 'warning', message: `removing ephemeral stack "${name}": the process that started it is gone` });
      await runDown({ ...ctx, project: Stack.forProject(name).project }, { volumes: true, removeOrphans: true });
    }
  }

  private async containers(services?: string[], options: { signal?: AbortSignal } = {}): Promise<ObservedContainer[]> {
    const engine = await this.connect();
    const all = await observeContainers(engine, this.project.name, [`${LABEL.oneoff}=False`], options);
    if (!services?.length) return all;
    const unknown = services.filter((s) => !all.some((c) => c.service === s) && !Object.hasOwn(this.project.services, s));
    if (unknown.length) throw new ModelstackError('NO_SUCH_SERVICE', `no such service: ${unknown.map((s) => `"${s}"`).join(', ')}`);
    return all.filter((c) => services.includes(c.service));
  }

  private async container(service: string, index: number, options: { signal?: AbortSignal } = {}): Promise<ObservedContainer> {
    const found = (await this.containers([service], options)).find((c) => c.number === index);
    if (!found) throw new ModelstackError('NO_CONTAINER', `service "${service}" has no container #${index} in project "${this.project.name}"; is the stack up?`);
    return found;
  }

  /** Position of a service in dependency order (unknown services last). */
  private serviceOrder(): (service: string) => number {
    const order = Object.keys(this.project.services).length ? dependencyOrder(this.project) : [];
    return (s) => {
      const i = order.indexOf(s);
      return i < 0 ? order.length : i;
    };
  }

  private emit(event: WithoutTime<StackEvent>): void {
    const full = { ...event, time: Date.now() } as StackEvent;
    if (full.type === 'container.healthy' || full.type === 'container.ready') this.verdicts.set(full.container, full.readyBy);
    else if (full.type === 'container.removed' || full.type === 'container.recreating') this.verdicts.delete(full.container);
    if (full.type === 'warning') this.logger.warn({ service: full.service }, full.message);
    else this.logger.debug({ event: full }, full.type);
    for (const l of this.listeners) {
      try {
        l(full);
      } catch {
        // A listener's failure must not break the rollout.
      }
    }
  }
}

async function toStatus(engine: Engine, c: ObservedContainer, readyBy: ReadyEvent['readyBy'] | undefined, call: { signal?: AbortSignal }): Promise<ContainerStatus> {
  const info = await engine.containers.inspect(c.id, call);
  const publishers: ContainerStatus['publishers'] = [];
  for (const [key, bindings] of Object.entries(info?.NetworkSettings.Ports ?? {})) {
    const [port, protocol] = key.split('/');
    for (const b of bindings ?? []) {
      publishers.push({ url: b.HostIp, targetPort: Number(port), publishedPort: Number(b.HostPort), protocol: protocol ?? 'tcp' });
    }
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
    ...(readyBy ? { readyBy } : {}),
  };
}

export type { StackContainer, UpOptions, UpResult, DownOptions, DownResult };

function callOptions(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
