/**
 * What the engine, the kernel or modelstack itself cannot take, refused when
 * a project is loaded — before any network or container exists — with the
 * `file:line:col` and key of the value, instead of failing halfway through
 * an `up` (or, for the size of a YAML file, instead of eating the machine).
 * Each limit says why it is where it is; docs/compose-files.md lists them.
 *
 * @module
 */
import type { Project, Service } from './model.js';
import type { KeyPath } from './tree.js';

/**
 * Containers of one service (`scale`, `deploy.replicas`). One engine runs a
 * few thousand containers at most (each takes an address on the project
 * network, processes, memory); ten thousand is far past that and still
 * plans in a moment, while a count such as 10^9 would make even a dry run
 * build a billion container plans (tens of seconds, gigabytes) before any
 * engine could say no.
 */
export const MAX_REPLICAS = 10_000;

/**
 * One environment entry (`KEY=VALUE`) or one argument of `command`,
 * `entrypoint` or a healthcheck test, and one label value: 128 KiB. Linux
 * refuses to start a process with a longer single argument or environment
 * string (MAX_ARG_STRLEN, E2BIG); labels are metadata, not a place for data
 * (use a config or a volume).
 */
export const MAX_VALUE_BYTES = 128 * 1024;

/**
 * All labels, environment entries and arguments of one service together, as
 * the engine's create request carries them (JSON, URL-escaped: plain text
 * counts once, a `"` six times): 256 KiB. The engine reads that request
 * within a 1 MiB limit on its head (HTTP 431 above it), and the request
 * carries these values more than once (modelstack's config label repeats
 * them): 2 MB of label, or 250 KiB of quotes, made the engine refuse the
 * container after the network was created.
 */
export const MAX_SERVICE_CONFIG_BYTES = 256 * 1024;

/**
 * YAML aliases may expand a file to at most this many times the nodes
 * written in it (and always to {@link ALIAS_EXPANSION_FLOOR} nodes): honest
 * files reuse anchors a few times over; an alias bomb (a few lines that
 * expand to billions of nodes) is stopped after a bounded amount of work,
 * however large the file around it.
 */
export const ALIAS_EXPANSION_RATIO = 10;

/** Nodes any file may expand to through aliases, however small it is. */
export const ALIAS_EXPANSION_FLOOR = 100_000;

/** A problem found by {@link engineLimitIssues}: where, and what to do. */
export interface LimitIssue {
  path: KeyPath;
  detail: string;
  /** Point at the key rather than its value. */
  preferKey?: boolean;
}

const NUL = '\u0000';
const NUL_DETAIL = 'contains a NUL character (\\0), which the engine cannot take; remove it';

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * NUL characters in a compose document (every string and key, but the
 * content of `configs` and the user's own `x-*` keys, which never reach the
 * engine as text): the engine's API cannot carry one, and an image name with
 * one failed deep in the HTTP client. Checked on each file as it is read, so
 * every one is positioned.
 */
export function nulIssues(document: unknown): LimitIssue[] {
  const issues: LimitIssue[] = [];
  // One path, grown and shrunk as the walk goes: a large file has a million values and rarely a NUL.
  const path: Array<string | number> = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.includes(NUL)) issues.push({ path: [...path], detail: NUL_DETAIL });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        path.push(i);
        walk(v);
        path.pop();
      });
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('x-')) continue;
      if (path.length === 2 && path[0] === 'configs' && k === 'content') continue;
      path.push(k);
      if (k.includes(NUL)) issues.push({ path: [...path], detail: `the name ${NUL_DETAIL}`, preferKey: true });
      else walk(v);
      path.pop();
    }
  };
  walk(document);
  return issues;
}

/**
 * Values of the enabled services of a loaded project that the engine or the
 * kernel would refuse: an environment entry, argument or label past
 * {@link MAX_VALUE_BYTES}, a service past {@link MAX_SERVICE_CONFIG_BYTES},
 * and a NUL character in the environment or labels read from `env_file` and
 * `label_file` (what the files say was checked as they were read).
 */
export function engineLimitIssues(project: Project): LimitIssue[] {
  const issues: LimitIssue[] = [];
  for (const [name, service] of Object.entries(project.services)) {
    const at: KeyPath = ['services', name];
    for (const key of ['environment', 'labels'] as const) {
      for (const [k, v] of Object.entries(service[key] ?? {})) {
        if (k.includes(NUL) || v?.includes(NUL)) issues.push({ path: [...at, key, k], detail: `the entry ${NUL_DETAIL} (read from an env or label file?)` });
      }
    }
    serviceSizes(service, at, issues);
  }
  return issues;
}

function serviceSizes(service: Service, at: KeyPath, issues: LimitIssue[]): void {
  let total = 0;
  const value = (path: KeyPath, text: string, what: string, why: string): void => {
    const bytes = Buffer.byteLength(text);
    total += requestBytes(text);
    if (bytes > MAX_VALUE_BYTES) issues.push({ path, detail: `${what} is ${kib(bytes)}, more than ${kib(MAX_VALUE_BYTES)}; ${why}` });
  };
  const ARG = 'Linux starts no process with a longer argument or variable; pass large data as a config or a file in a volume';
  for (const [k, v] of Object.entries(service.environment ?? {})) value([...at, 'environment', k], `${k}=${v ?? ''}`, 'the variable', ARG);
  for (const key of ['command', 'entrypoint'] as const) {
    (service[key] ?? []).forEach((arg, i) => value([...at, key, i], arg, 'the argument', ARG));
  }
  (service.healthcheck?.test ?? []).forEach((arg, i) => value([...at, 'healthcheck', 'test', i], arg, 'the argument', ARG));
  for (const [k, v] of Object.entries(service.labels ?? {})) value([...at, 'labels', k], `${k}=${v}`, 'the label', 'labels are metadata; put data in a config or a volume');
  if (total > MAX_SERVICE_CONFIG_BYTES) {
    issues.push({
      path: at,
      detail: `its labels, environment and command come to ${kib(total)} in the engine's request, more than ${kib(MAX_SERVICE_CONFIG_BYTES)}: the engine would refuse to create the container (HTTP 431); move large values into a config or a volume`,
      preferKey: true,
    });
  }
}

/** How many bytes `text` takes in the engine's create request: as JSON, URL-escaped (a `"` takes 6). */
function requestBytes(text: string): number {
  return encodeURIComponent(JSON.stringify(text)).length;
}
