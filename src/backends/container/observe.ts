/**
 * Reads what the engine holds for a project into the planner's plain data:
 * one label-filtered list per kind of object. The only code that turns the
 * engine's list entries into observed containers.
 */
import { type InspectedContainer, type ListedContainer, containerName } from '../../engine/container-client.js';
import type { Engine } from '../../engine/engine.js';
import type { ReadyState } from '../../engine/readiness.js';
import { LABEL, projectFilter } from '../../plan/labels.js';
import { type ObservedContainer, type ObservedState, decodeContainer } from '../../plan/observed.js';
import type { ReadyCondition } from '../../plan/operations.js';

export async function observeProject(engine: Engine, project: string, options: { signal?: AbortSignal } = {}): Promise<ObservedState> {
  const filter = projectFilter(project);
  const [containers, networks, volumes] = await Promise.all([
    engine.containers.list([filter], options),
    engine.networks.list([filter], options),
    engine.volumes.list([filter], options),
  ]);
  return {
    containers: containers.map(observed),
    networks: networks.map((n) => ({
      id: n.Id,
      name: n.Name,
      ...(n.Labels?.[LABEL.network] ? { key: n.Labels[LABEL.network] } : {}),
      created: n.Created,
    })),
    volumes: volumes.map((v) => ({ name: v.Name, ...(v.Labels?.[LABEL.volume] ? { key: v.Labels[LABEL.volume] } : {}) })),
  };
}

/** The project's containers carrying all of `labels` too (e.g. not one-off ones). */
export async function observeContainers(engine: Engine, project: string, labels: string[] = [], options: { signal?: AbortSignal } = {}): Promise<ObservedContainer[]> {
  return (await engine.containers.list([projectFilter(project), ...labels], options)).map(observed);
}

/** One list entry of the engine, observed. */
export function observed(c: ListedContainer): ObservedContainer {
  return decodeContainer({
    id: c.Id,
    name: containerName(c),
    state: c.State,
    status: c.Status,
    imageId: c.ImageID,
    image: c.Image,
    command: c.Command,
    labels: c.Labels ?? {},
    networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
    created: c.Created,
  });
}

/** A container as inspected, observed (for a container found by name, not by a list). */
export function observedFromInspect(info: InspectedContainer): ObservedContainer {
  return decodeContainer({
    id: info.Id,
    name: containerName(info),
    state: info.State.Status,
    status: info.State.Status,
    imageId: info.Image,
    image: info.Config.Image,
    command: [...(info.Config.Entrypoint ? [info.Config.Entrypoint].flat() : []), ...(info.Config.Cmd ?? [])].join(' '),
    labels: info.Config.Labels ?? {},
    networks: Object.keys(info.NetworkSettings?.Networks ?? {}),
    created: Math.floor(Date.parse(info.Created) / 1000),
  });
}

/**
 * What a container's list entry alone proves about its readiness, so that a
 * no-op `up --wait` needs no inspect and no event stream per container: the
 * one label-filtered list it already made answers for every container kept
 * as it is. The ready state when the engine's status text says the
 * condition holds, and has held for longer than any wait's settle time
 * (`Up 2 seconds (healthy)`, `Up 3 minutes` without a healthcheck,
 * `Exited (0) …` for `completed`); undefined when only a wait can tell
 * (starting, unhealthy, restarting, paused, just started, a one-shot for
 * `ready`). The engine writes these texts (`container.State.String()`);
 * Docker adds the health part whenever the container has a healthcheck.
 */
export function readyFromList(c: ObservedContainer, condition: ReadyCondition): ReadyState | undefined {
  const ready = (readyBy: ReadyState['readyBy'], extra: { health?: string; exitCode?: number } = {}): ReadyState => ({
    id: c.id,
    name: c.name,
    status: c.state,
    ...extra,
    readyBy,
    elapsedMs: 0,
  });
  if (condition === 'completed') {
    return c.state === 'exited' && /^Exited \(0\)/.test(c.status) ? ready('state', { exitCode: 0 }) : undefined;
  }
  const up = /^Up (.+?)(?: \(([^)]*)\))?$/.exec(c.status);
  if (c.state !== 'running' || !up) return undefined;
  const [, duration, suffix] = up;
  // Only once it has run longer than a wait's settle time (readiness.ts), which `Up 1 second` does not prove.
  const settled = duration !== 'Less than a second' && duration !== '1 second';
  if (suffix === 'Paused') return undefined;
  if (condition === 'running') return settled ? ready('state') : undefined;
  if (suffix === 'healthy') return ready('healthcheck', { health: 'healthy' });
  // Health starting or unhealthy; or `healthy` asked of a container without a healthcheck: the wait says why.
  if (suffix !== undefined || condition === 'healthy') return undefined;
  return settled ? ready('state') : undefined;
}
