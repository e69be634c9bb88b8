/**
 * Reads what the engine holds for a project into the planner's plain data:
 * one label-filtered list per kind of object.
 */
import type { Engine } from '../engine/engine.js';
import { containerName } from '../engine/container-client.js';
import { LABEL, projectFilter } from '../plan/labels.js';
import type { ObservedContainer, ObservedState } from '../plan/observed.js';

export async function observeProject(engine: Engine, project: string, options: { signal?: AbortSignal } = {}): Promise<ObservedState> {
  const filter = projectFilter(project);
  const [containers, networks, volumes] = await Promise.all([
    engine.containers.list([filter], options),
    engine.networks.list([filter], options),
    engine.volumes.list([filter], options),
  ]);
  return {
    containers: containers.map((c): ObservedContainer => {
      const labels = c.Labels ?? {};
      return {
        id: c.Id,
        name: containerName(c),
        service: labels[LABEL.service] ?? '',
        number: Number(labels[LABEL.containerNumber] ?? 1),
        state: c.State,
        status: c.Status,
        imageId: c.ImageID,
        ...(labels[LABEL.configHash] ? { configHash: labels[LABEL.configHash] } : {}),
        ...parseConfig(labels[LABEL.config]),
        networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
        labels,
        created: c.Created,
        oneoff: labels[LABEL.oneoff] === 'True',
      };
    }),
    networks: networks.map((n) => ({
      id: n.Id,
      name: n.Name,
      ...(n.Labels?.[LABEL.network] ? { key: n.Labels[LABEL.network] } : {}),
      created: n.Created,
    })),
    volumes: volumes.map((v) => ({ name: v.Name, ...(v.Labels?.[LABEL.volume] ? { key: v.Labels[LABEL.volume] } : {}) })),
  };
}

function parseConfig(text: string | undefined): { config?: Record<string, unknown> } {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? { config: parsed as Record<string, unknown> } : {};
  } catch {
    return {};
  }
}
