/**
 * A Compose service → its workload, and the service keys that belong to
 * none of the other modules.
 *
 * | Compose | workload |
 * |---|---|
 * | `deploy.mode: global` | DaemonSet (one pod per node) |
 * | `deploy.mode: replicated-job`, or a service others wait for with `service_completed_successfully` | Job |
 * | mounts a named volume | StatefulSet (pods in parallel, as Compose starts replicas) |
 * | anything else | Deployment |
 *
 * Replicas come from `deploy.replicas` or `scale`. Restart policies that a
 * workload cannot keep (`no`, `on-failure`) are warned about: a
 * Deployment's, StatefulSet's or DaemonSet's pods always restart.
 */
import type { Service } from '../../compose/model.js';
import type { ExportContext } from './context.js';
import { splitLabels } from './labels.js';
import type { PodTemplateSpec, Workload } from './types.js';

/** The kind of workload a service becomes. */
export type WorkloadKind = Workload['kind'];

/** Chooses the workload kind of service `name`. */
export function workloadKind(ctx: ExportContext, name: string, service: Service): WorkloadKind {
  const mode = service.deploy?.mode;
  if (mode !== undefined) {
    if (['replicated', 'global', 'replicated-job'].includes(mode)) ctx.map(name, 'deploy.mode');
    else if (mode === 'global-job') ctx.warn(name, ['deploy', 'mode'], 'exported as a Job with one pod: Kubernetes has no Job that runs once on every node');
    else ctx.warn(name, ['deploy', 'mode'], `not exported: unknown mode "${mode}"`);
  }
  if (mode === 'global') return 'DaemonSet';
  if (mode === 'replicated-job' || mode === 'global-job' || awaitedToComplete(ctx, name)) return 'Job';
  if ((service.volumes ?? []).some((v) => v.type === 'volume' && v.source !== undefined)) return 'StatefulSet';
  return 'Deployment';
}

/** True when another service waits for `name` to exit successfully: it runs to completion. */
function awaitedToComplete(ctx: ExportContext, name: string): boolean {
  return Object.values(ctx.project.services).some((s) => s.depends_on?.[name]?.condition === 'service_completed_successfully');
}

/** The number of replicas: `deploy.replicas`, else `scale`, else 1. */
export function replicasOf(ctx: ExportContext, name: string, service: Service): number {
  if (service.deploy?.replicas !== undefined) ctx.map(name, 'deploy.replicas');
  if (service.scale !== undefined) ctx.map(name, 'scale');
  return service.deploy?.replicas ?? service.scale ?? 1;
}

/** The pod restart policy and Job retry limit for `kind`, with warnings where Compose's policy cannot be kept. */
export function restartOf(ctx: ExportContext, name: string, service: Service, kind: WorkloadKind): { restartPolicy?: 'OnFailure' | 'Never'; backoffLimit?: number } {
  const restart = service.restart;
  const policy = service.deploy?.restart_policy;
  if (kind === 'Job') {
    let out: { restartPolicy: 'OnFailure' | 'Never'; backoffLimit?: number } = { restartPolicy: 'Never', backoffLimit: 0 };
    if (restart !== undefined) {
      const m = /^on-failure(?::(\d+))?$/.exec(restart);
      if (restart === 'no') ctx.map(name, 'restart');
      else if (m) {
        out = m[1] !== undefined ? { restartPolicy: 'OnFailure', backoffLimit: Number(m[1]) } : { restartPolicy: 'OnFailure' };
        if (m[1] === undefined) ctx.warn(name, ['restart'], "a Job retries 6 times by default, Compose's on-failure without a limit retries forever; set backoffLimit");
        else ctx.map(name, 'restart');
      } else {
        out = { restartPolicy: 'OnFailure' };
        ctx.warn(name, ['restart'], `a Job is not restarted after it succeeds ("${restart}" would restart it); it runs to completion because another service waits for that`);
      }
    }
    if (policy) {
      if (policy.condition === 'none') out = { restartPolicy: 'Never', backoffLimit: 0 };
      else out = { restartPolicy: 'OnFailure', ...(policy.max_attempts !== undefined ? { backoffLimit: policy.max_attempts } : {}) };
      if (policy.condition === 'any') ctx.warn(name, ['deploy', 'restart_policy', 'condition'], 'a Job is not restarted after it succeeds');
      for (const key of ['delay', 'window'] as const) {
        if (policy[key] !== undefined) ctx.warn(name, ['deploy', 'restart_policy', key], 'not exported: Kubernetes backs off by itself (10 s doubling to 6 min)');
      }
      ctx.map(name, 'deploy.restart_policy');
    }
    return out;
  }

  const always = `a ${kind}'s pods are restarted whenever their container stops, also after a clean exit; a task meant to end is a Job (deploy.mode: replicated-job)`;
  if (restart !== undefined) {
    if (restart === 'always' || restart === 'unless-stopped') ctx.map(name, 'restart');
    else ctx.warn(name, ['restart'], `"${restart}" cannot be kept: ${always}`);
  }
  if (policy) {
    if (policy.condition === undefined || policy.condition === 'any') ctx.map(name, 'deploy.restart_policy');
    else ctx.warn(name, ['deploy', 'restart_policy', 'condition'], `"${policy.condition}" cannot be kept: ${always}`);
    for (const key of ['delay', 'max_attempts', 'window'] as const) {
      if (policy[key] !== undefined) ctx.warn(name, ['deploy', 'restart_policy', key], 'not exported: Kubernetes restarts with its own back-off (10 s doubling to 5 min), without limit');
    }
  }
  return {};
}

/** The workload object. */
export function workloadObject(
  ctx: ExportContext,
  name: string,
  objectName: string,
  service: Service,
  kind: WorkloadKind,
  template: PodTemplateSpec,
  selector: Record<string, string>,
  labels: Record<string, string>,
  serviceName: string,
  backoffLimit: number | undefined,
): Workload {
  const deployLabels = splitLabels(service.deploy?.labels);
  for (const dropped of deployLabels.dropped) ctx.warn(name, ['deploy', 'labels', dropped], 'not exported: not a valid Kubernetes label or annotation key, or one the exporter sets itself');
  if (service.deploy?.labels) ctx.map(name, 'deploy.labels');
  const metadata = {
    name: objectName,
    ...(ctx.options.namespace ? { namespace: ctx.options.namespace } : {}),
    labels: { ...deployLabels.labels, ...labels },
    ...(Object.keys(deployLabels.annotations).length ? { annotations: deployLabels.annotations } : {}),
  };
  updateConfig(ctx, name, service, kind);
  if (service.deploy?.rollback_config !== undefined) {
    ctx.warn(name, ['deploy', 'rollback_config'], 'not exported: Kubernetes rolls back on request (kubectl rollout undo), with the settings of the update');
  }
  switch (kind) {
    case 'DaemonSet':
      if (service.scale !== undefined) ctx.warn(name, ['scale'], 'not exported: a global service runs one pod per node');
      if (service.deploy?.replicas !== undefined) ctx.warn(name, ['deploy', 'replicas'], 'not exported: a global service runs one pod per node');
      return { apiVersion: 'apps/v1', kind, metadata, spec: { selector: { matchLabels: selector }, template } };
    case 'Job': {
      const replicas = replicasOf(ctx, name, service);
      return {
        apiVersion: 'batch/v1',
        kind,
        metadata,
        spec: { completions: replicas, parallelism: replicas, ...(backoffLimit !== undefined ? { backoffLimit } : {}), template },
      };
    }
    case 'StatefulSet':
      return { apiVersion: 'apps/v1', kind, metadata, spec: { replicas: replicasOf(ctx, name, service), selector: { matchLabels: selector }, serviceName, podManagementPolicy: 'Parallel', template } };
    case 'Deployment': {
      const strategy = deploymentStrategy(service);
      return { apiVersion: 'apps/v1', kind, metadata, spec: { replicas: replicasOf(ctx, name, service), selector: { matchLabels: selector }, ...(strategy ? { strategy } : {}), template } };
    }
  }
}

interface UpdateConfig {
  parallelism?: number;
  order?: 'stop-first' | 'start-first';
  delay?: unknown;
  failure_action?: unknown;
  monitor?: unknown;
  max_failure_ratio?: unknown;
}

/** `deploy.update_config`: `parallelism` and `order` shape a Deployment's rolling update. */
function updateConfig(ctx: ExportContext, name: string, service: Service, kind: WorkloadKind): void {
  const update = service.deploy?.update_config as UpdateConfig | undefined;
  if (update === undefined) return;
  if (kind !== 'Deployment') {
    ctx.warn(name, ['deploy', 'update_config'], `not exported: a ${kind} updates its pods one at a time (or, for a Job, not at all)`);
    return;
  }
  ctx.map(name, 'deploy.update_config');
  for (const key of ['delay', 'failure_action', 'monitor', 'max_failure_ratio'] as const) {
    if (update[key] !== undefined) ctx.warn(name, ['deploy', 'update_config', key], 'not exported: a Deployment rolls on as pods become ready (minReadySeconds, progressDeadlineSeconds), and rolls back on request');
  }
}

function deploymentStrategy(service: Service): NonNullable<Extract<Workload, { kind: 'Deployment' }>['spec']['strategy']> | undefined {
  const update = service.deploy?.update_config as UpdateConfig | undefined;
  if (update === undefined || (update.parallelism === undefined && update.order === undefined)) return undefined;
  // Swarm: parallelism 0 updates all at once; the default is 1, stop-first.
  const step = update.parallelism === 0 ? '100%' : (update.parallelism ?? 1);
  return update.order === 'start-first'
    ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: step, maxUnavailable: 0 } }
    : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: step } };
}

/** Keys that have no Kubernetes form: the warning for each, unless its value changes nothing. */
const NO_MAPPING: Partial<Record<keyof Service, { message: string; harmless?: (v: unknown) => boolean }>> = {
  container_name: { message: "not exported: pods are named by their workload; other services reach this one by its Service's name" },
  profiles: { message: 'Kubernetes has no profiles: the service is exported because its profile is active; leave it out of what you apply to keep it off' },
  logging: { message: "not exported: Kubernetes keeps a container's stdout and stderr on its node (kubectl logs); shipping them elsewhere is the cluster's log agent's job" },
  ulimits: { message: "not exported: Kubernetes has no per-container ulimits; pods get the container runtime's defaults (set them in the image's entrypoint, or in the runtime's config)" },
  devices: { message: 'not exported: Kubernetes gives devices through device plugins (or a privileged pod with a hostPath volume); a device path cannot be mapped' },
  cpu_shares: { message: 'not exported: Kubernetes derives CPU shares from the CPU request (resources.requests.cpu)', harmless: (v) => v === 0 },
  cpuset: { message: "not exported: Kubernetes pins CPUs only through the kubelet's static CPU manager (Guaranteed pods with whole CPUs)" },
  cpu_count: { message: 'not exported: a Windows-only CPU setting' },
  cpu_percent: { message: 'not exported: a Windows-only CPU setting' },
  cpu_period: { message: 'not exported: Kubernetes sets the CFS period itself; the CPU limit sets the quota' },
  cpu_quota: { message: 'not exported: Kubernetes derives the CFS quota from the CPU limit (deploy.resources.limits.cpus)' },
  cpu_rt_period: { message: 'not exported: Kubernetes has no real-time CPU scheduling settings' },
  cpu_rt_runtime: { message: 'not exported: Kubernetes has no real-time CPU scheduling settings' },
  memswap_limit: { message: "not exported: swap is a node setting in Kubernetes (the kubelet's swap behaviour), not a container's" },
  mem_swappiness: { message: 'not exported: Kubernetes has no per-container swappiness' },
  oom_score_adj: { message: "not exported: Kubernetes sets the OOM score from the pod's QoS class (requests and limits)", harmless: (v) => v === 0 },
  oom_kill_disable: { message: 'not exported: Kubernetes never disables the OOM killer for a container', harmless: (v) => v === false },
  blkio_config: { message: 'not exported: Kubernetes has no block IO weights or limits' },
  cgroup: { message: 'not exported: Kubernetes chooses the cgroup namespace (private with cgroup v2)' },
  cgroup_parent: { message: "not exported: the kubelet places pods in its own cgroup hierarchy (kubernetes/kubernetes#11986)" },
  credential_spec: { message: 'not exported: a Windows gMSA credential spec is a GMSACredentialSpec object and a windowsOptions field in Kubernetes' },
  develop: { message: 'not exported: watch rules are for development with Compose; Kubernetes runs images as built' },
  device_cgroup_rules: { message: 'not exported: Kubernetes has no device cgroup rules; devices come through device plugins' },
  external_links: { message: 'not exported: Kubernetes has no links; a container outside the project is reached by its Service or DNS name' },
  links: { message: "not exported: Kubernetes has no links; the service reaches the others by their Services' names (an alias needs a Service of that name)" },
  isolation: { message: 'not exported: a Windows isolation mode (Hyper-V) is chosen by the RuntimeClass in Kubernetes' },
  mac_address: { message: 'not exported: Kubernetes assigns pod interfaces and their addresses' },
  models: { message: 'not exported: Docker Model Runner models have no Kubernetes form; run the model as a service of its own' },
  provider: { message: 'not exported: a Compose provider service runs a plugin on this machine; Kubernetes has no equivalent' },
  pull_refresh_after: { message: 'not exported: Kubernetes pulls Always, IfNotPresent or Never' },
  use_api_socket: { message: "not exported: a pod has no access to this machine's Docker engine", harmless: (v) => v === false },
  volumes_from: { message: "not exported: Kubernetes shares volumes within a pod only; mount the same volumes (claims) in this service instead" },
  attach: { message: 'not exported: it only says whether `up` shows the logs; use kubectl logs', harmless: (v) => v === true },
  domainname: { message: "not exported: a pod's domain is its Service's (<service>.<namespace>.svc.cluster.local)" },
};

/** Warns about the keys of {@link NO_MAPPING} that `service` sets (unless harmless), and about `depends_on`. */
export function unmappedKeys(ctx: ExportContext, name: string, service: Service): void {
  for (const [key, rule] of Object.entries(NO_MAPPING) as Array<[keyof Service, { message: string; harmless?: (v: unknown) => boolean }]>) {
    const value = service[key];
    if (value === undefined) continue;
    if (rule.harmless?.(value)) ctx.map(name, key);
    else ctx.warn(name, [key], rule.message);
  }
  const deps = Object.entries(service.depends_on ?? {});
  if (deps.length) {
    const listed = deps.map(([dep, d]) => `${dep} (${d.condition}${d.required ? '' : ', optional'}${d.restart ? ', restart' : ''})`).join(', ');
    ctx.warn(
      name,
      ['depends_on'],
      `Kubernetes has no start order: this pod starts without waiting for ${listed}. Their readiness probes keep traffic from pods that are not ready yet; let this service retry its connections, or add an initContainer that waits for them${deps.some(([, d]) => d.restart) ? '. Nothing restarts it when they are replaced' : ''}`,
    );
  }
}
