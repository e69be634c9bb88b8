/**
 * `up`: observe → plan → execute.
 *
 * 1. Check, before any side effect: the services asked for exist, each can
 *    be run as written, the engine's API can act on every key, external
 *    networks and volumes exist, every config and secret can be read.
 * 2. Observe: the project's containers, networks and volumes (one
 *    label-filtered list per kind) and the images it uses (one inspect each).
 * 3. Plan (pure): which images to pull or build; then, once their ids are
 *    known, what to do with each container and why, as a graph of typed
 *    operations (`plan/operations.ts`).
 * 4. Execute: the executor walks the graph (`executor/execute.ts`); this
 *    file only says how each kind of operation is carried out on a Docker
 *    engine, with the events it emits.
 *
 * Everything created carries the project label, so `down` removes it all.
 * The whole `up` has one deadline: engine calls and waits end with it, so a
 * frozen engine cannot hold `up` past it.
 */
import { setMaxListeners } from 'node:events';
import { assertServicesExist } from '../../compose/load-errors.js';
import type { ContainerSpec } from '../../plan/container-spec.js';
import { ContainerNameConflictError, EngineUnreachableError, WaitTimeoutError } from '../../engine/errors.js';
import { EventHub } from '../../engine/event-hub.js';
import { type ReadyState, waitUntilReady } from '../../engine/readiness.js';
import { ModelstackError, abortReason, isAbortError, messageOf } from '../../errors.js';
import { type OperationNode, execute } from '../../executor/execute.js';
import { composeConfigHash } from '../../plan/config-hash.js';
import { desiredServices, replicaSpec } from '../../plan/desired.js';
import { type ObservedContainer, ownership, serviceContainerIds } from '../../plan/observed.js';
import { EngineTooOldError, unmetEngineRequirements } from '../../plan/engine-requirements.js';
import { type ImageOperation, planImages } from '../../plan/images.js';
import { COMPOSE_VERSION_LABEL_VALUE, LABEL, projectFilter } from '../../plan/labels.js';
import { type ContainerOperation, type ReadyCondition, type UpOperation, upOperations } from '../../plan/operations.js';
import { planUp, serviceReferences } from '../../plan/reconcile.js';
import type { StackContainer, UpOptions, UpResult } from '../../stack/backend.js';
import { containerSpecFor, imageFor } from '../../plan/service-container.js';
import { dependencyOrder } from '../../compose/graph.js';
import { type StackContext, codeOf } from '../../stack/context.js';
import { graceAfter, startContainer, stopAndRemove, stopContainer } from './container-ops.js';
import { FileReader } from './files.js';
import { withProjectLock } from './lock.js';
import { observeProject, observedFromInspect, readyFromList } from './observe.js';

/** A dependency did not meet its `depends_on` condition. */
export class DependencyFailedError extends ModelstackError {
  constructor(readonly service: string, readonly dependency: string, readonly condition: string, cause: unknown) {
    super(
      'DEPENDENCY_FAILED',
      `${messageOf(cause)}\n(service "${service}" was not started: it depends on "${dependency}" with condition ${condition})`,
      { cause },
    );
  }
}

/** `up` did not finish before its deadline, and the engine call named here had not answered. */
export class UpTimeoutError extends ModelstackError {
  constructor(readonly timeoutMs: number, readonly operation: string) {
    super(
      'UP_TIMEOUT',
      `up did not finish within its deadline of ${timeoutMs / 1000}s: the engine did not answer ${operation}; is it running and responsive? (raise --wait-timeout if it is only slow)`,
    );
  }
}

/**
 * The engine went away while `up` ran (it was stopped or crashed). Its
 * shutdown stops the containers too, and a wait then sees them exit (143,
 * 137): that is the engine's doing, not the service's, and this says so.
 */
export class EngineStoppedError extends ModelstackError {
  constructor(readonly address: string, cause: unknown) {
    super(
      'ENGINE_STOPPED',
      `the Docker engine at ${address} stopped while up ran (what up saw last: ${messageOf(cause).split('\n')[0]}); start the engine again, then run up again`,
      { cause },
    );
  }
}

const DEFAULT_TIMEOUT_MS = 300_000;
/** How long a failed up asks the engine whether it is still there. */
const ENGINE_CHECK_MS = 2000;
/** How long a create or start already sent may finish after an abort (a created container is then removed). */
const IN_FLIGHT_GRACE_MS = 2000;
/** Engine calls get this much longer than the waits, so a wait's own timeout (which says what state it saw) wins the race. */
const CALL_GRACE_MS = 1000;
/** The lock outlives up's deadline by this much before others may break it (releasing it takes a call too). */
const LOCK_GRACE_MS = 10_000;

/** What each operation's run needs besides the operation. */
interface RunEnv {
  ctx: StackContext;
  /** Engine name of each network → its id (observed, external, or created by this up). */
  networkIds: Map<string, string>;
  /** The project's event stream; none when every wait is answered by the list (a no-op up). */
  events: EventHub | undefined;
  deadline: number;
  timeoutMs: number;
  /** Fires at up's deadline (plus a grace): ends every engine call. */
  callDeadline: AbortSignal;
  /** The caller's signal (Ctrl-C): ends waits and calls. */
  stop: AbortSignal | undefined;
  probe: boolean;
  /** Waits already made, by container id and condition ("ready" reuses "healthy"). */
  waits: Map<string, Promise<ReadyState>>;
  /** Containers this up started: any restart they show happened since, i.e. a crash. */
  started: Set<string>;
  /** The containers as this up's one list showed them, by id: a kept one the list shows ready needs no wait. */
  listed: Map<string, ObservedContainer>;
}

type OperationResult = StackContainer | string | undefined;

export async function runUp(ctx: StackContext, options: UpOptions = {}): Promise<UpResult> {
  const { engine, project } = ctx;
  const timeoutMs = options.waitTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  // Engine calls end at the deadline (plus a grace); waits end at the deadline itself.
  const callDeadline = new AbortController();
  setMaxListeners(0, callDeadline.signal); // every create and start of the up listens on it
  const timer = setTimeout(() => callDeadline.abort(new UpTimeoutError(timeoutMs, 'in time')), timeoutMs + CALL_GRACE_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, callDeadline.signal]) : callDeadline.signal;
  setMaxListeners(0, signal);
  try {
    // 1. Check what can be checked before any side effect.
    const targets = options.services ?? Object.keys(project.services);
    assertServicesExist(project, targets);
    const order = dependencyOrder(project, targets);
    for (const name of order) containerSpecFor(project, name, 1);
    const info = engine.info ?? (await engine.ping());
    const unmet = unmetEngineRequirements(project, info.negotiatedApiVersion, order);
    if (unmet.length) throw new EngineTooOldError(unmet, { address: engine.address, version: info.version, apiVersion: info.negotiatedApiVersion }, project);
    const externalNetworkIds = await checkExternals(ctx, order, signal);
    // Every config and secret is read first: a missing one fails here, and a changed content is part of what the plan compares.
    const reader = new FileReader(project);
    const files = new Map<string, Awaited<ReturnType<FileReader['forService']>>['entries']>();
    const extraConfig: Record<string, Record<string, unknown>> = {};
    for (const name of order) {
      const f = await reader.forService(name);
      files.set(name, f.entries);
      if (Object.keys(f.digests).length) extraConfig[name] = { contents: f.digests };
    }

    // 2 and 3. Observe, plan the images, make them present (not in a dry run).
    const local: Record<string, string | undefined> = {};
    await Promise.all(
      [...new Set(order.map((name) => imageFor(project, name)))].map(async (image) => {
        local[image] = (await engine.images.inspect(image, { signal }))?.Id;
      }),
    );
    const images = planImages(project, order, local, options.pull);
    const imageIds = { ...images.ids };
    if (!options.dryRun && images.operations.length) {
      const made = await execute<ImageOperation, string>(images.operations, {
        parallelism: ctx.parallelism,
        signal,
        run: async (op, { signal: opSignal }) => {
          try {
            return await runImageOperation(ctx, op, opSignal);
          } catch (err) {
            if (callDeadline.signal.aborted) throw new UpTimeoutError(timeoutMs, `${op.kind === 'image.build' ? 'building' : 'pulling'} image ${op.image}`);
            throw err;
          }
        },
      });
      for (const op of images.operations) imageIds[op.image] = made.get(op.id)!;
    }
    // From observing to the last wait, up holds the project's lock: a
    // concurrent up waits for this one (then keeps what it made), and so does
    // a down (then removes all of it). See lock.ts.
    const lockImage = Object.values(imageIds)[0];
    const prepare = async () => {
      const observed = await observeProject(engine, project.name, { signal });
      // Compose's hash of a service that uses another's container (`service:X`) holds that container's id.
      const desired = desiredServices(project, { imageIds, extraConfig, containerIds: serviceContainerIds(observed) });
      const plan = planUp(project, desired, observed, options);
      const operations = upOperations({
        project,
        plan,
        desired,
        files,
        wait: options.wait !== false,
        specFor: (service, number) => replicaSpec(project, desired[service]!, number, { defaultHostIp: ctx.defaultHostIp, labels: ctx.extraLabels }),
      });
      const listed = new Map(observed.containers.map((c) => [c.id, c]));
      // Nothing to create, start or remove, and the list answers every wait: a no-op up.
      return { plan, operations, observed, listed, noOp: answeredByList(operations, listed) };
    };
    const converge = async (prepared: Awaited<ReturnType<typeof prepare>>): Promise<UpResult> => {
      const { plan, operations, observed, listed, noOp } = prepared;
      if (options.dryRun) return { plan, containers: [] };

      // 4. Execute, with one event stream for every wait, opened before any container starts;
      // none for a no-op up.
      const events = noOp ? undefined : await EventHub.open(engine, { type: ['container'], label: [projectFilter(project.name)] }, { signal });
      try {
        const env: RunEnv = {
          ctx,
          networkIds: new Map([...externalNetworkIds, ...observed.networks.map((n) => [n.name, n.id] as const)]),
          events,
          deadline,
          timeoutMs,
          callDeadline: callDeadline.signal,
          stop: options.signal,
          probe: options.probe === true,
          waits: new Map(),
          started: new Set(),
          listed,
        };
        const reported = new Set<unknown>();
        const results = await execute<UpOperation & OperationNode, OperationResult>(operations, {
          parallelism: ctx.parallelism,
          signal,
          run: async (op, { results, signal: opSignal }) => {
            try {
              return await runOperation(env, op, results, opSignal);
            } catch (err) {
              // The engine did not answer before up's deadline: say which call.
              if (callDeadline.signal.aborted) throw new UpTimeoutError(timeoutMs, describeOperation(op));
              throw err;
            }
          },
          onTolerated: (op, err) => {
            // One failure, one warning (a dependency's wait and the final wait share it).
            if (reported.has(err)) return;
            reported.add(err);
            reportTolerated(ctx, op, err);
          },
        });
        const containers = operations
          .filter((op): op is ContainerOperation => op.kind === 'container' && op.action.action !== 'remove' && targets.includes(op.service))
          .map((op) => results.get(op.id))
          .filter((c): c is StackContainer => typeof c === 'object');
        return { plan, containers };
      } finally {
        events?.close();
      }
    };
    const first = await prepare();
    // A no-op up changes nothing, so it needs no lock (and costs no lock's
    // create and remove): what it reports is what its one list showed.
    if (options.dryRun || !lockImage || first.noOp) return await converge(first);
    return await withProjectLock(
      engine,
      project.name,
      {
        image: lockImage,
        purpose: 'up',
        holdUntil: deadline + CALL_GRACE_MS + LOCK_GRACE_MS,
        waitUntil: deadline,
        signal,
        onWait: (holder) =>
          ctx.emit({ type: 'warning', message: `another ${holder.purpose || 'modelstack command'} of project "${project.name}" is running (process ${holder.owner}); waiting for it to finish` }),
      },
      // Observed again under the lock: the first look may predate another up or down.
      async () => converge(await prepare()),
    );
  } catch (err) {
    // A call outside any operation (observing, inspecting images) that ran into the deadline.
    if (callDeadline.signal.aborted && !(err instanceof UpTimeoutError)) throw new UpTimeoutError(timeoutMs, 'while up observed the project');
    // A failure that is not an abort or a timeout may be the engine shutting down under us (containers "exit" with 143).
    // (Not after a timeout: a frozen engine would only make the ping wait too.)
    const mayBeStopped = !callDeadline.signal.aborted && !(err instanceof UpTimeoutError) && !(err instanceof WaitTimeoutError) && !isAbortError(err);
    if (mayBeStopped && !(await engineAnswers(ctx))) throw new EngineStoppedError(engine.address, err);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** True when the engine still answers (a short ping). */
async function engineAnswers(ctx: StackContext): Promise<boolean> {
  try {
    await ctx.engine.ping(ENGINE_CHECK_MS);
    return true;
  } catch (err) {
    return !(err instanceof EngineUnreachableError);
  }
}

/** Networks and volumes declared external must exist; returns the external networks' ids by name. */
async function checkExternals(ctx: StackContext, order: string[], signal: AbortSignal): Promise<Map<string, string>> {
  const { engine, project } = ctx;
  const ids = new Map<string, string>();
  const usedNetworks = new Set(order.flatMap((s) => Object.keys(project.services[s]?.networks ?? {})));
  for (const [key, network] of Object.entries(project.networks)) {
    if (!network.external || !usedNetworks.has(key)) continue;
    const found = await engine.networks.inspect(network.name, { signal });
    if (!found) {
      throw new ModelstackError('EXTERNAL_NETWORK_MISSING', `network "${network.name}" is declared external but does not exist; create it first (docker network create ${network.name})`);
    }
    ids.set(network.name, found.Id);
  }
  for (const volume of Object.values(project.volumes)) {
    if (!volume.external) continue;
    if (!(await engine.volumes.inspect(volume.name, { signal }))) {
      throw new ModelstackError('EXTERNAL_VOLUME_MISSING', `volume "${volume.name}" is declared external but does not exist; create it first (docker volume create ${volume.name})`);
    }
  }
  return ids;
}

/** Pulls or builds one image; returns its local id. */
async function runImageOperation(ctx: StackContext, op: ImageOperation, signal: AbortSignal): Promise<string> {
  const { engine, project } = ctx;
  const { image, services } = op;
  try {
    if (op.kind === 'image.build') {
      ctx.emit({ type: 'image.building', image, services });
      const id = await engine.images.build({
        context: op.build.context,
        tag: image,
        ...(op.build.dockerfile ? { dockerfile: op.build.dockerfile } : {}),
        ...(op.build.target ? { target: op.build.target } : {}),
        args: Object.fromEntries(Object.entries(op.build.args ?? {}).filter((e): e is [string, string] => e[1] !== null)),
        labels: { ...op.build.labels, [LABEL.project]: project.name },
        signal,
        onOutput: (output) => ctx.emit({ type: 'image.building', image, services, output }),
      });
      ctx.emit({ type: 'image.built', image, services });
      return id;
    }
    let pulled = false;
    const info = await engine.images.ensure(image, {
      policy: op.policy,
      signal,
      onProgress: (progress) => {
        pulled = true;
        ctx.emit({ type: 'image.pulling', image, services, progress });
      },
    });
    if (pulled) ctx.emit({ type: 'image.pulled', image, services });
    return info.Id;
  } catch (err) {
    ctx.emit({ type: 'image.failed', image, error: `${messageOf(err)} (needed by ${services.join(', ')})`, ...codeOf(err) });
    // The error says which services need the image, as every failure of up names its service (same class, so callers still match it).
    if (err instanceof Error && !isAbortError(err)) err.message += ` (needed by ${services.length > 1 ? 'services' : 'service'} ${services.map((s) => `"${s}"`).join(', ')})`;
    throw err;
  }
}

/** Carries out one operation of the plan on the engine. */
async function runOperation(env: RunEnv, op: UpOperation, results: ReadonlyMap<string, OperationResult>, signal: AbortSignal): Promise<OperationResult> {
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
        await waitFor(env, container, op.condition);
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
function describeOperation(op: UpOperation): string {
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
    const id = await engine.networks.create(
      {
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
      },
      { signal },
    );
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
  try {
    switch (a.action) {
      case 'remove':
        await stopAndRemove(ctx, service, a.container, a.id, call);
        return undefined;
      case 'keep': {
        let name = a.container;
        if (a.renameTo) {
          await engine.containers.rename(a.id, a.renameTo, call);
          name = a.renameTo;
        }
        ctx.emit({ type: 'container.kept', service, container: name, reason: a.reason, running: !a.start });
        if (a.start) {
          await startContainer(ctx, service, name, a.id, { ...call, inFlightGraceMs: IN_FLIGHT_GRACE_MS, deadline: env.callDeadline });
          env.started.add(a.id);
        } else if (op.restartFor) {
          await stopContainer(ctx, service, name, a.id, call);
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
          id = await engine.containers.create(spec, { signal: createSignal(env, signal) });
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
        if (made) await removeIfAborted(ctx, id, signal);
        await startContainer(ctx, service, a.container, id, { ...call, inFlightGraceMs: IN_FLIGHT_GRACE_MS, deadline: env.callDeadline });
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
        const id = await engine.containers.create({ ...spec, name: temporary }, { signal: createSignal(env, signal) });
        await putFiles(ctx, id, op, signal);
        await removeIfAborted(ctx, id, signal);
        await stopAndRemove(ctx, service, a.container, a.id, call);
        await engine.containers.rename(id, a.container, call);
        ctx.emit({ type: 'container.created', service, container: a.container });
        await removeIfAborted(ctx, id, signal);
        await startContainer(ctx, service, a.container, id, { ...call, inFlightGraceMs: IN_FLIGHT_GRACE_MS, deadline: env.callDeadline });
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
 * (Ctrl-C) lets a create already sent finish, briefly, so that what it made
 * is certainly there to remove (see removeIfAborted) rather than made by the
 * engine after we looked.
 */
function createSignal(env: RunEnv, signal: AbortSignal): AbortSignal {
  return AbortSignal.any([env.callDeadline, graceAfter(signal, IN_FLIGHT_GRACE_MS)]);
}

/**
 * After an abort (Ctrl-C, or another operation failed) a container this up
 * just created is removed instead of started: an aborted up starts nothing
 * new and leaves no never-started container behind. Bounded, so an abort
 * stays quick; what it cannot remove, `down` removes.
 */
async function removeIfAborted(ctx: StackContext, id: string, signal: AbortSignal): Promise<void> {
  if (!signal.aborted) return;
  await ctx.engine.containers.remove(id, { force: true, signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  throw abortReason(signal);
}

/** The container a concurrent `up` of this project made under `name`, if that is what holds the name. */
async function adoptable(ctx: StackContext, name: string, service: string, number: number, signal: AbortSignal): Promise<ObservedContainer | undefined> {
  const info = await ctx.engine.containers.inspect(name, { signal });
  if (!info) return undefined;
  const c = observedFromInspect(info);
  return ownership(c.labels).project === ctx.project.name && c.service === service && c.number === number ? c : undefined;
}

/** One wait per container and condition; "ready" is "healthy" for a container with a healthcheck, so it reuses a healthy wait already made. */
function waitFor(env: RunEnv, c: StackContainer, condition: ReadyCondition): Promise<ReadyState> {
  const key = `${c.id}:${condition}`;
  let p = env.waits.get(key) ?? (condition === 'ready' ? env.waits.get(`${c.id}:healthy`) : undefined);
  if (!p) {
    // A container this up did not start or restart, that the up's one list already shows ready: no inspect, no wait.
    const listed = env.started.has(c.id) ? undefined : env.listed.get(c.id);
    const known = listed && readyFromList(listed, condition);
    p = known ? Promise.resolve(reportReady(env.ctx, c, { ...known, name: c.name })) : waitReady(env, c, condition);
    env.waits.set(key, p);
  }
  return p;
}

async function waitReady(env: RunEnv, c: StackContainer, condition: ReadyCondition): Promise<ReadyState> {
  const { ctx } = env;
  ctx.emit({ type: 'container.waiting', service: c.service, container: c.name, reason: condition });
  try {
    const state = await waitUntilReady(ctx.engine, c.id, {
      condition,
      timeoutMs: Math.max(1, env.deadline - Date.now()),
      reportedTimeoutMs: env.timeoutMs,
      service: c.service,
      containerName: c.name,
      ...(env.stop ? { signal: env.stop } : {}),
      ...(env.events ? { events: env.events } : {}),
      probe: env.probe,
      ...(env.started.has(c.id) ? { restartsBefore: 0 } : {}),
    });
    return reportReady(ctx, c, state);
  } catch (err) {
    if (!env.stop?.aborted) ctx.emit({ type: 'container.failed', service: c.service, container: c.name, error: messageOf(err), ...codeOf(err) });
    throw err;
  }
}

/** A wait for an optional dependency failed: its dependents start anyway, with a warning. */
function reportTolerated(ctx: StackContext, op: UpOperation, err: unknown): void {
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
function answeredByList(operations: UpOperation[], listed: ReadonlyMap<string, ObservedContainer>): boolean {
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
