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
  type: 'image.pulling' | 'image.pulled' | 'image.building' | 'image.built';
  image: string;
  /** Services that use the image. */
  services: string[];
  progress?: PullProgress;
  /** A line of build output (`image.building`). */
  output?: string;
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
  type: 'container.failed' | 'image.failed';
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

export type StackEvent = ImageEvent | ResourceEvent | ContainerEvent | ReadyEvent | FailedEvent | WarningEvent;

/** Distributive Omit, so `Omit<StackEvent, 'time'>` stays a union. */
export type WithoutTime<T> = T extends unknown ? Omit<T, 'time'> : never;

/** Receives every event; must not throw (errors thrown by listeners are ignored). */
export type StackEventListener = (event: StackEvent) => void;
