/**
 * One event stream shared by many waits. Waiting for 25 containers with 25
 * `/events` connections costs the engine 25 subscriptions and filter passes
 * per event; a hub opens one (filtered, e.g., by the project label) and hands
 * each container's events to whoever watches that container.
 *
 * Open the hub before the containers it will report on are created or
 * started. Events of a container nobody watches yet are not kept, except
 * its last crash (`lastDeath`), which a wait that starts later needs.
 */
import type { Engine } from './engine.js';
import type { EngineEvent, EventSubscription } from './event-client.js';

type Listener = (event: EngineEvent) => void;

export class EventHub {
  private readonly watchers = new Map<string, Set<Listener>>();
  private readonly endListeners = new Set<(err: Error) => void>();
  /** The last crash seen per container since the hub opened, for waits that start later. */
  private readonly deaths = new Map<string, { exitCode?: number; oom?: boolean; killRequested?: boolean }>();
  private subscription: EventSubscription | undefined;
  private ended: Error | undefined;

  private constructor() {}

  /**
   * Subscribes once with `filters` (e.g. `{ type: ['container'], label: ['com.docker.compose.project=p'] }`);
   * `signal` gives up on an engine that does not answer.
   */
  static async open(engine: Engine, filters: Record<string, string[]>, options: { signal?: AbortSignal } = {}): Promise<EventHub> {
    const hub = new EventHub();
    hub.subscription = await engine.events.subscribe({
      filters,
      ...(options.signal ? { signal: options.signal } : {}),
      onEvent: (e) => {
        if (e.action === 'die') hub.deaths.set(e.id, { ...hub.deaths.get(e.id), exitCode: Number(e.attributes.exitCode ?? NaN) });
        if (e.action === 'oom') hub.deaths.set(e.id, { ...hub.deaths.get(e.id), oom: true });
        if (e.action === 'kill' || e.action === 'stop') hub.deaths.set(e.id, { ...hub.deaths.get(e.id), killRequested: true });
        for (const l of hub.watchers.get(e.id) ?? []) l(e);
      },
      onEnd: (err) => {
        hub.ended = err ?? new Error('the engine closed the event stream');
        for (const l of hub.endListeners) l(hub.ended);
      },
    });
    return hub;
  }

  /** Calls `listener` with every event of container `id`; returns the unwatch function. */
  watch(id: string, listener: Listener): () => void {
    let set = this.watchers.get(id);
    if (!set) this.watchers.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.watchers.delete(id);
    };
  }

  /** The last `die` (exit code), `oom`, and whether a kill or stop was asked for, seen for container `id` since the hub opened. */
  lastDeath(id: string): { exitCode?: number; oom?: boolean; killRequested?: boolean } {
    return { ...this.deaths.get(id) };
  }

  /** Calls `listener` if the stream ends while open (at once if it already has); returns the remove function. */
  onEnd(listener: (err: Error) => void): () => void {
    if (this.ended) {
      listener(this.ended);
      return () => {};
    }
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Closes the stream. Watchers are dropped; idempotent. */
  close(): void {
    this.subscription?.close();
    this.watchers.clear();
    this.endListeners.clear();
  }
}
