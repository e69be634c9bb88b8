/**
 * A per-project lock held in the engine itself, for the one step that the
 * engine does not make atomic: creating a network. Docker can create two
 * networks with the same name when two requests race, and which one is
 * "first" cannot be agreed on afterwards. Container names, however, are
 * unique: creating a (never started) container named after the project is
 * an atomic test-and-set that works across processes and machines.
 *
 * The lock container carries no Compose label, so `ps`, `down` and Compose
 * never see it. A lock whose owner process is gone, or that is older than
 * `staleAfterMs`, is broken.
 */
import type Dockerode from 'dockerode';
import { ContainerNameConflictError } from '../../engine/errors.js';
import type { Engine } from '../../engine/engine.js';
import { ModelstackError, sleep } from '../../errors.js';
import { LABEL } from '../../plan/labels.js';
import { ownerIsGone, ownerOfThisProcess } from './sweep.js';

const LOCK_LABEL = 'org.modelstack.lock';

export interface LockOptions {
  /** Any image present on the engine (the container is never started). */
  image: string;
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** A lock older than this is considered abandoned (default 30 s). */
  staleAfterMs?: number;
  /** Stop waiting for the lock. */
  signal?: AbortSignal;
}

/** The lock container's name. */
function lockName(project: string): string {
  return `${project}-modelstack-lock`;
}

/** A lock nobody holds any more: its owner process is gone, or it is older than `staleAfterMs`. */
function isAbandoned(holder: Dockerode.ContainerInspectInfo, staleAfterMs: number): boolean {
  const owner = holder.Config.Labels?.[LABEL.owner] ?? '';
  return ownerIsGone(owner) || Date.now() - Date.parse(holder.Created) > staleAfterMs;
}

/**
 * Removes the project's lock if it was abandoned (an `up` killed while it
 * held it), so `down` leaves nothing of the project behind. A lock a live
 * process holds is left alone. Returns the removed lock's name.
 */
export async function removeAbandonedLock(engine: Engine, project: string, options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
  const holder = await engine.containers.inspect(lockName(project), options);
  if (!holder || holder.Config.Labels?.[LOCK_LABEL] !== project || !isAbandoned(holder, DEFAULT_STALE_MS)) return undefined;
  await engine.containers.remove(holder.Id, { force: true, ...options });
  return lockName(project);
}

const DEFAULT_STALE_MS = 30_000;

/** Runs `fn` while holding the engine-wide lock of `project`. */
export async function withProjectLock<T>(engine: Engine, project: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const name = lockName(project);
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let delay = 25;
  const call = options.signal ? { signal: options.signal } : {};
  let id: string | undefined;
  while (!id) {
    options.signal?.throwIfAborted();
    try {
      id = await engine.containers.create(
        {
          name,
          image: options.image,
          entrypoint: ['/lock'], // never started
          labels: { [LOCK_LABEL]: project, [LABEL.owner]: ownerOfThisProcess() },
        },
        call,
      );
    } catch (err) {
      if (!(err instanceof ContainerNameConflictError)) throw err;
      const holder = await engine.containers.inspect(name, call);
      const owner = holder?.Config.Labels?.[LABEL.owner] ?? '';
      if (holder && isAbandoned(holder, options.staleAfterMs ?? DEFAULT_STALE_MS)) {
        await engine.containers.remove(holder.Id, { force: true, ...call });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ModelstackError('PROJECT_LOCKED', `project "${project}" is locked by another modelstack process (${owner || 'unknown owner'}); retry, or remove the container ${name} if that process is gone`);
      }
      // The lock is held for one network create (milliseconds): a short backoff beats an event subscription.
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, 500);
    }
  }
  try {
    return await fn();
  } finally {
    await engine.containers.remove(id, { force: true });
  }
}
