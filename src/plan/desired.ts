/**
 * The desired state of a project: per service, the config its containers
 * should have, Compose's config hash of it, and the ContainerSpec of each
 * replica.
 */
import type { ContainerSpec } from './container-spec.js';
import type { Project } from '../compose/model.js';
import { canonicalJson, composeConfigHash, hashedConfig, type ServiceContainerIds } from './config-hash.js';
import { LABEL } from './labels.js';
import type { DesiredService } from './reconcile.js';
import { type ContainerSpecOptions, containerSpecFor, imageFor } from './service-container.js';

export interface DesiredOptions {
  /** Local image ids by reference, as resolved after pull (unknown images are left out). */
  imageIds?: Record<string, string>;
  /**
   * Per service, extra inputs of modelstack's own config label (e.g. digests
   * of the secrets it mounts). They are not part of Compose's hash: a change
   * recreates containers that carry the label (see `divergence`).
   */
  extraConfig?: Record<string, Record<string, unknown>>;
  /**
   * Ids of the running services' first containers (see `serviceContainerIds`),
   * which Compose's hash uses for `network_mode`/`ipc`/`pid: service:X` and
   * `volumes_from: X`.
   */
  containerIds?: ServiceContainerIds;
}

/** Desired state of every service of the project (targeted or not). */
export function desiredServices(project: Project, options: DesiredOptions = {}): Record<string, DesiredService> {
  const out: Record<string, DesiredService> = {};
  for (const [name, service] of Object.entries(project.services)) {
    const config = hashedConfig(service, options.extraConfig?.[name]);
    const image = imageFor(project, name);
    const imageId = options.imageIds?.[image];
    out[name] = {
      name,
      scale: service.scale ?? service.deploy?.replicas ?? 1,
      config,
      hash: composeConfigHash(project, name, options.containerIds ? { containerIds: options.containerIds } : {}),
      image,
      ...(imageId ? { imageId } : {}),
      networks: service.network_mode ? [] : Object.keys(service.networks ?? {}).map((k) => project.networks[k]?.name ?? k),
      dependsOn: service.depends_on ?? {},
      ...(service.container_name ? { containerName: service.container_name } : {}),
    };
  }
  return out;
}

/** The spec of replica `number`, labelled with Compose's config hash (and modelstack's config) so later plans, Compose's too, can compare. */
export function replicaSpec(
  project: Project,
  want: DesiredService,
  number: number,
  options: ContainerSpecOptions = {},
  /**
   * The ids of the referenced services' containers as they are now (after
   * this up replaced them): Compose's hash of a service with `service:X`
   * references holds X's current id.
   */
  containerIds?: ServiceContainerIds,
): ContainerSpec {
  const hash = containerIds ? composeConfigHash(project, want.name, { containerIds }) : want.hash;
  return containerSpecFor(project, want.name, number, {
    ...options,
    labels: {
      ...options.labels,
      [LABEL.configHash]: hash,
      [LABEL.config]: canonicalJson(want.config),
      ...(want.imageId ? { [LABEL.image]: want.imageId } : {}),
    },
  });
}
