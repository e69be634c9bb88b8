/**
 * The canonical rewrite: the short syntaxes of a compose file become
 * Compose's long syntax, still raw data. It is what compose-go's `transform`
 * package does before merging, plus a few list→map conversions that make
 * merging by key trivial:
 *
 * | key | canonical form |
 * |---|---|
 * | `build: ./dir` | `{context: ./dir}` |
 * | `command`/`entrypoint` strings | argument lists (split like Compose: `shell-words.ts`) |
 * | `environment`, `labels`, `annotations`, `sysctls`, `*.args`, `*.labels`, `*.options` | mappings (`KEY` alone → `null` for environment, `""` for labels) |
 * | `env_file` | `[{path, required, format?}]` |
 * | `ports` | long syntax (`ports.ts`), ranges expanded, `target` a number, `published` a string |
 * | `expose` | strings |
 * | `volumes` (service) | long syntax (`volume-spec.ts`) |
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
 * | durations, sizes, CPUs | nanoseconds, bytes, cores (`units.ts`) |
 *
 * The schema (`schema.ts`) checks each value, then calls the function here
 * that rewrites it; these functions assume a value the schema accepted.
 *
 * @module
 */
import type { RawMap } from './tree.js';
import { setOwn } from './tree.js';

/** `count` of a device request that asks for every device (`count: all`, `gpus: all`). */
export const ALL_DEVICES = -1;

/** A `depends_on` entry in long syntax. */
export interface DependsOnOut {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  required: boolean;
  restart: boolean;
}

/** `depends_on: [a, b]` → `{a: {condition: service_started, required: true, restart: false}, ...}`. */
export function dependsOnFromNames(names: readonly string[]): Record<string, DependsOnOut> {
  const out: Record<string, DependsOnOut> = {};
  for (const name of names) setOwn(out, name, { condition: 'service_started', required: true, restart: false });
  return out;
}

/**
 * `depends_on: {a: {...}}` with Compose's defaults filled in. Compose's schema
 * requires `condition`; its loader defaults it to service_started, and so do we.
 */
export function dependsOnWithDefaults(entries: Record<string, Partial<DependsOnOut>>): Record<string, DependsOnOut> {
  const out: Record<string, DependsOnOut> = {};
  for (const [name, d] of Object.entries(entries)) {
    setOwn(out, name, { condition: d.condition ?? 'service_started', required: d.required ?? true, restart: d.restart ?? false });
  }
  return out;
}

/** Service `networks: [a, b]` → `{a: null, b: null}`. */
export function networksFromNames(names: readonly string[]): Record<string, null> {
  const out: Record<string, null> = {};
  for (const n of names) setOwn(out, n, null);
  return out;
}

/** `healthcheck.test: "curl -f x"` → `["CMD-SHELL", "curl -f x"]`. */
export function healthcheckTestFromLine(line: string): string[] {
  return ['CMD-SHELL', line];
}

/** An `env_file` entry in long syntax. */
export interface EnvFileOut {
  path: string;
  required: boolean;
  format?: string;
}

/** `env_file: path` (or a list entry written as a path) → `{path, required: true}`. */
export function envFileFromPath(path: string): EnvFileOut {
  return { path, required: true };
}

/** An `env_file` mapping with Compose's default (`required: true`). */
export function envFileWithDefaults(e: { path?: string; required?: boolean; format?: string }): EnvFileOut {
  const out: EnvFileOut = { path: e.path ?? '', required: e.required ?? true };
  if (e.format !== undefined) out.format = e.format;
  return out;
}

/** `"host=ip"` or `"host:ip"` → `[host, ip]`; undefined when there is no host before the separator. */
export function extraHostFromEntry(entry: string): [string, string] | undefined {
  const eq = entry.indexOf('=');
  const sep = eq >= 0 ? eq : entry.indexOf(':');
  if (sep <= 0) return undefined;
  return [entry.slice(0, sep), entry.slice(sep + 1)];
}

/** A device mapping in long syntax. */
export interface DeviceMappingOut {
  source: string;
  target: string;
  permissions: string;
}

/** `"HOST[:CONTAINER[:PERMISSIONS]]"` → long syntax; undefined when the text has too many or empty parts. */
export function deviceFromSpec(spec: string): DeviceMappingOut | undefined {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) return undefined;
  const [source = '', target = source, permissions = 'rwm'] = parts;
  return { source, target, permissions };
}

/** A device mapping written as a mapping, with Compose's defaults (target = source, `rwm`). */
export function deviceWithDefaults(d: { source?: string; target?: string; permissions?: string }): DeviceMappingOut {
  const source = d.source ?? '';
  return { source, target: d.target ?? source, permissions: d.permissions ?? 'rwm' };
}

/** `build: ./dir` → `{context: ./dir}`. */
export function buildFromContext(context: string): { context: string } {
  return { context };
}

/** compose-go defaults the build context to the project folder. */
export function buildWithDefaults<T extends { context?: string }>(build: T): T & { context: string } {
  return build.context === undefined ? { ...build, context: '.' } : (build as T & { context: string });
}

/** `build.ssh: {id: path}` → `["id=path"]` (`{default: }` → `["default"]`). */
export function buildSshFromMap(map: RawMap): string[] {
  return Object.entries(map).map(([k, p]) => (p === null || p === '' ? k : `${k}=${String(p)}`));
}

/** `extends: name` → `{service: name}`; a mapping keeps only `service` and `file`. */
export function extendsOf(e: { service?: string; file?: string } | string): { service: string; file?: string } {
  if (typeof e === 'string') return { service: e };
  const out: { service: string; file?: string } = { service: e.service ?? '' };
  if (e.file !== undefined) out.file = e.file;
  return out;
}

/** An `include` entry in long syntax. */
export interface IncludeOut {
  path: string[];
  env_file?: string[];
  project_directory?: string;
}

/** `include: [path]` entries → `{path: [path]}`; a mapping keeps its keys. */
export function includeOf(entry: string | { path?: string[]; env_file?: string[]; project_directory?: string }): IncludeOut {
  if (typeof entry === 'string') return { path: [entry] };
  const out: IncludeOut = { path: entry.path ?? [] };
  if (entry.env_file) out.env_file = entry.env_file;
  if (entry.project_directory !== undefined) out.project_directory = entry.project_directory;
  return out;
}

/** A long-syntax port with Compose's defaults (`mode: ingress`, `protocol: tcp`). */
export function portWithDefaults<T extends { mode?: 'host' | 'ingress'; protocol?: 'tcp' | 'udp' | 'sctp' }>(p: T): T & { mode: 'host' | 'ingress'; protocol: 'tcp' | 'udp' | 'sctp' } {
  return { ...p, mode: p.mode ?? 'ingress', protocol: p.protocol ?? 'tcp' };
}

/**
 * The legacy `external: {name: n}` of a network, volume, secret or config →
 * `external: true` and `name: n`. Returns the problem when `name:` is also
 * written and differs.
 */
export function externalFromLegacy(data: Record<string, unknown>): { data: Record<string, unknown> } | { conflict: string } {
  const out = { ...data };
  const ext = out.external;
  if (ext !== null && typeof ext === 'object' && !Array.isArray(ext)) {
    const legacyName = (ext as { name?: string }).name;
    if (legacyName !== undefined) {
      if (out.name !== undefined && out.name !== legacyName) return { conflict: legacyName };
      out.name = legacyName;
    }
    out.external = true;
  }
  return { data: out };
}
