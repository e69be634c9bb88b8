/**
 * The container steps every command shares — start, stop, stop-and-remove,
 * each with its events — and the walk over the project's dependency graph
 * read from the containers' own `depends_on` labels, so `start`, `stop` and
 * `down` keep Compose's order with or without the compose file.
 */
import type Dockerode from 'dockerode';
import { containerName } from '../engine/container-client.js';
import { LABEL } from '../plan/labels.js';
import { type StackContext, settleAll } from './context.js';

/** Options of the container steps: the stop grace period, and a signal that gives up on the engine. */
export interface StepOptions {
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Why (on the `starting` event). */
  reason?: string;
}

/** Starts a container, with `starting`/`started` events. */
export async function startContainer(ctx: StackContext, service: string, name: string, id: string, options: StepOptions = {}): Promise<void> {
  ctx.emit({ type: 'container.starting', service, container: name, ...(options.reason ? { reason: options.reason } : {}) });
  await ctx.engine.containers.start(id, callOptions(options));
  ctx.emit({ type: 'container.started', service, container: name });
}

/** Stops a container (its own grace period unless `timeoutSeconds`), with events. */
export async function stopContainer(ctx: StackContext, service: string, name: string, id: string, options: StepOptions = {}): Promise<void> {
  ctx.emit({ type: 'container.stopping', service, container: name });
  await ctx.engine.containers.stop(id, { ...callOptions(options), ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }) });
  ctx.emit({ type: 'container.stopped', service, container: name });
}

/** Stops and removes a container, with events. */
export async function stopAndRemove(ctx: StackContext, service: string, name: string, id: string, options: StepOptions = {}): Promise<void> {
  await stopContainer(ctx, service, name, id, options);
  ctx.emit({ type: 'container.removing', service, container: name });
  await ctx.engine.containers.remove(id, { force: true, ...callOptions(options) });
  ctx.emit({ type: 'container.removed', service, container: name });
}

function callOptions(options: StepOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/** What the walk hands to its action for each container. */
export interface WalkedContainer {
  info: Dockerode.ContainerInfo;
  service: string;
  name: string;
}

/**
 * Runs `action` on every container, service by service: forward, a service
 * goes once all services it depends on are done; `reverse`, once all
 * services that depend on it are done. Independent services go in parallel
 * (bounded by the stack's limit). Returns the action's results.
 */
export async function walkDependencyGraph<T>(
  ctx: StackContext,
  containers: Dockerode.ContainerInfo[],
  direction: 'forward' | 'reverse',
  action: (c: WalkedContainer) => Promise<T>,
): Promise<T[]> {
  const byService = new Map<string, Dockerode.ContainerInfo[]>();
  for (const c of containers) {
    const s = c.Labels[LABEL.service] ?? '';
    byService.set(s, [...(byService.get(s) ?? []), c]);
  }
  // before[x] = services that must be done before x.
  const before = new Map<string, Set<string>>();
  for (const [service, cs] of byService) {
    for (const dep of dependsOnLabel(cs)) {
      if (!byService.has(dep) || dep === service) continue;
      const [first, then] = direction === 'forward' ? [dep, service] : [service, dep];
      before.set(then, (before.get(then) ?? new Set()).add(first));
    }
  }
  const done = new Map<string, Promise<T[]>>();
  const visiting = new Set<string>();
  const run = (service: string): Promise<T[]> => {
    const existing = done.get(service);
    if (existing) return existing;
    // Labels written by other tools could form a cycle: break it rather than hang.
    visiting.add(service);
    const prerequisites = [...(before.get(service) ?? [])].filter((d) => !visiting.has(d) || done.has(d)).map(run);
    const p = settleAll(prerequisites).then(() =>
      settleAll((byService.get(service) ?? []).map((info) => ctx.limit(() => action({ info, service, name: containerName(info) })))),
    );
    done.set(service, p);
    return p;
  };
  const results = await settleAll([...byService.keys()].map(run));
  return results.flat();
}

/** Service names from `com.docker.compose.depends_on` (`a:service_started:false,b:…`). */
function dependsOnLabel(containers: Dockerode.ContainerInfo[]): string[] {
  const names = new Set<string>();
  for (const c of containers) {
    for (const entry of (c.Labels[LABEL.dependsOn] ?? '').split(',')) {
      const name = entry.split(':')[0];
      if (name) names.add(name);
    }
  }
  return [...names];
}
