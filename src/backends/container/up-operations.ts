/**
 * How `up` carries out each operation of its plan on a Docker engine:
 * create a network, create / recreate / start / keep a container (with its
 * files put in place before start), wait until a container meets its
 * condition, and the events each step emits. `up.ts` plans and hands the
 * operations to the executor; this file is what the executor runs.
 */
import type { ContainerSpec } from '../../plan/container-spec.js';
import { ContainerNameConflictError } from '../../engine/errors.js';
import type { EventHub } from '../../engine/event-hub.js';
import { type ReadyState, waitUntilReady } from '../../engine/readiness.js';
import { abortReason, messageOf } from '../../errors.js';
import { composeConfigHash } from '../../plan/config-hash.js';
import { type ObservedContainer, ownership } from '../../plan/observed.js';
import { COMPOSE_VERSION_LABEL_VALUE, LABEL } from '../../plan/labels.js';
import type { ContainerOperation, ReadyCondition, UpOperation } from '../../plan/operations.js';
import { serviceReferences } from '../../plan/reconcile.js';
import type { StackContainer } from '../../stack/backend.js';
import { type StackContext, codeOf } from '../../stack/context.js';
import { graceAfter, startContainer, stopAndRemove, stopContainer } from './container-ops.js';
import { observedFromInspect, readyFromList } from './observe.js';
import { DependencyFailedError } from './up-errors.js';

/**
 * How long a create or start already sent may finish after an abort (a
 * container created in time is then removed). Short, so that Ctrl-C ends
 * `up` at once: what the engine had not answered by then is named in a
 * warning (see {@link RunEnv.abandoned}). A create answers in tens of
 * milliseconds; a start on a loaded machine may take seconds, and Docker
 * 26 cancels a start whose client hangs up (the container stays created)
 * while 20.10 completes it, so no grace would make a start's outcome known.
 */
const IN_FLIGHT_GRACE_MS = 300;
/**
 * The same for a network create: it comes first and answers in about a
 * tenth of a second, and one that lands after `up` returned would be made
 * after a `down` that followed at once had looked.
 */
const NETWORK_CREATE_GRACE_MS = 2000;

/** What each operation's run needs besides the operation. */
export interface RunEnv {
  ctx: StackContext;
  /** Engine name of each network → its id (observed, external, or created by this up). */
  networkIds: Map<string, string>;
  /** The project's event stream; none when every wait is answered by the list (a no-op up). */
  events: EventHub | undefined;
  deadline: number;
  timeoutMs: number;
  /** Fires at up's deadline (plus a grace): ends every engine call. */
  callDeadline: AbortSignal;
  probe: boolean;
  /** Seconds a container this up replaces or removes gets to stop (`up -t`); default: its own grace period. */
  stopTimeoutSeconds?: number;
  /** Waits already made, by container id and condition ("ready" reuses "healthy"). */
  waits: Map<string, Promise<ReadyState>>;
  /** Containers this up started: any restart they show happened since, i.e. a crash. */
  started: Set<string>;
  /** The containers as this up's one list showed them, by id: a kept one the list shows ready needs no wait. */
  listed: Map<string, ObservedContainer>;
  /**
   * Containers (and networks) whose create, start or removal was sent but
   * not answered when the rollout was aborted: the engine finishes (or
   * cancels) those on its own. `up` names them in a warning.
   */
  abandoned: Set<string>;
}

export type OperationResult = StackContainer | string | undefined;

/** Carries out one operation of the plan on the engine. */
export async function runOperation(env: RunEnv, op: UpOperation, results: ReadonlyMap<string, OperationResult>, signal: AbortSignal): Promise<OperationResult> {
  const { ctx } = env;
  switch (op.kind) {
    case 'network.create': {
      const id = await createNetwork(env, op.key, signal);
      env.networkIds.set(op.network.name, id);
      return id;
    }
    case 'volume.create': {
      const { volume, key } = op;
      await ctx.engine.volumes.create(
        {
          name: volume.name,
          ...(volume.driver ? { driver: volume.driver } : {}),
          ...(volume.driver_opts ? { driverOptions: volume.driver_opts } : {}),
          labels: { ...volume.labels, ...ctx.extraLabels, [LABEL.project]: ctx.project.name, [LABEL.volume]: key, [LABEL.version]: COMPOSE_VERSION_LABEL_VALUE },
        },
        { signal },
      );
      ctx.emit({ type: 'volume.created', name: volume.name });
      return undefined;
    }
    case 'warning':
      ctx.emit({ type: 'warning', ...(op.service ? { service: op.service } : {}), message: op.message });
      return undefined;
    case 'container':
      return runContainer(env, op, results, signal);
    case 'wait': {
      const container = results.get(op.target) as StackContainer;
      try {
        await waitFor(env, container, op.condition, signal);
      } catch (err) {
        // A dependent that needs this one says so (an optional one goes on; see reportTolerated).
        if (op.for !== 'up --wait' && op.for.dependsOn.required && !signal.aborted) {
          throw new DependencyFailedError(op.for.dependent, op.service, op.for.dependsOn.condition, err);
        }
        throw err;
      }
      return undefined;
    }
  }
}

/** What an operation was doing, for a timeout message. */
export function describeOperation(op: UpOperation): string {
  switch (op.kind) {
    case 'network.create':
      return `creating network ${op.network.name}`;
    case 'volume.create':
      return `creating volume ${op.volume.name}`;
    case 'container':
      return `${op.action.action === 'keep' ? 'starting' : `${op.action.action === 'remove' ? 'removing' : 'creating'}`} container ${op.action.container}`;
    case 'wait':
      return `while waiting for ${op.container}`;
    case 'warning':
      return 'a warning';
  }
}

/**
 * Creates a project network under the project's engine lock: Docker does not
 * make network names unique when two creates race, so the name is checked
 * again once the lock is held (see lock.ts).
 */
async function createNetwork(env: RunEnv, key: string, signal: AbortSignal): Promise<string> {
  const { ctx } = env;
  const { engine, project } = ctx;
  const network = project.networks[key]!;
  const create = async (): Promise<string> => {
    const raced = await engine.networks.inspect(network.name, { signal });
    if (raced) return raced.Id;
    const spec = {
      name: network.name,
      ...(network.driver ? { driver: network.driver } : {}),
      labels: { ...network.labels, ...ctx.extraLabels, [LABEL.project]: project.name, [LABEL.network]: key, [LABEL.version]: COMPOSE_VERSION_LABEL_VALUE },
      ...(network.internal ? { internal: true } : {}),
      ...(network.attachable ? { attachable: true } : {}),
      ...(network.enable_ipv6 ? { enableIpv6: true } : {}),
      ...(network.driver_opts ? { driverOptions: network.driver_opts } : {}),
      ...(network.ipam
        ? {
            ipam: {
              ...(network.ipam.driver ? { driver: network.ipam.driver } : {}),
              config: (network.ipam.config ?? []).map((c) => ({
                ...(c.subnet ? { subnet: c.subnet } : {}),
                ...(c.ip_range ? { ipRange: c.ip_range } : {}),
                ...(c.gateway ? { gateway: c.gateway } : {}),
                ...(c.aux_addresses ? { auxAddresses: c.aux_addresses } : {}),
              })),
              ...(network.ipam.options ? { options: network.ipam.options } : {}),
            },
          }
        : {}),
    };
    const id = await sent(env, network.name, signal, () => engine.networks.create(spec, { signal: createSignal(env, signal, NETWORK_CREATE_GRACE_MS) }));
    ctx.emit({ type: 'network.created', name: network.name });
    return id;
  };
  return create();
}

/** One container action of a service: remove, keep (start, rename, restart), create, or recreate. */
async function runContainer(env: RunEnv, op: ContainerOperation, results: ReadonlyMap<string, OperationResult>, signal: AbortSignal): Promise<StackContainer | undefined> {
  const { ctx } = env;
  const { engine } = ctx;
  const { service, action: a } = op;
  const call = { signal };
  const stopCall = env.stopTimeoutSeconds === undefined ? call : { ...call, timeoutSeconds: env.stopTimeoutSeconds };
  try {
    switch (a.action) {
      case 'remove':
        await stopAndRemove(ctx, service, a.container, a.id, stopCall);
        return undefined;
      case 'keep': {
        let name = a.container;
        if (a.renameTo) {
          await engine.containers.rename(a.id, a.renameTo, call);
          name = a.renameTo;
        }
        ctx.emit({ type: 'container.kept', service, container: name, reason: a.reason, running: !a.start });
        if (a.start) {
          await startSent(env, service, name, a.id, signal);
          env.started.add(a.id);
        } else if (op.restartFor) {
          await stopContainer(ctx, service, name, a.id, stopCall);
          await startContainer(ctx, service, name, a.id, { ...call, reason: `restart: "${op.restartFor}" was recreated` });
          env.started.add(a.id);
        }
        return { id: a.id, name, service, number: a.number };
      }
      case 'create': {
        const spec = finalSpec(env, op, results);
        ctx.emit({ type: 'container.creating', service, container: a.container, reason: a.reason });
        let id: string;
        let made = false;
        try {
          id = await sent(env, a.container, signal, () => engine.containers.create(spec, { signal: createSignal(env, signal) }));
          made = true;
          await putFiles(ctx, id, op, signal);
          ctx.emit({ type: 'container.created', service, container: a.container });
        } catch (err) {
          // A concurrent `up` of the same project created it first: adopt it.
          const existing = err instanceof ContainerNameConflictError ? await adoptable(ctx, a.container, service, a.number, signal) : undefined;
          if (!existing) throw err;
          id = existing.id;
          ctx.emit({ type: 'container.kept', service, container: a.container, reason: 'created by a concurrent up' });
        }
        // Nothing but microtasks between this check and the start request, so an abort cannot slip in between.
        if (made) await removeIfAborted(env, a.container, id, signal);
        await startSent(env, service, a.container, id, signal);
        env.started.add(id);
        return { id, name: a.container, service, number: a.number };
      }
      case 'recreate': {
        ctx.emit({ type: 'container.recreating', service, container: a.container, reason: a.reasons.join('; ') });
        // Compose's order: create the new one beside the old, stop and remove the
        // old, then give the new one the name. An interruption leaves at most a
        // duplicate that the next plan resolves.
        const spec = finalSpec(env, op, results);
        const temporary = `${a.id.slice(0, 12)}_${a.container}`;
        const id = await sent(env, temporary, signal, () => engine.containers.create({ ...spec, name: temporary }, { signal: createSignal(env, signal) }));
        await putFiles(ctx, id, op, signal);
        await removeIfAborted(env, temporary, id, signal);
        await stopAndRemove(ctx, service, a.container, a.id, stopCall);
        await engine.containers.rename(id, a.container, call);
        ctx.emit({ type: 'container.created', service, container: a.container });
        await removeIfAborted(env, a.container, id, signal);
        await startSent(env, service, a.container, id, signal);
        env.started.add(id);
        return { id, name: a.container, service, number: a.number };
      }
    }
  } catch (err) {
    if (!signal.aborted) ctx.emit({ type: 'container.failed', service, container: a.container, error: messageOf(err), ...codeOf(err) });
    throw err;
  }
}

/**
 * The operation's spec with what only this run knows: networks attached by
 * id (a name briefly duplicated by a concurrent `up` is never ambiguous),
 * and, for a service that uses another's container (`service:X`), Compose's
 * hash over that container's id as this up left it.
 */
function finalSpec(env: RunEnv, op: ContainerOperation, results: ReadonlyMap<string, OperationResult>): ContainerSpec {
  const spec = op.spec!;
  const project = env.ctx.project;
  const networks = spec.networks?.map((n) => ({ ...n, name: env.networkIds.get(n.name) ?? n.name }));
  const references = serviceReferences(project, op.service);
  if (!references.length) return { ...spec, ...(networks ? { networks } : {}) };
  const containerIds: Record<string, string> = {};
  for (const r of references) {
    const first = [...results.values()].find((c): c is StackContainer => typeof c === 'object' && c !== null && c.service === r.service && c.number === 1);
    if (first) containerIds[r.service] = first.id;
  }
  return {
    ...spec,
    ...(networks ? { networks } : {}),
    labels: { ...spec.labels, [LABEL.configHash]: composeConfigHash(project, op.service, { containerIds }) },
  };
}

/** Copies configs and secrets in; if that fails, the new container is removed so nothing half-made stays. */
async function putFiles(ctx: StackContext, id: string, op: ContainerOperation, signal: AbortSignal): Promise<void> {
  if (!op.files.length) return;
  try {
    await ctx.engine.containers.putFiles(id, op.files, { signal });
  } catch (err) {
    await ctx.engine.containers.remove(id, { force: true });
    throw err;
  }
}

/**
 * The signal of a create request: it ends at up's deadline, but an abort
 * (Ctrl-C) lets a create already sent finish, for `graceMs`, so that what it
 * made is certainly there (to remove, see removeIfAborted, or for a `down`)
 * rather than made by the engine after we looked.
 */
function createSignal(env: RunEnv, signal: AbortSignal, graceMs = IN_FLIGHT_GRACE_MS): AbortSignal {
  return AbortSignal.any([env.callDeadline, graceAfter(signal, graceMs)]);
}

/** Starts a container this up holds, with the in-flight grace after an abort and up's deadline; recorded as abandoned if the engine has not answered by then. */
function startSent(env: RunEnv, service: string, container: string, id: string, signal: AbortSignal): Promise<void> {
  return sent(env, container, signal, () => startContainer(env.ctx, service, container, id, { signal, inFlightGraceMs: IN_FLIGHT_GRACE_MS, deadline: env.callDeadline }));
}

/**
 * After an abort (Ctrl-C, or another operation failed) a container this up
 * just created is removed instead of started: an aborted up starts nothing
 * new. Bounded, so an abort stays quick; a removal the engine has not
 * confirmed in time is named with the abandoned calls, and `down` removes
 * what is left.
 */
async function removeIfAborted(env: RunEnv, container: string, id: string, signal: AbortSignal): Promise<void> {
  if (!signal.aborted) return;
  await env.ctx.engine.containers.remove(id, { force: true, signal: AbortSignal.timeout(2000) }).catch(() => env.abandoned.add(container));
  throw abortReason(signal);
}

/**
 * Sends one engine call for `container`, unless the rollout is already
 * aborted (then nothing is sent). If the rollout is aborted before the call
 * answers, the container is recorded as left to the engine.
 */
async function sent<T>(env: RunEnv, container: string, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  signal.throwIfAborted();
  try {
    return await call();
  } catch (err) {
    if (signal.aborted) env.abandoned.add(container);
    throw err;
  }
}

/** The container a concurrent `up` of this project made under `name`, if that is what holds the name. */
async function adoptable(ctx: StackContext, name: string, service: string, number: number, signal: AbortSignal): Promise<ObservedContainer | undefined> {
  const info = await ctx.engine.containers.inspect(name, { signal });
  if (!info) return undefined;
  const c = observedFromInspect(info);
  return ownership(c.labels).project === ctx.project.name && c.service === service && c.number === number ? c : undefined;
}

/**
 * One wait per container and condition; "ready" is "healthy" for a container
 * with a healthcheck, so it reuses a healthy wait already made. `signal` is
 * the execution's (the same for all its operations): a failure elsewhere, or
 * Ctrl-C, ends the wait at once.
 */
function waitFor(env: RunEnv, c: StackContainer, condition: ReadyCondition, signal: AbortSignal): Promise<ReadyState> {
  const key = `${c.id}:${condition}`;
  let p = env.waits.get(key) ?? (condition === 'ready' ? env.waits.get(`${c.id}:healthy`) : undefined);
  if (!p) {
    // A container this up did not start or restart, that the up's one list already shows ready: no inspect, no wait.
    const listed = env.started.has(c.id) ? undefined : env.listed.get(c.id);
    const known = listed && readyFromList(listed, condition);
    p = known ? Promise.resolve(reportReady(env.ctx, c, { ...known, name: c.name })) : waitReady(env, c, condition, signal);
    env.waits.set(key, p);
  }
  return p;
}

async function waitReady(env: RunEnv, c: StackContainer, condition: ReadyCondition, signal: AbortSignal): Promise<ReadyState> {
  const { ctx } = env;
  ctx.emit({ type: 'container.waiting', service: c.service, container: c.name, reason: condition });
  try {
    const state = await waitUntilReady(ctx.engine, c.id, {
      condition,
      timeoutMs: Math.max(1, env.deadline - Date.now()),
      reportedTimeoutMs: env.timeoutMs,
      service: c.service,
      containerName: c.name,
      signal,
      ...(env.events ? { events: env.events } : {}),
      probe: env.probe,
      ...(env.started.has(c.id) ? { restartsBefore: 0 } : {}),
    });
    return reportReady(ctx, c, state);
  } catch (err) {
    if (!signal.aborted) ctx.emit({ type: 'container.failed', service: c.service, container: c.name, error: messageOf(err), ...codeOf(err) });
    throw err;
  }
}

/** A wait for an optional dependency failed: its dependents start anyway, with a warning. */
export function reportTolerated(ctx: StackContext, op: UpOperation, err: unknown): void {
  if (op.kind !== 'wait') return;
  const reason = messageOf(err).split('\n')[0];
  ctx.emit({
    type: 'warning',
    service: op.for === 'up --wait' ? op.service : op.for.dependent,
    message:
      op.for === 'up --wait'
        ? `optional dependency "${op.service}" is not ready (${reason}); up goes on without it`
        : `optional dependency "${op.service}" failed (${reason}); starting "${op.for.dependent}" anyway`,
  });
}


/** The ready event of a container, from a wait or from the list. */
function reportReady(ctx: StackContext, c: StackContainer, state: ReadyState): ReadyState {
  ctx.emit({
    type: state.readyBy === 'state' ? 'container.ready' : 'container.healthy',
    service: c.service,
    container: c.name,
    readyBy: state.readyBy,
    ...(state.health ? { health: state.health } : {}),
    ...(state.exitCode !== undefined ? { exitCode: state.exitCode } : {}),
    elapsedMs: state.elapsedMs,
  });
  return state;
}

/** True when no operation starts, stops or makes anything and the list shows every container waited for ready. */
export function answeredByList(operations: UpOperation[], listed: ReadonlyMap<string, ObservedContainer>): boolean {
  const kept = new Map<string, ObservedContainer | undefined>();
  for (const op of operations) {
    if (op.kind === 'warning') continue;
    if (op.kind !== 'container' || op.action.action !== 'keep' || op.action.start || op.restartFor) {
      if (op.kind !== 'wait') return false;
      continue;
    }
    kept.set(op.id, listed.get(op.action.id));
  }
  return operations.every((op) => {
    if (op.kind !== 'wait') return true;
    const c = kept.get(op.target);
    return c !== undefined && readyFromList(c, op.condition) !== undefined;
  });
}
