/**
 * Stage 3 of the loader: the compose-spec schema. It validates one file's
 * raw tree and returns it in Compose's canonical long syntax (the rewrites
 * are in `canonical.ts`; the combinators it is written in, in `schema-kit.ts`).
 *
 * The schema follows compose-spec `schema/compose-spec.json`: every key it
 * knows, with the same types (a string is accepted wherever the spec accepts
 * one, so interpolated values such as `init: "${INIT:-true}"` work), unknown
 * keys rejected except `x-*` extensions.
 *
 * Units are parsed here, once: durations become nanoseconds, sizes bytes,
 * CPUs cores (`units.ts`), and `normalize.ts` copies them into the model.
 *
 * Every problem becomes a zod issue whose `params` say what was expected
 * and what to do; `validate.ts` turns them into positioned messages.
 *
 * Long on purpose: the compose-spec schema itself, one entry per key in the
 * spec's order, so it reads side by side with compose-spec.json.
 *
 * @module
 */
import { z } from 'zod';
import {
  ALL_DEVICES,
  buildFromContext,
  buildSshFromMap,
  buildWithDefaults,
  dependsOnFromNames,
  dependsOnWithDefaults,
  deviceFromSpec,
  deviceWithDefaults,
  envFileFromPath,
  envFileWithDefaults,
  extendsOf,
  externalFromLegacy,
  extraHostFromEntry,
  healthcheckTestFromLine,
  includeOf,
  networksFromNames,
  portWithDefaults,
  type DependsOnOut,
  type DeviceMappingOut,
  type EnvFileOut,
  type IncludeOut,
} from './canonical.js';
import { MAX_REPLICAS } from './limits.js';
import { parsePortSpec, PortSyntaxError } from './ports.js';
import {
  BOOL_WORDS,
  NEVER,
  anyValue,
  bool,
  byKind,
  bytes,
  cpus,
  custom,
  duration,
  int,
  ipAddress,
  listOf,
  microseconds,
  listOrDict,
  mapOf,
  num,
  obj,
  oneOfValues,
  pattern,
  report,
  run,
  str,
  strOrNum,
  stringOrList,
  type Schema,
  type Shape,
} from './schema-kit.js';
import { splitShellWords, ShellWordsError } from './shell-words.js';
import { isRawMap, setOwn, type RawMap } from './tree.js';
import { parseVolumeSpec, VolumeSyntaxError } from './volume-spec.js';

const REPLICAS_HINT = `modelstack runs at most ${MAX_REPLICAS} containers of one service (see docs/compose-files.md)`;

const listOfStrings = listOf(str, { unique: true, expected: 'a list of strings' });
/**
 * A list whose repeated entries Compose folds into one when files are merged
 * (`cap_add`, `dns`, `links`, ...; see `merge.ts` enforceUnicity) instead of
 * refusing them.
 */
const foldedStrings = listOf(str, { expected: 'a list of strings' });
const stringMap = listOrDict('', 'strings');
/** `driver_opts` and similar: values may be numbers, kept as text. */
const optionsMap = mapOf(strOrNum);

// ---------------------------------------------------------------------------
// Service pieces
// ---------------------------------------------------------------------------

/** `command`/`entrypoint`: null (unset), a string (split like Compose), or a list. */
const command: Schema<string[] | null> = custom((v, ctx) => {
  if (v === null) return null;
  if (typeof v === 'string') {
    try {
      return splitShellWords(v);
    } catch (err) {
      if (err instanceof ShellWordsError) {
        report(ctx, { expected: 'a command line', hint: err.message, syntax: true });
        return NEVER;
      }
      throw err;
    }
  }
  if (Array.isArray(v)) {
    const r = run(listOf(str), v, ctx, []);
    return r ? r.data : NEVER;
  }
  report(ctx, { expected: 'a command string or a list of strings' });
  return NEVER;
});

const PORT_HINT = 'write "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]" (e.g. "8080:80", "127.0.0.1:8080:80/udp") or the long syntax';

const portLong = obj({
  name: str,
  mode: oneOfValues(['host', 'ingress']),
  host_ip: ipAddress,
  // Port 0 is no port to listen on: the engine accepts the container and nothing is published.
  target: int(1, 65535, 'a container listens on a port from 1 to 65535'),
  published: custom<string>((v, ctx) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535) return String(v);
    const range = typeof v === 'string' ? /^(?:(\d+)(?:-(\d+))?)?$/.exec(v) : null;
    if (range && [range[1], range[2]].every((p) => p === undefined || Number(p) <= 65535)) return v as string;
    report(ctx, { expected: 'a host port or range such as "8080" or "8000-8010"', hint: 'host ports go from 0 (chosen by the daemon) to 65535' });
    return NEVER;
  }),
  protocol: oneOfValues(['tcp', 'udp', 'sctp']),
  app_protocol: str,
}, { required: ['target'] });

type PortOut = z.output<typeof portLong>;

/** `ports`: every entry to the long syntax, ranges expanded. */
const ports: Schema<PortOut[]> = custom((v, ctx) => {
  if (!Array.isArray(v)) {
    report(ctx, { expected: 'a list of ports' });
    return NEVER;
  }
  const out: PortOut[] = [];
  let ok = true;
  v.forEach((entry, i) => {
    if (typeof entry === 'number') {
      if (!Number.isInteger(entry) || entry < 1 || entry > 65535) {
        report(ctx, { expected: 'a port from 1 to 65535', hint: PORT_HINT }, [i]);
        ok = false;
        return;
      }
      out.push({ mode: 'ingress', target: entry, protocol: 'tcp' });
    } else if (typeof entry === 'string') {
      try {
        for (const spec of parsePortSpec(entry)) out.push({ ...spec });
      } catch (err) {
        if (!(err instanceof PortSyntaxError)) throw err;
        report(ctx, { expected: 'a port specification', hint: `${err.message}; ${PORT_HINT}`, syntax: true }, [i]);
        ok = false;
      }
    } else if (isRawMap(entry)) {
      const r = run(portLong, entry, ctx, [i]);
      if (!r) {
        ok = false;
        return;
      }
      out.push(portWithDefaults(r.data));
    } else {
      report(ctx, { expected: 'a port: a number, a string such as "8080:80", or a mapping', hint: PORT_HINT }, [i]);
      ok = false;
    }
  });
  return ok ? out : NEVER;
});

const volumeLong = obj({
  type: oneOfValues(['bind', 'volume', 'tmpfs', 'cluster', 'npipe', 'image']),
  source: str,
  target: str,
  read_only: bool,
  consistency: str,
  bind: obj({
    propagation: str,
    create_host_path: bool,
    recursive: oneOfValues(['enabled', 'disabled', 'writable', 'readonly']),
    selinux: oneOfValues(['z', 'Z']),
  }),
  volume: obj({ labels: stringMap, nocopy: bool, subpath: str }),
  tmpfs: obj({ size: bytes, mode: custom<number>((v, ctx) => {
    // A mode is octal; as a string ("1777") or as YAML's octal 01777.
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && /^[0-7]+$/.test(v)) return Number.parseInt(v, 8);
    report(ctx, { expected: 'a file mode in octal such as "1777"' });
    return NEVER;
  }) }),
  image: obj({ subpath: str }),
}, { required: ['type'] });

type VolumeOut = z.output<typeof volumeLong>;

const VOLUME_HINT = 'write "SOURCE:TARGET[:ro]" (SOURCE a path starting with ".", "/" or "~", or a volume name) or the long syntax';
const TARGET_HINT = 'the path inside the container must be absolute (start with "/"), or the engine refuses the mount';

/** A mount target the engine takes: `/path`, or a Windows container's `C:\path` / `\\pipe`. */
function isAbsoluteTarget(target: string | undefined): boolean {
  return target !== undefined && (target.startsWith('/') || target.startsWith('\\\\') || /^[A-Za-z]:[\\/]/.test(target));
}

/** Service `volumes`: every entry to the long syntax. */
const serviceVolumes: Schema<VolumeOut[]> = custom((v, ctx) => {
  if (!Array.isArray(v)) {
    report(ctx, { expected: 'a list of volumes' });
    return NEVER;
  }
  const out: VolumeOut[] = [];
  let ok = true;
  v.forEach((entry, i) => {
    if (typeof entry === 'string') {
      try {
        const vol = parseVolumeSpec(entry) as VolumeOut;
        if (!isAbsoluteTarget(vol.target)) {
          report(ctx, { expected: 'a volume specification', hint: `${TARGET_HINT}; ${VOLUME_HINT}`, syntax: true }, [i]);
          ok = false;
          return;
        }
        out.push(vol);
      } catch (err) {
        if (!(err instanceof VolumeSyntaxError)) throw err;
        report(ctx, { expected: 'a volume specification', hint: `${err.message}; ${VOLUME_HINT}`, syntax: true }, [i]);
        ok = false;
      }
      return;
    }
    if (!isRawMap(entry)) {
      report(ctx, { expected: 'a volume: a string such as "./data:/data" or a mapping', hint: VOLUME_HINT }, [i]);
      ok = false;
      return;
    }
    const r = run(volumeLong, entry, ctx, [i]);
    if (!r) {
      ok = false;
      return;
    }
    const vol = r.data;
    if (vol.target === undefined || vol.target === '') {
      report(ctx, { expected: 'the key `target`', hint: 'add the path inside the container as `target:`', missing: true }, [i, 'target']);
      ok = false;
      return;
    }
    if (!isAbsoluteTarget(vol.target)) {
      report(ctx, { expected: 'an absolute path', hint: TARGET_HINT, syntax: true }, [i, 'target']);
      ok = false;
      return;
    }
    if ((vol.type === 'bind' || vol.type === 'npipe' || vol.type === 'image') && !vol.source) {
      report(ctx, { expected: 'the key `source`', hint: `a ${vol.type} mount needs a \`source:\``, missing: true }, [i, 'source']);
      ok = false;
      return;
    }
    out.push(vol);
  });
  return ok ? out : NEVER;
});

const dependsOnEntry = obj({
  condition: oneOfValues(['service_started', 'service_healthy', 'service_completed_successfully']),
  required: bool,
  restart: bool,
});

const SERVICE_NAME = /^[a-zA-Z0-9._-]+$/;

const dependsOn: Schema<Record<string, DependsOnOut>> = byKind<Record<string, DependsOnOut>>({
  list: custom((v, ctx) => {
    const r = run(listOf(str, { unique: true }), v, ctx, []);
    return r ? dependsOnFromNames(r.data) : NEVER;
  }),
  map: custom((v, ctx) => {
    const r = run(mapOf(byKind<z.output<typeof dependsOnEntry>>({ map: dependsOnEntry, null: custom(() => ({})) }, 'a mapping with `condition:`'), { keyPattern: SERVICE_NAME }), v, ctx, []);
    return r ? dependsOnWithDefaults(r.data) : NEVER;
  }),
}, 'a list of service names or a mapping of service names to {condition, required, restart}');

const serviceNetworkEntry = obj({
  aliases: listOfStrings,
  interface_name: str,
  ipv4_address: str,
  ipv6_address: str,
  link_local_ips: listOfStrings,
  mac_address: str,
  driver_opts: optionsMap,
  priority: num,
  gw_priority: num,
});

const serviceNetworks = byKind<Record<string, z.output<typeof serviceNetworkEntry> | null>>({
  list: custom((v, ctx) => {
    const r = run(listOf(str, { unique: true }), v, ctx, []);
    return r ? networksFromNames(r.data) : NEVER;
  }),
  map: mapOf(byKind({ map: serviceNetworkEntry, null: custom(() => null) }, 'a mapping (aliases, ipv4_address...) or nothing'), { keyPattern: SERVICE_NAME }),
}, 'a list of network names or a mapping of network names to settings');

const healthcheck = obj({
  disable: bool,
  interval: duration,
  retries: int(0),
  test: byKind<string[]>({
    string: custom((v) => healthcheckTestFromLine(v as string)),
    list: custom((v, ctx) => {
      const r = run(listOf(str), v, ctx, []);
      if (!r) return NEVER;
      const first = r.data[0];
      if (first !== undefined && first !== 'CMD' && first !== 'CMD-SHELL' && first !== 'NONE') {
        report(ctx, { expected: 'a list starting with "CMD", "CMD-SHELL" or "NONE"', hint: `write ["CMD", ${JSON.stringify(first)}, ...] or ["CMD-SHELL", "a shell line"]`, syntax: true }, [0]);
        return NEVER;
      }
      return r.data;
    }),
  }, 'a string (run by the shell) or a list starting with "CMD", "CMD-SHELL" or "NONE"'),
  timeout: duration,
  start_period: duration,
  start_interval: duration,
});

const envFileEntry = obj({ path: str, format: str, required: bool }, { required: ['path'] });

const envFile: Schema<EnvFileOut[]> = byKind<EnvFileOut[]>({
  string: custom((v) => [envFileFromPath(v as string)]),
  list: custom((v, ctx) => {
    const r = run(listOf(byKind<EnvFileOut>({
      string: custom((s) => envFileFromPath(s as string)),
      map: custom((m, c) => {
        const e = run(envFileEntry, m, c, []);
        return e ? envFileWithDefaults(e.data) : NEVER;
      }),
    }, 'a path or a mapping {path, required}')), v, ctx, []);
    return r ? r.data : NEVER;
  }),
}, 'a path or a list of paths');

/** `extra_hosts`: `["host:ip"]`, `["host=ip"]` or `{host: ip | [ip]}` → `{host: [ip]}`. */
const extraHosts: Schema<Record<string, string[]>> = custom((v, ctx) => {
  const out: Record<string, string[]> = {};
  const add = (host: string, ip: string): void => {
    const list = Object.hasOwn(out, host) ? out[host] : undefined;
    if (list) list.push(ip);
    else setOwn(out, host, [ip]);
  };
  if (Array.isArray(v)) {
    let ok = true;
    v.forEach((entry, i) => {
      if (typeof entry !== 'string') {
        report(ctx, { expected: 'a "host=ip" or "host:ip" string' }, [i]);
        ok = false;
        return;
      }
      const pair = extraHostFromEntry(entry);
      if (!pair) {
        report(ctx, { expected: 'a "host=ip" or "host:ip" string', syntax: true }, [i]);
        ok = false;
        return;
      }
      add(...pair);
    });
    return ok ? out : NEVER;
  }
  if (isRawMap(v)) {
    let ok = true;
    for (const [host, ips] of Object.entries(v)) {
      if (host === '' || /[:=]/.test(host)) {
        report(ctx, { expected: 'a host name', hint: 'a host name is not empty and has no ":" or "="', syntax: true, unknownKey: host }, [host]);
        ok = false;
        continue;
      }
      if (typeof ips === 'string') add(host, ips);
      else if (Array.isArray(ips) && ips.every((x) => typeof x === 'string')) for (const ip of ips as string[]) add(host, ip);
      else {
        report(ctx, { expected: 'an IP address or a list of them' }, [host]);
        ok = false;
      }
    }
    return ok ? out : NEVER;
  }
  report(ctx, { expected: 'a list of "host=ip" strings or a mapping of host names to IP addresses' });
  return NEVER;
});

const deviceCount: Schema<number> = custom((v, ctx) => {
  if (typeof v === 'string' && v.toLowerCase() === 'all') return ALL_DEVICES;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined;
  // -1 (what "all" means) or a number of devices: the engine refuses any other count.
  if (n !== undefined && Number.isInteger(n) && (n === ALL_DEVICES || n >= 1)) return n;
  report(ctx, { expected: 'a number of devices of at least 1, or "all" (-1)', ...(n !== undefined ? { hint: 'write "all" for every device, or how many you need', syntax: true } : {}) });
  return NEVER;
});

/**
 * A device request (`gpus:` entry, `deploy.resources.reservations.devices`
 * entry). `count` and `device_ids` exclude each other, as in compose-go
 * (its message: `"count" and "device_ids" attributes are exclusive`).
 */
function deviceRequestOf(opts: { requireCapabilities: boolean }) {
  const schema = obj({
    capabilities: listOfStrings,
    count: deviceCount,
    device_ids: listOfStrings,
    driver: str,
    options: stringMap,
  }, opts.requireCapabilities ? { required: ['capabilities'] } : {});
  return custom<z.output<typeof schema>>((v, ctx) => {
    const r = run(schema, v, ctx, []);
    if (!r) return NEVER;
    if (r.data.count !== undefined && r.data.device_ids !== undefined) {
      report(ctx, {
        expected: 'only one of `count` and `device_ids`',
        hint: '"count" and "device_ids" attributes are exclusive: ask for a number of devices (or "all") or for these ids, not both',
        unknownKey: 'device_ids',
      }, ['device_ids']);
      return NEVER;
    }
    return r.data;
  });
}

const deviceRequest = deviceRequestOf({ requireCapabilities: false });

const gpus = byKind<Array<z.output<typeof deviceRequest>>>({
  string: custom((v, ctx) => {
    if (v === 'all') return [{ count: ALL_DEVICES }];
    report(ctx, { expected: '"all" or a list of device requests', syntax: true });
    return NEVER;
  }),
  list: listOf(deviceRequest),
}, '"all" or a list of device requests');

const deviceMapping = byKind<DeviceMappingOut>({
  string: custom((v, ctx) => {
    const device = deviceFromSpec(v as string);
    if (device) return device;
    report(ctx, { expected: 'a device "HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]"', hint: 'use the long syntax {source, target, permissions}', syntax: true });
    return NEVER;
  }),
  map: custom((v, ctx) => {
    const r = run(obj({ source: str, target: str, permissions: str }, { required: ['source'] }), v, ctx, []);
    return r ? deviceWithDefaults(r.data) : NEVER;
  }),
}, 'a device path string or a mapping {source, target, permissions}');

const fileMode: Schema<number> = custom((v, ctx) => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^0?[0-7]+$/.test(v)) return Number.parseInt(v, 8);
  report(ctx, { expected: 'a file mode such as 0440' });
  return NEVER;
});

const fileReferenceLong = obj({ source: str, target: str, uid: strOrNum, gid: strOrNum, mode: fileMode }, { required: ['source'] });

const fileReferences = listOf(byKind<z.output<typeof fileReferenceLong>>({
  string: custom((v) => ({ source: v as string })),
  map: fileReferenceLong,
}, 'a name or a mapping {source, target, uid, gid, mode}'));

/** A resource limit: a number of at least 0, or -1 for unlimited (`memlock: -1`). */
const ulimit = int(-1, undefined, 'a limit is 0 or more, or -1 for unlimited');

const ulimits = mapOf(byKind<number | { soft: number; hard: number }>({
  number: ulimit,
  string: ulimit,
  map: custom((v, ctx) => {
    const r = run(obj({ soft: ulimit, hard: ulimit }, { required: ['soft', 'hard'] }), v, ctx, []);
    if (!r) return NEVER;
    const { soft = 0, hard = 0 } = r.data;
    // -1 is unlimited: a soft limit may not exceed the hard one, or the container does not start.
    if (hard !== -1 && (soft === -1 || soft > hard)) {
      report(ctx, { expected: 'a soft limit no higher than the hard limit', hint: `soft ${soft} is above hard ${hard} (-1 is unlimited); lower soft or raise hard`, syntax: true }, ['soft']);
      return NEVER;
    }
    return { soft, hard };
  }),
}, 'a number or a mapping {soft, hard}'), { keyPattern: /^[a-z]+$/, keyHint: 'ulimit names are lowercase letters (nofile, nproc, ...)' });

const blkioLimit = obj({ path: str, rate: bytes });
const blkioWeight = obj({ path: str, weight: int(10, 1000) });

const serviceHook = obj({
  command,
  user: str,
  privileged: bool,
  working_dir: str,
  environment: listOrDict(null, 'variables'),
}, { required: ['command'] });

const buildObject = obj({
  context: str,
  dockerfile: str,
  dockerfile_inline: str,
  entitlements: listOf(str),
  args: listOrDict(null, 'build arguments'),
  ssh: byKind<string[]>({ string: custom((v) => [v as string]), list: listOf(str), map: custom((v) => buildSshFromMap(v as RawMap)) }, 'a list of SSH agent sockets or keys'),
  labels: stringMap,
  cache_from: listOf(str),
  cache_to: listOf(str),
  no_cache: bool,
  additional_contexts: listOrDict('', 'contexts'),
  network: str,
  pull: bool,
  target: str,
  shm_size: bytes,
  extra_hosts: extraHosts,
  isolation: str,
  privileged: bool,
  secrets: fileReferences,
  tags: listOf(str),
  ulimits,
  platforms: listOf(str),
});

const build = byKind<z.output<typeof buildObject>>({
  string: custom((v) => buildFromContext(v as string)),
  map: custom((v, ctx) => {
    const r = run(buildObject, v, ctx, []);
    return r ? buildWithDefaults(r.data) : NEVER;
  }),
}, 'a build context path or a mapping {context, dockerfile, ...}');

const resourceLimits = obj({ cpus, memory: bytes, pids: int() });
const resourceReservations = obj({
  cpus,
  memory: bytes,
  generic_resources: listOf(obj({ discrete_resource_spec: obj({ kind: str, value: num }) })),
  devices: listOf(deviceRequestOf({ requireCapabilities: true })),
});

const updateConfig = obj({
  parallelism: int(0),
  delay: duration,
  failure_action: str,
  monitor: duration,
  max_failure_ratio: num,
  order: oneOfValues(['start-first', 'stop-first']),
});

const deploy = byKind<z.output<typeof deployObject>>({
  map: custom((v, ctx) => run(deployObject, v, ctx, [])?.data ?? NEVER),
  null: custom(() => ({})),
}, 'a mapping (replicas, resources, restart_policy, ...)');

const deployObject = obj({
  mode: str,
  endpoint_mode: str,
  replicas: int(0, MAX_REPLICAS, REPLICAS_HINT),
  labels: stringMap,
  rollback_config: updateConfig,
  update_config: updateConfig,
  resources: obj({ limits: resourceLimits, reservations: resourceReservations }),
  restart_policy: obj({ condition: oneOfValues(['none', 'on-failure', 'any']), delay: duration, max_attempts: int(0), window: duration }),
  placement: obj({
    constraints: listOf(str),
    preferences: listOf(obj({ spread: str })),
    max_replicas_per_node: int(0),
  }),
});

const develop = byKind<RawMap>({
  map: custom((v, ctx) => run(obj({
    watch: listOf(obj({
      ignore: stringOrList(),
      include: stringOrList(),
      path: str,
      action: oneOfValues(['rebuild', 'sync', 'restart', 'sync+restart', 'sync+exec']),
      target: str,
      exec: serviceHook,
    }, { required: ['path', 'action'] })),
  }), v, ctx, [])?.data as RawMap ?? NEVER),
  null: custom(() => ({})),
}, 'a mapping {watch: [...]}');

const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;

const PULL_POLICY = /^(always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+)$/;

const extendsSchema = byKind<{ service: string; file?: string }>({
  string: custom((v) => extendsOf(v as string)),
  map: custom((v, ctx) => {
    const r = run(obj({ service: str, file: str }, { required: ['service'], extensions: false }), v, ctx, []);
    return r ? extendsOf(r.data) : NEVER;
  }),
}, 'a service name or a mapping {service, file}');

/** One service, canonical. */
export const serviceSchema = obj({
  develop,
  deploy,
  annotations: stringMap,
  attach: bool,
  build,
  blkio_config: obj({
    device_read_bps: listOf(blkioLimit),
    device_read_iops: listOf(blkioLimit),
    device_write_bps: listOf(blkioLimit),
    device_write_iops: listOf(blkioLimit),
    weight: int(10, 1000),
    weight_device: listOf(blkioWeight),
  }, { extensions: false }),
  cap_add: foldedStrings,
  cap_drop: foldedStrings,
  cgroup: oneOfValues(['host', 'private']),
  cgroup_parent: str,
  command,
  configs: fileReferences,
  container_name: pattern(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a container name', 'start with a letter or digit; then letters, digits, "_", "." and "-"'),
  cpu_count: int(0),
  cpu_percent: int(0, 100),
  cpu_shares: int(),
  cpu_quota: int(),
  cpu_period: int(),
  cpu_rt_period: microseconds,
  cpu_rt_runtime: microseconds,
  cpus,
  cpuset: str,
  credential_spec: obj({ config: str, file: str, registry: str }),
  depends_on: dependsOn,
  device_cgroup_rules: listOfStrings,
  devices: listOf(deviceMapping),
  dns: stringOrList(),
  dns_opt: foldedStrings,
  dns_search: stringOrList(),
  domainname: str,
  entrypoint: command,
  env_file: envFile,
  label_file: stringOrList(),
  environment: listOrDict(null, 'variables'),
  expose: listOf(strOrNum),
  extends: extendsSchema,
  provider: obj({ type: str, options: mapOf(anyValue) }, { required: ['type'] }),
  external_links: listOfStrings,
  extra_hosts: extraHosts,
  gpus,
  group_add: listOf(strOrNum, { unique: true }),
  healthcheck,
  hostname: str,
  image: str,
  init: bool,
  ipc: str,
  isolation: str,
  labels: stringMap,
  links: foldedStrings,
  logging: obj({ driver: str, options: mapOf(custom<string | null>((v, ctx) => (v === null ? null : typeof v === 'string' || typeof v === 'number' ? String(v) : (report(ctx, { expected: 'a string or a number' }), NEVER)))) }),
  mac_address: str,
  mem_limit: bytes,
  mem_reservation: bytes,
  mem_swappiness: int(0, 100),
  memswap_limit: bytes,
  network_mode: str,
  models: anyValue,
  networks: serviceNetworks,
  oom_kill_disable: bool,
  oom_score_adj: int(-1000, 1000),
  pid: custom<string | null>((v, ctx) => (v === null || typeof v === 'string' ? v : (report(ctx, { expected: 'a string' }), NEVER))),
  pids_limit: int(),
  platform: str,
  ports,
  post_start: listOf(serviceHook),
  pre_stop: listOf(serviceHook),
  privileged: bool,
  profiles: listOf(pattern(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a profile name', 'start with a letter or digit; then letters, digits, "_", "." and "-"')),
  pull_policy: pattern(PULL_POLICY, 'a pull policy: always, never, missing, build, daily, weekly or every_<duration>'),
  pull_refresh_after: str,
  read_only: bool,
  restart: pattern(RESTART, 'a restart policy: "no", "always", "unless-stopped" or "on-failure[:N]"', 'quote "no" (or leave restart out)'),
  runtime: str,
  scale: int(0, MAX_REPLICAS, REPLICAS_HINT),
  security_opt: listOfStrings,
  shm_size: bytes,
  secrets: fileReferences,
  sysctls: listOrDict('', 'kernel parameters'),
  stdin_open: bool,
  stop_grace_period: duration,
  stop_signal: str,
  storage_opt: optionsMap,
  tmpfs: stringOrList(),
  tty: bool,
  ulimits,
  use_api_socket: bool,
  user: str,
  uts: str,
  userns_mode: str,
  volumes: serviceVolumes,
  volumes_from: listOfStrings,
  working_dir: str,
});

/** A service after validation and canonicalization. */
export type RawService = z.output<typeof serviceSchema>;

/** `external: true`, or the legacy `external: {name: x}` (→ `external: true` and `name: x`). */
function withExternal<S extends Shape>(shape: S, what: string) {
  const inner = obj({ ...shape, external: custom<boolean | { name?: string }>((v, ctx) => {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') {
      const b = BOOL_WORDS[v.toLowerCase()];
      if (b !== undefined) return b;
    }
    if (isRawMap(v)) {
      const r = run(obj({ name: str }), v, ctx, []);
      return r ? { name: r.data.name } : NEVER;
    }
    report(ctx, { expected: 'true or false' });
    return NEVER;
  }) });
  type Out = Omit<z.output<typeof inner>, 'external'> & { external?: boolean; name?: string };
  return byKind<Out>({
    null: custom(() => ({}) as Out),
    map: custom((v, ctx) => {
      const r = run(inner, v, ctx, []);
      if (!r) return NEVER;
      const rewritten = externalFromLegacy(r.data as Record<string, unknown>);
      if ('conflict' in rewritten) {
        report(ctx, { expected: 'a single name', hint: `\`external.name\` is deprecated; keep only \`name: ${rewritten.conflict}\``, syntax: true }, ['external', 'name']);
        return NEVER;
      }
      return rewritten.data as Out;
    }),
  }, `a mapping describing the ${what}, or nothing`);
}

const networkSchema = withExternal({
  name: str,
  driver: str,
  driver_opts: optionsMap,
  ipam: obj({
    driver: str,
    config: listOf(obj({ subnet: str, ip_range: str, gateway: str, aux_addresses: mapOf(str) })),
    options: mapOf(str),
  }),
  internal: bool,
  enable_ipv4: bool,
  enable_ipv6: bool,
  attachable: bool,
  labels: stringMap,
}, 'network');

const volumeSchema = withExternal({
  name: str,
  driver: str,
  driver_opts: optionsMap,
  labels: stringMap,
}, 'volume');

const secretSchema = withExternal({
  name: str,
  environment: str,
  file: str,
  labels: stringMap,
  driver: str,
  driver_opts: optionsMap,
  template_driver: str,
}, 'secret');

const configSchema = withExternal({
  name: str,
  content: str,
  environment: str,
  file: str,
  labels: stringMap,
  template_driver: str,
}, 'config');

const include = listOf(byKind<IncludeOut>({
  string: custom((v) => includeOf(v as string)),
  map: custom((v, ctx) => {
    const r = run(obj({ path: stringOrList(), env_file: stringOrList(), project_directory: str }, { required: ['path'], extensions: false }), v, ctx, []);
    return r ? includeOf(r.data) : NEVER;
  }),
}, 'a path or a mapping {path, env_file, project_directory}'));

const RESOURCE_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * Service keys whose entries must be unique and that merging several files
 * does not fold (`merge.ts` enforceUnicity folds the others): the one check
 * the loader runs again on the merged files (`validate.ts` checkMergedTree).
 */
export const UNIQUE_AFTER_MERGE = ['security_opt', 'device_cgroup_rules', 'external_links', 'volumes_from', 'group_add'] as const;

/** A whole compose file, canonical. */
export const composeFileSchema = obj({
  version: strOrNum,
  name: str,
  include,
  services: mapOf(byKind<RawService>({ map: serviceSchema, null: custom(() => ({})) }, 'a mapping describing the service'), {
    keyPattern: RESOURCE_NAME,
    keyHint: 'service names use letters, digits, ".", "_" and "-"',
    expected: 'a mapping of service names to services',
  }),
  models: mapOf(anyValue, { keyPattern: RESOURCE_NAME }),
  networks: mapOf(networkSchema, { keyPattern: RESOURCE_NAME }),
  volumes: mapOf(volumeSchema, { keyPattern: RESOURCE_NAME }),
  secrets: mapOf(secretSchema, { keyPattern: RESOURCE_NAME }),
  configs: mapOf(configSchema, { keyPattern: RESOURCE_NAME }),
});

/** A compose file after validation and canonicalization. */
export type RawComposeFile = z.output<typeof composeFileSchema>;
export type RawNetwork = z.output<typeof networkSchema>;
export type RawVolume = z.output<typeof volumeSchema>;
export type RawSecret = z.output<typeof secretSchema>;
export type RawConfig = z.output<typeof configSchema>;
export type RawPort = PortOut;
export type RawServiceVolume = VolumeOut;
export type RawDependsOn = DependsOnOut;

export type { EnvFileOut, IncludeOut } from './canonical.js';
