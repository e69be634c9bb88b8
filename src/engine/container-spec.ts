/**
 * The typed description of one container, and its pure translation into the
 * body of `POST /containers/create`.
 *
 * This is the engine layer's input: it says exactly what the engine will be
 * asked for, in engine units (bytes, nanoseconds, nano-CPUs). The planner
 * builds it from a Compose service; tests and scripts can write it directly.
 */
import type Dockerode from 'dockerode';

/** Restart policy, as Compose writes it. */
export type RestartPolicy =
  | { name: 'no' }
  | { name: 'always' }
  | { name: 'unless-stopped' }
  | { name: 'on-failure'; maximumRetryCount?: number };

export type Mount =
  /**
   * A host path. With `createHostPath` the engine creates a missing source
   * folder (legacy `Binds`, as `docker run -v` and Compose's short syntax do);
   * without it a missing source is an error.
   */
  | { type: 'bind'; source: string; target: string; readOnly?: boolean; propagation?: string; selinux?: 'z' | 'Z'; createHostPath?: boolean }
  | { type: 'volume'; source?: string; target: string; readOnly?: boolean; noCopy?: boolean; subpath?: string; labels?: Record<string, string> }
  | { type: 'tmpfs'; target: string; sizeBytes?: number; mode?: number };

export interface PortBinding {
  /** Port inside the container. */
  containerPort: number;
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** Host address to bind; default `127.0.0.1` (never all interfaces unless asked). */
  hostIp?: string;
  /** Host port; `undefined` or `0` lets the daemon pick a free one. A range `"8000-8010"` lets it pick from the range. */
  hostPort?: number | string;
}

export interface Healthcheck {
  /** `["CMD", ...]`, `["CMD-SHELL", "..."]`, or `["NONE"]` to disable the image's check. */
  test: string[];
  intervalNs?: number;
  timeoutNs?: number;
  startPeriodNs?: number;
  /** Interval between checks during the start period (API 1.44, Docker 25). */
  startIntervalNs?: number;
  retries?: number;
}

/** A device request (GPUs): `--gpus all` is `{ driver: 'nvidia', count: -1, capabilities: [['gpu']] }`. */
export interface DeviceRequest {
  driver?: string;
  /** Number of devices; `-1` means all. */
  count?: number;
  deviceIds?: string[];
  /** OR-list of AND-lists of capabilities, as the Docker API wants. */
  capabilities: string[][];
  options?: Record<string, string>;
}

export interface NetworkAttachment {
  /** Engine name of the network. */
  name: string;
  aliases?: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  linkLocalIps?: string[];
  /** MAC address on this network (API 1.44, Docker 25). */
  macAddress?: string;
  /** Options for the network driver's endpoint. */
  driverOpts?: Record<string, string>;
  /** Which network's gateway is the default route: highest wins (API 1.48, Docker 28). */
  gwPriority?: number;
}

/** Block IO weights and limits (cgroup blkio), per device. */
export interface BlkioConfig {
  weight?: number;
  weightDevice?: Array<{ path: string; weight: number }>;
  deviceReadBps?: Array<{ path: string; rate: number }>;
  deviceWriteBps?: Array<{ path: string; rate: number }>;
  deviceReadIops?: Array<{ path: string; rate: number }>;
  deviceWriteIops?: Array<{ path: string; rate: number }>;
}

/** Everything modelstack can ask the engine for when it creates a container. */
export interface ContainerSpec {
  /** Container name; absent = the engine picks one. */
  name?: string;
  image: string;
  /** Replaces the image's CMD; `[]` means "explicitly empty". */
  command?: string[];
  /** Replaces the image's ENTRYPOINT; `[]` resets it. */
  entrypoint?: string[];
  env?: Record<string, string>;
  labels?: Record<string, string>;
  workingDir?: string;
  user?: string;
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  openStdin?: boolean;
  mounts?: Mount[];
  /** tmpfs mounts with mount options, e.g. `{ '/run': 'size=64m' }` (Compose's `tmpfs:` list). */
  tmpfs?: Record<string, string>;
  ports?: PortBinding[];
  /** Extra container ports to expose without publishing (`expose:`), e.g. `"8080"` or `"53/udp"`. */
  expose?: string[];
  /** Networks to join, first one at create time, the rest connected before start. */
  networks?: NetworkAttachment[];
  /** `bridge`, `host`, `none`, `container:<id>`; excludes `networks`. */
  networkMode?: string;
  /** Fraction of CPU cores × 1e9 (`cpus: 2` → 2e9). */
  nanoCpus?: number;
  memoryBytes?: number;
  memoryReservationBytes?: number;
  memorySwapBytes?: number;
  pidsLimit?: number;
  shmSizeBytes?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  deviceRequests?: DeviceRequest[];
  healthcheck?: Healthcheck;
  restart?: RestartPolicy;
  /** Run an init process as PID 1 (reaps zombies, forwards signals). */
  init?: boolean;
  stopSignal?: string;
  /** Seconds between the stop signal and SIGKILL. */
  stopTimeoutSeconds?: number;
  privileged?: boolean;
  readOnlyRootfs?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  sysctls?: Record<string, string>;
  ulimits?: Array<{ name: string; soft: number; hard: number }>;
  extraHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  devices?: Array<{ pathOnHost: string; pathInContainer: string; cgroupPermissions: string }>;
  groupAdd?: string[];
  ipcMode?: string;
  pidMode?: string;
  oomScoreAdj?: number;
  logging?: { driver: string; options?: Record<string, string> };
  platform?: string;
  /** OCI runtime (`runc`, `nvidia`, …). */
  runtime?: string;
  usernsMode?: string;
  utsMode?: string;
  cgroupParent?: string;
  /** `host` or `private` cgroup namespace. */
  cgroupnsMode?: string;
  memorySwappiness?: number;
  oomKillDisable?: boolean;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
  deviceCgroupRules?: string[];
  storageOpt?: Record<string, string>;
  /** `container[:ro|rw]` whose volumes to mount. */
  volumesFrom?: string[];
  /** Legacy links: `container:alias`. */
  links?: string[];
  macAddress?: string;
  blkio?: BlkioConfig;
  /** Annotations passed to the OCI runtime (API 1.43, Docker 24). */
  annotations?: Record<string, string>;
}

/** Docker's default address for published ports when the caller names none: loopback, not the world. */
export const DEFAULT_HOST_IP = '127.0.0.1';

/**
 * Translates a spec into the create body. Pure: same spec, same body.
 * Only the first network goes into `NetworkingConfig` (API 1.41 accepts one);
 * the caller connects the others before start.
 */
export function toCreateOptions(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of spec.ports ?? []) {
    const key = `${p.containerPort}/${p.protocol ?? 'tcp'}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({
      HostIp: p.hostIp ?? DEFAULT_HOST_IP,
      HostPort: p.hostPort === undefined || p.hostPort === 0 ? '' : String(p.hostPort),
    });
  }
  for (const e of spec.expose ?? []) {
    exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  }

  const first = spec.networks?.[0];
  const binds = (spec.mounts ?? []).filter((m) => m.type === 'bind' && m.createHostPath);
  const mounts = (spec.mounts ?? []).filter((m) => !(m.type === 'bind' && m.createHostPath));
  const hostConfig: Dockerode.HostConfig = compact({
    Binds: binds.length ? binds.map((m) => toBind(m as Extract<Mount, { type: 'bind' }>)) : undefined,
    Mounts: mounts.length ? mounts.map(toMount) : undefined,
    Tmpfs: spec.tmpfs && Object.keys(spec.tmpfs).length ? spec.tmpfs : undefined,
    PortBindings: spec.ports?.length ? bindings : undefined,
    NetworkMode: spec.networkMode ?? first?.name,
    NanoCpus: spec.nanoCpus,
    Memory: spec.memoryBytes,
    MemoryReservation: spec.memoryReservationBytes,
    MemorySwap: spec.memorySwapBytes,
    PidsLimit: spec.pidsLimit,
    ShmSize: spec.shmSizeBytes,
    CpuShares: spec.cpuShares,
    CpusetCpus: spec.cpusetCpus,
    DeviceRequests: spec.deviceRequests?.map((d) =>
      compact({
        Driver: d.driver ?? '',
        Count: d.count ?? (d.deviceIds?.length ? undefined : -1),
        DeviceIDs: d.deviceIds,
        Capabilities: d.capabilities,
        Options: d.options ?? {},
      }),
    ),
    RestartPolicy: spec.restart ? toRestartPolicy(spec.restart) : undefined,
    Init: spec.init,
    Privileged: spec.privileged,
    ReadonlyRootfs: spec.readOnlyRootfs,
    CapAdd: spec.capAdd,
    CapDrop: spec.capDrop,
    SecurityOpt: spec.securityOpt,
    Sysctls: spec.sysctls,
    Ulimits: spec.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    ExtraHosts: spec.extraHosts,
    Dns: spec.dns,
    DnsSearch: spec.dnsSearch,
    DnsOptions: spec.dnsOptions,
    Devices: spec.devices?.map((d) => ({
      PathOnHost: d.pathOnHost,
      PathInContainer: d.pathInContainer,
      CgroupPermissions: d.cgroupPermissions,
    })),
    GroupAdd: spec.groupAdd,
    IpcMode: spec.ipcMode,
    PidMode: spec.pidMode,
    OomScoreAdj: spec.oomScoreAdj,
    LogConfig: spec.logging ? { Type: spec.logging.driver, Config: spec.logging.options ?? {} } : undefined,
    Runtime: spec.runtime,
    UsernsMode: spec.usernsMode,
    UTSMode: spec.utsMode,
    CgroupParent: spec.cgroupParent,
    CgroupnsMode: spec.cgroupnsMode,
    MemorySwappiness: spec.memorySwappiness,
    OomKillDisable: spec.oomKillDisable,
    CpuQuota: spec.cpuQuota,
    CpuPeriod: spec.cpuPeriod,
    CpuRealtimePeriod: spec.cpuRealtimePeriod,
    CpuRealtimeRuntime: spec.cpuRealtimeRuntime,
    DeviceCgroupRules: spec.deviceCgroupRules,
    StorageOpt: spec.storageOpt,
    VolumesFrom: spec.volumesFrom,
    Links: spec.links,
    BlkioWeight: spec.blkio?.weight,
    BlkioWeightDevice: spec.blkio?.weightDevice?.map((d) => ({ Path: d.path, Weight: d.weight })),
    BlkioDeviceReadBps: spec.blkio?.deviceReadBps?.map(toThrottle),
    BlkioDeviceWriteBps: spec.blkio?.deviceWriteBps?.map(toThrottle),
    BlkioDeviceReadIOps: spec.blkio?.deviceReadIops?.map(toThrottle),
    BlkioDeviceWriteIOps: spec.blkio?.deviceWriteIops?.map(toThrottle),
    Annotations: spec.annotations,
  } as Dockerode.HostConfig);

  return compact({
    name: spec.name,
    platform: spec.platform,
    Image: spec.image,
    Cmd: spec.command,
    Entrypoint: spec.entrypoint,
    Env: spec.env ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) : undefined,
    Labels: spec.labels,
    WorkingDir: spec.workingDir,
    User: spec.user,
    Hostname: spec.hostname,
    Domainname: spec.domainname,
    Tty: spec.tty,
    OpenStdin: spec.openStdin,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    Healthcheck: spec.healthcheck ? toHealthConfig(spec.healthcheck) : undefined,
    StopSignal: spec.stopSignal,
    StopTimeout: spec.stopTimeoutSeconds,
    MacAddress: spec.macAddress,
    HostConfig: hostConfig,
    NetworkingConfig: first && !spec.networkMode ? { EndpointsConfig: { [first.name]: toEndpoint(first) } } : undefined,
  }) as Dockerode.ContainerCreateOptions;
}

/** The endpoint settings for joining `net` (create time or `network connect`). */
export function toEndpoint(net: NetworkAttachment): Dockerode.EndpointSettings {
  return compact({
    Aliases: net.aliases?.length ? net.aliases : undefined,
    IPAMConfig:
      net.ipv4Address || net.ipv6Address || net.linkLocalIps?.length
        ? compact({ IPv4Address: net.ipv4Address, IPv6Address: net.ipv6Address, LinkLocalIPs: net.linkLocalIps?.length ? net.linkLocalIps : undefined })
        : undefined,
    MacAddress: net.macAddress,
    DriverOpts: net.driverOpts,
    GwPriority: net.gwPriority,
  } as Dockerode.EndpointSettings);
}

function toThrottle(d: { path: string; rate: number }): { Path: string; Rate: number } {
  return { Path: d.path, Rate: d.rate };
}

/** `source:target[:ro][,z][,propagation]`, the form whose missing source the engine creates. */
function toBind(m: Extract<Mount, { type: 'bind' }>): string {
  const options = [m.readOnly ? 'ro' : 'rw', m.selinux, m.propagation].filter(Boolean).join(',');
  return `${m.source}:${m.target}:${options}`;
}

function toMount(m: Mount): Dockerode.MountSettings {
  switch (m.type) {
    case 'bind':
      return compact({
        Type: 'bind',
        Source: m.source,
        Target: m.target,
        ReadOnly: m.readOnly ?? false,
        BindOptions: m.propagation ? { Propagation: m.propagation } : undefined,
      }) as Dockerode.MountSettings;
    case 'volume':
      return compact({
        Type: 'volume',
        Source: m.source ?? '',
        Target: m.target,
        ReadOnly: m.readOnly ?? false,
        VolumeOptions:
          m.noCopy !== undefined || m.labels || m.subpath
            ? compact({ NoCopy: m.noCopy, Labels: m.labels, Subpath: m.subpath })
            : undefined,
      }) as Dockerode.MountSettings;
    case 'tmpfs':
      return compact({
        Type: 'tmpfs',
        Target: m.target,
        TmpfsOptions: m.sizeBytes !== undefined || m.mode !== undefined ? compact({ SizeBytes: m.sizeBytes, Mode: m.mode }) : undefined,
      }) as Dockerode.MountSettings;
  }
}

function toRestartPolicy(r: RestartPolicy): Dockerode.HostRestartPolicy {
  if (r.name === 'on-failure') return { Name: 'on-failure', MaximumRetryCount: r.maximumRetryCount ?? 0 };
  return { Name: r.name };
}

function toHealthConfig(h: Healthcheck): Dockerode.HealthConfig {
  return compact({
    Test: h.test,
    Interval: h.intervalNs,
    Timeout: h.timeoutNs,
    StartPeriod: h.startPeriodNs,
    StartInterval: h.startIntervalNs,
    Retries: h.retries,
  } as Dockerode.HealthConfig);
}

/**
 * Parses Compose's `restart:` string (`no`, `always`, `unless-stopped`,
 * `on-failure`, `on-failure:N`). Returns undefined for anything else so the
 * caller can report it with its own context.
 */
export function parseRestartPolicy(value: string): RestartPolicy | undefined {
  if (value === 'no' || value === 'always' || value === 'unless-stopped') return { name: value };
  const m = /^on-failure(?::(\d+))?$/.exec(value);
  if (!m) return undefined;
  return m[1] === undefined ? { name: 'on-failure' } : { name: 'on-failure', maximumRetryCount: Number(m[1]) };
}

/** Drops keys whose value is `undefined`, so the engine applies its defaults. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
