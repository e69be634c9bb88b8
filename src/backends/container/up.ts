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
 * 4. Execute: the executor walks the graph (`executor/execute.ts`);
 *    `up-operations.ts` says how each kind of operation is carried out on a
 *    Docker engine, with the events it emits.
 *
 * Everything created carries the project label, so `down` removes it all.
 * The whole `up` has one deadline: engine calls and waits end with it, so a
 * frozen engine cannot hold `up` past it.
 */
import { setMaxListeners } from 'node:events';
import { assertServicesExist } from '../../compose/load-errors.js';
import { EngineUnreachableError, WaitTimeoutError } from '../../engine/errors.js';
import { EventHub } from '../../engine/event-hub.js';
import { ModelstackError, isAbortError, messageOf } from '../../errors.js';
import { type OperationNode, execute } from '../../executor/execute.js';
import { desiredServices, replicaSpec } from '../../plan/desired.js';
import { serviceContainerIds } from '../../plan/observed.js';
import { EngineTooOldError, unmetEngineRequirements } from '../../plan/engine-requirements.js';
import { type ImageOperation, planImages } from '../../plan/images.js';
import { LABEL, projectFilter } from '../../plan/labels.js';
import { type ContainerOperation, type UpOperation, upOperations } from '../../plan/operations.js';
import { planUp, upOrder } from '../../plan/reconcile.js';
import type { StackContainer, UpOptions, UpResult } from '../../stack/backend.js';
import { containerSpecFor, imageFor } from '../../plan/service-container.js';
import { type StackContext, codeOf } from '../../stack/context.js';
import { buildServiceImage } from './build.js';
import { FileReader } from './files.js';
import { withProjectLock } from './lock.js';
import { observeProject } from './observe.js';
import { EngineStoppedError, UpTimeoutError } from './up-errors.js';
import { type OperationResult, type RunEnv, answeredByList, describeOperation, reportTolerated, runOperation } from './up-operations.js';


const DEFAULT_TIMEOUT_MS = 300_000;
/** How long a failed up asks the engine whether it is still there. */
const ENGINE_CHECK_MS = 2000;
/** Engine calls get this much longer than the waits, so a wait's own timeout (which says what state it saw) wins the race. */
const CALL_GRACE_MS = 1000;
/** The lock outlives up's deadline by this much before others may break it (releasing it takes a call too). */
const LOCK_GRACE_MS = 10_000;


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
    const order = upOrder(project, options);
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
    const images = planImages(project, order, local, options.pull, options.build === true);
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
      // A dry run carries out nothing: it needs the plan only.
      const operations = options.dryRun
        ? []
        : upOperations({
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
          probe: options.probe === true,
          ...(options.timeoutSeconds !== undefined ? { stopTimeoutSeconds: options.timeoutSeconds } : {}),
          waits: new Map(),
          started: new Set(),
          listed,
          abandoned: new Set(),
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
        }).finally(() => reportAbandoned(ctx, env.abandoned));
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

/**
 * After an aborted rollout (Ctrl-C, or another operation failed): the
 * containers whose create, start or removal the engine had not answered
 * when up stopped waiting. The engine finishes or cancels those on its own
 * (Docker 26 cancels a start whose client hung up; 20.10 completes it), so
 * they may be left created, or running.
 */
function reportAbandoned(ctx: StackContext, abandoned: ReadonlySet<string>): void {
  if (!abandoned.size) return;
  const names = [...abandoned].sort();
  ctx.emit({
    type: 'warning',
    message: `up stopped while the engine was still creating, starting or removing ${names.join(', ')}; the engine finishes or cancels ${names.length === 1 ? 'that' : 'those'} on its own: down removes what is left, up converges it`,
  });
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
  const { engine } = ctx;
  const { image, services } = op;
  try {
    if (op.kind === 'image.build') return await buildServiceImage(ctx, image, services, op.build, { signal });
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

