/**
 * The pure translation of a {@link ContainerSpec} (the plan's description of
 * a container) into the body of `POST /containers/create`.
 */
import type Dockerode from 'dockerode';
import { type ContainerSpec, DEFAULT_HOST_IP, type Healthcheck, type Mount, type NetworkAttachment, type RestartPolicy } from '../plan/container-spec.js';

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

/** Drops keys whose value is `undefined`, so the engine applies its defaults. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
