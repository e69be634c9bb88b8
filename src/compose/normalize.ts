/**
 * The loader's last transformation: the merged, canonical raw tree becomes
 * the typed {@link Project} every later layer consumes.
 *
 * Units are already numbers here (the schema parsed them, once). What
 * happens here (and nowhere else):
 *
 * - each service's `environment` is completed from its `env_file`s (the
 *   files are read by the caller and passed in, so this stays pure) and
 *   variables written without a value are looked up in the project
 *   environment, as Compose does; still-unknown ones stay `null`;
 * - a service without `networks:` or `network_mode:` joins the implicit
 *   `default` network, which then exists as `<project>_default`;
 * - networks, volumes, configs and secrets get their engine names
 *   (`<project>_<key>` unless `name:` is set or they are external);
 * - `scale`, when written next to a `deploy` section, is also its `replicas`
 *   (readers take `scale ?? deploy.replicas ?? 1`);
 * - a secret without `target` gets `/run/secrets/<name>`; a device request
 *   with neither `count` nor `device_ids` gets `count: -1` (all devices);
 * - volume targets are cleaned (`/data/` → `/data`); build arguments without
 *   a value and without a variable of that name are dropped;
 * - the legacy resource keys (`cpus`, `mem_limit`, `mem_reservation`,
 *   `pids_limit`) stay where they were written, as in Compose's model (its
 *   config hash depends on it); both forms together must agree. A runtime
 *   reads `deploy.resources` first, then the legacy key, as Compose does.
 * - `pull_policy: if_not_present` becomes `missing`; a build without
 *   Dockerfile gets `Dockerfile`.
 *
 * Long on purpose: one walk over the merged tree; each rule above is a few
 * lines of that walk, and they share its context (project env, names, paths).
 *
 * @module
 */
import { formatKeyPath } from './errors.js';
import type { ValidationIssue } from './errors.js';
import type {
  BuildConfig,
  ConfigOrSecret,
  Deploy,
  DependsOn,
  DeviceRequest,
  Healthcheck,
  Network,
  Project,
  Service,
  ServiceNetwork,
  ServicePort,
  ServiceVolume,
  Ulimit,
  Volume,
} from './model.js';
import type { RawComposeFile, RawService, RawServiceVolume } from './schema.js';
import { cleanPath } from './paths.js';
import { cloneRaw, setOwn, type KeyPath, type RawValue } from './tree.js';
import type { Locator } from './issues.js';

/** What normalization needs besides the tree. */
export interface NormalizeContext {
  /** The resolved project name. */
  name: string;
  /** Absolute project folder. */
  workingDir: string;
  /** Absolute paths of the compose files, in order. */
  configFiles: string[];
  /** The project environment (process environment over `.env`). */
  environment: Record<string, string>;
  /** Per enabled service, the variables of its env files, read and merged in order. */
  envFiles: ReadonlyMap<string, Record<string, string>>;
  /** Contents of the services' label files, by absolute path. */
  labelFiles?: ReadonlyMap<string, Record<string, string>>;
  /** Services disabled by profiles (normalized too, into `disabled_services`). */
  disabled?: ReadonlySet<string>;
  /** Where a key was written, for issues. */
  locate?: Locator;
}

/**
 * Turns a merged canonical tree into a {@link Project}. Returns the project
 * and the problems only visible once values are typed (e.g. `cpus` and
 * `deploy.resources.limits.cpus` disagreeing).
 */
export function normalizeProject(raw: RawComposeFile, ctx: NormalizeContext): { project: Project; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const issue = (path: KeyPath, detail: string): void => {
    const position = ctx.locate?.(path);
    issues.push({ ...(position ? { position } : {}), keyPath: formatKeyPath([...path]), detail });
  };

  const services: Record<string, Service> = {};
  const disabled: Record<string, Service> = {};
  for (const [name, svc] of Object.entries(raw.services ?? {})) {
    const isDisabled = ctx.disabled?.has(name) ?? false;
    const normalized = normalizeService(name, svc, ctx, !isDisabled, issue);
    setOwn(isDisabled ? disabled : services, name, normalized);
  }

  const networks: Record<string, Network> = {};
  for (const [key, n] of Object.entries(raw.networks ?? {})) {
    const net: Network = { name: n.name ?? (n.external ? key : `${ctx.name}_${key}`) };
    copy(net, n, ['driver', 'internal', 'attachable', 'enable_ipv4', 'enable_ipv6', 'labels', 'driver_opts']);
    if (n.external) net.external = true;
    if (n.ipam) {
      const ipam: NonNullable<Network['ipam']> = {};
      copy(ipam, n.ipam, ['driver', 'options']);
      if (n.ipam.config) {
        ipam.config = n.ipam.config.map((c) => {
          const pool: NonNullable<NonNullable<Network['ipam']>['config']>[number] = {};
          copy(pool, c, ['subnet', 'ip_range', 'gateway', 'aux_addresses']);
          return pool;
        });
      }
      net.ipam = ipam;
    }
    setOwn(networks, key, pruneEmpty(net));
  }
  const usesDefault = Object.values(services).some((s) => s.networks && Object.hasOwn(s.networks, 'default'));
  if (usesDefault && !Object.hasOwn(networks, 'default')) networks.default = { name: `${ctx.name}_default` };

  const volumes: Record<string, Volume> = {};
  for (const [key, v] of Object.entries(raw.volumes ?? {})) {
    const vol: Volume = { name: v.name ?? (v.external ? key : `${ctx.name}_${key}`) };
    copy(vol, v, ['driver', 'driver_opts', 'labels']);
    if (v.external) vol.external = true;
    setOwn(volumes, key, pruneEmpty(vol));
  }

  const fileObjects = (section: Record<string, RawFileObject> | undefined): Record<string, ConfigOrSecret> => {
    const out: Record<string, ConfigOrSecret> = {};
    for (const [key, c] of Object.entries(section ?? {})) {
      const obj: ConfigOrSecret = { name: c.name ?? (c.external ? key : `${ctx.name}_${key}`) };
      copy(obj, c, ['file', 'content', 'environment', 'labels', 'driver', 'driver_opts', 'template_driver']);
      if (c.external) obj.external = true;
      setOwn(out, key, pruneEmpty(obj));
    }
    return out;
  };

  const project: Project = {
    name: ctx.name,
    working_dir: ctx.workingDir,
    config_files: [...ctx.configFiles],
    services,
    networks,
    volumes,
    configs: fileObjects(raw.configs as Record<string, RawFileObject> | undefined),
    secrets: fileObjects(raw.secrets as Record<string, RawFileObject> | undefined),
  };
  if (Object.keys(disabled).length > 0) project.disabled_services = disabled;
  const ext = extensionsOf(raw);
  if (ext) project.extensions = ext;
  project.environment = { ...ctx.environment };
  return { project, issues };
}

interface RawFileObject {
  name?: string;
  file?: string;
  content?: string;
  environment?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driver_opts?: Record<string, string>;
  template_driver?: string;
  [key: string]: unknown;
}

type IssueFn = (path: KeyPath, detail: string) => void;

function normalizeService(name: string, raw: RawService, ctx: NormalizeContext, enabled: boolean, issue: IssueFn): Service {
  const s: Service = {};
  const at = (...rest: Array<string | number>): KeyPath => ['services', name, ...rest];
  const lookup = (k: string): string | undefined => (Object.hasOwn(ctx.environment, k) ? ctx.environment[k] : undefined);

  copy(s, raw, [
    'image', 'container_name', 'hostname', 'domainname', 'working_dir', 'user', 'init', 'tty', 'stdin_open',
    'privileged', 'read_only', 'network_mode', 'restart', 'profiles', 'stop_signal', 'platform', 'cpuset',
    'cap_add', 'cap_drop', 'security_opt', 'dns', 'dns_search', 'dns_opt', 'ipc', 'oom_score_adj',
    'oom_kill_disable', 'tmpfs', 'annotations', 'sysctls', 'extra_hosts', 'cpu_shares', 'attach',
    'cgroup', 'cgroup_parent', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota', 'credential_spec',
    'device_cgroup_rules', 'external_links', 'links', 'isolation', 'mac_address',
    'mem_swappiness', 'pull_refresh_after', 'runtime', 'storage_opt', 'use_api_socket', 'userns_mode', 'uts',
    'volumes_from', 'expose', 'group_add', 'models',
  ]);
  if (s.extra_hosts) s.extra_hosts = unbracketHosts(s.extra_hosts);
  if (raw.pid !== undefined && raw.pid !== null) s.pid = raw.pid;
  if (raw.command !== undefined && raw.command !== null) s.command = raw.command;
  if (raw.entrypoint !== undefined && raw.entrypoint !== null) s.entrypoint = raw.entrypoint;
  if (raw.pull_policy !== undefined) s.pull_policy = raw.pull_policy === 'if_not_present' ? 'missing' : raw.pull_policy;
  if (raw.develop !== undefined) s.develop = raw.develop as Record<string, unknown>;
  if (raw.provider !== undefined) {
    s.provider = { type: raw.provider.type ?? '' };
    if (raw.provider.options) s.provider.options = raw.provider.options;
  }
  copy(s, raw, ['cpu_rt_period', 'cpu_rt_runtime']);
  if (raw.blkio_config) {
    const b = raw.blkio_config;
    s.blkio_config = {};
    if (b.weight !== undefined) s.blkio_config.weight = b.weight;
    if (b.weight_device) s.blkio_config.weight_device = b.weight_device.map((d) => ({ ...d }));
    for (const key of ['device_read_bps', 'device_read_iops', 'device_write_bps', 'device_write_iops'] as const) {
      const list = b[key];
      if (list) s.blkio_config[key] = list.map((d) => ({ ...(d.path !== undefined ? { path: d.path } : {}), ...(d.rate !== undefined ? { rate: d.rate } : {}) }));
    }
  }

  // Labels: label files in order, then `labels:`. Like Compose, the model keeps the
  // resulting labels, not the files (they are read once, here).
  const labels: Record<string, string> = {};
  for (const lf of enabled ? (raw.label_file ?? []) : []) {
    for (const [k, v] of Object.entries(ctx.labelFiles?.get(lf) ?? {})) setOwn(labels, k, v);
  }
  for (const [k, v] of Object.entries(raw.labels ?? {})) setOwn(labels, k, v);
  if (Object.keys(labels).length > 0) s.labels = labels;

  // Environment: env files in order, then `environment:`, then values looked up.
  if (raw.env_file) s.env_file = raw.env_file.map((e) => ({ path: e.path, required: e.required, ...(e.format !== undefined ? { format: e.format } : {}) }));
  const env: Record<string, string | null> = {};
  if (enabled) {
    for (const [k, v] of Object.entries(ctx.envFiles.get(name) ?? {})) setOwn(env, k, v);
  }
  for (const [k, v] of Object.entries(raw.environment ?? {})) setOwn(env, k, v);
  for (const [k, v] of Object.entries(env)) if (v === null) setOwn(env, k, lookup(k) ?? null);
  if (Object.keys(env).length > 0) s.environment = env;

  if (raw.build) s.build = normalizeBuild(raw.build, lookup);

  if (raw.ports) {
    s.ports = raw.ports.map((p) => {
      const port: ServicePort = { target: p.target ?? 0, protocol: p.protocol ?? 'tcp', mode: p.mode ?? 'ingress' };
      copy(port, p, ['published', 'host_ip', 'name', 'app_protocol']);
      return port;
    });
  }
  if (raw.volumes) s.volumes = raw.volumes.map((v) => normalizeVolume(v));

  if (raw.networks && Object.keys(raw.networks).length > 0) {
    const nets: Record<string, ServiceNetwork | null> = {};
    for (const [net, cfg] of Object.entries(raw.networks)) {
      if (cfg === null) {
        setOwn(nets, net, null);
        continue;
      }
      const n: ServiceNetwork = {};
      copy(n, cfg, ['aliases', 'ipv4_address', 'ipv6_address', 'mac_address', 'driver_opts', 'interface_name', 'link_local_ips']);
      if (cfg.priority !== undefined) n.priority = cfg.priority;
      if (cfg.gw_priority !== undefined) n.gw_priority = cfg.gw_priority;
      setOwn(nets, net, n);
    }
    s.networks = nets;
  } else if (raw.network_mode === undefined) {
    s.networks = { default: null };
  }

  const deps: Record<string, DependsOn> = {};
  for (const [dep, d] of Object.entries(raw.depends_on ?? {})) setOwn(deps, dep, { condition: d.condition, required: d.required, restart: d.restart });
  // Compose turns the other ways of needing a service into dependencies too.
  const implied = (dep: string, restart: boolean): void => {
    if (dep !== '' && !Object.hasOwn(deps, dep)) setOwn(deps, dep, { condition: 'service_started', required: true, restart });
  };
  for (const link of raw.links ?? []) implied(link.split(':')[0] ?? '', true);
  for (const ns of [raw.network_mode, raw.ipc, raw.pid, raw.uts]) {
    if (typeof ns === 'string' && ns.startsWith('service:')) implied(ns.slice('service:'.length), true);
  }
  for (const from of raw.volumes_from ?? []) {
    if (!from.startsWith('container:')) implied(from.split(':')[0] ?? '', false);
  }
  if (Object.keys(deps).length > 0) s.depends_on = deps;

  if (raw.healthcheck) {
    const h = raw.healthcheck;
    const hc: Healthcheck = {};
    if (h.test) hc.test = h.test;
    copy(hc, h, ['interval', 'timeout', 'start_period', 'start_interval', 'retries', 'disable']);
    s.healthcheck = hc;
  }

  if (raw.deploy) s.deploy = normalizeDeploy(raw.deploy);

  // Legacy resource keys: kept where written; checked against deploy.resources (see the module comment).
  copy(s, raw, ['cpus', 'mem_limit', 'mem_reservation', 'memswap_limit', 'pids_limit', 'shm_size']);
  checkLegacyResources(s, at, issue);

  // `scale` stays where it was written; with a `deploy` section, Compose also
  // makes it the replica count there (its consistency check).
  if (raw.scale !== undefined) {
    s.scale = raw.scale;
    const replicas = s.deploy?.replicas;
    if (replicas !== undefined && replicas !== raw.scale) {
      issue(at('scale'), `\`scale\` (${raw.scale}) and \`deploy.replicas\` (${replicas}) differ; keep one of them`);
    }
    if (s.deploy) s.deploy.replicas = raw.scale;
  }

  if (raw.stop_grace_period !== undefined) s.stop_grace_period = raw.stop_grace_period;
  if (raw.gpus) s.gpus = raw.gpus.map((g) => deviceRequest(g));
  if (raw.devices) s.devices = raw.devices.map((d) => ({ ...d }));
  if (raw.ulimits) s.ulimits = ulimits(raw.ulimits);
  if (raw.logging) {
    s.logging = {};
    if (raw.logging.driver !== undefined) s.logging.driver = raw.logging.driver;
    if (raw.logging.options) {
      const opts: Record<string, string> = {};
      // Compose reads an option without value as "".
      for (const [k, v] of Object.entries(raw.logging.options)) setOwn(opts, k, v ?? '');
      s.logging.options = opts;
    }
  }
  // A secret without target lands in /run/secrets/<name> (Compose writes that default into the model).
  if (raw.secrets) s.secrets = raw.secrets.map((r) => fileReference(r.target === undefined ? { ...r, target: `/run/secrets/${r.source ?? ''}` } : r));
  if (raw.configs) s.configs = raw.configs.map((r) => fileReference(r));
  if (raw.post_start) s.post_start = raw.post_start.map((h) => hook(h));
  if (raw.pre_stop) s.pre_stop = raw.pre_stop.map((h) => hook(h));

  return withExtensions(pruneEmpty(s), raw);
}

/**
 * Keys kept exactly as written, empty or not: an empty command clears the
 * image's, an empty `volume: {}`/`bind: {}` is what Compose prints for
 * short-syntax mounts.
 */
const AS_WRITTEN = new Set(['command', 'entrypoint', 'volume', 'bind', 'tmpfs', 'image', 'capabilities']);

/**
 * Sections kept when written, even empty: compose-go holds them as pointers
 * to structs, so `deploy: {resources: {limits: {}}}` or `healthcheck: {}` are
 * in its model (and printed, and hashed) while an empty list or map is not.
 */
const KEEP_EMPTY = new Set([
  ...AS_WRITTEN,
  'deploy', 'limits', 'reservations', 'restart_policy', 'update_config', 'rollback_config',
  'healthcheck', 'logging', 'build', 'develop', 'blkio_config', 'credential_spec',
]);

/**
 * Drops empty lists and mappings (`labels: {}`, `ports: []`, `ipam: {}`),
 * which Compose does not print, so that loading printed output gives the
 * same model. `extensions` are kept as written.
 */
function pruneEmpty<T extends object>(value: T): T {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (key === 'extensions' || (key !== undefined && AS_WRITTEN.has(key))) return v;
    // A service's network entry with no settings (`front: {}`) still attaches the service.
    if (key === 'networks' && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const entry of Object.values(v)) if (entry !== null && typeof entry === 'object') pruneEmpty(entry);
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, undefined));
    if (v && typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(obj)) {
        const next = walk(x, k);
        const empty = (Array.isArray(next) && next.length === 0) || (next !== null && typeof next === 'object' && !Array.isArray(next) && Object.keys(next).length === 0);
        if (empty && !KEEP_EMPTY.has(k)) delete obj[k];
        else obj[k] = next;
      }
      return obj;
    }
    return v;
  };
  return walk(value, undefined) as T;
}

/** The legacy keys and `deploy.resources` may both be written, but must agree (Compose's consistency check). */
function checkLegacyResources(s: Service, at: (...rest: Array<string | number>) => KeyPath, issue: IssueFn): void {
  const pairs: Array<[keyof Service, 'limits' | 'reservations', 'cpus' | 'memory' | 'pids']> = [
    ['cpus', 'limits', 'cpus'],
    ['mem_limit', 'limits', 'memory'],
    ['pids_limit', 'limits', 'pids'],
    ['mem_reservation', 'reservations', 'memory'],
  ];
  for (const [legacy, section, key] of pairs) {
    const value = s[legacy];
    const written = s.deploy?.resources?.[section] as Record<string, number | undefined> | undefined;
    // Compose compares as soon as the section is written: `limits: {}` has a memory of 0.
    if (typeof value !== 'number' || value === 0 || written === undefined) continue;
    const current = written[key] ?? 0;
    // Compose compares CPUs as 32-bit floats.
    const same = key === 'cpus' ? Math.fround(current) === Math.fround(value) : current === value;
    if (!same) {
      issue(at(legacy), `\`${legacy}\` (${value}) and \`deploy.resources.${section}.${key}\` (${current}) disagree; keep only \`deploy.resources.${section}.${key}\``);
    }
  }
}

function normalizeBuild(b: NonNullable<RawService['build']>, lookup: (k: string) => string | undefined): BuildConfig {
  const build: BuildConfig = { context: b.context ?? '.' };
  copy(build, b, [
    'dockerfile', 'dockerfile_inline', 'target', 'labels', 'network', 'no_cache', 'pull', 'platforms', 'tags',
    'cache_from', 'cache_to', 'entitlements', 'ssh', 'additional_contexts', 'isolation', 'privileged', 'extra_hosts',
  ]);
  if (build.dockerfile === undefined && build.dockerfile_inline === undefined) build.dockerfile = 'Dockerfile';
  if (build.extra_hosts) build.extra_hosts = unbracketHosts(build.extra_hosts);
  if (b.args) {
    const args: Record<string, string | null> = {};
    // An argument without value takes the project environment's; Compose drops it when there is none.
    for (const [k, v] of Object.entries(b.args)) {
      const value = v ?? lookup(k);
      if (value !== undefined) setOwn(args, k, value);
    }
    build.args = args;
  }
  if (b.shm_size !== undefined) build.shm_size = b.shm_size;
  if (b.secrets) build.secrets = b.secrets.map((r) => fileReference(r));
  if (b.ulimits) build.ulimits = ulimits(b.ulimits);
  return build;
}

function normalizeVolume(v: RawServiceVolume): ServiceVolume {
  // Compose cleans every target (`/data/` → `/data`, `/a//b/../c` → `/a/c`).
  const base = { target: v.target ? cleanPath(v.target) : '', ...(v.read_only ? { read_only: true } : {}), ...(v.consistency !== undefined ? { consistency: v.consistency } : {}) };
  switch (v.type) {
    case 'bind': {
      const out: ServiceVolume = { type: 'bind', source: v.source ?? '', ...base };
      if (v.bind) {
        const bind: NonNullable<typeof out.bind> = {};
        copy(bind, v.bind, ['propagation', 'create_host_path', 'selinux', 'recursive']);
        out.bind = bind;
      }
      return out;
    }
    case 'tmpfs': {
      const out: ServiceVolume = { type: 'tmpfs', ...base };
      if (v.tmpfs) {
        const t: NonNullable<typeof out.tmpfs> = {};
        if (v.tmpfs.size !== undefined) t.size = v.tmpfs.size;
        if (v.tmpfs.mode !== undefined) t.mode = v.tmpfs.mode;
        out.tmpfs = t;
      }
      return out;
    }
    case 'volume':
    case undefined: {
      const out: ServiceVolume = { type: 'volume', ...base };
      if (v.source !== undefined && v.source !== '') out.source = v.source;
      if (v.volume) {
        const vol: NonNullable<typeof out.volume> = {};
        copy(vol, v.volume, ['nocopy', 'subpath', 'labels']);
        out.volume = vol;
      }
      return out;
    }
    default: {
      const out: ServiceVolume = { type: v.type, ...base };
      if (v.source !== undefined) out.source = v.source;
      if (v.image) out.image = { ...v.image };
      return out;
    }
  }
}

function normalizeDeploy(d: NonNullable<RawService['deploy']>): Deploy {
  const deploy: Deploy = {};
  copy(deploy, d, ['mode', 'replicas', 'labels', 'endpoint_mode']);
  if (d.resources) {
    const resources: NonNullable<Deploy['resources']> = {};
    const l = d.resources.limits;
    if (l) {
      resources.limits = {};
      copy(resources.limits, l, ['cpus', 'memory', 'pids']);
    }
    const r = d.resources.reservations;
    if (r) {
      resources.reservations = {};
      copy(resources.reservations, r, ['cpus', 'memory']);
      if (r.devices) resources.reservations.devices = r.devices.map((x) => deviceRequest(x));
      if (r.generic_resources) resources.reservations.generic_resources = r.generic_resources.map((g) => ({ ...g }));
    }
    deploy.resources = resources;
  }
  if (d.restart_policy) {
    const rp = d.restart_policy;
    const policy: NonNullable<Deploy['restart_policy']> = {};
    copy(policy, rp, ['condition', 'delay', 'max_attempts', 'window']);
    deploy.restart_policy = policy;
  }
  if (d.placement) deploy.placement = { ...d.placement };
  for (const key of ['update_config', 'rollback_config'] as const) {
    const u = d[key];
    if (!u) continue;
    deploy[key] = { ...u };
  }
  return deploy;
}

function deviceRequest(g: { capabilities?: string[]; count?: number; device_ids?: string[]; driver?: string; options?: Record<string, string> }): DeviceRequest {
  const out: DeviceRequest = { capabilities: g.capabilities ?? [] };
  copy(out, g, ['driver', 'count', 'device_ids', 'options']);
  // Neither a count nor ids: every device (compose-go's default `count: all`).
  if (g.count === undefined && g.device_ids === undefined) out.count = -1;
  return out;
}

function ulimits(raw: Record<string, number | { soft: number; hard: number }>): Record<string, Ulimit> {
  const out: Record<string, Ulimit> = {};
  for (const [k, v] of Object.entries(raw)) setOwn(out, k, typeof v === 'number' ? { soft: v, hard: v, single: true } : { soft: v.soft, hard: v.hard });
  return out;
}

function fileReference(r: { source?: string; target?: string; uid?: string; gid?: string; mode?: number }): NonNullable<Service['secrets']>[number] {
  const out: NonNullable<Service['secrets']>[number] = { source: r.source ?? '' };
  copy(out, r, ['target', 'uid', 'gid', 'mode']);
  return out;
}

function hook(h: { command?: string[] | null; user?: string; privileged?: boolean; working_dir?: string; environment?: Record<string, string | null> }): NonNullable<Service['post_start']>[number] {
  const out: NonNullable<Service['post_start']>[number] = { command: h.command ?? [] };
  copy(out, h, ['user', 'privileged', 'working_dir', 'environment']);
  return out;
}

/** `host=[::1]` → `::1`: Compose drops the brackets around an address. */
function unbracketHosts(hosts: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [host, ips] of Object.entries(hosts)) {
    setOwn(out, host, ips.map((ip) => (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip)));
  }
  return out;
}

/** Copies the listed keys that are set (not undefined) from `from` to `to`. */
function copy<T extends object, K extends string>(to: T, from: Partial<Record<K, unknown>>, keys: readonly K[]): void {
  for (const k of keys) {
    const v = from[k];
    if (v !== undefined) (to as Record<string, unknown>)[k] = cloneRaw(v as RawValue);
  }
}


function extensionsOf(raw: object): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith('x-')) (out ??= {})[k] = cloneRaw(v as RawValue);
  }
  return out;
}

/** Adds `raw`'s `x-*` keys under `extensions` (the model keeps them on services and the project only). */
function withExtensions<T extends object>(target: T, raw: object): T {
  const ext = extensionsOf(raw);
  if (ext) (target as { extensions?: Record<string, unknown> }).extensions = ext;
  return target;
}
