/**
 * A Stack: one Compose project on one engine, with the everyday commands
 * (`up`, `down`, `ps`, `logs`, `exec`, `port`, `start`, `stop`, `restart`)
 * and a dry run. The Stack is the surface: it holds the options, the event
 * listeners and the context every operation shares, and hands the work to
 * its backend (`StackBackend`: containers on one engine today).
 *
 * A Stack is disposable: `await using stack = ...` runs `down` at the end of
 * the scope.
 */
import pLimit from 'p-limit';
import { type Logger, pino } from 'pino';
import { ContainerBackend } from '../backends/container/container-backend.js';
import { staleEphemeralProjects, ownerOfThisProcess } from '../backends/container/sweep.js';
import { serviceWarning } from '../compose/extensions.js';
import { NoSuchServiceError } from '../compose/load-errors.js';
import type { Project } from '../compose/model.js';
import { Engine } from '../engine/engine.js';
import { LABEL } from '../plan/labels.js';
import type { UpPlan } from '../plan/reconcile.js';
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
  StackPlan,
  StackPullOptions,
  StackWaitOptions,
  UpOptions,
  UpResult,
} from './backend.js';
import type { StackContext } from './context.js';
import type { ReadyEvent, StackEvent, StackEventListener, WithoutTime } from './events.js';
import { ServiceHandle } from './service-handle.js';

/** Engine operations in flight at once: the engine, not the client, is the bottleneck; stops are mostly waiting. */
const DEFAULT_PARALLELISM = 32;


export interface StackOptions<P extends StackPlan = UpPlan> {
  /** Engine to use (default: connect from `DOCKER_HOST` or the default socket; for Swarm, a manager). */
  engine?: Engine;
  /** Where the project runs (default: containers on the engine, as Compose makes them; or `new SwarmBackend()`). */
  backend?: StackBackend<P>;
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
  /**
   * Seconds each container gets to stop when the stack is disposed
   * (`await using`) before it is killed. Default: 1 for an ephemeral stack
   * (a test harness should not wait out grace periods), otherwise each
   * container's own `stop_grace_period` (10 s unless the file says).
   * `down()` takes its own `timeoutSeconds`.
   */
  disposeTimeoutSeconds?: number;
}

/** How long an ephemeral stack's containers get to stop when it is disposed. */
const EPHEMERAL_DISPOSE_TIMEOUT_S = 1;

export class Stack<P extends StackPlan = UpPlan> implements AsyncDisposable {
  readonly project: Project;
  readonly logger: Logger;
  private engine: Engine | undefined;
  private readonly listeners = new Set<StackEventListener>();
  /** The verdict each container was found ready by, from this Stack's ups (by container name). */
  private readonly verdicts = new Map<string, ReadyEvent['readyBy']>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly options: StackOptions<P>;
  private readonly backend: StackBackend<P>;

  constructor(project: Project, options: StackOptions<P> = {}) {
    this.project = project;
    this.options = options;
    // Without a backend the plan type is the container plan (P's default).
    this.backend = options.backend ?? (new ContainerBackend() as unknown as StackBackend<P>);
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
  async plan(options: Omit<UpOptions, 'dryRun'> = {}): Promise<P> {
    return (await this.backend.up(await this.context(), { ...options, dryRun: true })).plan;
  }

  /**
   * Converges the engine to the project: creates what is missing, recreates
   * what changed (and says why), leaves the rest alone, in dependency order,
   * then waits until everything is ready (unless `wait: false`).
   */
  async up(options: UpOptions = {}): Promise<UpResult<P>> {
    const ctx = await this.context();
    if (this.options.ephemeral && !options.dryRun) await this.sweep(ctx);
    // A service may carry a warning to repeat at every up (the model-stack
    // preset uses it for its explicit insecure opt-in).
    for (const [name, s] of Object.entries(this.project.services)) {
      const warning = serviceWarning(s);
      if (warning !== undefined) ctx.emit({ type: 'warning', service: name, message: warning });
    }
    return this.backend.up(ctx, options);
  }

  /** Stops and removes the project's containers (reverse dependency order), then its networks; volumes with `volumes: true`. */
  async down(options: DownOptions = {}): Promise<DownResult> {
    return this.backend.down(await this.context(), options);
  }

  /** The project's containers (running, paused or restarting ones unless `all`, as `docker ps`), in dependency order; `readyBy` says which verdict an up of this Stack used. */
  async ps(options: PsOptions = {}): Promise<ContainerStatus[]> {
    const statuses = await this.backend.ps(await this.context(), options);
    return statuses.map((s) => {
      const readyBy = this.verdicts.get(s.name);
      return readyBy ? { ...s, readyBy } : s;
    });
  }

  /** Prints (through `onLine`) the logs of the services' containers; with `follow`, until they stop or `signal` aborts. */
  async logs(options: StackLogsOptions): Promise<void> {
    return this.backend.logs(await this.context(), options);
  }

  /** Runs a command in a service's running container (`index`, default 1) and returns exit code and output. */
  async exec(service: string, command: string[], options: StackExecOptions = {}): Promise<ExecResult> {
    return this.backend.exec(await this.context(), service, command, options);
  }

  /**
   * The text of a file a service's container sees (a token, a host key): read
   * from its running container (`index`, default 1); on a swarm, from the
   * config or secret the service holds at `path`.
   */
  async readFile(service: string, path: string, options: ReadFileOptions = {}): Promise<string> {
    return this.backend.readFile(await this.context(), service, path, options);
  }

  /**
   * The host address and port the daemon bound for `containerPort` of a
   * service's container — read back from the engine, so daemon-assigned
   * ports (`"8080"` with no host port) work.
   */
  async port(service: string, containerPort: number, options: PortOptions = {}): Promise<{ hostIp: string; hostPort: number }> {
    return this.backend.port(await this.context(), service, containerPort, options);
  }

  /**
   * A handle on one service: `port`, `url`, `exec`, `readFile`, `logs`,
   * `start`/`stop`/`restart` bound to its name. Throws
   * {@link NoSuchServiceError} for a name the project does not have (a
   * stack known by name only, {@link Stack.forProject}, takes any name).
   */
  service(name: string): ServiceHandle {
    const known = Object.keys(this.project.services);
    if (known.length > 0 && !known.includes(name)) throw new NoSuchServiceError([name], this.project);
    return new ServiceHandle(this, name);
  }

  /** Starts the services' stopped containers, dependencies first. */
  async start(services?: string[], options: LifecycleOptions = {}): Promise<void> {
    return this.backend.start(await this.context(), services, options);
  }

  /** Stops the services' containers, dependents first. */
  async stop(services?: string[], options: LifecycleOptions = {}): Promise<void> {
    return this.backend.stop(await this.context(), services, options);
  }

  /** Restarts the services' containers, running or not, in dependency order. */
  async restart(services?: string[], options: LifecycleOptions = {}): Promise<void> {
    return this.backend.restart(await this.context(), services, options);
  }

  /** Sends a signal (default SIGKILL) to the services' running containers, all at once, as `docker compose kill`; returns their names. */
  async kill(services?: string[], options: KillOptions = {}): Promise<string[]> {
    return this.backend.kill(await this.context(), services, options);
  }

  /** Pauses the services' running containers; returns the names of those it paused. */
  async pause(services?: string[], options: LifecycleOptions = {}): Promise<string[]> {
    return this.backend.pause(await this.context(), services, options);
  }

  /** Waits until every container of the services has stopped, as `docker compose wait`; their exit codes, in the order they stopped. */
  async wait(services?: string[], options: StackWaitOptions = {}): Promise<ContainerExit[]> {
    return this.backend.wait(await this.context(), services, options);
  }

  /** Removes the services' stopped containers, as `docker compose rm` (`stop` first, `volumes`, a `confirm` callback); returns the names removed. */
  async rm(services?: string[], options: RemoveOptions = {}): Promise<string[]> {
    return this.backend.rm(await this.context(), services, options);
  }

  /** Unpauses the services' paused containers; returns their names. */
  async unpause(services?: string[], options: LifecycleOptions = {}): Promise<string[]> {
    return this.backend.unpause(await this.context(), services, options);
  }

  /**
   * Streams the runtime events of the project's containers (`create`,
   * `start`, `die`, `health_status: …`, …) to `onEvent`, as `docker compose
   * events`, from now until `signal` aborts (then it resolves).
   */
  async events(options: StackEventsOptions): Promise<void> {
    return this.backend.events(await this.context(), options);
  }

  /**
   * Builds the images of the services that have `build:` (all of them when
   * none are named), as `docker compose build`: each image once, in
   * parallel, tagged as `up` would use it; `image.building`/`image.built`
   * events report each. Returns what was built, by service.
   */
  async build(services?: string[], options: StackBuildOptions = {}): Promise<ServiceBuild[]> {
    return this.backend.build(await this.context(), services, options);
  }

  /**
   * Pulls the services' images (all services when none are named), as
   * `docker compose pull`: in parallel, each image once, skipping what
   * Compose skips (no `image:`, `pull_policy: never`/`build`, a present image
   * under `missing` unless tagged `latest`); `image.*` events report each.
   * Returns what was done for each service, in dependency order.
   */
  async pull(services?: string[], options: StackPullOptions = {}): Promise<ServicePull[]> {
    return this.backend.pull(await this.context(), services, options);
  }

  /** The processes of the services' running (or paused) containers, as `docker compose top`; ordered by container name. */
  async top(services?: string[], options: { signal?: AbortSignal } = {}): Promise<ContainerProcesses[]> {
    return this.backend.top(await this.context(), services, options);
  }

  /** The image of each of the services' containers (stopped ones too), as `docker compose images`; ordered by container name. */
  async images(services?: string[], options: { signal?: AbortSignal } = {}): Promise<ContainerImage[]> {
    return this.backend.images(await this.context(), services, options);
  }

  /** `await using`: runs `down` (with volumes for ephemeral stacks), giving each container {@link StackOptions.disposeTimeoutSeconds} to stop. */
  async [Symbol.asyncDispose](): Promise<void> {
    const timeoutSeconds = this.options.disposeTimeoutSeconds ?? (this.options.ephemeral ? EPHEMERAL_DISPOSE_TIMEOUT_S : undefined);
    await this.down({ volumes: Boolean(this.options.ephemeral), removeOrphans: true, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) });
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
      await this.backend.down({ ...ctx, project: Stack.forProject(name).project }, { volumes: true, removeOrphans: true });
    }
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

export type { ContainerStatus, ServiceLogLine, StackLogsOptions, UpOptions, UpResult, DownOptions, DownResult, ReadFileOptions } from './backend.js';
