/**
 * The typed description of one container: what the plan decides a container
 * is, in engine units (bytes, nanoseconds, nano-CPUs), and what the engine
 * layer turns into the body of `POST /containers/create`
 * (`engine/container-spec.ts`). Tests and scripts can write it directly.
 */

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

/** A file or folder to put into a container. */
export type ArchiveEntry =
  | { type?: 'file'; path: string; content: string | Buffer; mode?: number; uid?: number; gid?: number }
  | { type: 'directory'; path: string; mode?: number; uid?: number; gid?: number };

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
