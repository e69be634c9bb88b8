/**
 * `down`: stop and remove a project's containers in reverse dependency order
 * — each service as soon as everything that depends on it is gone, in
 * parallel where the graph allows — then its networks, and its volumes when
 * asked. The graph comes from the containers' own `depends_on` labels, so
 * this works without the compose file. Only objects labelled with the
 * project are ever touched.
 */
import { NetworkInUseError } from '../../engine/network-client.js';
import { projectFilter } from '../../plan/labels.js';
import type { ObservedContainer } from '../../plan/observed.js';
import { stopAndRemove, walkDependencyGraph } from './container-ops.js';
import type { DownOptions, DownResult } from '../../stack/backend.js';
import type { StackContext } from '../../stack/context.js';
import { removeAbandonedLock } from './lock.js';
import { observeContainers } from './observe.js';

export async function runDown(ctx: StackContext, options: DownOptions = {}): Promise<DownResult> {
  const { engine, project } = ctx;
  const call = options.signal ? { signal: options.signal } : {};
  const all = await observeContainers(engine, project.name, [], call);
  const known = Object.keys(project.services);
  const nameOnly = known.length === 0;
  const isOrphan = (c: ObservedContainer) => !nameOnly && !known.includes(c.service);
  const targets = all.filter((c) => options.removeOrphans || !isOrphan(c));
  const kept = all.filter((c) => !targets.includes(c)).map((c) => c.name);

  const removedContainers = await walkDependencyGraph(ctx, targets, 'reverse', async (c, signal) => {
    await stopAndRemove(ctx, c.service, c.name, c.id, { signal, ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }) });
    return c.name;
  }, call);

  // A lock left by an up that was killed while holding it is part of the project too.
  const lock = await removeAbandonedLock(engine, project.name, call);
  if (lock) removedContainers.push(lock);

  const removedNetworks: string[] = [];
  for (const n of await engine.networks.list([projectFilter(project.name)], call)) {
    try {
      await engine.networks.remove(n.Id, call);
      removedNetworks.push(n.Name);
      ctx.emit({ type: 'network.removed', name: n.Name });
    } catch (err) {
      if (!(err instanceof NetworkInUseError)) throw err;
      kept.push(`network ${n.Name}`);
      ctx.emit({ type: 'warning', message: `network ${n.Name} is still used by containers outside this down (orphans?); left in place` });
    }
  }
  const removedVolumes: string[] = [];
  if (options.volumes) {
    for (const v of await engine.volumes.list([projectFilter(project.name)], call)) {
      await engine.volumes.remove(v.Name, call);
      removedVolumes.push(v.Name);
      ctx.emit({ type: 'volume.removed', name: v.Name });
    }
  }
  return { removedContainers, removedNetworks, removedVolumes, kept };
}
