/**
 * From a failed zod parse to {@link ValidationIssue}s: the one mapping of
 * schema problems to located messages, used for compose files (whose schema
 * reports {@link IssueParams}: what was expected, what to do) and for model-stack
 * options and models files (a plain zod schema, whose issues carry zod's own
 * codes and messages).
 *
 * Each issue gets the key path as a user writes it (`services.web.ports[0]`,
 * `models[0].name`), the position of that key when the document has one (or
 * of its nearest written ancestor), and a detail that says what was expected,
 * what was found and what to do. An unknown key names the closest valid one.
 *
 * @module
 */
import { z } from 'zod';
import { formatKeyPath, type SourcePosition, type ValidationIssue } from './errors.js';
import type { IssueParams } from './schema-kit.js';
import { describeRaw, getAt, type KeyPath, type RawValue } from './tree.js';

/** Finds where a key path was written; `preferKey` asks for the key rather than its value. */
export type Locator = (path: KeyPath, preferKey?: boolean) => SourcePosition | undefined;

/** How to read the issues of one parse. */
export interface IssueContext {
  /** The value that was parsed (for "got ..." and positions). */
  tree: unknown;
  /** Where keys were written; none for options given in code. */
  locate?: Locator;
  /** Prepended to every issue's path (when a part of `tree` was parsed on its own). */
  prefix?: KeyPath;
  /** For a plain zod schema: its root, to name the keys allowed where an unknown key is. */
  schema?: z.ZodType;
  /** True when `x-*` keys are allowed (compose files), for the unknown-key hint. */
  extensions?: boolean;
}

/** The issues of a failed parse, in order, each once. */
export function issuesFromZod(error: z.ZodError, ctx: IssueContext): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const path = [...(ctx.prefix ?? []), ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    const params = (issue as { params?: IssueParams }).params;
    if (params) out.push(fromParams(path, params, ctx));
    else out.push(...fromZod(path, issue, ctx));
  }
  return dedupe(out);
}

function at(ctx: IssueContext, path: KeyPath, preferKey = false): { position?: SourcePosition } {
  const position = ctx.locate?.(path, preferKey);
  return position ? { position } : {};
}

/** An issue the compose schema reported with its own params. */
function fromParams(path: KeyPath, params: IssueParams, ctx: IssueContext): ValidationIssue {
  const keyPath = formatKeyPath(path);
  if (params.unknownKey !== undefined && params.allowed) {
    return { ...at(ctx, path, true), keyPath, detail: unknownKeyDetail(params.unknownKey, params.allowed, ctx.extensions ?? true) };
  }
  if (params.missing) {
    return { ...at(ctx, path.slice(0, -1)), keyPath, detail: `missing ${params.expected}${params.hint ? `; ${params.hint}` : ''}` };
  }
  const got = params.unknownKey !== undefined ? `the key ${JSON.stringify(params.unknownKey)}` : describeRaw(getAt(ctx.tree as RawValue, path.slice(ctx.prefix?.length ?? 0)));
  const hint = params.hint ?? `write ${params.expected} here`;
  return { ...at(ctx, path, params.unknownKey !== undefined), keyPath, detail: `expected ${params.expected}, got ${got}; ${hint}` };
}

/** An issue of a plain zod schema (model-stack options). */
function fromZod(path: KeyPath, issue: z.core.$ZodIssue, ctx: IssueContext): ValidationIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = ctx.schema ? keysAt(ctx.schema, path.slice(ctx.prefix?.length ?? 0)) : undefined;
    return issue.keys.map((key) => {
      const keyAt = [...path, key];
      return { ...at(ctx, keyAt, true), keyPath: formatKeyPath(keyAt), detail: unknownKeyDetail(key, allowed ?? [], ctx.extensions ?? false) };
    });
  }
  const value = getAt(ctx.tree as RawValue, path.slice(ctx.prefix?.length ?? 0));
  if (issue.code === 'invalid_type' && value === undefined) {
    return [{ ...at(ctx, path.slice(0, -1)), keyPath: formatKeyPath(path), detail: `missing the key \`${String(path[path.length - 1] ?? '')}\`; add it` }];
  }
  if (issue.code === 'invalid_type') {
    return [{ ...at(ctx, path), keyPath: formatKeyPath(path), detail: `expected ${describeType(issue.expected)}, got ${describeRaw(value)}` }];
  }
  return [{ ...at(ctx, path), keyPath: formatKeyPath(path), detail: issue.message }];
}

function describeType(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'string':
    case 'number':
    case 'boolean':
      return `a ${expected}`;
    default:
      return expected;
  }
}

/** The keys of the object schema at `path` inside `schema`, when there is one. */
function keysAt(schema: z.ZodType, path: KeyPath): string[] | undefined {
  let cur: z.ZodType | undefined = schema;
  for (const segment of path) {
    cur = unwrap(cur);
    if (cur instanceof z.ZodObject) cur = (cur.shape as Record<string, z.ZodType>)[String(segment)];
    else if (cur instanceof z.ZodArray) cur = cur.element as z.ZodType;
    else if (cur instanceof z.ZodRecord) cur = cur.valueType as z.ZodType;
    else return undefined;
  }
  cur = unwrap(cur);
  return cur instanceof z.ZodObject ? Object.keys(cur.shape) : undefined;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let cur = schema;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
  return cur;
}

/** `unknown key "imgae"; did you mean "image"?`, or the keys to choose from. */
export function unknownKeyDetail(key: string, allowed: readonly string[], extensions: boolean): string {
  const suggestion = closest(key, allowed);
  const what = `unknown key ${JSON.stringify(key)}`;
  if (suggestion) return `${what}; did you mean ${JSON.stringify(suggestion)}?${extensions ? ' (keys of your own must start with "x-")' : ''}`;
  if (allowed.length === 0) return `${what}; remove it`;
  const all = `use one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
  // Compose files: the compose-spec's long lists are better read in the spec; `x-*` keys are the user's own.
  if (extensions) return `${what}; ${allowed.length <= 12 ? all : 'check the spelling against the compose-spec'}, or prefix keys of your own with "x-"`;
  return `${what}; ${all}`;
}

/** The candidate closest to `key` by edit distance, when close enough to be a typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  // Names longer than this are not typos of one another; keep the work bounded.
  if (a.length > 256 || b.length > 256) return a === b ? 0 : Math.max(a.length, b.length);
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min((prev[j] as number) + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.keyPath}\u0000${i.detail}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
