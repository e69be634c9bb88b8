/**
 * The pure planner: desired project + observed state → actions, each with
 * its reason. Nothing here talks to the engine; `up` executes the plan and
 * `up --dry-run` prints it.
 *
 * Rules (Compose's): a container is recreated when its config hash (Compose's
 * own, see `config-hash.ts`) or image changed or an expected network is
 * missing, or, for containers modelstack labelled, a mounted config or secret
 * content changed; otherwise it is kept (and started if stopped). Extra replicas are removed when the scale shrinks;
 * containers of services no longer in the project are orphans.
 */
import { dependencyOrder } from '../compose/graph.js';
import type { DependsOn, Project } from '../compose/model.js';
import { changedPaths } from './config-hash.js';
import { containerNameFor } from './labels.js';
import type { ObservedContainer, ObservedState } from './observed.js';

/** What the project wants of one service. */
export interface DesiredService {
  name: string;
  scale: number;
  /** modelstack's config of its containers (see `hashedConfig`): names changed fields. */
  config: Record<string, unknown>;
  /** Compose's `com.docker.compose.config-hash` of the service (see `composeConfigHash`). */
  hash: string;
  /** Image reference. */
  image: string;
  /** Local id of that image, when known (after pull/inspect). */
  imageId?: string;
  /** Engine names of the networks its containers must be attached to. */
  networks: string[];
  dependsOn: Record<string, DependsOn>;
  containerName?: string;
}

export type RecreatePolicy = 'diverged' | 'force' | 'never';

export interface PlanOptions {
  /** `diverged` (default): recreate what changed; `force`: everything; `never`: nothing (`--no-recreate`). */
  recreate?: RecreatePolicy;
  /** Remove containers of services that are no longer in the project. */
  removeOrphans?: boolean;
  /** Only these services (and what they depend on); the others are left as they are. */
  services?: string[];
  /**
   * With `services`: only those, not what they depend on (`up --no-deps`);
   * a dependency's condition is then not waited for, as in Compose.
   */
  noDeps?: boolean;
}

/** The services an up touches, in dependency order: `options.services` and, unless `noDeps`, what they depend on (all services without a selection). */
export function upOrder(project: Project, options: Pick<PlanOptions, 'services' | 'noDeps'>): string[] {
  const selected = options.services;
  if (options.noDeps && selected?.length) return dependencyOrder(project).filter((s) => selected.includes(s));
  return dependencyOrder(project, selected);
}

export type ContainerAction =
  | { action: 'create'; number: number; container: string; reason: string }
  | { action: 'keep'; number: number; container: string; id: string; start: boolean; reason: string; renameTo?: string }
  | { action: 'recreate'; number: number; container: string; id: string; reasons: string[] }
  | { action: 'remove'; number: number; container: string; id: string; reason: string };

export interface ServicePlan {
  service: string;
  dependsOn: Record<string, DependsOn>;
  containers: ContainerAction[];
}

export interface ResourceAction {
  action: 'create' | 'keep';
  key: string;
  name: string;
}

export interface OrphanAction {
  action: 'remove' | 'warn';
  service: string;
  container: string;
  id: string;
}

/** Everything `up` will do, in dependency order. */
export interface UpPlan {
  project: string;
  networks: ResourceAction[];
  volumes: ResourceAction[];
  /** Services in dependency order (dependencies first). */
  services: ServicePlan[];
  orphans: OrphanAction[];
}

/**
 * Plans `up`. `desired` must hold every service of `project` (targeted or
 * not); `options.services` restricts what is touched.
 */
export function planUp(
  project: Project,
  desired: Record<string, DesiredService>,
  observed: ObservedState,
  options: PlanOptions = {},
): UpPlan {
  const recreate = options.recreate ?? 'diverged';
  const order = upOrder(project, options);
  const byService = groupBy(observed.containers.filter((c) => !c.oneoff), (c) => c.service);

  // Services whose first container is created or replaced by this plan: a service that shares
  // its namespaces or volumes (`service:X`) must follow, as Compose does (its hash holds X's id).
  const replaced = new Set<string>();
  const services = order.map((name): ServicePlan => {
    const want = desired[name];
    if (!want) throw new Error(`planUp: no desired state for service "${name}"`);
    let containers = planService(project.name, want, byService.get(name) ?? [], recreate);
    const moved = serviceReferences(project, name).filter((r) => replaced.has(r.service));
    if (moved.length > 0 && recreate !== 'never') {
      const why = moved.map((r) => `${r.key} refers to service ${r.service}, whose container is replaced`);
      containers = containers.map((a): ContainerAction =>
        a.action === 'keep' ? { action: 'recreate', number: a.number, container: a.renameTo ?? a.container, id: a.id, reasons: why } : a,
      );
    }
    if (containers.some((a) => a.number === 1 && (a.action === 'create' || a.action === 'recreate'))) replaced.add(name);
    return { service: name, dependsOn: want.dependsOn, containers };
  });

  // As in Compose: a service of an inactive profile is still the project's, not an orphan;
  // COMPOSE_IGNORE_ORPHANS (shell or .env) silences orphans unless their removal is asked for.
  const known = (service: string): boolean => Object.hasOwn(project.services, service) || Object.hasOwn(project.disabled_services ?? {}, service);
  const ignoreOrphans = isTrue(project.environment?.['COMPOSE_IGNORE_ORPHANS']) && !options.removeOrphans;
  const orphans: OrphanAction[] = ignoreOrphans
    ? []
    : observed.containers
        .filter((c) => !c.oneoff && !known(c.service))
        .map((c) => ({ action: options.removeOrphans ? 'remove' : 'warn', service: c.service, container: c.name, id: c.id }));

  const usedNetworks = new Set(order.flatMap((s) => Object.keys(project.services[s]?.networks ?? {})));
  const networks = Object.entries(project.networks)
    .filter(([key, n]) => usedNetworks.has(key) && !n.external)
    .map(([key, n]): ResourceAction => ({ action: observed.networks.some((o) => o.name === n.name) ? 'keep' : 'create', key, name: n.name }));
  const volumes = Object.entries(project.volumes)
    .filter(([, v]) => !v.external)
    .map(([key, v]): ResourceAction => ({ action: observed.volumes.some((o) => o.name === v.name) ? 'keep' : 'create', key, name: v.name }));

  return { project: project.name, networks, volumes, services, orphans };
}

/**
 * The services `name` refers to by container: `network_mode`, `ipc` and `pid`
 * `service:X`, and `volumes_from: X` (Compose puts X's container id in its hash).
 */
export function serviceReferences(project: Project, name: string): Array<{ key: string; service: string }> {
  const s = project.services[name];
  if (!s) return [];
  const out: Array<{ key: string; service: string }> = [];
  for (const key of ['network_mode', 'ipc', 'pid'] as const) {
    const value = s[key];
    if (value?.startsWith('service:')) out.push({ key, service: value.slice('service:'.length) });
  }
  for (const entry of s.volumes_from ?? []) {
    const [first] = entry.split(':');
    if (first && first !== 'container') out.push({ key: 'volumes_from', service: first });
  }
  return out;
}

function planService(project: string, want: DesiredService, found: ObservedContainer[], recreate: RecreatePolicy): ContainerAction[] {
  const actions: ContainerAction[] = [];
  const byNumber = groupBy(found, (c) => c.number);
  for (let n = 1; n <= want.scale; n++) {
    const name = containerNameFor(project, want.name, n, want.containerName);
    const candidates = byNumber.get(n) ?? [];
    // An interrupted recreate can leave two containers for one number: keep the
    // one with the proper name (else the newest), remove the others.
    const [primary, ...extra] = [...candidates].sort((a, b) => Number(b.name === name) - Number(a.name === name) || b.created - a.created);
    for (const e of extra) {
      actions.push({ action: 'remove', number: n, container: e.name, id: e.id, reason: `duplicate of ${primary!.name} (left by an interrupted run)` });
    }
    if (!primary) {
      actions.push({ action: 'create', number: n, container: name, reason: 'not found' });
      continue;
    }
    const reasons = recreate === 'never' ? [] : recreate === 'force' ? ['--force-recreate'] : divergence(want, primary);
    if (reasons.length) {
      actions.push({ action: 'recreate', number: n, container: name, id: primary.id, reasons });
    } else {
      const running = primary.state === 'running';
      actions.push({
        action: 'keep',
        number: n,
        container: primary.name,
        id: primary.id,
        start: !running,
        reason: running ? 'up to date' : `up to date, ${primary.state}: will start`,
        // A recreate interrupted before its rename leaves the new container under its temporary name.
        ...(primary.name !== name ? { renameTo: name } : {}),
      });
    }
  }
  for (const [n, containers] of byNumber) {
    if (n <= want.scale) continue;
    for (const c of containers) actions.push({ action: 'remove', number: n, container: c.name, id: c.id, reason: `scale is ${want.scale}` });
  }
  return actions;
}

/**
 * Why a container no longer matches its service; empty when it does.
 *
 * Compose's config hash decides, so a container Compose created is judged
 * exactly as Compose would judge it. modelstack's own label, when the
 * container has it, names the fields that changed, and also catches a changed
 * config or secret content (which Compose 2.26 does not hash).
 */
export function divergence(want: DesiredService, c: ObservedContainer): string[] {
  const reasons: string[] = [];
  if (c.configHash !== want.hash) {
    const paths = c.config ? changedPaths(withoutContents(c.config), withoutContents(want.config)) : [];
    reasons.push(paths.length ? `config changed: ${paths.join(', ')}` : 'config hash changed');
  } else if (c.config) {
    const paths = changedPaths(c.config['contents'], want.config['contents'], 'contents');
    if (paths.length) reasons.push(`config changed: ${paths.join(', ')}`);
  }
  if (want.imageId && c.imageId && c.imageId !== want.imageId) {
    reasons.push(`image ${want.image} is now ${shortId(want.imageId)} (container runs ${shortId(c.imageId)})`);
  }
  for (const net of want.networks) {
    if (!c.networks.includes(net)) reasons.push(`not attached to network ${net}`);
  }
  return reasons;
}

function withoutContents(config: Record<string, unknown>): Record<string, unknown> {
  const { contents: _contents, ...rest } = config;
  return rest;
}

/** Compose's `utils.StringToBool`: Go's ParseBool of the lowercased value. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'true'].includes(value.toLowerCase());
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const it of items) {
    const k = key(it);
    m.set(k, [...(m.get(k) ?? []), it]);
  }
  return m;
}

/** One line per action, for `up --dry-run`. */
export function formatPlan(plan: UpPlan): string[] {
  const lines: string[] = [];
  for (const n of plan.networks) if (n.action === 'create') lines.push(`network ${n.name}: create`);
  for (const v of plan.volumes) if (v.action === 'create') lines.push(`volume ${v.name}: create`);
  for (const s of plan.services) {
    for (const a of s.containers) {
      switch (a.action) {
        case 'create':
          lines.push(`service ${s.service}: create ${a.container} (${a.reason})`);
          break;
        case 'keep':
          lines.push(`service ${s.service}: keep ${a.container} (${a.reason})`);
          break;
        case 'recreate':
          lines.push(`service ${s.service}: recreate ${a.container} (${a.reasons.join('; ')})`);
          break;
        case 'remove':
          lines.push(`service ${s.service}: remove ${a.container} (${a.reason})`);
          break;
      }
    }
  }
  for (const o of plan.orphans) {
    lines.push(
      o.action === 'remove'
        ? `orphan ${o.container} (service ${o.service} is not in the project): remove`
        : `orphan ${o.container} (service ${o.service} is not in the project): left running; use --remove-orphans to remove it`,
    );
  }
  return lines;
}
