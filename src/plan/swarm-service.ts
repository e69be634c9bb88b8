/**
 * From a Compose service (canonical model) to a Swarm service spec, as
 * `docker stack deploy` maps it — and where it falls short, better: every
 * key Swarm can express is mapped, and every key it cannot is reported as a
 * warning naming the service and the key, never dropped in silence.
 *
 * Names and labels are `docker stack`'s own (`<stack>_<name>`,
 * `com.docker.stack.namespace`, `com.docker.stack.image`), so `docker stack
 * ps / rm` work on stacks modelstack deployed and modelstack works on theirs.
 * Pure: the shapes below are the Engine API's, written out so the plan does
 * not depend on the engine layer.
 *
 * Long on purpose: one mapping (Compose service → Swarm service spec) read
 * key by key, each key either mapped or warned about; split, that table would be in pieces.
 */
import type { DeviceRequest, Project, Service } from '../compose/model.js';

/** `docker stack`'s labels. */
export const STACK_LABEL = {
  namespace: 'com.docker.stack.namespace',
  image: 'com.docker.stack.image',
  /** modelstack's own: the canonical JSON of the spec it deployed, to name the fields that change. */
  spec: 'org.modelstack.swarm-spec',
  /** modelstack's own: the sha256 of that JSON. */
  specHash: 'org.modelstack.swarm-spec-hash',
} as const;

/** `<stack>_<name>`, as `docker stack deploy` names services, networks, secrets, configs and volumes. */
export function stackScoped(stack: string, name: string): string {
  return `${stack}_${name}`;
}

export interface SwarmMount {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string };
  BindOptions?: { Propagation?: string; CreateMountpoint?: boolean };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** A secret or config reference of a task, by the Swarm object's name (the id is filled in when it exists). */
export interface SwarmFileReference {
  File: { Name: string; UID: string; GID: string; Mode: number };
  /** The Swarm object, by its (content-addressed) name. */
  ObjectName: string;
}

/** The parts of the Engine API's `ServiceSpec` modelstack writes. */
export interface SwarmServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Labels?: Record<string, string>;
      Command?: string[];
      Args?: string[];
      Hostname?: string;
      Env?: string[];
      Dir?: string;
      User?: string;
      Groups?: string[];
      Init?: boolean;
      TTY?: boolean;
      OpenStdin?: boolean;
      ReadOnly?: boolean;
      Mounts?: SwarmMount[];
      StopSignal?: string;
      StopGracePeriod?: number;
      HealthCheck?: { Test: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number; StartInterval?: number };
      Hosts?: string[];
      DNSConfig?: { Nameservers?: string[]; Search?: string[]; Options?: string[] };
      Secrets?: SwarmFileReference[];
      Configs?: SwarmFileReference[];
      Sysctls?: Record<string, string>;
      CapabilityAdd?: string[];
      CapabilityDrop?: string[];
      Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
      Isolation?: string;
    };
    Resources?: {
      Limits?: { NanoCPUs?: number; MemoryBytes?: number; Pids?: number };
      Reservations?: { NanoCPUs?: number; MemoryBytes?: number; GenericResources?: Array<{ DiscreteResourceSpec: { Kind: string; Value: number } }> };
    };
    RestartPolicy?: { Condition: 'none' | 'on-failure' | 'any'; Delay?: number; MaxAttempts?: number; Window?: number };
    Placement: { Constraints?: string[]; Preferences?: Array<{ Spread: { SpreadDescriptor: string } }>; MaxReplicas?: number };
    /** Networks by their stack-scoped name (the id is filled in when it exists). */
    Networks?: Array<{ Target: string; Aliases?: string[]; DriverOpts?: Record<string, string> }>;
    LogDriver?: { Name: string; Options?: Record<string, string> };
  };
  Mode: { Replicated: { Replicas: number } } | { Global: Record<string, never> };
  UpdateConfig?: SwarmUpdateConfig;
  RollbackConfig?: SwarmUpdateConfig;
  EndpointSpec?: { Mode: 'vip' | 'dnsrr'; Ports?: Array<{ Protocol: 'tcp' | 'udp' | 'sctp'; TargetPort: number; PublishedPort?: number; PublishMode: 'ingress' | 'host' }> };
}

export interface SwarmUpdateConfig {
  Parallelism: number;
  Delay?: number;
  FailureAction?: 'continue' | 'pause' | 'rollback';
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: 'stop-first' | 'start-first';
}

/** A key Swarm cannot act on, named for the user. */
export interface SwarmWarning {
  service: string;
  key: string;
  message: string;
}

export interface SwarmServiceOptions {
  /** Swarm object name of each config and secret (content-addressed), by project key: `configs/<key>`, `secrets/<key>`. */
  objectNames: Record<string, string>;
}

interface UpdateConfig {
  parallelism?: number;
  delay?: number;
  failure_action?: string;
  monitor?: number;
  max_failure_ratio?: number;
  order?: string;
}

interface Placement {
  constraints?: string[];
  preferences?: Array<{ spread?: string }>;
  max_replicas_per_node?: number;
}

/**
 * Keys of the Compose model that a Swarm service cannot express, with why.
 * Checked on every service; the ones written are reported.
 */
const NOT_IN_SWARM: Array<{ key: keyof Service; why: string }> = [
  { key: 'build', why: 'a swarm runs images; build and push the image first, and set image:' },
  { key: 'container_name', why: 'Swarm names the tasks of a service itself (<stack>_<service>.<slot>)' },
  { key: 'depends_on', why: 'Swarm starts services in no order; make services wait for what they need (a healthcheck, retries)' },
  { key: 'links', why: 'services reach each other by name on their networks' },
  { key: 'external_links', why: 'services reach each other by name on their networks' },
  { key: 'network_mode', why: 'a service joins networks; it cannot share another container\'s network namespace' },
  { key: 'ipc', why: 'Swarm does not share IPC namespaces' },
  { key: 'pid', why: 'Swarm does not share PID namespaces' },
  { key: 'uts', why: 'Swarm does not share UTS namespaces' },
  { key: 'userns_mode', why: 'Swarm has no per-service user namespace mode' },
  { key: 'cgroup', why: 'Swarm has no per-service cgroup namespace mode' },
  { key: 'cgroup_parent', why: 'Swarm has no per-service cgroup parent' },
  { key: 'privileged', why: 'Swarm services cannot be privileged; add the capabilities they need with cap_add' },
  { key: 'devices', why: 'Swarm cannot map devices into tasks; use generic resources for GPUs' },
  { key: 'device_cgroup_rules', why: 'Swarm has no device cgroup rules' },
  { key: 'security_opt', why: 'Swarm services take no security options' },
  { key: 'volumes_from', why: 'Swarm tasks cannot mount another container\'s volumes' },
  { key: 'domainname', why: 'Swarm has no domain name setting' },
  { key: 'mac_address', why: 'Swarm assigns addresses itself' },
  { key: 'oom_kill_disable', why: 'Swarm has no such setting' },
  { key: 'oom_score_adj', why: 'not settable through the API version modelstack speaks to a swarm' },
  { key: 'mem_swappiness', why: 'Swarm has no swap settings' },
  { key: 'memswap_limit', why: 'Swarm has no swap settings' },
  { key: 'shm_size', why: 'Swarm has no shm size; mount a tmpfs at /dev/shm instead' },
  { key: 'cpu_shares', why: 'Swarm has CPU limits and reservations only' },
  { key: 'cpuset', why: 'Swarm has CPU limits and reservations only' },
  { key: 'cpu_quota', why: 'Swarm has CPU limits and reservations only' },
  { key: 'cpu_period', why: 'Swarm has CPU limits and reservations only' },
  { key: 'cpu_rt_period', why: 'Swarm has CPU limits and reservations only' },
  { key: 'cpu_rt_runtime', why: 'Swarm has CPU limits and reservations only' },
  { key: 'cpu_count', why: 'Swarm has CPU limits and reservations only' },
  { key: 'cpu_percent', why: 'Swarm has CPU limits and reservations only' },
  { key: 'blkio_config', why: 'Swarm has no block IO limits' },
  { key: 'storage_opt', why: 'Swarm has no storage options' },
  { key: 'runtime', why: 'Swarm runs the nodes\' default runtime' },
  { key: 'group_add', why: 'not mapped yet' },
  { key: 'annotations', why: 'Swarm has no OCI annotations' },
  { key: 'post_start', why: 'Swarm has no lifecycle hooks' },
  { key: 'pre_stop', why: 'Swarm has no lifecycle hooks' },
  { key: 'develop', why: 'watch rules are for a local engine' },
  { key: 'models', why: 'model runner references are for a local engine' },
  { key: 'provider', why: 'providers are for a local engine' },
  { key: 'use_api_socket', why: 'Swarm does not mount the engine\'s socket into tasks' },
  { key: 'attach', why: 'an attach setting is for a local engine' },
  { key: 'credential_spec', why: 'credential specs are for Windows nodes' },
  { key: 'pull_refresh_after', why: 'nodes pull images themselves' },
];

/** The Swarm service spec of `name` in stack `stack`, and the keys it could not express. */
export function swarmServiceSpec(project: Project, name: string, stack: string, options: SwarmServiceOptions): { spec: SwarmServiceSpec; warnings: SwarmWarning[] } {
  const service = project.services[name];
  if (!service) throw new Error(`swarmServiceSpec: no service "${name}"`);
  const warnings: SwarmWarning[] = [];
  const warn = (key: string, message: string) => warnings.push({ service: name, key, message });
  for (const { key, why } of NOT_IN_SWARM) {
    const value = service[key];
    if (value === undefined || value === false || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)) continue;
    warn(key, `not applied on a swarm: ${why}`);
  }
  const image = service.image ?? `${project.name}-${name}`;
  const labels = { [STACK_LABEL.namespace]: stack };
  const limits = service.deploy?.resources?.limits;
  const reservations = service.deploy?.resources?.reservations;
  const cpus = limits?.cpus ?? service.cpus;
  const memory = limits?.memory ?? service.mem_limit;
  const pids = limits?.pids ?? service.pids_limit;
  const mode = service.deploy?.mode ?? 'replicated';
  if (mode !== 'replicated' && mode !== 'global') warn('deploy.mode', `"${mode}" is not a Swarm mode (replicated or global); deployed as replicated`);
  const replicas = service.deploy?.replicas ?? service.scale ?? 1;

  const containerSpec: SwarmServiceSpec['TaskTemplate']['ContainerSpec'] = compact({
    Image: image,
    Labels: { ...service.labels, ...labels },
    Command: service.entrypoint ?? undefined,
    Args: service.command ?? undefined,
    Hostname: service.hostname,
    Env: environmentOf(service),
    Dir: service.working_dir,
    User: service.user,
    Init: service.init,
    TTY: service.tty,
    OpenStdin: service.stdin_open,
    ReadOnly: service.read_only,
    Mounts: mountsOf(project, service, stack, warn),
    StopSignal: service.stop_signal,
    StopGracePeriod: service.stop_grace_period,
    HealthCheck: healthcheckOf(service),
    Hosts: service.extra_hosts ? Object.entries(service.extra_hosts).flatMap(([host, ips]) => ips.map((ip) => `${ip} ${host}`)) : undefined,
    DNSConfig: service.dns || service.dns_search || service.dns_opt ? compact({ Nameservers: service.dns, Search: service.dns_search, Options: service.dns_opt }) : undefined,
    Secrets: fileReferences(service.secrets, 'secrets', options, warn),
    Configs: fileReferences(service.configs, 'configs', options, warn),
    Sysctls: service.sysctls,
    CapabilityAdd: service.cap_add,
    CapabilityDrop: service.cap_drop,
    Ulimits: service.ulimits ? Object.entries(service.ulimits).map(([n, u]) => ({ Name: n, Soft: u.soft, Hard: u.hard })) : undefined,
    Isolation: service.isolation,
  });

  const generic = genericResources(reservations?.devices ?? [], service.gpus ?? [], warn);
  for (const g of (reservations?.generic_resources ?? []) as Array<{ discrete_resource_spec?: { kind?: string; value?: number } }>) {
    if (g.discrete_resource_spec?.kind) generic.push({ DiscreteResourceSpec: { Kind: g.discrete_resource_spec.kind, Value: g.discrete_resource_spec.value ?? 1 } });
  }
  const resources = compact({
    Limits: cpus !== undefined || memory !== undefined || pids !== undefined ? compact({ NanoCPUs: cpus === undefined ? undefined : Math.round(cpus * 1e9), MemoryBytes: memory, Pids: pids }) : undefined,
    Reservations:
      reservations?.cpus !== undefined || (reservations?.memory ?? service.mem_reservation) !== undefined || generic.length
        ? compact({
            NanoCPUs: reservations?.cpus === undefined ? undefined : Math.round(reservations.cpus * 1e9),
            MemoryBytes: reservations?.memory ?? service.mem_reservation,
            GenericResources: generic.length ? generic : undefined,
          })
        : undefined,
  });

  const placement = service.deploy?.placement as Placement | undefined;
  const spec: SwarmServiceSpec = {
    Name: stackScoped(stack, name),
    Labels: { ...service.deploy?.labels, ...labels, [STACK_LABEL.image]: image },
    TaskTemplate: compact({
      ContainerSpec: containerSpec,
      Resources: Object.keys(resources).length ? resources : undefined,
      RestartPolicy: restartPolicyOf(service),
      // Always an object, as `docker stack deploy` sends it: an update that drops the last
      // constraint (Placement gone) crashes a Docker 26.1 manager (swarmkit's nodeMatches reads
      // Spec.Task.Placement.Constraints without a nil check).
      Placement: compact({
        Constraints: placement?.constraints,
        Preferences: placement?.preferences?.filter((p) => p.spread).map((p) => ({ Spread: { SpreadDescriptor: p.spread! } })),
        MaxReplicas: placement?.max_replicas_per_node,
      }),
      Networks: networksOf(project, name, service, stack),
      LogDriver: service.logging?.driver ? compact({ Name: service.logging.driver, Options: service.logging.options }) : undefined,
    }),
    Mode: mode === 'global' ? { Global: {} } : { Replicated: { Replicas: replicas } },
    ...optional('UpdateConfig', updateConfigOf(service.deploy?.update_config as UpdateConfig | undefined)),
    ...optional('RollbackConfig', updateConfigOf(service.deploy?.rollback_config as UpdateConfig | undefined)),
    ...optional('EndpointSpec', endpointOf(service, warn)),
  };
  if (mode === 'global' && (service.deploy?.replicas !== undefined || service.scale !== undefined)) warn('deploy.replicas', 'a global service runs one task per node; replicas is ignored');
  return { spec, warnings };
}

function environmentOf(service: Service): string[] | undefined {
  const entries = Object.entries(service.environment ?? {}).filter((e): e is [string, string] => e[1] !== null);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`) : undefined;
}

function mountsOf(project: Project, service: Service, stack: string, warn: (key: string, message: string) => void): SwarmMount[] | undefined {
  const mounts: SwarmMount[] = [];
  (service.volumes ?? []).forEach((v, i) => {
    switch (v.type) {
      case 'bind':
        // A bind mount is a path on whichever node runs the task.
        mounts.push(compact({ Type: 'bind' as const, Source: v.source, Target: v.target, ReadOnly: v.read_only, BindOptions: v.bind?.propagation ? { Propagation: v.bind.propagation } : undefined }));
        return;
      case 'volume': {
        if (v.source === undefined) {
          mounts.push(compact({ Type: 'volume' as const, Target: v.target, ReadOnly: v.read_only }));
          return;
        }
        const declared = project.volumes[v.source];
        const volumeName = declared?.external ? declared.name : stackScoped(stack, v.source);
        mounts.push(
          compact({
            Type: 'volume' as const,
            Source: volumeName,
            Target: v.target,
            ReadOnly: v.read_only,
            VolumeOptions: compact({ NoCopy: v.volume?.nocopy, Subpath: v.volume?.subpath, Labels: { ...declared?.labels, [STACK_LABEL.namespace]: stack } }),
          }),
        );
        return;
      }
      case 'tmpfs':
        mounts.push(compact({ Type: 'tmpfs' as const, Target: v.target, TmpfsOptions: v.tmpfs ? compact({ SizeBytes: v.tmpfs.size, Mode: v.tmpfs.mode }) : undefined }));
        return;
      default:
        warn(`volumes[${i}]`, `"${v.type}" mounts are not supported on a swarm`);
    }
  });
  for (const t of service.tmpfs ?? []) mounts.push({ Type: 'tmpfs', Target: t.split(':')[0]! });
  return mounts.length ? mounts : undefined;
}

function healthcheckOf(service: Service): SwarmServiceSpec['TaskTemplate']['ContainerSpec']['HealthCheck'] {
  const h = service.healthcheck;
  if (!h) return undefined;
  if (h.disable) return { Test: ['NONE'] };
  return compact({ Test: h.test ?? [], Interval: h.interval, Timeout: h.timeout, Retries: h.retries, StartPeriod: h.start_period, StartInterval: h.start_interval });
}

function fileReferences(
  refs: Service['secrets'],
  kind: 'secrets' | 'configs',
  options: SwarmServiceOptions,
  warn: (key: string, message: string) => void,
): SwarmFileReference[] | undefined {
  if (!refs?.length) return undefined;
  const out: SwarmFileReference[] = [];
  refs.forEach((r, i) => {
    const objectName = options.objectNames[`${kind}/${r.source}`];
    if (!objectName) {
      warn(`${kind}[${i}]`, `${kind.slice(0, -1)} "${r.source}" is not declared in the top-level ${kind} section`);
      return;
    }
    // Compose's defaults: secrets in /run/secrets/<name>, configs at /<name>; a Swarm file name is relative to those.
    const target = r.target ?? r.source;
    out.push({ File: { Name: target, UID: String(r.uid ?? '0'), GID: String(r.gid ?? '0'), Mode: r.mode ?? 0o444 }, ObjectName: objectName });
  });
  return out.length ? out : undefined;
}

/** GPUs and other devices, as the nodes' generic resources (the kind is the capability: `gpu`, as nodes advertise it with --node-generic-resource gpu=…). */
function genericResources(devices: DeviceRequest[], gpus: DeviceRequest[], warn: (key: string, message: string) => void): Array<{ DiscreteResourceSpec: { Kind: string; Value: number } }> {
  const out: Array<{ DiscreteResourceSpec: { Kind: string; Value: number } }> = [];
  const add = (d: DeviceRequest, key: string) => {
    const kind = d.capabilities.includes('gpu') ? 'gpu' : d.capabilities[0];
    if (!kind) return warn(key, 'a device request without capabilities has no generic resource to ask for');
    if (d.device_ids?.length) warn(key, 'device_ids cannot be asked of a swarm; reserved by count instead');
    const count = d.count === undefined || d.count < 0 ? undefined : d.count;
    if (count === undefined) warn(key, `"all" devices cannot be reserved on a swarm; reserving 1 "${kind}" per task (set count)`);
    out.push({ DiscreteResourceSpec: { Kind: kind, Value: count ?? 1 } });
  };
  devices.forEach((d, i) => add(d, `deploy.resources.reservations.devices[${i}]`));
  gpus.forEach((d, i) => add(d, `gpus[${i}]`));
  return out;
}

/** deploy.restart_policy, else Compose's `restart` as Swarm means it (docker stack ignores `restart`). */
function restartPolicyOf(service: Service): NonNullable<SwarmServiceSpec['TaskTemplate']['RestartPolicy']> | undefined {
  const p = service.deploy?.restart_policy;
  if (p) return compact({ Condition: p.condition ?? 'any', Delay: p.delay, MaxAttempts: p.max_attempts, Window: p.window });
  const r = service.restart;
  if (r === undefined) return undefined;
  if (r === 'no') return { Condition: 'none' };
  const m = /^on-failure(?::(\d+))?$/.exec(r);
  if (m) return compact({ Condition: 'on-failure' as const, MaxAttempts: m[1] === undefined ? undefined : Number(m[1]) });
  return { Condition: 'any' };
}

function networksOf(project: Project, name: string, service: Service, stack: string): SwarmServiceSpec['TaskTemplate']['Networks'] {
  if (service.network_mode) return undefined;
  const entries = Object.entries(service.networks ?? {});
  if (!entries.length) return undefined;
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, settings]) => {
      const network = project.networks[key];
      const target = network?.external ? network.name : stackScoped(stack, key);
      return compact({ Target: target, Aliases: [...new Set([name, ...(settings?.aliases ?? [])])], DriverOpts: settings?.driver_opts });
    });
}

function updateConfigOf(u: UpdateConfig | undefined): SwarmUpdateConfig | undefined {
  if (!u) return undefined;
  const failureAction = u.failure_action === 'continue' || u.failure_action === 'pause' || u.failure_action === 'rollback' ? u.failure_action : undefined;
  const order = u.order === 'start-first' || u.order === 'stop-first' ? u.order : undefined;
  return compact<SwarmUpdateConfig>({ Parallelism: u.parallelism ?? 1, Delay: u.delay, FailureAction: failureAction, Monitor: u.monitor, MaxFailureRatio: u.max_failure_ratio, Order: order });
}

function endpointOf(service: Service, warn: (key: string, message: string) => void): SwarmServiceSpec['EndpointSpec'] {
  const modeWritten = service.deploy?.endpoint_mode;
  const mode = modeWritten === 'dnsrr' ? 'dnsrr' : 'vip';
  if (modeWritten && modeWritten !== 'dnsrr' && modeWritten !== 'vip') warn('deploy.endpoint_mode', `"${modeWritten}" is not vip or dnsrr; using vip`);
  const ports = (service.ports ?? []).flatMap((p, i) => {
    if (p.host_ip) warn(`ports[${i}].host_ip`, 'a swarm publishes on every address of a node; host_ip is not applied');
    const publishMode = p.mode === 'host' ? 'host' : 'ingress';
    if (mode === 'dnsrr' && publishMode === 'ingress') warn(`ports[${i}].mode`, 'dnsrr services cannot publish through the ingress mesh; use mode: host');
    const range = p.published?.split('-').map(Number);
    if (range && range.length === 2 && range[0] !== range[1]) warn(`ports[${i}].published`, 'a published port range is not a Swarm port; the first port of it is used');
    return [compact({ Protocol: (p.protocol ?? 'tcp') as 'tcp' | 'udp' | 'sctp', TargetPort: p.target, PublishedPort: range?.[0] || undefined, PublishMode: publishMode as 'ingress' | 'host' })];
  });
  if (!ports.length && mode === 'vip') return undefined;
  return compact({ Mode: mode as 'vip' | 'dnsrr', Ports: ports.length ? ports : undefined });
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Drops keys whose value is `undefined`. */
function compact<T extends object>(o: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
