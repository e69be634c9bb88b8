/**
 * `down`: stop and remove a project's containers in reverse dependency order
 * — each service as soon as everything that depends on it is gone, in
 * parallel where the graph allows — and its networks, each as soon as the
 * last of its containers is gone, and its volumes when asked. The graph
 * comes from the containers' own `depends_on` labels, so this works without
 * the compose file. Only objects labelled with the project are ever touched.
 *
 * One look at the project (one label-filtered list per kind, at once)
 * answers everything down needs: no inspect, no second list.
 */
import type { Engine } from '../../engine/engine.js';
import { NetworkInUseError } from '../../engine/network-client.js';
import type { ObservedContainer, ObservedNetwork } from '../../plan/observed.js';
import { stopAndRemove, walkDependencyGraph } from './container-ops.js';
import type { DownOptions, DownResult } from '../../stack/backend.js';
import { type StackContext, settleAll } from '../../stack/context.js';
import { removeAbandonedLock } from './lock.js';
import { observeProject } from './observe.js';

export async function runDown(ctx: StackContext, options: DownOptions = {}): Promise<DownResult> {
  const { engine, project } = ctx;
  const call = options.signal ? { signal: options.signal } : {};
  const observed = await observeProject(engine, project.name, call);
  const known = Object.keys(project.services);
  const nameOnly = known.length === 0;
  const isOrphan = (c: ObservedContainer) => !nameOnly && !known.includes(c.service);
  const targets = observed.containers.filter((c) => options.removeOrphans || !isOrphan(c));
  const kept = observed.containers.filter((c) => !targets.includes(c)).map((c) => c.name);

  // A lock left by an up that was killed while holding it is part of the project too; it is no one's dependency.
  const lock = removeAbandonedLock(engine, project.name, call);
  const networks = new NetworkRemoval(ctx, observed.networks, targets, call);
  let removedContainers: string[];
  try {
    removedContainers = (
      await settleAll([
        walkDependencyGraph(
          ctx,
          targets,
          'reverse',
          async (c, signal) => {
            await stopAndRemove(ctx, c.service, c.name, c.id, { signal, ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }) });
            networks.containerGone(c);
            return c.name;
          },
          call,
        ),
        lock.then((name) => (name ? [name] : [])),
      ])
    ).flat();
  } finally {
    // Nothing is left in flight, whatever failed.
    await networks.settled();
  }
  const removedNetworks = await networks.done();

  const removedVolumes: string[] = [];
  if (options.volumes) {
    // Volumes only once every container is gone: the engine refuses to remove one in use.
    await settleAll(
      observed.volumes.map(async (v) => {
        await engine.volumes.remove(v.name, call);
        removedVolumes.push(v.name);
        ctx.emit({ type: 'volume.removed', name: v.name });
      }),
    );
  }
  return { removedContainers, removedNetworks, removedVolumes, kept: [...kept, ...networks.kept] };
}

/**
 * Removes each project network once no container of this down is attached
 * to it any more (at once for a network without one), in parallel with the
 * containers still stopping. A network that a container down leaves in
 * place (an orphan) still uses is left, with a warning; so is one the
 * engine says is in use (a container outside the project).
 */
class NetworkRemoval {
  readonly kept: string[] = [];
  private readonly removed: string[] = [];
  private readonly attached = new Map<string, number>();
  private readonly removals: Array<Promise<void>> = [];
  private readonly engine: Engine;

  constructor(
    private readonly ctx: StackContext,
    private readonly networks: ObservedNetwork[],
    targets: ObservedContainer[],
    private readonly call: { signal?: AbortSignal },
  ) {
    this.engine = ctx.engine;
    for (const c of targets) for (const n of c.networks) this.attached.set(n, (this.attached.get(n) ?? 0) + 1);
    for (const n of networks) if (!this.attached.get(n.name)) this.remove(n);
  }

  /** A container of this down is gone: its networks may now be free. */
  containerGone(c: ObservedContainer): void {
    for (const name of c.networks) {
      const left = (this.attached.get(name) ?? 0) - 1;
      this.attached.set(name, left);
      const network = this.networks.find((n) => n.name === name);
      if (left === 0 && network) this.remove(network);
    }
  }

  /** Waits for every removal started, failed or not. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.removals);
  }

  /** Waits for every removal started; the names removed (throws the first failure). */
  async done(): Promise<string[]> {
    await settleAll(this.removals);
    return this.removed;
  }

  private remove(n: ObservedNetwork): void {
    this.removals.push(
      (async () => {
        try {
          await this.engine.networks.remove(n.id, this.call);
          this.removed.push(n.name);
          this.ctx.emit({ type: 'network.removed', name: n.name });
        } catch (err) {
          if (!(err instanceof NetworkInUseError)) throw err;
          this.kept.push(`network ${n.name}`);
          this.ctx.emit({ type: 'warning', message: `network ${n.name} is still used by containers outside this down (orphans?); left in place` });
        }
      })(),
    );
  }
}
