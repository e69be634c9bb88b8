/**
 * From a Compose service (canonical model) to the engine's ContainerSpec for
 * its n-th container. Pure: names, labels, units and defaults are decided
 * here, so the orchestrator only executes.
 */
import { type BlkioConfig, type ContainerSpec, type Mount, type PortBinding, parseRestartPolicy } from './container-spec.js';
import { ModelstackError } from '../errors.js';
import type { DeviceRequest, Project, Service, ServiceNetwork } from '../compose/model.js';
import { COMPOSE_VERSION_LABEL_VALUE, LABEL, containerNameFor } from './labels.js';

export interface ContainerSpecOptions {
  /**
   * Host address for published ports whose `host_ip` is not set. Compose
   * uses all interfaces; modelstack defaults to `127.0.0.1` so nothing is
   * exposed beyond this machine unless the file or the caller says so.
   */
  defaultHostIp?: string;
  /** Extra labels (config hash, owner, ...). */
  labels?: Record<string, string>;
  /**
   * Network ids by engine name: containers attach by id when given, so a
   * name that is briefly duplicated by a concurrent `up` is never ambiguous.
   */
  networkIds?: Record<string, string>;
}

/** A service that the engine cannot run as described. */
export class ServiceConfigError extends ModelstackError {
  constructor(readonly service: string, readonly keyPath: string, detail: string) {
    super('SERVICE_CONFIG', `service "${service}": ${keyPath}: ${detail}`);
  }
}

/** Image a service runs: its `image:`, else Compose's default build tag `<project>-<service>`. */
export function imageFor(project: Project, serviceName: string): string {
  return project.services[serviceName]?.image ?? `${project.name}-${serviceName}`;
}

/** The ContainerSpec for container `number` (1-based) of `serviceName`. */
export function containerSpecFor(
  project: Project,
  serviceName: string,
  number: number,
  options: ContainerSpecOptions = {},
): ContainerSpec {
  const service = project.services[serviceName];
  if (!service) throw new ServiceConfigError(serviceName, 'services', 'no such service in the project');
  const fail = (keyPath: string, detail: string): never => {
    throw new ServiceConfigError(serviceName, keyPath, detail);
  };

  const limits = service.deploy?.resources?.limits;
  const reservations = service.deploy?.resources?.reservations;
  const cpus = limits?.cpus ?? service.cpus;
  const restart = service.restart === undefined ? undefined : parseRestartPolicy(service.restart);
  if (service.restart !== undefined && !restart) {
    fail('restart', `"${service.restart}" is not one of no, always, on-failure[:N], unless-stopped`);
  }

  const spec: ContainerSpec = {
    name: containerNameFor(project.name, serviceName, number, service.container_name),
    image: imageFor(project, serviceName),
    labels: {
      ...service.labels,
      ...options.labels,
      [LABEL.project]: project.name,
      [LABEL.service]: serviceName,
      [LABEL.containerNumber]: String(number),
      [LABEL.oneoff]: 'False',
      [LABEL.workingDir]: project.working_dir,
      [LABEL.configFiles]: project.config_files.join(','),
      [LABEL.dependsOn]: dependsOnLabel(service),
      [LABEL.version]: COMPOSE_VERSION_LABEL_VALUE,
    },
    env: environmentOf(service),
    mounts: mountsOf(project, serviceName, service, fail),
    ports: portsOf(service, options.defaultHostIp ?? '127.0.0.1'),
    ...(service.tmpfs?.length ? { tmpfs: tmpfsOf(service.tmpfs) } : {}),
    ...(service.expose?.length ? { expose: service.expose } : {}),
    ...networksOf(project, serviceName, service, fail, options.networkIds ?? {}),
  };

  const links = [
    ...(service.links ?? []).map((l) => linkTarget(project, l)),
    ...(service.external_links ?? []).map((l) => (l.includes(':') ? l : `${l}:${l}`)),
  ];
  assign(spec, {
    command: service.command ?? undefined,
    entrypoint: service.entrypoint ?? undefined,
    workingDir: service.working_dir,
    user: service.user,
    hostname: service.hostname,
    domainname: service.domainname,
    tty: service.tty,
    openStdin: service.stdin_open,
    init: service.init,
    privileged: service.privileged,
    readOnlyRootfs: service.read_only,
    nanoCpus: cpus === undefined ? undefined : Math.round(cpus * 1e9),
    memoryBytes: limits?.memory ?? service.mem_limit,
    memoryReservationBytes: reservations?.memory ?? service.mem_reservation,
    memorySwapBytes: service.memswap_limit,
    pidsLimit: limits?.pids ?? service.pids_limit,
    shmSizeBytes: service.shm_size,
    cpuShares: service.cpu_shares,
    cpusetCpus: service.cpuset,
    deviceRequests: deviceRequestsOf([...(reservations?.devices ?? []), ...(service.gpus ?? [])]),
    healthcheck: healthcheckOf(service),
    restart,
    stopSignal: service.stop_signal,
    stopTimeoutSeconds: service.stop_grace_period === undefined ? undefined : Math.ceil(service.stop_grace_period / 1e9),
    capAdd: service.cap_add,
    capDrop: service.cap_drop,
    securityOpt: service.security_opt,
    sysctls: service.sysctls,
    ulimits: service.ulimits ? Object.entries(service.ulimits).map(([name, u]) => ({ name, soft: u.soft, hard: u.hard })) : undefined,
    extraHosts: service.extra_hosts ? Object.entries(service.extra_hosts).flatMap(([host, ips]) => ips.map((ip) => `${host}:${ip}`)) : undefined,
    dns: service.dns,
    dnsSearch: service.dns_search,
    dnsOptions: service.dns_opt,
    devices: service.devices?.map((d) => ({ pathOnHost: d.source, pathInContainer: d.target, cgroupPermissions: d.permissions })),
    groupAdd: service.group_add,
    ipcMode: namespaceMode(project, service.ipc, 'ipc', fail),
    pidMode: namespaceMode(project, service.pid, 'pid', fail),
    oomScoreAdj: service.oom_score_adj,
    logging: service.logging?.driver ? { driver: service.logging.driver, options: service.logging.options ?? {} } : undefined,
    platform: service.platform,
    runtime: service.runtime,
    usernsMode: service.userns_mode,
    utsMode: service.uts?.startsWith('service:') ? fail('uts', `"${service.uts}": the engine shares only the host's UTS namespace, not another container's`) : service.uts,
    cgroupParent: service.cgroup_parent,
    cgroupnsMode: service.cgroup,
    memorySwappiness: service.mem_swappiness,
    oomKillDisable: service.oom_kill_disable,
    cpuQuota: service.cpu_quota,
    cpuPeriod: service.cpu_period,
    cpuRealtimePeriod: service.cpu_rt_period,
    cpuRealtimeRuntime: service.cpu_rt_runtime,
    deviceCgroupRules: service.device_cgroup_rules,
    storageOpt: service.storage_opt ? Object.fromEntries(Object.entries(service.storage_opt).map(([k, v]) => [k, String(v)])) : undefined,
    volumesFrom: service.volumes_from?.map((v) => volumesFromTarget(project, v)),
    links: links.length ? links : undefined,
    macAddress: service.mac_address,
    blkio: blkioOf(service),
    annotations: service.annotations && Object.keys(service.annotations).length ? service.annotations : undefined,
  });
  return spec;
}

/**
 * `volumes_from: [service[:ro]]` or `[container:name[:ro]]` → the engine's
 * `container[:ro]` (a service means its first container).
 */
function volumesFromTarget(project: Project, entry: string): string {
  const [first, ...rest] = entry.split(':');
  if (first === 'container') return rest.join(':');
  const mode = rest.length ? `:${rest.join(':')}` : '';
  const target = project.services[first ?? ''];
  return target ? `${containerNameFor(project.name, first!, 1, target.container_name)}${mode}` : entry;
}

/**
 * `service:<name>` (Compose) → `container:<first container of name>` (the
 * engine), for network_mode, ipc and pid; other values pass through.
 */
function namespaceMode(project: Project, value: string | undefined, key: string, fail: (k: string, d: string) => never): string | undefined {
  if (!value?.startsWith('service:')) return value;
  const name = value.slice('service:'.length);
  const target = project.services[name];
  if (!target) return fail(key, `"${value}" names a service that is not in the project (or not enabled)`);
  return `container:${containerNameFor(project.name, name, 1, target.container_name)}`;
}

/** `links: [service[:alias]]` → `container:alias`. */
function linkTarget(project: Project, entry: string): string {
  const [service, alias] = entry.split(':');
  const target = project.services[service ?? ''];
  const container = target ? containerNameFor(project.name, service!, 1, target.container_name) : service!;
  return `${container}:${alias ?? service}`;
}

/** Compose's `depends_on` label: `name:condition:restart,…`. */
function dependsOnLabel(service: Service): string {
  return Object.entries(service.depends_on ?? {})
    .map(([name, d]) => `${name}:${d.condition}:${d.restart}`)
    .join(',');
}

/** `null` values ("take it from the environment") were resolved by the loader; any left are dropped, as Compose does. */
function environmentOf(service: Service): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.environment ?? {})) if (v !== null) env[k] = v;
  return env;
}

function portsOf(service: Service, defaultHostIp: string): PortBinding[] {
  return (service.ports ?? []).map((p) => ({
    containerPort: p.target,
    protocol: p.protocol,
    hostIp: p.host_ip || defaultHostIp,
    ...(p.published ? { hostPort: /^\d+$/.test(p.published) ? Number(p.published) : p.published } : {}),
  }));
}

function mountsOf(project: Project, serviceName: string, service: Service, fail: (k: string, d: string) => never): Mount[] {
  return (service.volumes ?? []).map((v, i): Mount => {
    switch (v.type) {
      case 'bind':
        return {
          type: 'bind',
          source: v.source,
          target: v.target,
          ...(v.read_only ? { readOnly: true } : {}),
          ...(v.bind?.propagation ? { propagation: v.bind.propagation } : {}),
          ...(v.bind?.selinux ? { selinux: v.bind.selinux } : {}),
          ...(v.bind?.create_host_path ? { createHostPath: true } : {}),
        };
      case 'volume': {
        if (v.source === undefined) return { type: 'volume', target: v.target, ...(v.read_only ? { readOnly: true } : {}) };
        const declared = project.volumes[v.source];
        if (!declared) fail(`volumes[${i}].source`, `volume "${v.source}" is not declared in the top-level volumes section`);
        return {
          type: 'volume',
          source: declared!.name,
          target: v.target,
          ...(v.read_only ? { readOnly: true } : {}),
          ...(v.volume?.nocopy ? { noCopy: true } : {}),
          ...(v.volume?.subpath ? { subpath: v.volume.subpath } : {}),
        };
      }
      case 'tmpfs':
        return {
          type: 'tmpfs',
          target: v.target,
          ...(v.tmpfs?.size !== undefined ? { sizeBytes: v.tmpfs.size } : {}),
          ...(v.tmpfs?.mode !== undefined ? { mode: v.tmpfs.mode } : {}),
        };
      default:
        return fail(`volumes[${i}].type`, `"${v.type}" volumes are not supported by the Docker engine backend (service ${serviceName})`);
    }
  });
}

function tmpfsOf(entries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const colon = e.indexOf(':');
    if (colon < 0) out[e] = '';
    else out[e.slice(0, colon)] = e.slice(colon + 1);
  }
  return out;
}

function networksOf(
  project: Project,
  serviceName: string,
  service: Service,
  fail: (k: string, d: string) => never,
  networkIds: Record<string, string>,
): Pick<ContainerSpec, 'networks' | 'networkMode'> {
  if (service.network_mode) return { networkMode: namespaceMode(project, service.network_mode, 'network_mode', fail) };
  const entries = Object.entries(service.networks ?? {});
  // Compose orders by priority (higher first), then by name.
  entries.sort(([a, x], [b, y]) => (y?.priority ?? 0) - (x?.priority ?? 0) || a.localeCompare(b));
  return {
    networks: entries.map(([key, settings]) => {
      const network = project.networks[key];
      if (!network) fail(`networks.${key}`, `network "${key}" is not declared in the top-level networks section`);
      return {
        name: networkIds[network!.name] ?? network!.name,
        // Compose makes every container reachable by its service name.
        aliases: [...new Set([serviceName, ...(settings?.aliases ?? [])])],
        ...(settings?.ipv4_address ? { ipv4Address: settings.ipv4_address } : {}),
        ...(settings?.ipv6_address ? { ipv6Address: settings.ipv6_address } : {}),
        ...(settings?.link_local_ips?.length ? { linkLocalIps: settings.link_local_ips } : {}),
        ...(settings?.mac_address ? { macAddress: settings.mac_address } : {}),
        ...endpointDriverOpts(settings),
        ...(settings?.gw_priority !== undefined ? { gwPriority: settings.gw_priority } : {}),
      };
    }),
  };
}

/** The endpoint's driver options; `interface_name` is the engine's `com.docker.network.endpoint.ifname` option (as Compose sends it). */
function endpointDriverOpts(settings: ServiceNetwork | null | undefined): { driverOpts?: Record<string, string> } {
  const opts = { ...settings?.driver_opts, ...(settings?.interface_name ? { [IFNAME_DRIVER_OPT]: settings.interface_name } : {}) };
  return Object.keys(opts).length ? { driverOpts: opts } : {};
}

/** The endpoint driver option that names the container's interface on a network (Docker 28). */
export const IFNAME_DRIVER_OPT = 'com.docker.network.endpoint.ifname';

function blkioOf(service: Service): BlkioConfig | undefined {
  const b = service.blkio_config;
  if (!b) return undefined;
  const rates = (list: Array<{ path?: string; rate?: number }> | undefined) =>
    list?.filter((d): d is { path: string; rate: number } => d.path !== undefined && d.rate !== undefined).map(({ path, rate }) => ({ path, rate }));
  const out: BlkioConfig = {};
  assign(out, {
    weight: b.weight,
    weightDevice: b.weight_device?.filter((d): d is { path: string; weight: number } => d.path !== undefined && d.weight !== undefined).map(({ path, weight }) => ({ path, weight })),
    deviceReadBps: rates(b.device_read_bps),
    deviceWriteBps: rates(b.device_write_bps),
    deviceReadIops: rates(b.device_read_iops),
    deviceWriteIops: rates(b.device_write_iops),
  });
  return Object.keys(out).length ? out : undefined;
}

function healthcheckOf(service: Service): ContainerSpec['healthcheck'] {
  const h = service.healthcheck;
  if (!h) return undefined;
  if (h.disable) return { test: ['NONE'] };
  const out: NonNullable<ContainerSpec['healthcheck']> = { test: h.test ?? [] };
  assign(out, { intervalNs: h.interval, timeoutNs: h.timeout, startPeriodNs: h.start_period, startIntervalNs: h.start_interval, retries: h.retries });
  return out;
}

function deviceRequestsOf(devices: DeviceRequest[]): ContainerSpec['deviceRequests'] {
  if (!devices.length) return undefined;
  return devices.map((d) => ({
    ...(d.driver ? { driver: d.driver } : {}),
    ...(d.count !== undefined ? { count: d.count } : {}),
    ...(d.device_ids?.length ? { deviceIds: d.device_ids } : {}),
    capabilities: [d.capabilities],
    ...(d.options ? { options: d.options } : {}),
  }));
}

/** Copies the defined values of `values` onto `target`. */
function assign<T extends object>(target: T, values: Partial<T>): void {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
}
