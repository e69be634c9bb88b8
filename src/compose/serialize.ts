/**
 * The project model printed the way `docker compose config` prints it, so
 * tools and people that know Compose's output read ours unchanged.
 *
 * JSON (`--format json`) follows compose-go's JSON encoding: top-level keys
 * sorted (`configs`, `name`, `networks`, `secrets`, `services`, `volumes`,
 * then `x-*`), services and every other mapping sorted by key, service
 * fields in compose-go's struct order, `command` and `entrypoint` always
 * present (`null` when unset), `published` and sizes as strings (`"8080"`,
 * `"4294967296"`), CPUs as numbers, durations as Go prints them (`"1m30s"`),
 * `networks: {default: null}` on services, `ipam: {}` on networks and
 * `resources: {}` / `placement: {}` under `deploy`, 2-space indentation and
 * Go's HTML-safe escaping (`&` → `\u0026`).
 *
 * YAML (`--format yaml`) follows compose-go's YAML encoding: `name`, then
 * `services`, `networks`, `volumes`, `secrets`, `configs`, then `x-*`;
 * empty structures (`ipam`, `resources`) and unset commands left out.
 *
 * Not printed, as in Compose: `working_dir`, `config_files`,
 * `disabled_services`, the project `environment`, services' `env_file`
 * (its values are already in `environment`), and services' `x-*` fields in JSON.
 *
 * Long on purpose: two encodings (JSON, YAML) of the same model in
 * compose-go's field orders; each order table sits beside the code that follows it.
 *
 * @module
 */
import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type {
  BuildConfig,
  ConfigOrSecret,
  Deploy,
  DeviceRequest,
  FileReference,
  Healthcheck,
  Network,
  Project,
  Service,
  ServiceHook,
  ServiceVolume,
  Ulimit,
  Volume,
} from './model.js';
import { formatDuration } from './units.js';

/** An ordered mapping: keys print in insertion order (JS objects would put numeric keys first). */
class Ordered {
  readonly entries: Array<[string, Out]> = [];

  /** Adds `key` unless `value` is undefined. */
  set(key: string, value: Out | undefined): this {
    if (value !== undefined) this.entries.push([key, value]);
    return this;
  }

  get size(): number {
    return this.entries.length;
  }
}

type Out = null | boolean | number | string | Out[] | Ordered;
type Format = 'json' | 'yaml';

/** Options of {@link serializeProject}. */
export interface SerializeOptions {
  format: 'json' | 'yaml';
  /**
   * Write every `$` as `$$` (default: true), as `docker compose config` does,
   * so that loading the output again (with Compose or modelstack) gives the
   * same values instead of interpolating them. Compose does it on the whole
   * text, keys and names included; so do we.
   */
  escapeDollars?: boolean;
}

/** Prints a project as `docker compose config --format <format>` does (with a final newline). */
export function serializeProject(project: Project, options: SerializeOptions = { format: 'yaml' }): string {
  const tree = projectOut(project, options.format);
  const text = options.format === 'json' ? `${toGoJson(tree, '')}\n` : toYaml(tree);
  return options.escapeDollars === false ? text : text.replaceAll('$', '$$$$');
}

/** The project as plain data in `config` shape (key order kept by insertion). */
export function toComposeConfig(project: Project, format: Format = 'json'): unknown {
  return toPlain(projectOut(project, format));
}

function toPlain(v: Out): unknown {
  if (v instanceof Ordered) return Object.fromEntries(v.entries.map(([k, x]) => [k, toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

// ---------------------------------------------------------------------------
// Model → ordered output
// ---------------------------------------------------------------------------

function projectOut(p: Project, format: Format): Ordered {
  const sections: Array<[string, Out | undefined]> = [
    ['name', p.name],
    ['services', sortedMap(p.services, (s) => serviceOut(s, format))],
    ['networks', nonEmpty(sortedMap(p.networks, (n) => networkOut(n, format)))],
    ['volumes', nonEmpty(sortedMap(p.volumes, volumeOut))],
    ['secrets', nonEmpty(sortedMap(p.secrets, (s) => fileObjectOut(s, true)))],
    ['configs', nonEmpty(sortedMap(p.configs, (c) => fileObjectOut(c, false)))],
  ];
  for (const [k, v] of Object.entries(p.extensions ?? {}).sort(byKey)) sections.push([k, fromUnknown(v)]);
  if (format === 'json') sections.sort((a, b) => compareGo(a[0], b[0]));
  const out = new Ordered();
  for (const [k, v] of sections) out.set(k, v);
  return out;
}

function serviceOut(s: Service, format: Format): Ordered {
  const o = new Ordered();
  const json = format === 'json';
  o.set('profiles', list(s.profiles));
  o.set('annotations', stringMap(s.annotations));
  o.set('attach', s.attach);
  o.set('build', s.build && buildOut(s.build, format));
  o.set('develop', s.develop && developOut(s.develop, format));
  if (s.blkio_config) {
    const b = s.blkio_config;
    // compose-go's WeightDevice and ThrottleDevice have no JSON tags: Go prints the field
    // names (`Path`, `Rate`), every field, and rates as UnitBytes strings (iops too).
    const rates = (l: Array<{ path?: string; rate?: number }> | undefined): Out | undefined =>
      nonEmptyList(l)?.map((d) => json ? new Ordered().set('Path', d.path ?? '').set('Rate', String(d.rate ?? 0)) : new Ordered().set('path', d.path ?? '').set('rate', String(d.rate ?? 0)));
    o.set('blkio_config', new Ordered()
      .set('weight', b.weight || undefined)
      .set('weight_device', nonEmptyList(b.weight_device)?.map((d) => json ? new Ordered().set('Path', d.path ?? '').set('Weight', d.weight ?? 0) : new Ordered().set('path', d.path ?? '').set('weight', d.weight ?? 0)))
      .set('device_read_bps', rates(b.device_read_bps))
      .set('device_read_iops', rates(b.device_read_iops))
      .set('device_write_bps', rates(b.device_write_bps))
      .set('device_write_iops', rates(b.device_write_iops)));
  }
  o.set('cap_add', list(s.cap_add));
  o.set('cap_drop', list(s.cap_drop));
  o.set('cgroup_parent', s.cgroup_parent || undefined);
  o.set('cgroup', s.cgroup);
  o.set('cpu_count', s.cpu_count || undefined);
  o.set('cpu_percent', float32(s.cpu_percent));
  o.set('cpu_period', s.cpu_period || undefined);
  o.set('cpu_quota', s.cpu_quota || undefined);
  o.set('cpu_rt_period', s.cpu_rt_period || undefined);
  o.set('cpu_rt_runtime', s.cpu_rt_runtime || undefined);
  o.set('cpus', float32(s.cpus));
  o.set('cpuset', s.cpuset || undefined);
  o.set('cpu_shares', s.cpu_shares || undefined);
  o.set('command', s.command ? [...s.command] : json ? null : undefined);
  o.set('configs', s.configs?.map(fileRefOut));
  o.set('container_name', s.container_name || undefined);
  o.set('credential_spec', s.credential_spec && new Ordered().set('config', s.credential_spec.config).set('file', s.credential_spec.file).set('registry', s.credential_spec.registry));
  if (s.depends_on && Object.keys(s.depends_on).length > 0) {
    o.set('depends_on', sortedMap(s.depends_on, (d) => new Ordered().set('condition', d.condition).set('restart', d.restart || undefined).set('required', d.required)));
  }
  o.set('deploy', s.deploy && deployOut(s.deploy, format));
  o.set('device_cgroup_rules', list(s.device_cgroup_rules));
  o.set('devices', s.devices?.map((d) => new Ordered().set('source', d.source).set('target', d.target).set('permissions', d.permissions)));
  o.set('dns', list(s.dns));
  o.set('dns_opt', list(s.dns_opt));
  o.set('dns_search', list(s.dns_search));
  o.set('domainname', s.domainname || undefined);
  o.set('entrypoint', s.entrypoint ? [...s.entrypoint] : json ? null : undefined);
  o.set('provider', s.provider && new Ordered().set('type', s.provider.type).set('options', s.provider.options && fromUnknown(s.provider.options)));
  o.set('environment', s.environment && Object.keys(s.environment).length > 0 ? sortedMap(s.environment, (v) => v) : undefined);
  o.set('expose', list(s.expose));
  o.set('external_links', list(s.external_links));
  if (s.extra_hosts && Object.keys(s.extra_hosts).length > 0) {
    const entries = Object.entries(s.extra_hosts).flatMap(([host, ips]) => ips.map((ip) => `${host}=${ip}`));
    o.set('extra_hosts', entries.sort(compareGo));
  }
  o.set('group_add', list(s.group_add));
  o.set('gpus', s.gpus?.map(deviceRequestOut));
  o.set('hostname', s.hostname || undefined);
  o.set('healthcheck', s.healthcheck && healthcheckOut(s.healthcheck));
  o.set('image', s.image || undefined);
  o.set('init', s.init);
  o.set('ipc', s.ipc || undefined);
  o.set('isolation', s.isolation || undefined);
  o.set('labels', stringMap(s.labels));
  o.set('links', list(s.links));
  if (s.logging) o.set('logging', new Ordered().set('driver', s.logging.driver || undefined).set('options', stringMap(s.logging.options)));
  o.set('mem_limit', bytes(s.mem_limit));
  o.set('mem_reservation', bytes(s.mem_reservation));
  o.set('memswap_limit', bytes(s.memswap_limit));
  // A UnitBytes in compose-go, so printed as a string like the sizes.
  o.set('mem_swappiness', bytes(s.mem_swappiness));
  o.set('mac_address', s.mac_address || undefined);
  o.set('models', s.models === undefined ? undefined : fromUnknown(s.models));
  o.set('network_mode', s.network_mode || undefined);
  if (s.networks && Object.keys(s.networks).length > 0) {
    // compose-go's ServiceNetworkConfig field order (`interface_name` is newer than compose-go 2.4).
    o.set('networks', sortedMap(s.networks, (n) => n === null ? null : new Ordered()
      .set('priority', n.priority || undefined)
      .set('gw_priority', n.gw_priority || undefined)
      .set('aliases', list(n.aliases))
      .set('ipv4_address', n.ipv4_address || undefined)
      .set('ipv6_address', n.ipv6_address || undefined)
      .set('link_local_ips', list(n.link_local_ips))
      .set('mac_address', n.mac_address || undefined)
      .set('driver_opts', stringMap(n.driver_opts))
      .set('interface_name', n.interface_name || undefined)));
  }
  o.set('oom_kill_disable', s.oom_kill_disable || undefined);
  o.set('oom_score_adj', s.oom_score_adj || undefined);
  o.set('pid', s.pid || undefined);
  o.set('pids_limit', s.pids_limit || undefined);
  o.set('platform', s.platform || undefined);
  o.set('ports', s.ports?.map((p) => new Ordered()
    .set('name', p.name || undefined)
    .set('mode', p.mode)
    .set('host_ip', p.host_ip || undefined)
    .set('target', p.target)
    .set('published', p.published || undefined)
    .set('protocol', p.protocol)
    .set('app_protocol', p.app_protocol || undefined)));
  o.set('privileged', s.privileged || undefined);
  o.set('pull_policy', s.pull_policy || undefined);
  o.set('pull_refresh_after', s.pull_refresh_after || undefined);
  o.set('read_only', s.read_only || undefined);
  o.set('restart', s.restart || undefined);
  o.set('runtime', s.runtime || undefined);
  o.set('scale', s.scale);
  o.set('secrets', s.secrets?.map(fileRefOut));
  o.set('security_opt', list(s.security_opt));
  o.set('shm_size', bytes(s.shm_size));
  o.set('stdin_open', s.stdin_open || undefined);
  o.set('stop_grace_period', duration(s.stop_grace_period));
  o.set('stop_signal', s.stop_signal || undefined);
  o.set('storage_opt', stringMap(s.storage_opt));
  o.set('sysctls', stringMap(s.sysctls));
  o.set('tmpfs', list(s.tmpfs));
  o.set('tty', s.tty || undefined);
  o.set('ulimits', ulimitsOut(s.ulimits, format));
  o.set('use_api_socket', s.use_api_socket || undefined);
  o.set('user', s.user || undefined);
  o.set('userns_mode', s.userns_mode || undefined);
  o.set('uts', s.uts || undefined);
  o.set('volumes', s.volumes?.map(serviceVolumeOut));
  o.set('volumes_from', list(s.volumes_from));
  o.set('working_dir', s.working_dir || undefined);
  o.set('post_start', s.post_start?.map((h) => hookOut(h)));
  o.set('pre_stop', s.pre_stop?.map((h) => hookOut(h)));
  if (!json) for (const [k, v] of Object.entries(s.extensions ?? {}).sort(byKey)) o.set(k, fromUnknown(v));
  return o;
}

function buildOut(b: BuildConfig, format: Format): Ordered {
  return new Ordered()
    .set('context', b.context)
    .set('dockerfile', b.dockerfile || undefined)
    .set('dockerfile_inline', b.dockerfile_inline || undefined)
    .set('entitlements', list(b.entitlements))
    .set('args', b.args && Object.keys(b.args).length > 0 ? sortedMap(b.args, (v) => v) : undefined)
    .set('ssh', list(b.ssh))
    .set('labels', stringMap(b.labels))
    .set('cache_from', list(b.cache_from))
    .set('cache_to', list(b.cache_to))
    .set('no_cache', b.no_cache || undefined)
    .set('additional_contexts', stringMap(b.additional_contexts))
    .set('pull', b.pull || undefined)
    .set('extra_hosts', b.extra_hosts && Object.keys(b.extra_hosts).length > 0 ? Object.entries(b.extra_hosts).flatMap(([h, ips]) => ips.map((ip) => `${h}=${ip}`)).sort(compareGo) : undefined)
    .set('isolation', b.isolation || undefined)
    .set('network', b.network || undefined)
    .set('target', b.target || undefined)
    .set('secrets', b.secrets?.map(fileRefOut))
    .set('shm_size', bytes(b.shm_size))
    .set('tags', list(b.tags))
    .set('ulimits', ulimitsOut(b.ulimits, format))
    .set('platforms', list(b.platforms))
    .set('privileged', b.privileged || undefined);
}

function deployOut(d: Deploy, format: Format): Ordered {
  const json = format === 'json';
  const resources = new Ordered();
  const r = d.resources;
  if (r?.limits) {
    resources.set('limits', new Ordered()
      .set('cpus', float32(r.limits.cpus))
      .set('memory', bytes(r.limits.memory))
      .set('pids', r.limits.pids || undefined));
  }
  if (r?.reservations) {
    resources.set('reservations', new Ordered()
      .set('cpus', float32(r.reservations.cpus))
      .set('memory', bytes(r.reservations.memory))
      .set('devices', r.reservations.devices?.map(deviceRequestOut))
      .set('generic_resources', r.reservations.generic_resources?.map((g) => fromUnknown(g))));
  }
  const update = (u: unknown): Out | undefined => {
    if (!u || typeof u !== 'object') return undefined;
    const x = u as Record<string, unknown>;
    return new Ordered()
      .set('parallelism', x.parallelism as number | undefined)
      .set('delay', duration(x.delay as number | undefined) ?? undefined)
      .set('failure_action', (x.failure_action as string | undefined) || undefined)
      .set('monitor', duration(x.monitor as number | undefined))
      .set('max_failure_ratio', float32(x.max_failure_ratio as number | undefined))
      .set('order', (x.order as string | undefined) || undefined);
  };
  const placement = d.placement && typeof d.placement === 'object' ? (d.placement as Record<string, unknown>) : undefined;
  const placementOut = new Ordered()
    .set('constraints', placement?.constraints as string[] | undefined)
    .set('preferences', (placement?.preferences as Array<{ spread?: string }> | undefined)?.map((p) => new Ordered().set('spread', p.spread)))
    .set('max_replicas_per_node', (placement?.max_replicas_per_node as number | undefined) || undefined);
  const rp = d.restart_policy;
  return new Ordered()
    .set('mode', d.mode || undefined)
    .set('replicas', d.replicas)
    .set('labels', stringMap(d.labels))
    .set('update_config', update(d.update_config))
    .set('rollback_config', update(d.rollback_config))
    .set('resources', json || resources.size > 0 ? resources : undefined)
    .set('restart_policy', rp && new Ordered().set('condition', rp.condition).set('delay', duration(rp.delay)).set('max_attempts', rp.max_attempts).set('window', duration(rp.window)))
    .set('placement', json || placementOut.size > 0 ? placementOut : undefined)
    .set('endpoint_mode', d.endpoint_mode || undefined);
}

function deviceRequestOut(g: DeviceRequest): Ordered {
  return new Ordered()
    .set('capabilities', list(g.capabilities))
    .set('driver', g.driver || undefined)
    .set('count', g.count || undefined)
    .set('device_ids', list(g.device_ids))
    .set('options', stringMap(g.options));
}

function healthcheckOut(h: Healthcheck): Ordered {
  return new Ordered()
    .set('test', h.test && [...h.test])
    .set('timeout', duration(h.timeout))
    .set('interval', duration(h.interval))
    .set('retries', h.retries)
    .set('start_period', duration(h.start_period))
    .set('start_interval', duration(h.start_interval))
    .set('disable', h.disable || undefined);
}

function serviceVolumeOut(v: ServiceVolume): Ordered {
  const o = new Ordered()
    .set('type', v.type)
    .set('source', 'source' in v ? v.source || undefined : undefined)
    .set('target', v.target)
    .set('read_only', v.read_only || undefined)
    .set('consistency', v.consistency || undefined);
  if (v.type === 'bind' && v.bind) {
    o.set('bind', new Ordered()
      .set('selinux', v.bind.selinux)
      .set('propagation', v.bind.propagation || undefined)
      .set('create_host_path', v.bind.create_host_path || undefined)
      .set('recursive', v.bind.recursive || undefined));
  }
  if (v.type === 'volume' && v.volume) {
    o.set('volume', new Ordered().set('labels', stringMap(v.volume.labels)).set('nocopy', v.volume.nocopy || undefined).set('subpath', v.volume.subpath || undefined));
  }
  if (v.type === 'tmpfs' && v.tmpfs) {
    o.set('tmpfs', new Ordered().set('size', bytes(v.tmpfs.size)).set('mode', v.tmpfs.mode || undefined));
  }
  if (v.type === 'image' && v.image) o.set('image', new Ordered().set('subpath', v.image.subpath || undefined));
  return o;
}

function fileRefOut(r: FileReference): Ordered {
  return new Ordered().set('source', r.source).set('target', r.target || undefined).set('uid', r.uid || undefined).set('gid', r.gid || undefined).set('mode', r.mode);
}

/**
 * `develop:` as compose-go 2.4's DevelopConfig: `watch` triggers with `path`,
 * `action`, `target`, `exec`, `ignore` (other keys are not in its model). A
 * trigger's `exec` is a struct, so JSON always shows it (`{"command": null}`);
 * YAML leaves an empty one out.
 */
function developOut(d: Record<string, unknown>, format: Format): Ordered {
  const watch = Array.isArray(d.watch) ? (d.watch as Array<Record<string, unknown>>) : undefined;
  return new Ordered().set('watch', nonEmptyList(watch)?.map((w) => {
    const exec = w.exec && typeof w.exec === 'object' ? (w.exec as Record<string, unknown>) : undefined;
    const execOut = exec
      ? hookOut({ command: (exec.command as string[] | null | undefined) ?? [], ...(exec as Omit<ServiceHook, 'command'>) }, exec.command === undefined || exec.command === null)
      : format === 'json' ? new Ordered().set('command', null) : undefined;
    return new Ordered()
      .set('path', typeof w.path === 'string' ? w.path : '')
      .set('action', typeof w.action === 'string' ? w.action : '')
      .set('target', typeof w.target === 'string' && w.target !== '' ? w.target : undefined)
      .set('exec', execOut)
      .set('ignore', list(Array.isArray(w.ignore) ? (w.ignore as string[]) : undefined));
  }));
}

/**
 * compose-go's UlimitsConfig: one number when written so, else `{soft, hard}`
 * (JSON leaves zeros out, YAML prints both).
 */
function ulimitsOut(u: Record<string, Ulimit> | undefined, format: Format): Ordered | undefined {
  if (!u || Object.keys(u).length === 0) return undefined;
  const json = format === 'json';
  return sortedMap(u, (x) => (x.single && x.soft !== 0 ? x.soft : new Ordered().set('soft', json ? x.soft || undefined : x.soft).set('hard', json ? x.hard || undefined : x.hard)));
}

function hookOut(h: ServiceHook, nullCommand = false): Ordered {
  return new Ordered()
    .set('command', nullCommand ? null : [...h.command])
    .set('user', h.user || undefined)
    .set('privileged', h.privileged || undefined)
    .set('working_dir', h.working_dir || undefined)
    .set('environment', h.environment && Object.keys(h.environment).length > 0 ? sortedMap(h.environment, (v) => v) : undefined);
}

function networkOut(n: Network, format: Format): Ordered {
  const ipam = new Ordered();
  if (n.ipam) {
    ipam.set('driver', n.ipam.driver || undefined);
    ipam.set('config', n.ipam.config?.map((c) => new Ordered()
      .set('subnet', c.subnet || undefined)
      .set('gateway', c.gateway || undefined)
      .set('ip_range', c.ip_range || undefined)
      .set('aux_addresses', stringMap(c.aux_addresses))));
    // compose-go 2.4 has no `ipam.options` field: Compose 2.26 reads the key and drops it.
  }
  return new Ordered()
    .set('name', n.name || undefined)
    .set('driver', n.driver || undefined)
    .set('driver_opts', stringMap(n.driver_opts))
    .set('ipam', format === 'json' || ipam.size > 0 ? ipam : undefined)
    .set('external', n.external || undefined)
    .set('internal', n.internal || undefined)
    .set('attachable', n.attachable || undefined)
    .set('labels', stringMap(n.labels))
    .set('enable_ipv4', n.enable_ipv4)
    .set('enable_ipv6', n.enable_ipv6);
}

function volumeOut(v: Volume): Ordered {
  return new Ordered()
    .set('name', v.name || undefined)
    .set('driver', v.driver || undefined)
    .set('driver_opts', stringMap(v.driver_opts))
    .set('external', v.external || undefined)
    .set('labels', stringMap(v.labels));
}

function fileObjectOut(c: ConfigOrSecret, secret: boolean): Ordered {
  // Compose never prints a secret's content, nor a config's content that came from the environment.
  const content = secret || c.environment !== undefined ? undefined : c.content || undefined;
  return new Ordered()
    .set('name', c.name || undefined)
    .set('file', c.file || undefined)
    .set('environment', c.environment || undefined)
    .set('content', content)
    .set('external', c.external || undefined)
    .set('labels', stringMap(c.labels))
    .set('driver', c.driver || undefined)
    .set('driver_opts', stringMap(c.driver_opts))
    .set('template_driver', c.template_driver || undefined);
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Go sorts map keys by their UTF-8 bytes; for the keys of compose files that is UTF-16 order too, except astral characters. */
function compareGo(a: string, b: string): number {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return Buffer.compare(ba, bb);
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return compareGo(a[0], b[0]);
}

function sortedMap<T>(m: Record<string, T>, f: (v: T) => Out): Ordered {
  const o = new Ordered();
  for (const [k, v] of Object.entries(m).sort(byKey)) o.set(k, f(v));
  return o;
}

function stringMap(m: Record<string, string> | undefined): Ordered | undefined {
  if (!m || Object.keys(m).length === 0) return undefined;
  return sortedMap(m, (v) => v);
}

function nonEmptyList<T>(l: readonly T[] | undefined): readonly T[] | undefined {
  return l && l.length > 0 ? l : undefined;
}

function nonEmpty(o: Ordered): Ordered | undefined {
  return o.size > 0 ? o : undefined;
}

function list(l: readonly string[] | undefined): string[] | undefined {
  return l && l.length > 0 ? [...l] : undefined;
}

/**
 * A Go `float32` field (CPUs, ratios), as Go prints it: the shortest decimal
 * that reads back as the same 32-bit float (`0.333333333` → `0.33333334`).
 * Zero and unset are left out (`omitempty`).
 */
export function float32(n: number | undefined): number | undefined {
  if (!n) return undefined;
  const f = Math.fround(n);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function bytes(n: number | undefined): string | undefined {
  return n ? String(n) : undefined;
}

function duration(ns: number | undefined): string | undefined {
  return ns === undefined ? undefined : formatDuration(ns);
}

/** Free-form values (extensions, `develop`) keep their own key order, as Compose reads them into maps: sorted. */
function fromUnknown(v: unknown): Out {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(fromUnknown);
  if (typeof v === 'object') return sortedMap(v as Record<string, unknown>, fromUnknown);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

/**
 * One service as compose-go's `json.Marshal` prints its ServiceConfig:
 * compact, fields in struct order, maps sorted, Go's escaping and number
 * formats, no `$` doubling. Compose's `com.docker.compose.config-hash` is
 * the sha256 of this text (see `plan/config-hash.ts` for what is cleared first).
 */
export function serviceToGoJson(service: Service): string {
  return toGoJsonCompact(serviceOut(service, 'json'));
}

/** Go's `json.Marshal(v)`. */
function toGoJsonCompact(v: Out): string {
  if (v === null || typeof v !== 'object') return toGoJson(v, '');
  if (Array.isArray(v)) return `[${v.map(toGoJsonCompact).join(',')}]`;
  return `{${v.entries.map(([k, x]) => `${goString(k)}:${toGoJsonCompact(x)}`).join(',')}}`;
}

/** Go's `json.MarshalIndent(v, "", "  ")`. */
function toGoJson(v: Out, indent: string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? goNumber(v) : 'null';
  if (typeof v === 'string') return goString(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + toGoJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v.size === 0) return '{}';
  return `{\n${v.entries.map(([k, x]) => `${inner}${goString(k)}: ${toGoJson(x, inner)}`).join(',\n')}\n${indent}}`;
}

function goNumber(n: number): string {
  const s = String(n);
  // Go writes exponents with at least two digits (1e-07, 1e+21).
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function goString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // Go 1.22+ (Compose 2.26 as Debian builds it) writes these two short forms too.
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function toYamlNode(doc: Document, v: Out): unknown {
  if (v instanceof Ordered) {
    const map = new YAMLMap();
    for (const [k, x] of v.entries) map.items.push(new Pair(new Scalar(k), toYamlNode(doc, x)));
    return map;
  }
  if (Array.isArray(v)) {
    const seq = new YAMLSeq();
    for (const x of v) seq.items.push(toYamlNode(doc, x));
    return seq;
  }
  return new Scalar(v);
}

function toYaml(tree: Ordered): string {
  // YAML 1.1 rules for quoting, as Compose's encoder: "yes", "on", "y" stay strings when read back.
  const doc = new Document(undefined, { version: '1.1' });
  doc.contents = toYamlNode(doc, tree) as YAMLMap;
  return doc.toString({ indent: 2, indentSeq: true, lineWidth: 0, nullStr: 'null' });
}
