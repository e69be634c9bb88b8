/**
 * `up`: observe → plan → execute. Images are made present first (so the plan
 * can compare image ids), then the pure planner decides, then the executor
 * walks the dependency graph: every service starts as soon as its
 * dependencies meet their `depends_on` condition, containers are created in
 * parallel (bounded), and a failure stops the rollout with its cause.
 * Everything created carries the project label, so `down` removes it all.
 */
import { setMaxListeners } from 'node:events';
import type Dockerode from 'dockerode';
import type { ArchiveEntry } from '../engine/container-client.js';
import { ContainerNameConflictError } from '../engine/errors.js';
import { EventHub } from '../engine/event-hub.js';
import type { ImagePullPolicy } from '../engine/image-client.js';
import { type ReadyCondition, type ReadyState, waitUntilReady } from '../engine/readiness.js';
import { ModelstackError, isAbortError, messageOf } from '../errors.js';
import { desiredServices, replicaSpec } from '../plan/desired.js';
import { EngineTooOldError, unmetEngineRequirements } from '../plan/engine-requirements.js';
import { COMPOSE_VERSION_LABEL_VALUE, LABEL, projectFilter } from '../plan/labels.js';
import { type ContainerAction, type DesiredService, type PlanOptions, type ServicePlan, type UpPlan, planUp } from '../plan/reconcile.js';
import { containerSpecFor, imageFor } from '../plan/service-container.js';
import { dependencyOrder } from '../spec/graph.js';
import type { DependsOn, Project } from '../spec/model.js';
import { type StackContext, codeOf, settleAll } from './context.js';
import { FileReader } from './files.js';
import { startContainer, stopAndRemove, stopContainer } from './container-ops.js';
import { withProjectLock } from './lock.js';
import { observeProject } from './observe.js';

export interface UpOptions extends PlanOptions {
  /** Pull policy for every image (default: each service's `pull_policy`, else `missing`). */
  pull?: ImagePullPolicy;
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

export interface UpResult {
  plan: UpPlan;
  /** The containers of the targeted services after `up` (empty for a dry run). */
  containers: StackContainer[];
}

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

/** Aborts the rest of a rollout after its first failure (an AbortError, so it never hides the cause). */
class RolloutStopped extends Error {
  override name = 'AbortError';
  constructor(cause: unknown) {
    super(`stopped because another part of up failed: ${messageOf(cause).split('\n')[0]}`, { cause });
  }
}

interface ServiceOutcome {
  containers: StackContainer[];
  /** A container of the service was created or recreated (dependents with `restart: true` restart). */
  changed: boolean;
}

const DEFAULT_TIMEOUT_MS = 300_000;

export async function runUp(ctx: StackContext, options: UpOptions = {}): Promise<UpResult> {
  const { engine, project } = ctx;
  const timeoutMs = options.waitTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const rollout = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, rollout.signal]) : rollout.signal;
  // Every wait and engine call of the rollout listens to this one signal.
  setMaxListeners(0, signal);

  const targets = options.services ?? Object.keys(project.services);
  for (const s of targets) {
    if (!Object.hasOwn(project.services, s)) {
      throw new ModelstackError('NO_SUCH_SERVICE', `no such service: "${s}" (services: ${Object.keys(project.services).join(', ') || 'none'})`);
    }
  }
  const order = dependencyOrder(project, targets);
  // A service the engine cannot run as written fails here, before anything
  // is pulled, created or removed (a dry run reports it too) — and so does a
  // key this engine's API is too old to act on (it would be ignored).
  for (const name of order) containerSpecFor(project, name, 1);
  const info = engine.info ?? (await engine.ping());
  const unmet = unmetEngineRequirements(project, info.negotiatedApiVersion, order);
  if (unmet.length) throw new EngineTooOldError(unmet, { address: engine.address, version: info.version, apiVersion: info.negotiatedApiVersion }, project);
  const imageIds = await resolveImages(ctx, order, options, signal);
  // Read every config and secret first: a missing one fails before anything is
  // created, and a changed content is part of what the plan compares.
  const reader = new FileReader(project);
  const files = new Map<string, ArchiveEntry[]>();
  const extraConfig: Record<string, Record<string, unknown>> = {};
  for (const name of order) {
    const f = await reader.forService(name);
    files.set(name, f.entries);
    if (Object.keys(f.digests).length) extraConfig[name] = { contents: f.digests };
  }
  const observed = await observeProject(engine, project.name);
  const desired = desiredServices(project, { imageIds, extraConfig });
  const plan = planUp(project, desired, observed, options);
  if (options.dryRun) return { plan, containers: [] };

  const networkIds = await ensureNetworks(ctx, plan, Object.values(imageIds)[0], signal);
  await ensureVolumes(ctx, plan);
  await removeOrphans(ctx, plan);

  // One event stream for every wait of this up, opened before any container starts.
  const events = await EventHub.open(engine, { type: ['container'], label: [projectFilter(project.name)] });
  try {
    return await rolloutPlan(ctx, plan, desired, { targets, files, networkIds, events, deadline, timeoutMs, rollout, signal, wait: options.wait !== false, probe: options.probe === true });
  } finally {
    events.close();
  }
}

interface RolloutEnv {
  targets: string[];
  files: Map<string, ArchiveEntry[]>;
  networkIds: Record<string, string>;
  events: EventHub;
  deadline: number;
  /** The whole up's deadline, as the user gave it (for messages). */
  timeoutMs: number;
  rollout: AbortController;
  signal: AbortSignal;
  wait: boolean;
  probe: boolean;
}

/** Executes the plan over the dependency graph, then waits (unless told not to). */
async function rolloutPlan(ctx: StackContext, plan: UpPlan, desired: Record<string, DesiredService>, env: RolloutEnv): Promise<UpResult> {
  const { project } = ctx;
  const { targets, files, networkIds, events, deadline, rollout, signal } = env;

  const waits = new Map<string, Promise<ReadyState>>();
  const waitFor = (c: StackContainer, condition: ReadyCondition): Promise<ReadyState> => {
    // "ready" is "healthy" for a container with a healthcheck: reuse a healthy wait already made.
    const key = `${c.id}:${condition}`;
    let p = waits.get(key) ?? (condition === 'ready' ? waits.get(`${c.id}:healthy`) : undefined);
    if (!p) {
      p = waitReady(ctx, c, { condition, deadline, timeoutMs: env.timeoutMs, signal, events, probe: env.probe, startedByUs: started.has(c.id) });
      waits.set(key, p);
    }
    return p;
  };

  const nodes = new Map<string, Promise<ServiceOutcome>>();
  const failedOptional = new Set<string>();
  // Containers this up started: any restart they show happened since, i.e. a crash.
  const started = new Set<string>();
  for (const sp of plan.services) {
    const node = runService(ctx, sp, desired[sp.service]!, { nodes, waitFor, networkIds, signal, failedOptional, started, files: files.get(sp.service) ?? [] }).catch((err: unknown) => {
      rollout.abort(new RolloutStopped(err));
      throw err;
    });
    node.catch(() => {}); // observed through settleAll below
    nodes.set(sp.service, node);
  }
  const outcomes = await settleAll([...nodes.values()]);
  const containers = outcomes.flatMap((o) => o.containers);

  if (env.wait) {
    const completedTargets = oneShotDependencies(project);
    await settleAll(
      // An optional dependency that failed was already reported as a warning.
      containers
        .filter((c) => !failedOptional.has(c.service))
        .map((c) =>
          waitFor(c, completedTargets.has(c.service) ? 'completed' : 'ready').catch((err: unknown) => {
            rollout.abort(new RolloutStopped(err));
            throw err;
          }),
        ),
    );
  }
  return { plan, containers: containers.filter((c) => targets.includes(c.service)) };
}

/** Services that another service waits on with `service_completed_successfully`. */
function oneShotDependencies(project: Project): Set<string> {
  const out = new Set<string>();
  for (const s of Object.values(project.services)) {
    for (const [dep, d] of Object.entries(s.depends_on ?? {})) if (d.condition === 'service_completed_successfully') out.add(dep);
  }
  return out;
}

/** Makes every image of the plan present (pull or build per policy) and returns their local ids. */
async function resolveImages(ctx: StackContext, order: string[], options: UpOptions, signal: AbortSignal): Promise<Record<string, string>> {
  const { engine, project } = ctx;
  const byImage = new Map<string, string[]>();
  for (const name of order) {
    const image = imageFor(project, name);
    byImage.set(image, [...(byImage.get(image) ?? []), name]);
  }
  const ids: Record<string, string> = {};
  await settleAll(
    [...byImage].map(([image, services]) =>
      ctx.limit(async () => {
        const service = project.services[services[0]!]!;
        try {
          if (options.dryRun) {
            const local = await engine.images.inspect(image);
            if (local) ids[image] = local.Id;
            return;
          }
          const policy = options.pull ?? toEnginePolicy(service.pull_policy);
          // One inspect serves both questions: build it? and, if present, is a pull needed?
          const local = service.build && service.pull_policy !== 'build' ? await engine.images.inspect(image) : undefined;
          if (local && policy !== 'always') {
            ids[image] = local.Id;
            return;
          }
          if (service.build && !local) {
            ctx.emit({ type: 'image.building', image, services });
            ids[image] = await engine.images.build({
              context: service.build.context,
              tag: image,
              ...(service.build.dockerfile ? { dockerfile: service.build.dockerfile } : {}),
              ...(service.build.target ? { target: service.build.target } : {}),
              args: Object.fromEntries(Object.entries(service.build.args ?? {}).filter((e): e is [string, string] => e[1] !== null)),
              labels: { ...service.build.labels, [LABEL.project]: project.name },
              signal,
              onOutput: (output) => ctx.emit({ type: 'image.building', image, services, output }),
            });
            ctx.emit({ type: 'image.built', image, services });
            return;
          }
          let pulled = false;
          const info = await engine.images.ensure(image, {
            policy,
            signal,
            onProgress: (progress) => {
              pulled = true;
              ctx.emit({ type: 'image.pulling', image, services, progress });
            },
          });
          if (pulled) ctx.emit({ type: 'image.pulled', image, services });
          ids[image] = info.Id;
        } catch (err) {
          ctx.emit({ type: 'image.failed', image, error: `${messageOf(err)} (needed by ${services.join(', ')})`, ...codeOf(err) });
          throw err;
        }
      }),
    ),
  );
  return ids;
}

function toEnginePolicy(policy: string | undefined): ImagePullPolicy {
  if (policy === 'always' || policy === 'never') return policy;
  return 'missing'; // missing, if_not_present, build, daily, weekly: pull only what is absent
}

/**
 * Creates the project networks the plan needs and returns engine name → id,
 * so containers attach by id. Docker does not make network names unique
 * when two creates race, so creation happens under the project's engine
 * lock (see lock.ts) and is checked again once the lock is held.
 */
async function ensureNetworks(ctx: StackContext, plan: UpPlan, lockImage: string | undefined, signal: AbortSignal): Promise<Record<string, string>> {
  const { engine, project } = ctx;
  const ids: Record<string, string> = {};
  const wanted = Object.entries(project.networks).filter(([key]) =>
    plan.services.some((s) => Object.hasOwn(project.services[s.service]?.networks ?? {}, key)),
  );
  for (const [key, network] of wanted) {
    const existing = await engine.networks.inspect(network.name);
    if (existing) {
      ids[network.name] = existing.Id;
      continue;
    }
    if (network.external) {
      throw new ModelstackError('EXTERNAL_NETWORK_MISSING', `network "${network.name}" is declared external but does not exist; create it first (docker network create ${network.name})`);
    }
    const create = async (): Promise<string> => {
      const raced = await engine.networks.inspect(network.name);
      if (raced) return raced.Id;
      const id = await engine.networks.create({
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
      });
      ctx.emit({ type: 'network.created', name: network.name });
      return id;
    };
    ids[network.name] = lockImage ? await withProjectLock(engine, project.name, { image: lockImage, signal }, create) : await create();
  }
  return ids;
}

async function ensureVolumes(ctx: StackContext, plan: UpPlan): Promise<void> {
  const { engine, project } = ctx;
  for (const [key, volume] of Object.entries(project.volumes)) {
    if (volume.external) {
      if (!(await engine.volumes.inspect(volume.name))) {
        throw new ModelstackError('EXTERNAL_VOLUME_MISSING', `volume "${volume.name}" is declared external but does not exist; create it first (docker volume create ${volume.name})`);
      }
      continue;
    }
    if (!plan.volumes.some((v) => v.key === key && v.action === 'create')) continue;
    await engine.volumes.create({
      name: volume.name,
      ...(volume.driver ? { driver: volume.driver } : {}),
      ...(volume.driver_opts ? { driverOptions: volume.driver_opts } : {}),
      labels: { ...volume.labels, ...ctx.extraLabels, [LABEL.project]: project.name, [LABEL.volume]: key, [LABEL.version]: COMPOSE_VERSION_LABEL_VALUE },
    });
    ctx.emit({ type: 'volume.created', name: volume.name });
  }
}

async function removeOrphans(ctx: StackContext, plan: UpPlan): Promise<void> {
  await settleAll(
    plan.orphans.map((o) =>
      ctx.limit(async () => {
        if (o.action === 'warn') {
          ctx.emit({
            type: 'warning',
            service: o.service,
            message: `found orphan container ${o.container} (service "${o.service}" is not in the project); remove it with --remove-orphans`,
          });
          return;
        }
        await stopAndRemove(ctx, o.service, o.container, o.id);
      }),
    ),
  );
}

interface RunServiceEnv {
  nodes: Map<string, Promise<ServiceOutcome>>;
  waitFor(c: StackContainer, condition: ReadyCondition): Promise<ReadyState>;
  networkIds: Record<string, string>;
  signal: AbortSignal;
  /** Dependencies with `required: false` that failed their condition. */
  failedOptional: Set<string>;
  /** Configs and secrets to copy into each new container of the service before it starts. */
  files: ArchiveEntry[];
  /** Ids of the containers this up started. */
  started: Set<string>;
}

/** Waits for the service's dependencies, then carries out its container actions in parallel. */
async function runService(ctx: StackContext, sp: ServicePlan, want: DesiredService, env: RunServiceEnv): Promise<ServiceOutcome> {
  let restartForDependency: string | undefined;
  for (const [dep, d] of Object.entries(sp.dependsOn)) {
    const node = env.nodes.get(dep);
    if (!node) continue; // not part of this up (e.g. a disabled profile): Compose ignores it too
    try {
      const outcome = await node;
      const condition = readyConditionOf(d);
      if (condition) await Promise.all(outcome.containers.map((c) => env.waitFor(c, condition)));
      if (d.restart && outcome.changed) restartForDependency = dep;
    } catch (err) {
      if (isAbortError(err)) throw err;
      if (!d.required) {
        env.failedOptional.add(dep);
        ctx.emit({ type: 'warning', service: sp.service, message: `optional dependency "${dep}" failed (${messageOf(err).split('\n')[0]}); starting "${sp.service}" anyway` });
        continue;
      }
      throw err instanceof DependencyFailedError ? err : new DependencyFailedError(sp.service, dep, d.condition, err);
    }
  }
  env.signal.throwIfAborted();
  const results = await settleAll(sp.containers.map((a) => ctx.limit(() => runAction(ctx, sp.service, want, a, env, restartForDependency))));
  return {
    containers: results.filter((r): r is StackContainer & { changed: boolean } => r !== undefined).map(({ changed: _c, ...c }) => c),
    changed: results.some((r) => r?.changed),
  };
}

function readyConditionOf(d: DependsOn): ReadyCondition | undefined {
  switch (d.condition) {
    case 'service_healthy':
      return 'healthy';
    case 'service_completed_successfully':
      return 'completed';
    default:
      return undefined; // service_started: being started is enough
  }
}

async function runAction(
  ctx: StackContext,
  service: string,
  want: DesiredService,
  a: ContainerAction,
  env: RunServiceEnv,
  restartForDependency: string | undefined,
): Promise<(StackContainer & { changed: boolean }) | undefined> {
  const { engine } = ctx;
  env.signal.throwIfAborted();
  const specOptions = { defaultHostIp: ctx.defaultHostIp, labels: ctx.extraLabels, networkIds: env.networkIds };
  try {
    switch (a.action) {
      case 'remove':
        await stopAndRemove(ctx, service, a.container, a.id);
        return undefined;
      case 'keep': {
        let name = a.container;
        if (a.renameTo) {
          await engine.containers.rename(a.id, a.renameTo);
          name = a.renameTo;
        }
        ctx.emit({ type: 'container.kept', service, container: name, reason: a.reason, running: !a.start });
        if (a.start) {
          await startContainer(ctx, service, name, a.id);
          env.started.add(a.id);
        } else if (restartForDependency) {
          await stopContainer(ctx, service, name, a.id);
          await startContainer(ctx, service, name, a.id, `restart: "${restartForDependency}" was recreated`);
        }
        return { id: a.id, name, service, number: a.number, changed: false };
      }
      case 'create': {
        const spec = replicaSpec(ctx.project, want, a.number, specOptions);
        ctx.emit({ type: 'container.creating', service, container: a.container, reason: a.reason });
        let id: string;
        try {
          id = await engine.containers.create(spec);
          await putFiles(ctx, id, env.files);
          ctx.emit({ type: 'container.created', service, container: a.container });
        } catch (err) {
          // A concurrent `up` of the same project created it first: adopt it.
          const existing = err instanceof ContainerNameConflictError ? await adoptable(ctx, a.container, service, a.number) : undefined;
          if (!existing) throw err;
          id = existing.Id;
          ctx.emit({ type: 'container.kept', service, container: a.container, reason: 'created by a concurrent up' });
        }
        await startContainer(ctx, service, a.container, id);
        env.started.add(id);
        return { id, name: a.container, service, number: a.number, changed: true };
      }
      case 'recreate': {
        ctx.emit({ type: 'container.recreating', service, container: a.container, reason: a.reasons.join('; ') });
        // Compose's order: create the new one beside the old, stop and remove the
        // old, then give the new one the name. An interruption leaves at most a
        // duplicate that the next plan resolves.
        const spec = replicaSpec(ctx.project, want, a.number, specOptions);
        const temporary = `${a.id.slice(0, 12)}_${a.container}`;
        const id = await engine.containers.create({ ...spec, name: temporary });
        await putFiles(ctx, id, env.files);
        await stopAndRemove(ctx, service, a.container, a.id);
        await engine.containers.rename(id, a.container);
        ctx.emit({ type: 'container.created', service, container: a.container });
        await startContainer(ctx, service, a.container, id);
        env.started.add(id);
        return { id, name: a.container, service, number: a.number, changed: true };
      }
    }
  } catch (err) {
    if (!env.signal.aborted) ctx.emit({ type: 'container.failed', service, container: a.container, error: messageOf(err), ...codeOf(err) });
    throw err;
  }
}

/** Copies configs and secrets in; if that fails, the new container is removed so nothing half-made stays. */
async function putFiles(ctx: StackContext, id: string, files: ArchiveEntry[]): Promise<void> {
  if (!files.length) return;
  try {
    await ctx.engine.containers.putFiles(id, files);
  } catch (err) {
    await ctx.engine.containers.remove(id, { force: true });
    throw err;
  }
}

async function adoptable(ctx: StackContext, name: string, service: string, number: number): Promise<Dockerode.ContainerInspectInfo | undefined> {
  const info = await ctx.engine.containers.inspect(name);
  const labels = info?.Config.Labels ?? {};
  const ours = labels[LABEL.project] === ctx.project.name && labels[LABEL.service] === service && labels[LABEL.containerNumber] === String(number);
  return ours ? info : undefined;
}

interface WaitReadyOptions {
  condition: ReadyCondition;
  deadline: number;
  timeoutMs: number;
  signal: AbortSignal;
  events: EventHub;
  probe: boolean;
  /** This up started the container: any restart it shows is a crash. */
  startedByUs: boolean;
}

async function waitReady(ctx: StackContext, c: StackContainer, o: WaitReadyOptions): Promise<ReadyState> {
  const { condition, signal } = o;
  ctx.emit({ type: 'container.waiting', service: c.service, container: c.name, reason: condition });
  try {
    const state = await waitUntilReady(ctx.engine, c.id, {
      condition,
      timeoutMs: Math.max(1, o.deadline - Date.now()),
      reportedTimeoutMs: o.timeoutMs,
      service: c.service,
      containerName: c.name,
      signal,
      events: o.events,
      probe: o.probe,
      ...(o.startedByUs ? { restartsBefore: 0 } : {}),
    });
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
  } catch (err) {
    if (!signal.aborted) ctx.emit({ type: 'container.failed', service: c.service, container: c.name, error: messageOf(err), ...codeOf(err) });
    throw err;
  }
}
