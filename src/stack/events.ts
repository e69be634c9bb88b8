/**
 * Typed progress events. The library emits them; the CLI renders them (live
 * view on a TTY, plain lines otherwise, or one JSON object per line).
 */
import type { PullProgress } from '../engine/image-client.js';

interface Base {
  /** Milliseconds since the epoch. */
  time: number;
}

/** An image is being pulled (one event per engine status line) or is done. */
export interface ImageEvent extends Base {
  type: 'image.pulling' | 'image.pulled' | 'image.building' | 'image.built' | 'image.skipped';
  image: string;
  /** Services that use the image. */
  services: string[];
  progress?: PullProgress;
  /** A line of build output (`image.building`). */
  output?: string;
  /** Why `pull` left the image as it is (`image.skipped`: `already present`, `pull_policy: never`…). */
  reason?: string;
}

/** A project network or volume changed. */
export interface ResourceEvent extends Base {
  type: 'network.created' | 'network.removed' | 'volume.created' | 'volume.removed';
  name: string;
}

/** A container moved through its life cycle. */
export interface ContainerEvent extends Base {
  type:
    | 'container.creating'
    | 'container.created'
    | 'container.starting'
    | 'container.started'
    | 'container.waiting'
    | 'container.stopping'
    | 'container.stopped'
    | 'container.killing'
    | 'container.killed'
    | 'container.pausing'
    | 'container.paused'
    | 'container.unpausing'
    | 'container.unpaused'
    | 'container.removing'
    | 'container.removed'
    | 'container.kept'
    | 'container.recreating';
  service: string;
  container: string;
  /** Why (for `kept`/`recreating`: the plan's reason). */
  reason?: string;
  /** For `kept`: the container was already running (nothing to do). */
  running?: boolean;
}

/**
 * A container is ready. `container.healthy`: by Docker's healthcheck
 * (`readyBy: 'healthcheck'`), or by our own probe (`readyBy: 'probe'`, only
 * with `probe: true`; `health` then says what Docker reads, usually
 * `starting`). `container.ready`: by its state — running since its start
 * settled, or exited with code 0 (`exitCode`).
 */
export interface ReadyEvent extends Base {
  type: 'container.healthy' | 'container.ready';
  service: string;
  container: string;
  readyBy: 'state' | 'healthcheck' | 'probe';
  /** Docker's health status at that moment (`healthy`, `starting`, ...), for containers with a healthcheck. */
  health?: string;
  /** Set when the container had exited (a one-shot that completed). */
  exitCode?: number;
  elapsedMs: number;
}

/** Something failed; `error` is the message a person can act on. */
export interface FailedEvent extends Base {
  type: 'container.failed' | 'image.failed' | 'service.failed';
  service?: string;
  container?: string;
  image?: string;
  error: string;
  code?: string;
}

/** A warning that does not stop the operation. */
export interface WarningEvent extends Base {
  type: 'warning';
  message: string;
  service?: string;
}

/** A Swarm service of the stack changed (the Swarm backend). */
export interface ServiceEvent extends Base {
  type: 'service.creating' | 'service.created' | 'service.updating' | 'service.updated' | 'service.kept' | 'service.removed' | 'service.running';
  service: string;
  /** The Swarm service's name (`<stack>_<service>`). */
  name: string;
  /** Why (for `creating`/`updating`/`kept`: the plan's reason; the fields that changed). */
  reason?: string;
  /** For `running`: how many tasks run, e.g. 3 of 3. */
  tasks?: { running: number; desired: number };
}

/** A task of a Swarm service moved (the Swarm backend): where it runs, its state, and what went wrong. */
export interface TaskEvent extends Base {
  type: 'task.state';
  service: string;
  /** `<stack>_<service>.<slot>` (or `.<node id>` for a global service). */
  task: string;
  /** Hostname of the node it was scheduled on. */
  node?: string;
  /** Swarm's task state: `pending`, `assigned`, `preparing`, `starting`, `running`, `failed`, `rejected`, `shutdown`, … */
  state: string;
  error?: string;
}

/** A node of the swarm changed state while a wait watched it (e.g. `down` when its daemon died). */
export interface NodeEvent extends Base {
  type: 'node.state';
  node: string;
  /** Swarm's node state: `ready`, `down`, `unknown`, `disconnected`. */
  state: string;
}

/** A Swarm secret or config (the Swarm backend); networks use {@link ResourceEvent}. */
export interface SwarmObjectEvent extends Base {
  type: 'secret.created' | 'secret.removed' | 'config.created' | 'config.removed';
  name: string;
}

export type StackEvent = ImageEvent | ResourceEvent | ContainerEvent | ReadyEvent | FailedEvent | WarningEvent | ServiceEvent | TaskEvent | NodeEvent | SwarmObjectEvent;

/** Distributive Omit, so `Omit<StackEvent, 'time'>` stays a union. */
export type WithoutTime<T> = T extends unknown ? Omit<T, 'time'> : never;

/** Receives every event; must not throw (errors thrown by listeners are ignored). */
export type StackEventListener = (event: StackEvent) => void;
