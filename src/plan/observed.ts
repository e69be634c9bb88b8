/**
 * What the engine holds for a project, as plain data: the input the pure
 * planner compares with the desired project. The orchestrator fills it from
 * label-filtered lists (one call per kind), so it also works without the
 * compose file. The labels are decoded here and nowhere else
 * ({@link decodeContainer}).
 */
import { LABEL } from './labels.js';

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
  /** The image reference it was created from. */
  image: string;
  /** Its command, as the engine prints it. */
  command: string;
  /** Services it depends on (`com.docker.compose.depends_on`), for commands that work without the compose file. */
  dependsOn: string[];
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

/** A container as the engine lists it, before its labels are read. */
export interface ListedContainer {
  id: string;
  name: string;
  state: string;
  status: string;
  imageId: string;
  image: string;
  command: string;
  labels: Record<string, string>;
  networks: string[];
  created: number;
}

/** Reads the Compose (and modelstack) labels of a listed container: the one decoder of the label vocabulary. */
export function decodeContainer(c: ListedContainer): ObservedContainer {
  const labels = c.labels;
  return {
    ...c,
    service: labels[LABEL.service] ?? '',
    number: Number(labels[LABEL.containerNumber] ?? 1),
    ...(labels[LABEL.configHash] ? { configHash: labels[LABEL.configHash] } : {}),
    ...parseConfig(labels[LABEL.config]),
    dependsOn: dependsOnOf(labels[LABEL.dependsOn]),
    oneoff: labels[LABEL.oneoff] === 'True',
  };
}

/** `com.docker.compose.depends_on` (`a:service_started:false,b:…`) → `['a', 'b']`. */
function dependsOnOf(label: string | undefined): string[] {
  return [...new Set((label ?? '').split(',').map((entry) => entry.split(':')[0] ?? '').filter(Boolean))];
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

/** The project and owner marks of anything a stack created (containers, networks, volumes). */
export function ownership(labels: Record<string, string> | undefined): { project?: string; owner?: string; ephemeral: boolean } {
  return {
    ...(labels?.[LABEL.project] ? { project: labels[LABEL.project] } : {}),
    ...(labels?.[LABEL.owner] ? { owner: labels[LABEL.owner] } : {}),
    ephemeral: labels?.[LABEL.ephemeral] === 'true',
  };
}
