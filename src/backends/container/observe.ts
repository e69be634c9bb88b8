/**
 * Reads what the engine holds for a project into the planner's plain data:
 * one label-filtered list per kind of object. The only code that turns the
 * engine's list entries into observed containers.
 */
import type Dockerode from 'dockerode';
import { containerName } from '../../engine/container-client.js';
import type { Engine } from '../../engine/engine.js';
import { LABEL, projectFilter } from '../../plan/labels.js';
import { type ObservedContainer, type ObservedState, decodeContainer } from '../../plan/observed.js';

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
export function observed(c: Dockerode.ContainerInfo): ObservedContainer {
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
export function observedFromInspect(info: Dockerode.ContainerInspectInfo): ObservedContainer {
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
