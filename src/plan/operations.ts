/**
 * From a reconciled plan to the operations `up` carries out: one typed
 * operation per network, volume and container action, and one per wait,
 * each with the operations it must come after. Pure: the executor runs the
 * list as it is and decides nothing; a dry run can print it.
 *
 * The graph says Compose's order: networks and volumes before the containers
 * that use them; a service's containers after its dependencies — after their
 * containers for `service_started`, after their waits for `service_healthy`
 * and `service_completed_successfully` (a `required: false` dependency's
 * wait may fail with a warning). The final waits of `up --wait` come after
 * each container's own operation.
 */
import type { ArchiveEntry, ContainerSpec } from './container-spec.js';
import type { DependsOn, Network, Project, Volume } from '../compose/model.js';
import type { ContainerAction, DesiredService, UpPlan } from './reconcile.js';

interface Base {
  /** Unique within the plan: `<kind>:<object>`. */
  id: string;
  /** Operations that must have succeeded first. */
  after: string[];
  /** A failure only warns (waits for `required: false` dependencies). */
  tolerate?: boolean;
  /** Holds no parallelism slot (waits). */
  unbounded?: boolean;
}

export interface NetworkCreateOperation extends Base {
  kind: 'network.create';
  key: string;
  network: Network;
}

export interface VolumeCreateOperation extends Base {
  kind: 'volume.create';
  key: string;
  volume: Volume;
}

/** A container of a service: what to do with it (the reconciled action), with the spec and files a new one is made from. */
export interface ContainerOperation extends Base {
  kind: 'container';
  service: string;
  action: ContainerAction;
  /** For create and recreate: the container to make (networks named by engine name). */
  spec?: ContainerSpec;
  /** Configs and secrets copied in before a new container starts. */
  files: ArchiveEntry[];
  /** For a kept container: restart it, because this dependency (`restart: true`) was recreated. */
  restartFor?: string;
}

/** Wait until a container meets `condition`; its container comes from operation `target`. */
export interface WaitOperation extends Base {
  kind: 'wait';
  service: string;
  container: string;
  /** The container operation whose result is the container to wait for. */
  target: string;
  condition: ReadyCondition;
  /** Why: `depends_on` of which service (a dependency wait), or the final wait of `up --wait`. */
  for: { dependent: string; dependsOn: DependsOn } | 'up --wait';
}

/** An orphan left in place: say so. */
export interface WarningOperation extends Base {
  kind: 'warning';
  service?: string;
  message: string;
}

/**
 * What a wait waits for: running (since its start settled), healthy, or
 * completed with exit code 0; `ready` is what `up --wait` means (healthy
 * with a healthcheck, else running; a one-shot that exited 0 is done).
 */
export type ReadyCondition = 'running' | 'healthy' | 'completed' | 'ready';

export type UpOperation = NetworkCreateOperation | VolumeCreateOperation | ContainerOperation | WaitOperation | WarningOperation;

export interface OperationsInput {
  project: Project;
  plan: UpPlan;
  desired: Record<string, DesiredService>;
  /** The spec of replica `number` of a service (labels, hash and all). */
  specFor(service: string, number: number): ContainerSpec;
  /** Configs and secrets per service. */
  files: ReadonlyMap<string, ArchiveEntry[]>;
  /** Wait for every container at the end (`up --wait`). */
  wait: boolean;
}

/** The operations of `up`, in a dependency order (any order would do: the executor follows `after`). */
export function upOperations(input: OperationsInput): UpOperation[] {
  const { project, plan } = input;
  const ops: UpOperation[] = [];

  const networkOp = new Map<string, string>();
  for (const n of plan.networks) {
    if (n.action !== 'create') continue;
    const id = `network:${n.key}`;
    networkOp.set(n.key, id);
    ops.push({ kind: 'network.create', id, after: [], key: n.key, network: project.networks[n.key]! });
  }
  const volumeOp = new Map<string, string>();
  for (const v of plan.volumes) {
    if (v.action !== 'create') continue;
    const id = `volume:${v.key}`;
    volumeOp.set(v.key, id);
    ops.push({ kind: 'volume.create', id, after: [], key: v.key, volume: project.volumes[v.key]! });
  }
  for (const o of plan.orphans) {
    if (o.action === 'warn') {
      ops.push({
        kind: 'warning',
        id: `orphan:${o.container}`,
        after: [],
        service: o.service,
        message: `found orphan container ${o.container} (service "${o.service}" is not in the project); remove it with --remove-orphans`,
      });
    } else {
      ops.push({ kind: 'container', id: `orphan:${o.container}`, after: [], service: o.service, action: { action: 'remove', number: 0, container: o.container, id: o.id, reason: 'orphan' }, files: [] });
    }
  }

  // Per service: the ids of its container operations, and of waits by condition.
  const containerOps = new Map<string, ContainerOperation[]>();
  const waitOps = new Map<string, WaitOperation>();
  const changed = new Set(plan.services.filter((s) => s.containers.some((a) => a.action === 'create' || a.action === 'recreate')).map((s) => s.service));
  const waitFor = (service: string, op: ContainerOperation, condition: ReadyCondition, why: WaitOperation['for'], tolerate: boolean): WaitOperation => {
    const id = `wait:${condition}:${op.action.container}`;
    let wait = waitOps.get(id);
    if (!wait) {
      wait = { kind: 'wait', id, after: [op.id], target: op.id, service, container: op.action.container, condition, for: why, unbounded: true, ...(tolerate ? { tolerate } : {}) };
      waitOps.set(id, wait);
      ops.push(wait);
    } else if (!tolerate && wait.tolerate) {
      // A required dependent as well: its failure stops up.
      delete wait.tolerate;
    }
    return wait;
  };

  for (const sp of plan.services) {
    const service = project.services[sp.service]!;
    const after = new Set<string>();
    for (const key of Object.keys(service.networks ?? {})) if (networkOp.has(key)) after.add(networkOp.get(key)!);
    for (const v of service.volumes ?? []) if (v.type === 'volume' && v.source && volumeOp.has(v.source)) after.add(volumeOp.get(v.source)!);
    let restartFor: string | undefined;
    for (const [dep, d] of Object.entries(sp.dependsOn)) {
      const deps = containerOps.get(dep);
      if (!deps) continue; // not part of this up (e.g. a disabled profile): Compose ignores it too
      const condition = conditionOf(d);
      for (const op of deps) {
        if (op.action.action === 'remove') continue;
        after.add(condition ? waitFor(dep, op, condition, { dependent: sp.service, dependsOn: d }, !d.required).id : op.id);
      }
      if (d.restart && changed.has(dep)) restartFor = dep;
    }
    const mine = sp.containers.map((action): ContainerOperation => {
      const makes = action.action === 'create' || action.action === 'recreate';
      return {
        kind: 'container',
        id: `container:${action.action === 'remove' ? `remove:${action.id}` : action.container}`,
        after: [...after],
        service: sp.service,
        action,
        ...(makes ? { spec: input.specFor(sp.service, action.number) } : {}),
        files: makes ? (input.files.get(sp.service) ?? []) : [],
        ...(action.action === 'keep' && restartFor ? { restartFor } : {}),
      };
    });
    containerOps.set(sp.service, mine);
    ops.push(...mine);
  }

  if (input.wait) {
    // One-shots that others wait for with service_completed_successfully are waited for completion.
    const completed = new Set(
      Object.values(project.services).flatMap((s) => Object.entries(s.depends_on ?? {}).filter(([, d]) => d.condition === 'service_completed_successfully').map(([dep]) => dep)),
    );
    for (const [service, mine] of containerOps) {
      for (const op of mine) {
        if (op.action.action === 'remove') continue;
        waitFor(service, op, completed.has(service) ? 'completed' : 'ready', 'up --wait', onlyOptional(project, service));
      }
    }
  }
  return ops;
}

function conditionOf(d: DependsOn): ReadyCondition | undefined {
  switch (d.condition) {
    case 'service_healthy':
      return 'healthy';
    case 'service_completed_successfully':
      return 'completed';
    default:
      return undefined; // service_started: being started is enough
  }
}

/** Every service that depends on `service` does so with `required: false`: its failure only warns. */
function onlyOptional(project: Project, service: string): boolean {
  const links = Object.values(project.services).flatMap((s) => (s.depends_on?.[service] ? [s.depends_on[service]] : []));
  return links.length > 0 && links.every((d) => !d.required);
}
