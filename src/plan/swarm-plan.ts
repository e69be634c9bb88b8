/**
 * The Swarm backend's plan: desired project + what the swarm holds for the
 * stack → a graph of typed operations, each with its reason. Pure, like the
 * container plan; the executor runs it as it is.
 *
 * - Networks: an attachable overlay per project network a service uses,
 *   named `<stack>_<key>` (external ones must exist).
 * - Configs and secrets: Swarm objects are immutable, so each content gets
 *   its own object, named `<stack>_<key>_<sha256 prefix>`: a changed content
 *   is a new object, and the services that use it roll to it. Objects of the
 *   stack that no service uses any more are removed after the rollout.
 * - Services: created when missing; updated, with the fields that changed,
 *   when the spec modelstack deployed (its hash label) differs; kept
 *   otherwise. A service deployed by another tool (no hash label) is
 *   updated once, so it carries one.
 * - Waits: every service's tasks running (and healthy, where a healthcheck
 *   exists) on their nodes, after its create or update.
 */
import { createHash } from 'node:crypto';
import type { Project } from '../compose/model.js';
import { generatedSources } from '../compose/extensions.js';
import { canonicalJson, changedPaths } from './config-hash.js';
import { STACK_LABEL, type SwarmServiceSpec, type SwarmWarning, stackScoped, swarmServiceSpec } from './swarm-service.js';

/** What the swarm holds for a stack (found by `com.docker.stack.namespace`). */
export interface ObservedSwarm {
  services: Array<{ id: string; name: string; version: number; labels: Record<string, string> }>;
  networks: Array<{ id: string; name: string }>;
  secrets: Array<{ id: string; name: string }>;
  configs: Array<{ id: string; name: string }>;
}

/** The content of each config and secret a service uses, by `configs/<key>` / `secrets/<key>`. */
export type FileContents = ReadonlyMap<string, Buffer>;

interface Base {
  id: string;
  after: string[];
  tolerate?: boolean;
  unbounded?: boolean;
}

export interface SwarmNetworkCreate extends Base {
  kind: 'network.create';
  key: string;
  name: string;
  driver: string;
  labels: Record<string, string>;
  driverOptions?: Record<string, string>;
  internal?: boolean;
}

export interface SwarmObjectCreate extends Base {
  kind: 'secret.create' | 'config.create';
  key: string;
  name: string;
  labels: Record<string, string>;
  content: Buffer;
}

export interface SwarmServiceOperation extends Base {
  kind: 'service.create' | 'service.update';
  service: string;
  spec: SwarmServiceSpec;
  /** For an update: the existing service and why it changes. */
  existing?: { id: string; version: number };
  reason: string;
}

export interface SwarmWait extends Base {
  kind: 'service.wait';
  service: string;
  name: string;
}

export interface SwarmRemove extends Base {
  kind: 'service.remove' | 'secret.remove' | 'config.remove';
  name: string;
  objectId: string;
  reason: string;
}

export interface SwarmWarningOperation extends Base {
  kind: 'warning';
  service?: string;
  message: string;
}

export type SwarmOperation = SwarmNetworkCreate | SwarmObjectCreate | SwarmServiceOperation | SwarmWait | SwarmRemove | SwarmWarningOperation;

/** One line of the plan, for a dry run and the result. */
export interface SwarmPlanEntry {
  service: string;
  action: 'create' | 'update' | 'keep' | 'remove';
  reason: string;
}

export interface SwarmPlan {
  stack: string;
  entries: SwarmPlanEntry[];
  operations: SwarmOperation[];
  /** Keys of the project a swarm cannot act on, by service. */
  warnings: SwarmWarning[];
}

export interface SwarmPlanOptions {
  /** Wait for every service's tasks at the end (default true). */
  wait?: boolean;
  /** Remove services of the stack that are not in the project (`docker stack deploy --prune`). */
  removeOrphans?: boolean;
  /** Update every service even if unchanged (`--force-recreate`). */
  force?: boolean;
  /** Only these services; the others are left as they are (and not waited for). */
  services?: string[];
}

/** The plan of `stack deploy` for `project` as stack `stack`. */
export function planSwarm(project: Project, stack: string, observed: ObservedSwarm, contents: FileContents, options: SwarmPlanOptions = {}): SwarmPlan {
  const ops: SwarmOperation[] = [];
  const labels = { [STACK_LABEL.namespace]: stack };

  // Networks every service's tasks join.
  const networkOp = new Map<string, string>();
  const used = new Set(Object.values(project.services).flatMap((s) => (s.network_mode ? [] : Object.keys(s.networks ?? {}))));
  for (const key of [...used].sort()) {
    const n = project.networks[key];
    if (!n || n.external) continue;
    const name = stackScoped(stack, key);
    if (observed.networks.some((o) => o.name === name)) continue;
    const id = `network:${key}`;
    networkOp.set(name, id);
    ops.push({
      kind: 'network.create',
      id,
      after: [],
      key,
      name,
      driver: n.driver ?? 'overlay',
      labels: { ...n.labels, ...labels },
      ...(n.driver_opts ? { driverOptions: n.driver_opts } : {}),
      ...(n.internal ? { internal: true } : {}),
    });
  }

  // Configs and secrets, one Swarm object per content.
  const objectNames: Record<string, string> = {};
  const objectOp = new Map<string, string>();
  const wanted = new Set<string>();
  const generated = generatedSources(project);
  for (const [ref, content] of [...contents].sort(([a], [b]) => a.localeCompare(b))) {
    const [kind, key] = ref.split('/') as ['configs' | 'secrets', string];
    const pool = kind === 'secrets' ? observed.secrets : observed.configs;
    // A generated value (a token made afresh by each definition) is not a change: the object
    // deployed earlier stays, as the container backend keeps the container that holds it.
    const earlier = generated.has(ref) ? pool.find((o) => isObjectOf(o.name, stack, key)) : undefined;
    const name = earlier?.name ?? swarmObjectName(stack, key, content);
    objectNames[ref] = name;
    wanted.add(`${kind}/${name}`);
    if (pool.some((o) => o.name === name)) continue;
    const id = `${kind.slice(0, -1)}:${name}`;
    objectOp.set(name, id);
    const declared = (kind === 'secrets' ? project.secrets : project.configs)[key];
    ops.push({ kind: kind === 'secrets' ? 'secret.create' : 'config.create', id, after: [], key, name, labels: { ...declared?.labels, ...labels }, content });
  }

  const entries: SwarmPlanEntry[] = [];
  const warnings: SwarmWarning[] = [];
  const serviceOps: string[] = [];
  const targets = options.services ?? Object.keys(project.services);
  for (const name of Object.keys(project.services).sort()) {
    if (!targets.includes(name)) continue;
    const { spec, warnings: w } = swarmServiceSpec(project, name, stack, { objectNames });
    warnings.push(...w);
    const json = canonicalJson(spec);
    const hash = createHash('sha256').update(json).digest('hex');
    spec.Labels = { ...spec.Labels, [STACK_LABEL.specHash]: hash, [STACK_LABEL.spec]: json };
    const after = [
      ...(spec.TaskTemplate.Networks ?? []).flatMap((n) => (networkOp.has(n.Target) ? [networkOp.get(n.Target)!] : [])),
      ...[...(spec.TaskTemplate.ContainerSpec.Secrets ?? []), ...(spec.TaskTemplate.ContainerSpec.Configs ?? [])].flatMap((r) => (objectOp.has(r.ObjectName) ? [objectOp.get(r.ObjectName)!] : [])),
    ];
    const existing = observed.services.find((s) => s.name === spec.Name);
    let op: SwarmServiceOperation | undefined;
    if (!existing) {
      op = { kind: 'service.create', id: `service:${name}`, after, service: name, spec, reason: 'not found' };
    } else if (options.force || existing.labels[STACK_LABEL.specHash] !== hash) {
      const reason = options.force ? '--force-recreate' : updateReason(existing.labels[STACK_LABEL.spec], json);
      op = { kind: 'service.update', id: `service:${name}`, after, service: name, spec, existing: { id: existing.id, version: existing.version }, reason };
    }
    entries.push({ service: name, action: op ? (op.kind === 'service.create' ? 'create' : 'update') : 'keep', reason: op?.reason ?? 'up to date' });
    if (op) {
      ops.push(op);
      serviceOps.push(op.id);
    }
    if (options.wait !== false) {
      ops.push({ kind: 'service.wait', id: `wait:${name}`, after: op ? [op.id] : [], service: name, name: spec.Name, unbounded: true });
      serviceOps.push(`wait:${name}`);
    }
  }

  for (const w of warnings) ops.push({ kind: 'warning', id: `warning:${w.service}:${w.key}`, after: [], service: w.service, message: `${w.key}: ${w.message}` });

  // Services of the stack no longer in the project.
  for (const s of observed.services) {
    const service = s.labels[STACK_LABEL.namespace] === stack ? s.name.slice(stack.length + 1) : s.name;
    if (Object.hasOwn(project.services, service)) continue;
    if (options.removeOrphans) {
      entries.push({ service, action: 'remove', reason: 'not in the project' });
      ops.push({ kind: 'service.remove', id: `remove:${s.name}`, after: [], name: s.name, objectId: s.id, reason: 'not in the project' });
    } else {
      ops.push({ kind: 'warning', id: `orphan:${s.name}`, after: [], service, message: `found orphan service ${s.name} (not in the project); remove it with --remove-orphans` });
    }
  }

  // Objects of the stack no service uses any more, once every service rolled away from them
  // (not when only some services were deployed: the others may still use old objects).
  for (const [kind, pool] of options.services ? [] : ([['secrets', observed.secrets], ['configs', observed.configs]] as const)) {
    for (const o of pool) {
      if (wanted.has(`${kind}/${o.name}`)) continue;
      ops.push({
        kind: kind === 'secrets' ? 'secret.remove' : 'config.remove',
        id: `remove:${kind}/${o.name}`,
        after: serviceOps,
        name: o.name,
        objectId: o.id,
        reason: 'no service of the stack uses it any more',
        // Another stack's service may still use it; Swarm refuses then, and that only warns.
        tolerate: true,
      });
    }
  }
  return { stack, entries, operations: ops, warnings };
}

/** Why a deployed service changes: the fields of its spec, when modelstack deployed it. */
function updateReason(before: string | undefined, after: string): string {
  if (!before) return 'deployed by another tool: takes modelstack\'s spec once';
  let paths: string[];
  try {
    paths = changedPaths(JSON.parse(before), JSON.parse(after));
  } catch {
    return 'spec changed';
  }
  return paths.length ? `spec changed: ${paths.join(', ')}` : 'spec changed';
}

/** One line per entry and warning, for `stack deploy --dry-run`. */
export function formatSwarmPlan(plan: SwarmPlan): string[] {
  return [
    ...plan.entries.map((e) => `service ${stackScoped(plan.stack, e.service)}: ${e.action} (${e.reason})`),
    ...plan.warnings.map((w) => `warning: service ${w.service}: ${w.key}: ${w.message}`),
  ];
}

/** The Swarm object that holds `content` for the config or secret `key` of `stack`: `<stack>_<key>_<sha256 prefix>`. */
export function swarmObjectName(stack: string, key: string, content: Buffer): string {
  return `${stackScoped(stack, key)}_${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}

/** `name` is a content-addressed object of `key` in `stack`: `<stack>_<key>_<12 hex>`. */
function isObjectOf(name: string, stack: string, key: string): boolean {
  const prefix = `${stackScoped(stack, key)}_`;
  return name.startsWith(prefix) && /^[0-9a-f]{12}$/.test(name.slice(prefix.length));
}
