/**
 * The engine's event stream (`GET /events`), as typed events.
 *
 * A subscription asks for events from a little before "now": the engine
 * sends its HTTP headers before it registers the listener, so without a
 * `since` an event in that gap would be lost. Replayed older events are
 * harmless to our callers, who treat events as "look again" triggers.
 */
import type { Engine } from './engine.js';
import { isAbortError } from '../errors.js';
import { jsonLineDecoder } from './streams.js';

/** One engine event (`docker events --format json`). */
export interface EngineEvent {
  /** `container`, `network`, `image`, `volume`, … */
  type: string;
  /** `create`, `start`, `die`, `oom`, `health_status: healthy`, `destroy`, … */
  action: string;
  /** Id of the object. */
  id: string;
  /** Labels and details (`exitCode` on `die`, `name`, `image`, …). */
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch. */
  timeNano: number;
}

export interface SubscribeOptions {
  /** Engine filters, e.g. `{ type: ['container'], container: [id], label: ['k=v'] }`. */
  filters?: Record<string, string[]>;
  /** Replay events from this many ms before now (default 2000). */
  replayMs?: number;
  onEvent: (event: EngineEvent) => void;
  /** Called once if the stream ends or fails while subscribed (not after `close()`). */
  onEnd?: (err?: Error) => void;
  /** Gives up on subscribing (an engine that does not answer) when this aborts. */
  signal?: AbortSignal;
}

/** An open event subscription. `close()` is idempotent and releases the connection. */
export interface EventSubscription {
  close(): void;
}

export class EventClient {
  constructor(private readonly engine: Engine) {}

  /** Opens the stream; resolves once the engine has answered, so no later event can be missed. */
  async subscribe(options: SubscribeOptions): Promise<EventSubscription> {
    const controller = new AbortController();
    const since = (Date.now() - (options.replayMs ?? 2000)) / 1000;
    options.signal?.throwIfAborted();
    const giveUp = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', giveUp, { once: true });
    let stream: NodeJS.ReadableStream & { destroy(): void };
    try {
      stream = (await this.engine.call('subscribe to events', () =>
        this.engine.docker.getEvents({
          since: Number(since.toFixed(3)),
          filters: options.filters ?? {},
          abortSignal: controller.signal,
        } as object),
      )) as NodeJS.ReadableStream & { destroy(): void };
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', giveUp);
    }

    let closed = false;
    const decoder = jsonLineDecoder((obj) => {
      if (!closed) options.onEvent(toEvent(obj));
    });
    const onData = (chunk: Buffer) => decoder.write(chunk);
    const finish = (err?: Error) => {
      if (closed) return;
      closed = true;
      detach();
      options.onEnd?.(err);
    };
    const onEnd = () => finish(new Error('the engine closed the event stream'));
    const onError = (err: Error) => finish(isAbortError(err) ? undefined : err);
    const detach = () => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      // Keep a no-op error listener: destroying may still emit one.
      stream.on('error', () => {});
      controller.abort();
      stream.destroy();
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    return {
      close() {
        if (closed) return;
        closed = true;
        detach();
      },
    };
  }
}

function toEvent(obj: Record<string, unknown>): EngineEvent {
  const actor = (obj.Actor ?? {}) as { ID?: string; Attributes?: Record<string, string> };
  return {
    type: String(obj.Type ?? obj.type ?? ''),
    action: String(obj.Action ?? obj.status ?? ''),
    id: String(actor.ID ?? obj.id ?? ''),
    attributes: actor.Attributes ?? {},
    timeNano: Number(obj.timeNano ?? 0),
  };
}
