/**
 * The contract between a {@link Stack} and the engine it runs on. A backend
 * turns the same canonical project into containers on one engine (the
 * container backend, `backends/container`) or services on a cluster (Swarm);
 * the Stack surface, its typed events, the compose model, the plan's
 * vocabulary and the executor are shared. What `up` and the everyday
 * commands take and give is defined here, once for every backend.
 */
import type { ExecOptions, ExecResult, LogLine } from '../engine/container-client.js';
import type { OutputStream } from '../engine/streams.js';
import type { ImagePullPolicy } from '../engine/image-client.js';
import { type PlanOptions, type UpPlan, formatPlan } from '../plan/reconcile.js';
import { type SwarmPlan, formatSwarmPlan } from '../plan/swarm-plan.js';
import type { StackContext } from './context.js';

export interface UpOptions extends PlanOptions {
  /** Pull policy for every image (default: each service's `pull_policy`, else `missing`). */
  pull?: ImagePullPolicy;
  /** Build every image that has a `build:` section again, present or not (`up --build`). */
  build?: boolean;
  /**
   * Wait until every container is ready, as Compose's `--wait` means it:
   * healthy by Docker's verdict with a healthcheck, else running (a one-shot
   * container that exited 0 is done). Default true.
   */
  wait?: boolean;
  /**
   * The early verdict: run each healthcheck command by exec right after start
   * and count its first success as healthy, for the final wait and for
   * `service_healthy` dependencies — the earliest moment a service answers,
   * while Docker may still say `starting` (events carry `readyBy: 'probe'`
   * and Docker's `health`). Default false: Docker's verdict.
   */
  probe?: boolean;
  /** Deadline for the whole `up`, waits included (default 300 000 ms). */
  waitTimeoutMs?: number;
  /** Seconds a container this up replaces or removes gets to stop before SIGKILL (default: its own stop grace period; `up -t`). */
  timeoutSeconds?: number;
  /** Plan only: inspect images and containers, change nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** A container of the stack. */
export interface StackContainer {
  id: string;
  name: string;
  service: string;
  number: number;
}

/** What `up` decided: containers and why (the container backend), or services and why (Swarm). */
export type StackPlan = UpPlan | SwarmPlan;

/** One line per action of a plan, for a dry run. */
export function formatStackPlan(plan: StackPlan): string[] {
  return 'entries' in plan ? formatSwarmPlan(plan) : formatPlan(plan);
}

export interface UpResult<P extends StackPlan = UpPlan> {
  plan: P;
  /** The containers of the targeted services after `up` (empty for a dry run). */
  containers: StackContainer[];
}

export interface DownOptions {
  /** Also remove the project's named volumes (`down -v`). */
  volumes?: boolean;
  /** Seconds each container gets to stop before SIGKILL (default: its own stop grace period). */
  timeoutSeconds?: number;
  /**
   * Also remove containers of services that are not in the project. When the
   * stack was opened by name only (no services known), everything labelled
   * with the project is removed.
   */
  removeOrphans?: boolean;
  /** Gives up on the engine (Ctrl-C, a deadline); what was removed so far stays removed. */
  signal?: AbortSignal;
}

export interface DownResult {
  removedContainers: string[];
  removedNetworks: string[];
  removedVolumes: string[];
  /** Orphans left in place (and networks they keep in use). */
  kept: string[];
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
  /** Its published ports: the host address (`url`) and port each container port is reachable on. */
  publishers: Array<{ url: string; targetPort: number; publishedPort: number; protocol: string }>;
  /** Container ports it exposes without publishing them (`expose:`, the image's `EXPOSE`). */
  exposed: Array<{ targetPort: number; protocol: string }>;
  /** Its labels (Compose's, modelstack's and the file's). */
  labels: Record<string, string>;
  /** Engine names of the networks it is attached to, sorted. */
  networks: string[];
  /**
   * Its mounts, in the engine's order: a volume by `name` (and its `driver`),
   * a bind by its host path `source`.
   */
  mounts: Array<{ type: string; source: string; destination: string; name?: string; driver?: string }>;
  /**
   * How an `up` of this Stack found the container ready, if it waited for it:
   * `healthcheck` (Docker said healthy), `probe` (our probe passed while
   * Docker's `health` may still say `starting`), or `state`.
   */
  readyBy?: 'state' | 'healthcheck' | 'probe';
  /** The node it runs on (a task of a Swarm service). */
  node?: string;
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
  /** Only lines written before this Unix time (seconds). Not on a swarm (its service logs have no such filter). */
  until?: number;
  signal?: AbortSignal;
  /** Called once, before the first line, with every container whose logs follow (e.g. to align prefixes). */
  onContainers?: (containers: Array<{ service: string; number: number; container: string }>) => void;
  /**
   * Called when a container's log has been read to its end: with `follow`,
   * once the container has stopped and every line it wrote was passed to
   * `onLine` (what an attached `up` waits for before it reports the exit).
   */
  onContainerEnd?: (container: { service: string; number: number; container: string }) => void;
  onLine: (line: ServiceLogLine) => void;
}

export interface PsOptions {
  /** Stopped containers too. */
  all?: boolean;
  services?: string[];
  signal?: AbortSignal;
}

export interface StackExecOptions {
  /** Which container of the service (default 1). */
  index?: number;
  user?: string;
  workingDir?: string;
  env?: Record<string, string>;
  /** Receives output as it arrives (it is also collected into the result). */
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
  /** Forwarded to the command's stdin; its end closes that stdin. Without it the command has none. */
  stdin?: NodeJS.ReadableStream;
  /** Run the command on a pseudo-terminal of this size (and follow its resizes): output arrives raw, on `stdout`. */
  terminal?: ExecOptions['terminal'];
  signal?: AbortSignal;
}

export interface ReadFileOptions {
  /** Which container of the service (default 1). */
  index?: number;
  signal?: AbortSignal;
}

export interface PortOptions {
  index?: number;
  protocol?: 'tcp' | 'udp' | 'sctp';
  signal?: AbortSignal;
}

export interface LifecycleOptions {
  /** Seconds a container gets to stop before SIGKILL (stop, restart). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/** A container that stopped, and how. */
export interface ContainerExit {
  service: string;
  container: string;
  id: string;
  exitCode: number;
}

/** The processes of one running container, as `docker compose top` shows them. */
export interface ContainerProcesses {
  service: string;
  container: string;
  /** Column titles of the engine's `ps` (`UID`, `PID`, `PPID`, `C`, `STIME`, `TTY`, `TIME`, `CMD`). */
  titles: string[];
  /** One row per process, a cell per title. */
  processes: string[][];
}

/** The image one container was created from, as `docker compose images` lists it. */
export interface ContainerImage {
  service: string;
  container: string;
  /** `sha256:…` */
  id: string;
  /** The image's first tag, as Docker names it (`busybox`, `registry:5000/team/model`); empty for an untagged image. */
  repository: string;
  tag: string;
  /** Bytes. */
  size: number;
}

/** What `Stack.pull` does, as `docker compose pull`'s flags. */
export interface StackPullOptions {
  /** With named services, also pull the services they depend on. */
  includeDeps?: boolean;
  /** Pull what can be pulled; a failure is reported (event, result) but does not fail the pull. */
  ignoreFailures?: boolean;
  /** Skip the services that have `build:`. */
  ignoreBuildable?: boolean;
  /** Overrides every service's `pull_policy`: `missing` skips an image that is present (unless tagged `latest`), `always` pulls it. */
  policy?: 'missing' | 'always';
  signal?: AbortSignal;
}

/** What `Stack.pull` did for one service. */
export interface ServicePull {
  service: string;
  /** Undefined for a service without `image:`. */
  image?: string;
  outcome: 'pulled' | 'skipped' | 'failed';
  /** Why it was skipped (`already present`, `pull_policy: never`…) or how it failed. */
  reason?: string;
}

/** What `Stack.build` does, as `docker compose build`'s flags. */
export interface StackBuildOptions {
  /** Build without the engine's cache. */
  noCache?: boolean;
  /** Pull the base images again. */
  pull?: boolean;
  signal?: AbortSignal;
}

/** An image `Stack.build` built, for one service. */
export interface ServiceBuild {
  service: string;
  image: string;
  /** `sha256:…` */
  id: string;
}

/** A runtime event of one of the project's containers, as `docker compose events` reports it. */
export interface ContainerRuntimeEvent {
  /** Milliseconds since the epoch (the fraction holds the microseconds). */
  time: number;
  service: string;
  /** The container's id. */
  id: string;
  /** The engine's action: `create`, `start`, `die`, `health_status: healthy`, `destroy`, … */
  action: string;
  /** The event's attributes without Compose's labels (`name`, `image`, `exitCode`, the container's other labels). */
  attributes: Record<string, string>;
}

export interface StackEventsOptions {
  /** Only these services' containers. */
  services?: string[];
  onEvent: (event: ContainerRuntimeEvent) => void;
  /** Ends the stream (the promise then resolves). */
  signal?: AbortSignal;
}

export interface StackWaitOptions {
  /** Called as each container stops. */
  onExit?: (exit: ContainerExit) => void;
  signal?: AbortSignal;
}

export interface RemoveOptions {
  /** Stop the services' running containers first (dependents first); without it running containers are left alone. */
  stop?: boolean;
  /** Seconds a container gets to stop before SIGKILL (with `stop`). */
  timeoutSeconds?: number;
  /** Also remove the anonymous volumes attached to the containers. */
  volumes?: boolean;
  /**
   * Asked with the names of the stopped containers before any is removed;
   * false removes none (the CLI's "Are you sure?"). Without it, all are removed.
   */
  confirm?: (containers: string[]) => boolean | Promise<boolean>;
  signal?: AbortSignal;
}

export interface KillOptions {
  /** The signal sent to each running container (default `SIGKILL`), by name (`SIGTERM`, `HUP`) or number. */
  signalName?: string;
  signal?: AbortSignal;
}

/**
 * What a backend does for a Stack. Each method gets the Stack's context
 * (engine, project, events, limits). `P` is the kind of plan its `up`
 * decides (containers, or Swarm services).
 */
export interface StackBackend<P extends StackPlan = UpPlan> {
  /** Converges the engine to the project (or, with `dryRun`, only plans). */
  up(ctx: StackContext, options: UpOptions): Promise<UpResult<P>>;
  /** Removes what the project made on the engine, found by its labels. */
  down(ctx: StackContext, options: DownOptions): Promise<DownResult>;
  /** The project's containers (running, paused or restarting ones unless `all`, as `docker ps`), in dependency order. */
  ps(ctx: StackContext, options: PsOptions): Promise<ContainerStatus[]>;
  /** The services' logs, line by line; with `follow`, until they stop or `signal` aborts. */
  logs(ctx: StackContext, options: StackLogsOptions): Promise<void>;
  /** Runs a command in a service's running container. */
  exec(ctx: StackContext, service: string, command: string[], options: StackExecOptions): Promise<ExecResult>;
  /**
   * The text of a file a service's container sees (a token, a host key): read
   * from the running container, or, where the engine cannot reach into one
   * (a swarm), from the config or secret the service holds at that path.
   */
  readFile(ctx: StackContext, service: string, path: string, options: ReadFileOptions): Promise<string>;
  /** The host address and port bound for a container port of a service. */
  port(ctx: StackContext, service: string, containerPort: number, options: PortOptions): Promise<{ hostIp: string; hostPort: number }>;
  start(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<void>;
  stop(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<void>;
  restart(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<void>;
  /** Sends a signal to the services' running containers, all at once; returns the names of the containers signalled. */
  kill(ctx: StackContext, services: string[] | undefined, options: KillOptions): Promise<string[]>;
  /** Pauses the services' running containers (those already paused are left as they are); returns the names of those it paused. */
  pause(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<string[]>;
  /** Waits until every container of the services has stopped (a stopped one at once); returns each one's exit code, in the order they stopped. */
  wait(ctx: StackContext, services: string[] | undefined, options: StackWaitOptions): Promise<ContainerExit[]>;
  /** Removes the services' stopped containers (and their anonymous volumes with `volumes`); returns the names removed. */
  rm(ctx: StackContext, services: string[] | undefined, options: RemoveOptions): Promise<string[]>;
  /** Unpauses the services' paused containers; returns their names. */
  unpause(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<string[]>;
  /** Streams the runtime events of the project's (not one-off) containers, as `docker compose events`, until `signal` aborts. */
  events(ctx: StackContext, options: StackEventsOptions): Promise<void>;
  /** Builds the images of the services that have `build:`, as `docker compose build`; what was built, by service. */
  build(ctx: StackContext, services: string[] | undefined, options: StackBuildOptions): Promise<ServiceBuild[]>;
  /** Pulls the services' images as `docker compose pull`; what was done for each service, in dependency order. */
  pull(ctx: StackContext, services: string[] | undefined, options: StackPullOptions): Promise<ServicePull[]>;
  /** The processes of the services' running (or paused) containers, ordered by container name. */
  top(ctx: StackContext, services: string[] | undefined, options: { signal?: AbortSignal }): Promise<ContainerProcesses[]>;
  /** The image of each of the services' containers, stopped ones included, ordered by container name. */
  images(ctx: StackContext, services: string[] | undefined, options: { signal?: AbortSignal }): Promise<ContainerImage[]>;
}

export type { ExecResult, LogLine };
