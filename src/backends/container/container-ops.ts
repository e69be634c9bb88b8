/**
 * The container steps every command shares — start, stop, stop-and-remove,
 * each with its events — and the walk over the project's dependency graph
 * read from the containers' own `depends_on` labels, so `start`, `stop` and
 * `down` keep Compose's order with or without the compose file.
 */
import { execute } from '../../executor/execute.js';
import type { ObservedContainer } from '../../plan/observed.js';
import type { StackContext } from '../../stack/context.js';

/** Options of the container steps: the stop grace period, and a signal that gives up on the engine. */
export interface StepOptions {
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Why (on the `starting` event). */
  reason?: string;
  /**
   * A request already sent when `signal` aborts may finish for this long
   * (the signal still stops the next one). Dropping a start half way can leave
   * the engine with a half-made network endpoint (20.10 kept one, and the
   * network could no longer be removed); letting it finish leaves a container
   * `down` removes cleanly.
   */
  inFlightGraceMs?: number;
  /** Ends a request at once, grace or not (the caller's deadline). */
  deadline?: AbortSignal;
}

/** Starts a container, with `starting`/`started` events; never once `options.signal` has aborted (an aborted rollout starts nothing new). */
export async function startContainer(ctx: StackContext, service: string, name: string, id: string, options: StepOptions = {}): Promise<void> {
  options.signal?.throwIfAborted();
  ctx.emit({ type: 'container.starting', service, container: name, ...(options.reason ? { reason: options.reason } : {}) });
  const graced = options.signal && options.inFlightGraceMs !== undefined ? graceAfter(options.signal, options.inFlightGraceMs) : options.signal;
  const signal = graced && options.deadline ? AbortSignal.any([graced, options.deadline]) : graced;
  await ctx.engine.containers.start(id, { ...(signal ? { signal } : {}), service });
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

/**
 * A signal that aborts `ms` after `signal` does. For a create already sent
 * when the rollout is aborted: letting it finish (briefly) and then removing
 * what it made is certain; dropping it leaves the engine to finish it after
 * we have looked.
 */
export function graceAfter(signal: AbortSignal, ms: number): AbortSignal {
  const controller = new AbortController();
  const fire = () => {
    const timer = setTimeout(() => controller.abort(signal.reason), ms);
    controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    timer.unref?.();
  };
  if (signal.aborted) fire();
  else signal.addEventListener('abort', fire, { once: true });
  return controller.signal;
}

function callOptions(options: StepOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/**
 * Runs `action` on every container as an operation graph (the executor's):
 * forward, a container goes once the containers of every service it depends
 * on are done; `reverse`, once those of every service that depends on it are.
 * Independent containers go in parallel (bounded). The graph comes from the
 * containers' own `depends_on` labels, so this works without the compose
 * file. Returns the action's results, in the order of `containers`.
 */
export async function walkDependencyGraph<T>(
  ctx: StackContext,
  containers: ObservedContainer[],
  direction: 'forward' | 'reverse',
  action: (c: ObservedContainer, signal: AbortSignal) => Promise<T>,
  options: { signal?: AbortSignal } = {},
): Promise<T[]> {
  const byService = new Map<string, ObservedContainer[]>();
  for (const c of containers) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  const first = serviceEdges(byService, direction);
  const operations = containers.map((c) => ({ id: c.id, after: [...(first.get(c.service) ?? [])].flatMap((s) => byService.get(s)!.map((d) => d.id)), container: c }));
  const results = await execute(operations, {
    parallelism: ctx.parallelism,
    ...(options.signal ? { signal: options.signal } : {}),
    run: (op, { signal }) => action(op.container, signal),
  });
  return operations.map((op) => results.get(op.id) as T);
}

/**
 * For each service, the services whose containers go first. Labels written by
 * other tools could form a cycle: its closing edge is dropped rather than hang.
 */
function serviceEdges(byService: Map<string, ObservedContainer[]>, direction: 'forward' | 'reverse'): Map<string, Set<string>> {
  const before = new Map<string, Set<string>>();
  for (const [service, cs] of byService) {
    for (const dep of new Set(cs.flatMap((c) => c.dependsOn))) {
      if (!byService.has(dep) || dep === service) continue;
      const [earlier, later] = direction === 'forward' ? [dep, service] : [service, dep];
      before.set(later, (before.get(later) ?? new Set()).add(earlier));
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (service: string): void => {
    state.set(service, 'visiting');
    for (const earlier of [...(before.get(service) ?? [])]) {
      if (state.get(earlier) === 'visiting') before.get(service)!.delete(earlier);
      else if (!state.has(earlier)) visit(earlier);
    }
    state.set(service, 'done');
  };
  for (const service of [...byService.keys()].sort()) if (!state.has(service)) visit(service);
  return before;
}
