/**
 * The canonical project model: Compose's long form, typed.
 *
 * Every later layer (plan, engine, orchestrator, presets) sees only this. The
 * loader turns compose files into it; `defineModelStack` builds it in code.
 * Keys are Compose's own (snake_case), so a field path in this model is the
 * path a user wrote in YAML (`deploy.resources.limits.memory`) and the path
 * the planner names when it explains a recreate.
 *
 * Units are fixed so that nothing downstream parses strings again:
 * durations are nanoseconds, sizes are bytes, CPUs are a fraction of cores.
 *
 * Long on purpose: it is the whole model, types only, one per Compose concept,
 * read top to bottom as the reference of the canonical form.
 *
 * @module
 */

/** A duration in nanoseconds (Compose writes `1m30s`; the Docker API wants ns). */
export type Nanoseconds = number;

/** A size in bytes (Compose writes `4G` or `512m`). */
export type Bytes = number;

/** A whole Compose project, normalized. */
export interface Project {
  /** Project name, normalized to `[a-z0-9][a-z0-9_-]*`. */
  name: string;
  /** Absolute folder relative paths were resolved against. Not printed by `config`. */
  working_dir: string;
  /** Absolute paths of the files this project was loaded from, in order. Not printed by `config`. */
  config_files: string[];
  /** Enabled services, by name. Services of inactive profiles are not here. */
  services: Record<string, Service>;
  /** Networks by key (`default` included when any service uses it). */
  networks: Record<string, Network>;
  /** Named volumes by key. */
  volumes: Record<string, Volume>;
  /** Configs by key (non-Swarm: copied into containers as files). */
  configs: Record<string, ConfigOrSecret>;
  /** Secrets by key (non-Swarm: copied into containers as files). */
  secrets: Record<string, ConfigOrSecret>;
  /** Services that exist in the files but belong to profiles that are not active. */
  disabled_services?: Record<string, Service>;
  /** Top-level `x-*` extension fields, kept as written. */
  extensions?: Record<string, unknown>;
  /**
   * The variables interpolation saw (process environment over the project's
   * `.env` / `--env-file`s), for run-time lookups such as a secret's
   * `environment:` source. Not printed by `config`.
   */
  environment?: Record<string, string>;
}

/** One service in long form. Optional fields are absent when not set. */
export interface Service {
  image?: string;
  build?: BuildConfig;
  /** Replaces the image's CMD. `null` in Compose means "explicitly empty". */
  command?: string[] | null;
  /** Replaces the image's ENTRYPOINT. */
  entrypoint?: string[] | null;
  /** Environment, after `env_file` and interpolation. A `null` value means "take it from the caller's environment at run time". */
  environment?: Record<string, string | null>;
  env_file?: EnvFile[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  container_name?: string;
  hostname?: string;
  domainname?: string;
  working_dir?: string;
  user?: string;
  init?: boolean;
  tty?: boolean;
  stdin_open?: boolean;
  privileged?: boolean;
  read_only?: boolean;
  ports?: ServicePort[];
  expose?: string[];
  volumes?: ServiceVolume[];
  tmpfs?: string[];
  /** Networks this service joins, by project network key. `network_mode` excludes this. */
  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  depends_on?: Record<string, DependsOn>;
  healthcheck?: Healthcheck;
  /** `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`. */
  restart?: string;
  deploy?: Deploy;
  /** Number of containers, when `scale:` is written (else `deploy.replicas`, else 1). */
  scale?: number;
  profiles?: string[];
  stop_signal?: string;
  stop_grace_period?: Nanoseconds;
  pull_policy?: PullPolicy;
  platform?: string;
  /** Legacy resource keys, folded into `deploy.resources` by the loader; kept when written. */
  cpus?: number;
  mem_limit?: Bytes;
  mem_reservation?: Bytes;
  memswap_limit?: Bytes;
  pids_limit?: number;
  shm_size?: Bytes;
  cpu_shares?: number;
  cpuset?: string;
  gpus?: DeviceRequest[];
  cap_add?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  sysctls?: Record<string, string>;
  ulimits?: Record<string, Ulimit>;
  extra_hosts?: Record<string, string[]>;
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  devices?: DeviceMapping[];
  group_add?: string[];
  ipc?: string;
  pid?: string;
  oom_score_adj?: number;
  oom_kill_disable?: boolean;
  logging?: Logging;
  configs?: FileReference[];
  secrets?: FileReference[];
  /** `x-*` extension fields of the service, kept as written. */
  extensions?: Record<string, unknown>;
  // The keys below are parsed, validated and printed by `config`; few
  // runtimes need them (see the compose layer's report of keys not acted on).
  attach?: boolean;
  blkio_config?: BlkioConfig;
  cgroup?: 'host' | 'private';
  cgroup_parent?: string;
  cpu_count?: number;
  cpu_percent?: number;
  cpu_period?: number;
  cpu_quota?: number;
  /** Microseconds. */
  cpu_rt_period?: number;
  /** Microseconds. */
  cpu_rt_runtime?: number;
  credential_spec?: { config?: string; file?: string; registry?: string };
  /** `develop:` (watch rules), kept as written. */
  develop?: Record<string, unknown>;
  device_cgroup_rules?: string[];
  external_links?: string[];
  links?: string[];
  isolation?: string;
  mac_address?: string;
  mem_swappiness?: number;
  /** `models:` (Docker Model Runner references), kept as written. */
  models?: unknown;
  post_start?: ServiceHook[];
  pre_stop?: ServiceHook[];
  provider?: { type: string; options?: Record<string, unknown> };
  pull_refresh_after?: string;
  runtime?: string;
  storage_opt?: Record<string, string>;
  use_api_socket?: boolean;
  userns_mode?: string;
  uts?: string;
  volumes_from?: string[];
}

/** A `post_start` / `pre_stop` hook. */
export interface ServiceHook {
  command: string[];
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Record<string, string | null>;
}

/** `blkio_config`: block IO weights and limits. */
export interface BlkioConfig {
  weight?: number;
  weight_device?: Array<{ path?: string; weight?: number }>;
  device_read_bps?: Array<{ path?: string; rate?: Bytes }>;
  device_read_iops?: Array<{ path?: string; rate?: number }>;
  device_write_bps?: Array<{ path?: string; rate?: Bytes }>;
  device_write_iops?: Array<{ path?: string; rate?: number }>;
}

export type PullPolicy = 'always' | 'never' | 'missing' | 'build' | 'daily' | 'weekly' | string;

export interface BuildConfig {
  /** Absolute path, or a URL. */
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  network?: string;
  no_cache?: boolean;
  pull?: boolean;
  shm_size?: Bytes;
  extra_hosts?: Record<string, string[]>;
  platforms?: string[];
  tags?: string[];
  cache_from?: string[];
  cache_to?: string[];
  entitlements?: string[];
  /** `default` or `id=path` entries. */
  ssh?: string[];
  /** Absolute paths, URLs or `service:`/`docker-image://` references, by name. */
  additional_contexts?: Record<string, string>;
  isolation?: string;
  privileged?: boolean;
  secrets?: FileReference[];
  ulimits?: Record<string, Ulimit>;
}

export interface EnvFile {
  /** Absolute path. */
  path: string;
  required: boolean;
  format?: string;
}

/** A published or exposed port, one per container port (ranges are expanded). */
export interface ServicePort {
  /** Container port. */
  target: number;
  /** Host port, as a string (Compose keeps it a string; `""`/absent means daemon-assigned). */
  published?: string;
  host_ip?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  mode: 'ingress' | 'host';
  name?: string;
  app_protocol?: string;
}

export type ServiceVolume =
  | BindVolume
  | NamedVolume
  | TmpfsVolume
  | OtherVolume;

interface VolumeBase {
  /** Path inside the container. */
  target: string;
  read_only?: boolean;
  consistency?: string;
}

export interface BindVolume extends VolumeBase {
  type: 'bind';
  /** Absolute host path (relative paths and `~` are resolved by the loader). */
  source: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: 'z' | 'Z'; recursive?: string };
}

export interface NamedVolume extends VolumeBase {
  type: 'volume';
  /** Project volume key, or absent for an anonymous volume. */
  source?: string;
  volume?: { nocopy?: boolean; subpath?: string; labels?: Record<string, string> };
}

export interface TmpfsVolume extends VolumeBase {
  type: 'tmpfs';
  tmpfs?: { size?: Bytes; mode?: number };
}

export interface OtherVolume extends VolumeBase {
  type: 'npipe' | 'cluster' | 'image';
  source?: string;
  image?: { subpath?: string };
}

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  priority?: number;
  mac_address?: string;
  driver_opts?: Record<string, string>;
  interface_name?: string;
  link_local_ips?: string[];
  gw_priority?: number;
}

export type DependsOnCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface DependsOn {
  condition: DependsOnCondition;
  /** When false, a missing or failing dependency only warns. */
  required: boolean;
  /** Restart this service when the dependency is recreated. */
  restart: boolean;
}

export interface Healthcheck {
  /** `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`. */
  test?: string[];
  interval?: Nanoseconds;
  timeout?: Nanoseconds;
  retries?: number;
  start_period?: Nanoseconds;
  start_interval?: Nanoseconds;
  /** `disable: true` turns off the image's healthcheck. */
  disable?: boolean;
}

export interface Deploy {
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  resources?: {
    limits?: ResourceLimits;
    reservations?: ResourceReservations;
  };
  restart_policy?: {
    condition?: 'none' | 'on-failure' | 'any';
    delay?: Nanoseconds;
    max_attempts?: number;
    window?: Nanoseconds;
  };
  placement?: unknown;
  update_config?: unknown;
  rollback_config?: unknown;
  endpoint_mode?: string;
}

export interface ResourceLimits {
  /** Fraction of CPU cores (`"1.5"` → 1.5). */
  cpus?: number;
  memory?: Bytes;
  pids?: number;
}

export interface ResourceReservations {
  cpus?: number;
  memory?: Bytes;
  devices?: DeviceRequest[];
  generic_resources?: unknown[];
}

/** A GPU (or other device) request, as `deploy.resources.reservations.devices` writes it. */
export interface DeviceRequest {
  capabilities: string[];
  driver?: string;
  /** A number of devices, or `-1` for "all". */
  count?: number;
  device_ids?: string[];
  options?: Record<string, string>;
}

export interface DeviceMapping {
  source: string;
  target: string;
  permissions: string;
}

export interface Ulimit {
  soft: number;
  hard: number;
  /** Written as one number (`nofile: 1024`): soft and hard are that number, and Compose prints it so. */
  single?: boolean;
}

export interface Logging {
  driver?: string;
  options?: Record<string, string>;
}

/** A service's reference to a top-level config or secret. */
export interface FileReference {
  source: string;
  /** Absolute path in the container (defaults: `/<source>` for configs, `/run/secrets/<source>` for secrets). */
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface Network {
  /** Engine name: `<project>_<key>` unless `name:` is set or the network is external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: {
    driver?: string;
    config?: Array<{ subnet?: string; ip_range?: string; gateway?: string; aux_addresses?: Record<string, string> }>;
    options?: Record<string, string>;
  };
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  enable_ipv4?: boolean;
  enable_ipv6?: boolean;
  labels?: Record<string, string>;
}

export interface Volume {
  /** Engine name: `<project>_<key>` unless `name:` is set or the volume is external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
}

/** A top-level config or secret. Exactly one source is set unless external. */
export interface ConfigOrSecret {
  name: string;
  /** Absolute host path. */
  file?: string;
  /** Inline content (already interpolated). */
  content?: string;
  /** Name of a variable of the project environment whose value is the content. */
  environment?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driver_opts?: Record<string, string>;
  template_driver?: string;
}
