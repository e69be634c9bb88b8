/**
 * What the engine holds for a project, as plain data: the input the pure
 * planner compares with the desired project. The orchestrator fills it from
 * label-filtered lists (one call per kind), so it also works without the
 * compose file.
 */

/** One container of the project, as found by its labels. */
export interface ObservedContainer {
  id: string;
  /** Name without the leading slash. */
  name: string;
  service: string;
  /** `com.docker.compose.container-number`. */
  number: number;
  /** Engine state: `created`, `running`, `exited`, `restarting`, `paused`, `dead`, `removing`. */
  state: string;
  /** Engine status text (`Up 3 seconds (healthy)`). */
  status: string;
  /** Id of the image the container runs (`sha256:…`). */
  imageId: string;
  /** `com.docker.compose.config-hash`. */
  configHash?: string;
  /** The config the container was created from (`org.modelstack.config`), when modelstack created it. */
  config?: Record<string, unknown>;
  /** Engine names of the networks it is attached to. */
  networks: string[];
  labels: Record<string, string>;
  /** Unix seconds. */
  created: number;
  oneoff: boolean;
}

export interface ObservedNetwork {
  id: string;
  name: string;
  /** `com.docker.compose.network`: the project key. */
  key?: string;
  created: string;
}

export interface ObservedVolume {
  name: string;
  key?: string;
}

export interface ObservedState {
  containers: ObservedContainer[];
  networks: ObservedNetwork[];
  volumes: ObservedVolume[];
}

/**
 * The id of each service's first container (by name, as Compose picks it),
 * for Compose's config hash of services that reference another one.
 */
export function serviceContainerIds(observed: Pick<ObservedState, 'containers'>): Record<string, string> {
  const first = new Map<string, ObservedContainer>();
  for (const c of observed.containers) {
    if (c.oneoff) continue;
    const current = first.get(c.service);
    if (!current || c.name < current.name) first.set(c.service, c);
  }
  return Object.fromEntries([...first].map(([service, c]) => [service, c.id]));
}
