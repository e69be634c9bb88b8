/**
 * Stage 3 of the loader: the compose-spec schema as zod schemas, which both
 * validate one file's raw tree and rewrite it into Compose's canonical long
 * syntax (still raw data, still a valid compose file).
 *
 * The schema follows compose-spec `schema/compose-spec.json`: every key it
 * knows, with the same types (a string is accepted wherever the spec accepts
 * one, so interpolated values such as `init: "${INIT:-true}"` work), unknown
 * keys rejected except `x-*` extensions. The canonical rewrite is what
 * compose-go's `transform` package does before merging, plus a few list→map
 * conversions that make merging by key trivial:
 *
 * | key | canonical form |
 * |---|---|
 * | `build: ./dir` | `{context: ./dir}` |
 * | `command`/`entrypoint` strings | argument lists (split like Compose) |
 * | `environment`, `labels`, `annotations`, `sysctls`, `*.args`, `*.labels`, `*.options` | mappings (`KEY` alone → `null` for environment, `""` for labels) |
 * | `env_file` | `[{path, required, format?}]` |
 * | `ports` | long syntax, ranges expanded, `target` a number, `published` a string |
 * | `expose` | strings |
 * | `volumes` (service) | long syntax |
 * | `depends_on` | `{name: {condition, required, restart}}` |
 * | `networks` (service) | `{name: null | {...}}` |
 * | `extends: name` | `{service: name}` |
 * | `healthcheck.test: "cmd"` | `["CMD-SHELL", "cmd"]` |
 * | `extra_hosts` | `{host: [ip, ...]}` |
 * | `devices: "a:b:rwm"` | `{source, target, permissions}` |
 * | `gpus: all`, device `count: all` | `[{count: -1}]`, `-1` |
 * | `secrets`/`configs` entries | `{source, ...}` |
 * | `dns`, `dns_search`, `tmpfs`, `label_file` | lists |
 * | top-level `external: {name: n}` | `external: true`, `name: n` |
 * | booleans and integers written as strings | booleans and numbers |
 *
 * Units (durations, sizes, CPUs) are checked here but converted later, in
 * `normalize.ts`, so the canonical tree still reads like the file.
 *
 * Every problem becomes a zod issue whose `params` say what was expected
 * and what to do; `validate.ts` turns them into positioned messages.
 *
 * @module
 */
import { z } from 'zod';
import { parsePortSpec, PortSyntaxError } from './ports.js';
import { splitShellWords, ShellWordsError } from './shell-words.js';
import { isRawMap, setOwn, type RawMap, type RawValue } from './tree.js';
import { parseBytes, parseCpus, parseDuration } from './units.js';
import { parseVolumeSpec, VolumeSyntaxError } from './volume-spec.js';

/** What a schema issue carries for `validate.ts`. */
export interface IssueParams {
  /** What was expected here ("a string", "a duration such as \"30s\""). */
  expected: string;
  /** What to do about it. */
  hint?: string;
  /** An unknown key (the issue path points at it). */
  unknownKey?: string;
  /** The keys allowed where the unknown key was found. */
  allowed?: string[];
  /** The problem is the value's content, not its type (no "got ..." part). */
  syntax?: boolean;
  /** A required key is missing (the issue path points at the missing key). */
  missing?: boolean;
}

type Ctx = z.core.$RefinementCtx;
/** A schema that validates and canonicalizes raw data into `T`. */
export type Schema<T> = z.ZodType<T>;

function report(ctx: Ctx, params: IssueParams, path: PropertyKey[] = []): void {
  ctx.addIssue({ code: 'custom', message: params.expected, params: { ...params }, path });
}

/** Runs `schema` on `value`, forwarding its issues under `path`; undefined when it failed. */
function run<T>(schema: Schema<T>, value: unknown, ctx: Ctx, path: PropertyKey[]): { data: T } | undefined {
  const r = schema.safeParse(value);
  if (r.success) return { data: r.data };
  for (const issue of r.error.issues) {
    const params = (issue as { params?: IssueParams }).params ?? { expected: issue.message };
    ctx.addIssue({ code: 'custom', message: issue.message, params: { ...params }, path: [...path, ...issue.path] });
  }
  return undefined;
}

/** A schema from a function that returns the canonical value or reports and returns NEVER. */
function custom<T>(fn: (value: unknown, ctx: Ctx) => T | typeof z.NEVER): Schema<T> {
  return z.unknown().transform((v, ctx) => fn(v, ctx)) as unknown as Schema<T>;
}

const NEVER = z.NEVER;

// ---------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------

const str: Schema<string> = custom((v, ctx) => {
  if (typeof v === 'string') return v;
  report(ctx, { expected: 'a string', hint: 'quote the value' });
  return NEVER;
});

/** A string, or a number Compose reads as its decimal text. */
const strOrNum: Schema<string> = custom((v, ctx) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  report(ctx, { expected: 'a string or a number' });
  return NEVER;
});

const BOOL_WORDS: Record<string, boolean> = { true: true, yes: true, y: true, on: true, false: false, no: false, n: false, off: false };

/** A boolean; also the strings Compose reads as one (`"true"`, `"yes"`, `"off"`...). */
const bool: Schema<boolean> = custom((v, ctx) => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const b = BOOL_WORDS[v.toLowerCase()];
    if (b !== undefined) return b;
  }
  report(ctx, { expected: 'true or false' });
  return NEVER;
});

function int(min?: number, max?: number): Schema<number> {
  const range = min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` of at least ${min}` : '';
  return custom((v, ctx) => {
    let n: number | undefined;
    if (typeof v === 'number' && Number.isInteger(v)) n = v;
    else if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) n = Number(v.trim());
    if (n === undefined || (min !== undefined && n < min) || (max !== undefined && n > max)) {
      report(ctx, { expected: `a whole number${range}` });
      return NEVER;
    }
    return n;
  });
}

const num: Schema<number> = custom((v, ctx) => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  report(ctx, { expected: 'a number' });
  return NEVER;
});

function messageOf(err: unknown): string {
  if (err && typeof err === 'object' && 'detail' in err && typeof (err as { detail: unknown }).detail === 'string') {
    return (err as { detail: string }).detail;
  }
  return err instanceof Error ? err.message : String(err);
}

/** A Go-style duration (`30s`, `1m30s`, `1h5m30s20ms`), kept as written. */
const duration: Schema<string> = custom((v, ctx) => {
  if (typeof v !== 'string') {
    report(ctx, {
      expected: 'a duration such as "30s" or "1m30s"',
      hint: typeof v === 'number' ? `add a unit, e.g. "${v}s"` : 'write a number with a unit: us, ms, s, m or h',
    });
    return NEVER;
  }
  try {
    parseDuration(v);
  } catch (err) {
    report(ctx, { expected: 'a duration such as "30s" or "1m30s"', hint: messageOf(err), syntax: true });
    return NEVER;
  }
  return v;
});

/** A byte size (`512m`, `4G`, `1073741824`), kept as written. */
const bytes: Schema<string | number> = custom((v, ctx) => {
  if (typeof v !== 'string' && typeof v !== 'number') {
    report(ctx, { expected: 'a size such as "512m" or "4g"' });
    return NEVER;
  }
  try {
    parseBytes(v);
  } catch (err) {
    report(ctx, { expected: 'a size such as "512m" or "4g"', hint: messageOf(err), syntax: true });
    return NEVER;
  }
  return v;
});

/** A CPU count (`1.5`, `"0.5"`), kept as written. */
const cpus: Schema<string | number> = custom((v, ctx) => {
  if (typeof v !== 'string' && typeof v !== 'number') {
    report(ctx, { expected: 'a number of CPUs such as 1.5' });
    return NEVER;
  }
  try {
    parseCpus(v);
  } catch (err) {
    report(ctx, { expected: 'a number of CPUs such as 1.5', hint: messageOf(err), syntax: true });
    return NEVER;
  }
  return v;
});

function oneOfValues<const T extends string>(values: readonly T[], hint?: string): Schema<T> {
  const set = new Set<string>(values);
  const expected = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
  return custom((v, ctx) => {
    if (typeof v === 'string' && set.has(v)) return v as T;
    report(ctx, hint ? { expected, hint } : { expected });
    return NEVER;
  });
}

function pattern(re: RegExp, expected: string, hint?: string): Schema<string> {
  return custom((v, ctx) => {
    if (typeof v === 'string' && re.test(v)) return v;
    report(ctx, { expected, ...(hint ? { hint } : {}), syntax: typeof v === 'string' });
    return NEVER;
  });
}

/** Any value, kept as written (for keys whose content Compose itself does not constrain). */
const anyValue: Schema<RawValue> = custom((v) => v as RawValue);

// ---------------------------------------------------------------------------
// Collections
// ---------------------------------------------------------------------------

function listOf<T>(item: Schema<T>, opts: { unique?: boolean; expected?: string } = {}): Schema<T[]> {
  return custom((v, ctx) => {
    if (!Array.isArray(v)) {
      report(ctx, { expected: opts.expected ?? 'a list' });
      return NEVER;
    }
    const out: T[] = [];
    let ok = true;
    const seen = new Map<string, number>();
    v.forEach((entry, i) => {
      if (opts.unique && (typeof entry === 'string' || typeof entry === 'number')) {
        const key = String(entry);
        const first = seen.get(key);
        if (first !== undefined) {
          report(ctx, { expected: 'unique entries', hint: `this repeats entry [${first}]; remove one of them`, syntax: true }, [i]);
          ok = false;
          return;
        }
        seen.set(key, i);
      }
      const r = run(item, entry, ctx, [i]);
      if (r) out.push(r.data);
      else ok = false;
    });
    return ok ? out : NEVER;
  });
}

/** A mapping whose keys are free (names of services, variables...). */
function mapOf<T>(value: Schema<T>, opts: { keyPattern?: RegExp; keyHint?: string; expected?: string } = {}): Schema<Record<string, T>> {
  return custom((v, ctx) => {
    if (!isRawMap(v)) {
      report(ctx, { expected: opts.expected ?? 'a mapping' });
      return NEVER;
    }
    const out: Record<string, T> = {};
    let ok = true;
    for (const [k, entry] of Object.entries(v)) {
      if (opts.keyPattern && !opts.keyPattern.test(k)) {
        report(ctx, { expected: `a name matching ${opts.keyPattern.source}`, hint: opts.keyHint ?? 'use letters, digits, ".", "_" and "-"', syntax: true, unknownKey: k }, [k]);
        ok = false;
        continue;
      }
      const r = run(value, entry, ctx, [k]);
      if (r) setOwn(out, k, r.data);
      else ok = false;
    }
    return ok ? out : NEVER;
  });
}


/** Extension fields (`x-*`) of an object, kept as written. */
export type Extensions = { [key: `x-${string}`]: RawValue };

type Shape = Record<string, Schema<unknown>>;
type ObjectOut<S extends Shape> = { -readonly [K in keyof S]?: z.output<S[K]> } & Extensions;

/**
 * A compose-spec object: the keys of `shape`, plus `x-*` extensions; any
 * other key is an error that names the closest valid key.
 */
function obj<S extends Shape>(shape: S, opts: { required?: Array<keyof S & string>; expected?: string; extensions?: boolean } = {}): Schema<ObjectOut<S>> {
  const allowed = Object.keys(shape);
  return custom((v, ctx) => {
    if (!isRawMap(v)) {
      report(ctx, { expected: opts.expected ?? 'a mapping' });
      return NEVER;
    }
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [k, entry] of Object.entries(v)) {
      const schema = Object.hasOwn(shape, k) ? shape[k] : undefined;
      if (!schema) {
        if (k.startsWith('x-') && opts.extensions !== false) {
          setOwn(out, k, entry);
          continue;
        }
        report(ctx, { expected: 'a known key', unknownKey: k, allowed }, [k]);
        ok = false;
        continue;
      }
      const r = run(schema, entry, ctx, [k]);
      if (r) setOwn(out, k, r.data);
      else ok = false;
    }
    for (const k of opts.required ?? []) {
      if (!Object.hasOwn(v, k)) {
        report(ctx, { expected: `the key \`${k}\``, hint: `add \`${k}:\``, missing: true }, [k]);
        ok = false;
      }
    }
    return ok ? (out as ObjectOut<S>) : NEVER;
  });
}

type KindName = 'string' | 'number' | 'boolean' | 'null' | 'list' | 'map';

function kindOf(v: unknown): KindName {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  return 'boolean';
}

/** Dispatches on the value's kind (string, list, mapping...), as the spec's `oneOf`s do. */
function byKind<T>(branches: Partial<Record<KindName, Schema<T>>>, expected: string, hint?: string): Schema<T> {
  return custom((v, ctx) => {
    const schema = branches[kindOf(v)];
    if (!schema) {
      report(ctx, hint ? { expected, hint } : { expected });
      return NEVER;
    }
    const r = run(schema, v, ctx, []);
    return r ? r.data : NEVER;
  });
}

function scalarToString(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

/**
 * `list_or_dict`: `[KEY=VAL, ...]` or `{KEY: VAL}` → `{KEY: VAL}`.
 * `bare` is the value of a list entry without `=` (and of a `KEY:` with no value).
 */
function listOrDict<B extends string | null>(bare: B, what: string): Schema<Record<string, string | B>> {
  const expected = `a mapping of ${what} or a list of "KEY=VALUE" strings`;
  return custom((v, ctx) => {
    const out: Record<string, string | B> = {};
    if (Array.isArray(v)) {
      let ok = true;
      const seen = new Set<string>();
      v.forEach((entry, i) => {
        if (typeof entry !== 'string') {
          report(ctx, { expected: 'a "KEY=VALUE" string' }, [i]);
          ok = false;
          return;
        }
        if (seen.has(entry)) {
          report(ctx, { expected: 'unique entries', hint: 'remove the repeated entry', syntax: true }, [i]);
          ok = false;
          return;
        }
        seen.add(entry);
        const eq = entry.indexOf('=');
        if (eq === 0) {
          report(ctx, { expected: 'a "KEY=VALUE" string', hint: 'the key before "=" is empty', syntax: true }, [i]);
          ok = false;
          return;
        }
        if (eq < 0) setOwn(out, entry, bare);
        else setOwn(out, entry.slice(0, eq), entry.slice(eq + 1));
      });
      return ok ? out : NEVER;
    }
    if (isRawMap(v)) {
      let ok = true;
      for (const [k, entry] of Object.entries(v)) {
        if (entry === null) setOwn(out, k, bare);
        else if (typeof entry === 'string' || typeof entry === 'number' || typeof entry === 'boolean') setOwn(out, k, scalarToString(entry));
        else {
          report(ctx, { expected: 'a string, a number, a boolean or null', hint: 'quote the value' }, [k]);
          ok = false;
        }
      }
      return ok ? out : NEVER;
    }
    report(ctx, { expected });
    return NEVER;
  });
}

/** `string_or_list` → list. */
function stringOrList(opts: { unique?: boolean } = {}): Schema<string[]> {
  const list = listOf(str, opts);
  return byKind<string[]>({ string: custom((v) => [v as string]), list }, 'a string or a list of strings');
}

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
  host_ip: str,
  target: int(0, 65535),
  published: custom<string>((v, ctx) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535) return String(v);
    if (typeof v === 'string' && /^(\d+(-\d+)?)?$/.test(v)) return v;
    report(ctx, { expected: 'a host port or range such as "8080" or "8000-8010"' });
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
      if (!Number.isInteger(entry) || entry < 0 || entry > 65535) {
        report(ctx, { expected: 'a port from 0 to 65535', hint: PORT_HINT }, [i]);
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
      const p = r.data;
      out.push({ ...p, mode: p.mode ?? 'ingress', protocol: p.protocol ?? 'tcp' });
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
        out.push(parseVolumeSpec(entry) as VolumeOut);
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

interface DependsOnOut {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  required: boolean;
  restart: boolean;
}

const SERVICE_NAME = /^[a-zA-Z0-9._-]+$/;

const dependsOn: Schema<Record<string, DependsOnOut>> = byKind<Record<string, DependsOnOut>>({
  list: custom((v, ctx) => {
    const r = run(listOf(str, { unique: true }), v, ctx, []);
    if (!r) return NEVER;
    const out: Record<string, DependsOnOut> = {};
    for (const name of r.data) setOwn(out, name, { condition: 'service_started', required: true, restart: false });
    return out;
  }),
  map: custom((v, ctx) => {
    const r = run(mapOf(byKind<z.output<typeof dependsOnEntry>>({ map: dependsOnEntry, null: custom(() => ({})) }, 'a mapping with `condition:`'), { keyPattern: SERVICE_NAME }), v, ctx, []);
    if (!r) return NEVER;
    const out: Record<string, DependsOnOut> = {};
    for (const [name, d] of Object.entries(r.data)) {
      // Compose's schema requires `condition`; its loader defaults it to service_started, and so do we.
      setOwn(out, name, { condition: d.condition ?? 'service_started', required: d.required ?? true, restart: d.restart ?? false });
    }
    return out;
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
    if (!r) return NEVER;
    const out: Record<string, null> = {};
    for (const n of r.data) setOwn(out, n, null);
    return out;
  }),
  map: mapOf(byKind({ map: serviceNetworkEntry, null: custom(() => null) }, 'a mapping (aliases, ipv4_address...) or nothing'), { keyPattern: SERVICE_NAME }),
}, 'a list of network names or a mapping of network names to settings');

const healthcheck = obj({
  disable: bool,
  interval: duration,
  retries: int(0),
  test: byKind<string[]>({
    string: custom((v) => ['CMD-SHELL', v as string]),
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

export interface EnvFileOut {
  path: string;
  required: boolean;
  format?: string;
}

const envFile: Schema<EnvFileOut[]> = byKind<EnvFileOut[]>({
  string: custom((v) => [{ path: v as string, required: true }]),
  list: custom((v, ctx) => {
    const r = run(listOf(byKind<EnvFileOut>({
      string: custom((s) => ({ path: s as string, required: true })),
      map: custom((m, c) => {
        const e = run(envFileEntry, m, c, []);
        if (!e) return NEVER;
        const out: EnvFileOut = { path: e.data.path ?? '', required: e.data.required ?? true };
        if (e.data.format !== undefined) out.format = e.data.format;
        return out;
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
      const eq = entry.indexOf('=');
      const sep = eq >= 0 ? eq : entry.indexOf(':');
      if (sep <= 0) {
        report(ctx, { expected: 'a "host=ip" or "host:ip" string', syntax: true }, [i]);
        ok = false;
        return;
      }
      add(entry.slice(0, sep), entry.slice(sep + 1));
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
  if (typeof v === 'string' && v.toLowerCase() === 'all') return -1;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  report(ctx, { expected: 'a number of devices or "all"' });
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
    if (v === 'all') return [{ count: -1 }];
    report(ctx, { expected: '"all" or a list of device requests', syntax: true });
    return NEVER;
  }),
  list: listOf(deviceRequest),
}, '"all" or a list of device requests');

const deviceMapping = byKind<{ source: string; target: string; permissions: string }>({
  string: custom((v, ctx) => {
    const parts = (v as string).split(':');
    if (parts.length > 3 || parts.some((p) => p === '')) {
      report(ctx, { expected: 'a device "HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]"', hint: 'use the long syntax {source, target, permissions}', syntax: true });
      return NEVER;
    }
    const [source = '', target = source, permissions = 'rwm'] = parts;
    return { source, target, permissions };
  }),
  map: custom((v, ctx) => {
    const r = run(obj({ source: str, target: str, permissions: str }, { required: ['source'] }), v, ctx, []);
    if (!r) return NEVER;
    const source = r.data.source ?? '';
    return { source, target: r.data.target ?? source, permissions: r.data.permissions ?? 'rwm' };
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

const ulimits = mapOf(byKind<number | { soft: number; hard: number }>({
  number: int(),
  string: int(),
  map: custom((v, ctx) => {
    const r = run(obj({ soft: int(), hard: int() }, { required: ['soft', 'hard'] }), v, ctx, []);
    return r ? { soft: r.data.soft ?? 0, hard: r.data.hard ?? 0 } : NEVER;
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
  ssh: byKind<string[]>({ string: custom((v) => [v as string]), list: listOf(str), map: custom((v) => Object.entries(v as RawMap).map(([k, p]) => (p === null || p === '' ? k : `${k}=${String(p)}`))) }, 'a list of SSH agent sockets or keys'),
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
  string: custom((v) => ({ context: v as string })),
  map: custom((v, ctx) => {
    const r = run(buildObject, v, ctx, []);
    if (!r) return NEVER;
    // compose-go defaults the build context to the project folder.
    return r.data.context === undefined ? { ...r.data, context: '.' } : r.data;
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
  replicas: int(0),
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
  string: custom((v) => ({ service: v as string })),
  map: custom((v, ctx) => {
    const r = run(obj({ service: str, file: str }, { required: ['service'], extensions: false }), v, ctx, []);
    if (!r) return NEVER;
    const out: { service: string; file?: string } = { service: r.data.service ?? '' };
    if (r.data.file !== undefined) out.file = r.data.file;
    return out;
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
  cpu_rt_period: custom<number | string>((v, ctx) => (typeof v === 'number' || typeof v === 'string' ? v : (report(ctx, { expected: 'microseconds or a duration' }), NEVER))),
  cpu_rt_runtime: custom<number | string>((v, ctx) => (typeof v === 'number' || typeof v === 'string' ? v : (report(ctx, { expected: 'microseconds or a duration' }), NEVER))),
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
  scale: int(0),
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
      const data = { ...r.data } as Record<string, unknown>;
      const ext = data.external;
      if (isRawMap(ext as RawValue)) {
        const legacyName = (ext as { name?: string }).name;
        if (legacyName !== undefined) {
          if (data.name !== undefined && data.name !== legacyName) {
            report(ctx, { expected: 'a single name', hint: `\`external.name\` is deprecated; keep only \`name: ${legacyName}\``, syntax: true }, ['external', 'name']);
            return NEVER;
          }
          data.name = legacyName;
        }
        data.external = true;
      }
      return data as Out;
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

export interface IncludeOut {
  path: string[];
  env_file?: string[];
  project_directory?: string;
}

const include = listOf(byKind<IncludeOut>({
  string: custom((v) => ({ path: [v as string] })),
  map: custom((v, ctx) => {
    const r = run(obj({ path: stringOrList(), env_file: stringOrList(), project_directory: str }, { required: ['path'], extensions: false }), v, ctx, []);
    if (!r) return NEVER;
    const out: IncludeOut = { path: r.data.path ?? [] };
    if (r.data.env_file) out.env_file = r.data.env_file;
    if (r.data.project_directory !== undefined) out.project_directory = r.data.project_directory;
    return out;
  }),
}, 'a path or a mapping {path, env_file, project_directory}'));

const RESOURCE_NAME = /^[a-zA-Z0-9._-]+$/;

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
