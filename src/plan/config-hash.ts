/**
 * What a container was created from, and its hashes.
 *
 * Two labels, two purposes:
 *
 * - `com.docker.compose.config-hash` is Docker Compose v2's own hash
 *   ({@link composeConfigHash}), computed exactly as Compose 2.26 computes it,
 *   so that Compose keeps the containers modelstack made and modelstack keeps
 *   Compose's. It alone decides "this container no longer matches its service".
 * - `org.modelstack.config` is modelstack's canonical JSON of the same fields
 *   ({@link hashedConfig}) plus the digests of the config/secret contents the
 *   container got; it lets a plan say which fields changed, and makes a
 *   changed content recreate the container. A container Compose created has
 *   no such label: it is judged by the Compose hash only.
 *
 * Compose's recipe (docker/compose 2.26.1 `pkg/compose/hash.go`
 * `ServiceHash`, over compose-go 2.4.8's `types.ServiceConfig`):
 *
 * 1. the service as loaded for `up`: `env_file` and `label_file` already
 *    read into `environment`/`labels` and dropped, defaults applied (secret
 *    targets, device counts, `networks: {default: null}`, implied
 *    `depends_on`), paths resolved, unused top-level resources dropped;
 * 2. `build`, `pull_policy`, `scale` and `deploy.replicas` cleared (a
 *    `deploy` section stays, even if only `replicas` was in it);
 * 3. references to other services resolved as Compose does just before:
 *    `network_mode`/`ipc`/`pid: service:X` → `container:<id of X's first
 *    container>`, `volumes_from: X` → that id, `volumes_from: container:N[:mode]`
 *    → `N`; with `DOCKER_DEFAULT_PLATFORM` set, a service that builds and names
 *    no `platform` gets that platform;
 * 4. `json.Marshal`: compact, fields in struct order, `omitempty` (but
 *    `command`/`entrypoint` always, `null` when unset), sizes as strings,
 *    durations as Go prints them, CPUs as float32, HTML-safe escaping;
 *    extensions (`x-*`) and Compose's own labels are not part of it;
 * 5. sha256, lowercase hex.
 */
import { createHash } from 'node:crypto';
import type { Project, Service } from '../compose/model.js';
import { serviceToGoJson } from '../compose/serialize.js';

/**
 * Fields Compose leaves out of its hash (how many containers, how to get the
 * image), and those its model no longer holds once loaded (`env_file`, read
 * into `environment`) or never prints (`extensions`).
 */
const NOT_HASHED = ['scale', 'build', 'pull_policy', 'env_file', 'extensions'] as const;

/** Ids of the containers other services' references resolve to: the first container (by name) of each running service. */
export type ServiceContainerIds = Readonly<Record<string, string>>;

export interface ComposeHashOptions {
  /** Container ids for `service:X` references (`network_mode`, `ipc`, `pid`, `volumes_from`). */
  containerIds?: ServiceContainerIds;
}

/**
 * The service exactly as Compose 2.26 hashes it (steps 1–3 of the module
 * comment). A `service:X` reference whose container id is unknown keeps the
 * service form; the container is then new or about to be recreated anyway.
 */
export function composeHashedService(project: Project, name: string, options: ComposeHashOptions = {}): Service {
  const service = project.services[name];
  if (!service) throw new Error(`composeHashedService: no service "${name}" in project ${project.name}`);
  const s: Service = structuredClone(service);
  for (const key of NOT_HASHED) delete s[key];
  if (s.deploy) {
    const { replicas: _replicas, ...deploy } = s.deploy;
    s.deploy = deploy;
  }
  const defaultPlatform = project.environment?.['DOCKER_DEFAULT_PLATFORM'];
  if (service.build && !service.platform && defaultPlatform) s.platform = defaultPlatform;

  const ids = options.containerIds ?? {};
  const resolveMode = (value: string | undefined): string | undefined => {
    if (!value?.startsWith('service:')) return value;
    const id = ids[value.slice('service:'.length)];
    return id ? `container:${id}` : value;
  };
  if (s.network_mode !== undefined) s.network_mode = resolveMode(s.network_mode) as string;
  if (s.ipc !== undefined) s.ipc = resolveMode(s.ipc) as string;
  if (s.pid !== undefined) s.pid = resolveMode(s.pid) as string;
  if (s.volumes_from) {
    s.volumes_from = s.volumes_from.map((entry) => {
      const parts = entry.split(':');
      // Compose keeps only the name of `container:NAME[:mode]` (the mode is lost, as in Compose).
      if (parts[0] === 'container') return parts[1] ?? '';
      return ids[parts[0] ?? ''] ?? entry;
    });
  }
  return s;
}

/** `com.docker.compose.config-hash` of service `name`, as Compose 2.26 computes it. */
export function composeConfigHash(project: Project, name: string, options: ComposeHashOptions = {}): string {
  return createHash('sha256').update(serviceToGoJson(composeHashedService(project, name, options))).digest('hex');
}

/**
 * modelstack's canonical config of a service (the content of
 * `org.modelstack.config`): the fields Compose hashes, keys sorted, plus
 * anything the caller adds (e.g. `contents`: digests of the secrets and
 * configs it mounts).
 */
export function hashedConfig(service: Service, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const config: Record<string, unknown> = { ...service };
  for (const key of NOT_HASHED) delete config[key];
  if (service.deploy) {
    const { replicas: _replicas, ...deploy } = service.deploy;
    config.deploy = deploy;
  }
  return canonical({ ...config, ...extra }) as Record<string, unknown>;
}

/** sha256 of the canonical JSON (keys sorted, undefined dropped). */
export function configHash(config: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** JSON with object keys sorted at every level: the same config always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/**
 * The paths where two configs differ, in Compose's key syntax:
 * `environment.LOG_LEVEL`, `deploy.resources.limits.memory`, `ports[0].published`.
 * Arrays of different lengths are reported as a whole (`ports`).
 */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (Object.is(before, after)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) return [prefix || '(root)'];
    return before.flatMap((b, i) => changedPaths(b, after[i], `${prefix}[${i}]`));
  }
  // A map that appears or disappears is reported by its keys (`environment.LOG_LEVEL`, not `environment`).
  if ((isObj(before) && after === undefined) || (before === undefined && isObj(after))) {
    return changedPaths(before ?? {}, after ?? {}, prefix);
  }
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedPaths(before[k], after[k], prefix ? `${prefix}.${segment(k)}` : segment(k)));
  }
  return [prefix || '(root)'];
}

/** A map key as a path segment; keys with dots or brackets are quoted. */
function segment(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}
