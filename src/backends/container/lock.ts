/**
 * The per-project lock, held in the engine itself. `up` holds it from the
 * moment it observes the project until it returns (an `up` whose first look
 * finds nothing to change, everything ready, takes none); `down` takes it before it
 * looks for what to remove. So a `down` that races an `up` waits for that
 * `up` to finish and then removes everything it made (nothing of the project
 * survives a `down` that returned), and two `up`s of one project run one
 * after the other (the second finds the first one's containers and keeps
 * them) instead of fighting over container and network names.
 *
 * The engine has no locks, but container names are unique: creating a
 * (never started) container named after the project is an atomic
 * test-and-set that works across processes and machines. It also covers the
 * one step the engine does not make atomic at all: Docker can create two
 * networks with the same name when two creates race.
 *
 * The lock container carries no Compose label, so `ps`, `down` and Compose
 * never see it. It says who holds it (`<pid>@<host>`) and until when the
 * holder may hold it (its own deadline, `until`): a lock whose owner process
 * is gone, or whose `until` has passed, is broken.
 */
import type { InspectedContainer } from '../../engine/container-client.js';
import { ContainerNameConflictError } from '../../engine/errors.js';
import type { Engine } from '../../engine/engine.js';
import { ModelstackError, sleep } from '../../errors.js';
import { LABEL } from '../../plan/labels.js';
import { graceAfter } from './container-ops.js';
import { ownerIsGone, ownerOfThisProcess } from './sweep.js';

const LOCK_LABEL = 'org.modelstack.lock';
/** Epoch ms after which the holder no longer holds the lock (its deadline plus a grace). */
const UNTIL_LABEL = 'org.modelstack.lock.until';
/** What the holder is doing (`up`, `down`), for the message of whoever waits. */
const PURPOSE_LABEL = 'org.modelstack.lock.purpose';

/** A lock without `until` (written by an older modelstack, for one network create) is stale after this long. */
const DEFAULT_STALE_MS = 30_000;
/** Releasing the lock never waits longer than this on the engine (a frozen engine must not hold the caller). */
const RELEASE_TIMEOUT_MS = 5_000;
/** After an abort (Ctrl-C) the caller is leaving: a lock not removed by then is broken later (its holder is gone), and `down` removes it. */
const ABORTED_RELEASE_TIMEOUT_MS = 500;
/** How long a lock create already sent may finish after an abort (then the lock is removed). */
const CREATE_GRACE_MS = 2_000;

export interface LockOptions {
  /** Any image present on the engine (the container is never started). */
  image: string;
  /** What the holder does with the project (`up`, `down`): named to whoever waits. */
  purpose: string;
  /** The holder releases the lock by then (epoch ms); afterwards others may break it. */
  holdUntil: number;
  /** Give up waiting for the lock at this time (epoch ms); default: the holder's `until`. */
  waitUntil?: number;
  /** Stop waiting for the lock. */
  signal?: AbortSignal;
  /** Called once when the lock is held by someone else and we start waiting for it. */
  onWait?(holder: LockHolder): void;
}

/** Who holds a project's lock. */
export interface LockHolder {
  /** `<pid>@<host>` of the holding process. */
  owner: string;
  /** `up` or `down` (empty when an older modelstack holds it). */
  purpose: string;
  /** Epoch ms until which it may hold it. */
  until: number;
}

/** The lock container's name. */
function lockName(project: string): string {
  return `${project}-modelstack-lock`;
}

function holderOf(info: InspectedContainer): LockHolder {
  const labels = info.Config.Labels ?? {};
  const until = Number(labels[UNTIL_LABEL]);
  return {
    owner: labels[LABEL.owner] ?? '',
    purpose: labels[PURPOSE_LABEL] ?? '',
    until: Number.isFinite(until) && labels[UNTIL_LABEL] ? until : Date.parse(info.Created) + DEFAULT_STALE_MS,
  };
}

/** Lock containers this process holds now (by id). */
const heldHere = new Set<string>();
/** Lock creates this process has sent and not yet seen answered, by project (the engine may have made the lock already). */
const acquiringHere = new Map<string, number>();

/**
 * A lock nobody holds any more: its owner process is gone, its `until` has
 * passed, or it names this process, which does not hold it (an aborted
 * acquisition the engine completed after we gave up on it).
 */
function isAbandoned(info: InspectedContainer): boolean {
  const holder = holderOf(info);
  const project = info.Config.Labels?.[LOCK_LABEL] ?? '';
  const ours = holder.owner === ownerOfThisProcess() && Boolean(info.Config.Labels?.[UNTIL_LABEL]);
  return ownerIsGone(holder.owner) || Date.now() > holder.until || (ours && !heldHere.has(info.Id) && !acquiringHere.get(project));
}

/**
 * Removes the project's lock if it was abandoned (an `up` killed while it
 * held it), so `down` leaves nothing of the project behind. A lock a live
 * process holds is left alone. Returns the removed lock's name.
 */
export async function removeAbandonedLock(engine: Engine, project: string, options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
  const holder = await engine.containers.inspect(lockName(project), options);
  if (!holder || holder.Config.Labels?.[LOCK_LABEL] !== project || !isAbandoned(holder)) return undefined;
  await engine.containers.remove(holder.Id, { force: true, ...options });
  return lockName(project);
}

/**
 * Runs `fn` while holding the engine-wide lock of `project`. Waits while a
 * live process holds it (until that holder's `until`, or `waitUntil`), and
 * breaks an abandoned one.
 *
 * @throws ModelstackError `PROJECT_LOCKED` naming the holder when the wait runs out.
 */
export async function withProjectLock<T>(engine: Engine, project: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const name = lockName(project);
  let delay = 25;
  const call = options.signal ? { signal: options.signal } : {};
  let waiting = false;
  let id: string | undefined;
  while (!id) {
    options.signal?.throwIfAborted();
    acquiringHere.set(project, (acquiringHere.get(project) ?? 0) + 1);
    try {
      id = await engine.containers.create(
        {
          name,
          image: options.image,
          entrypoint: ['/lock'], // never started
          labels: { [LOCK_LABEL]: project, [LABEL.owner]: ownerOfThisProcess(), [UNTIL_LABEL]: String(Math.round(options.holdUntil)), [PURPOSE_LABEL]: options.purpose },
        },
        // A create already sent when the caller aborts may finish (briefly), so its lock is certainly removed below.
        options.signal ? { signal: graceAfter(options.signal, CREATE_GRACE_MS) } : {},
      ).finally(() => acquiringHere.set(project, acquiringHere.get(project)! - 1));
      heldHere.add(id);
      if (options.signal?.aborted) {
        await release(engine, id, true);
        options.signal.throwIfAborted();
      }
    } catch (err) {
      if (!(err instanceof ContainerNameConflictError)) throw err;
      const info = await engine.containers.inspect(name, call);
      if (!info) continue; // released in between
      if (isAbandoned(info)) {
        await engine.containers.remove(info.Id, { force: true, ...call });
        continue;
      }
      const holder = holderOf(info);
      if (Date.now() > Math.min(options.waitUntil ?? holder.until, holder.until + 1000)) {
        throw new ModelstackError(
          'PROJECT_LOCKED',
          `another modelstack ${holder.purpose || 'command'} of project "${project}" is running (process ${holder.owner || 'unknown'}); wait for it to finish and retry${holder.purpose === 'up' ? ', or interrupt that up' : ''} (if that process is gone, remove the container ${name})`,
        );
      }
      if (!waiting) {
        waiting = true;
        options.onWait?.(holder);
      }
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, 250);
    }
  }
  try {
    return await fn();
  } finally {
    await release(engine, id, options.signal?.aborted === true);
  }
}

/**
 * Removes a lock this process holds. Bounded, and shorter after an abort
 * (Ctrl-C, a deadline): an engine that froze while we held the lock must not
 * hold us too. A lock left behind is broken once this process no longer
 * holds it, is gone, or its `until` has passed.
 */
async function release(engine: Engine, id: string, aborted: boolean): Promise<void> {
  const timeoutMs = aborted ? ABORTED_RELEASE_TIMEOUT_MS : RELEASE_TIMEOUT_MS;
  await engine.containers.remove(id, { force: true, signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined);
  heldHere.delete(id);
}

/** How long a `down` may hold the lock (its stops are bounded by their grace periods, not by a deadline). */
const DOWN_HOLD_MS = 10 * 60_000;

/**
 * Runs a `down` of `project` under its lock, so it waits for an `up` in
 * flight (saying so through `onWait`) and removes everything that up made.
 * The lock needs an image present on the engine: the lock container's own
 * (an up holds it), else one of the project's containers' or services'
 * images. With none, no up can be running, and `down` runs without the lock.
 * A lock written by an older modelstack (no `until`) is held for one
 * network create only: `down` does not wait for it.
 */
export async function withDownLock<T>(
  engine: Engine,
  project: string,
  images: Array<string | undefined>,
  options: { signal?: AbortSignal; onWait?(holder: LockHolder): void },
  fn: () => Promise<T>,
): Promise<T> {
  const call = options.signal ? { signal: options.signal } : {};
  const held = await engine.containers.inspect(lockName(project), call);
  if (held && held.Config.Labels?.[LOCK_LABEL] === project && !held.Config.Labels?.[UNTIL_LABEL]) return fn();
  const image = await anyLocalImage(engine, [held?.Image, ...images], call);
  if (!image) return fn();
  return withProjectLock(engine, project, { image, purpose: 'down', holdUntil: Date.now() + DOWN_HOLD_MS, ...options }, fn);
}

/** The first of `candidates` present on the engine. */
async function anyLocalImage(engine: Engine, candidates: Array<string | undefined>, options: { signal?: AbortSignal }): Promise<string | undefined> {
  for (const image of new Set(candidates)) {
    if (image && (await engine.images.inspect(image, options))) return image;
  }
  return undefined;
}
