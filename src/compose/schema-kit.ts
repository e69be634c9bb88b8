/**
 * The small combinator layer the compose schema (`schema.ts`) is written in:
 * zod schemas that validate raw YAML data and return its canonical form,
 * reporting every problem as a zod issue whose `params` ({@link IssueParams})
 * say what was expected and what to do. `issues.ts` turns those into
 * positioned messages.
 *
 * Scalars accept what Compose accepts (a string wherever the spec allows one,
 * so interpolated values such as `init: "${INIT:-true}"` work); `obj` rejects
 * unknown keys except `x-*` extensions, naming the closest valid key.
 *
 * @module
 */
import { z } from 'zod';
import { isIpAddress } from './ports.js';
import { isRawMap, setOwn, type RawValue } from './tree.js';
import { parseBytes, parseCpus, parseDuration } from './units.js';

/** What a schema issue carries for `issues.ts`. */
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

export type Ctx = z.core.$RefinementCtx;
/** A schema that validates and canonicalizes raw data into `T`. */
export type Schema<T> = z.ZodType<T>;

export function report(ctx: Ctx, params: IssueParams, path: PropertyKey[] = []): void {
  ctx.addIssue({ code: 'custom', message: params.expected, params: { ...params }, path });
}

/** Runs `schema` on `value`, forwarding its issues under `path`; undefined when it failed. */
export function run<T>(schema: Schema<T>, value: unknown, ctx: Ctx, path: PropertyKey[]): { data: T } | undefined {
  const r = schema.safeParse(value);
  if (r.success) return { data: r.data };
  for (const issue of r.error.issues) {
    const params = (issue as { params?: IssueParams }).params ?? { expected: issue.message };
    ctx.addIssue({ code: 'custom', message: issue.message, params: { ...params }, path: [...path, ...issue.path] });
  }
  return undefined;
}

/** A schema from a function that returns the canonical value or reports and returns NEVER. */
export function custom<T>(fn: (value: unknown, ctx: Ctx) => T | typeof z.NEVER): Schema<T> {
  return z.unknown().transform((v, ctx) => fn(v, ctx)) as unknown as Schema<T>;
}

export const NEVER = z.NEVER;

// ---------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------

export const str: Schema<string> = custom((v, ctx) => {
  if (typeof v === 'string') return v;
  report(ctx, { expected: 'a string', hint: 'quote the value' });
  return NEVER;
});

/** A string, or a number Compose reads as its decimal text. */
export const strOrNum: Schema<string> = custom((v, ctx) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  report(ctx, { expected: 'a string or a number' });
  return NEVER;
});

export const BOOL_WORDS: Record<string, boolean> = { true: true, yes: true, y: true, on: true, false: false, no: false, n: false, off: false };

/** A boolean; also the strings Compose reads as one (`"true"`, `"yes"`, `"off"`...). */
export const bool: Schema<boolean> = custom((v, ctx) => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const b = BOOL_WORDS[v.toLowerCase()];
    if (b !== undefined) return b;
  }
  report(ctx, { expected: 'true or false' });
  return NEVER;
});

/** A whole number (or a string of one) from `min` to `max`; `hint` says what to do when it is out of range. */
export function int(min?: number, max?: number, hint?: string): Schema<number> {
  const range = min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` of at least ${min}` : '';
  return custom((v, ctx) => {
    let n: number | undefined;
    if (typeof v === 'number' && Number.isInteger(v)) n = v;
    else if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) n = Number(v.trim());
    if (n === undefined || (min !== undefined && n < min) || (max !== undefined && n > max)) {
      report(ctx, { expected: `a whole number${range}`, ...(hint && n !== undefined ? { hint } : {}) });
      return NEVER;
    }
    return n;
  });
}

export const num: Schema<number> = custom((v, ctx) => {
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

// Units are parsed here, once: the canonical tree holds nanoseconds, bytes
// and cores, and `normalize.ts` copies them into the model.

/** A parser of `units.ts`, run on a value the schema has type-checked. */
function parsed<T>(ctx: Ctx, expected: string, parse: () => T): T | typeof NEVER {
  try {
    return parse();
  } catch (err) {
    report(ctx, { expected, hint: messageOf(err), syntax: true });
    return NEVER;
  }
}

/** A Go-style duration (`30s`, `1m30s`, `1h5m30s20ms`) → nanoseconds. */
export const duration: Schema<number> = custom((v, ctx) => {
  if (typeof v !== 'string') {
    report(ctx, {
      expected: 'a duration such as "30s" or "1m30s"',
      hint: typeof v === 'number' ? `add a unit, e.g. "${v}s"` : 'write a number with a unit: us, ms, s, m or h',
    });
    return NEVER;
  }
  const ns = parsed(ctx, 'a duration such as "30s" or "1m30s"', () => parseDuration(v));
  // Every duration of a compose file is a wait or a period: the engine refuses a negative one.
  if (typeof ns === 'number' && ns < 0) {
    report(ctx, { expected: 'a duration of 0 or more', hint: 'a wait or a period cannot be negative; remove the "-"', syntax: true });
    return NEVER;
  }
  return ns;
});

/** An IPv4 or IPv6 address (`127.0.0.1`, `::1`); an empty string means none, as in Compose. */
export const ipAddress: Schema<string | undefined> = custom((v, ctx) => {
  if (v === '') return undefined;
  if (typeof v === 'string' && isIpAddress(v)) return v;
  report(ctx, {
    expected: 'an IPv4 or IPv6 address',
    hint: 'write an address such as 127.0.0.1, 0.0.0.0 or ::1 (without brackets); the engine would otherwise bind all interfaces',
    syntax: typeof v === 'string',
  });
  return NEVER;
});

/** A byte size (`512m`, `4G`, `1073741824`) → bytes. */
export const bytes: Schema<number> = custom((v, ctx) => {
  if (typeof v !== 'string' && typeof v !== 'number') {
    report(ctx, { expected: 'a size such as "512m" or "4g"' });
    return NEVER;
  }
  return parsed(ctx, 'a size such as "512m" or "4g"', () => parseBytes(v));
});

/** A CPU count (`1.5`, `"0.5"`) → cores. */
export const cpus: Schema<number> = custom((v, ctx) => {
  if (typeof v !== 'string' && typeof v !== 'number') {
    report(ctx, { expected: 'a number of CPUs such as 1.5' });
    return NEVER;
  }
  return parsed(ctx, 'a number of CPUs such as 1.5', () => parseCpus(v));
});

/** Microseconds: a number, a string of digits, or a duration (`cpu_rt_period: 1ms`) → microseconds. */
export const microseconds: Schema<number> = custom((v, ctx) => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') {
    report(ctx, { expected: 'microseconds or a duration' });
    return NEVER;
  }
  if (/^[+-]?\d+$/.test(v.trim())) return Number(v);
  return parsed(ctx, 'microseconds or a duration', () => Math.round(parseDuration(v) / 1000));
});

export function oneOfValues<const T extends string>(values: readonly T[], hint?: string): Schema<T> {
  const set = new Set<string>(values);
  const expected = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
  return custom((v, ctx) => {
    if (typeof v === 'string' && set.has(v)) return v as T;
    report(ctx, hint ? { expected, hint } : { expected });
    return NEVER;
  });
}

export function pattern(re: RegExp, expected: string, hint?: string): Schema<string> {
  return custom((v, ctx) => {
    if (typeof v === 'string' && re.test(v)) return v;
    report(ctx, { expected, ...(hint ? { hint } : {}), syntax: typeof v === 'string' });
    return NEVER;
  });
}

/** Any value, kept as written (for keys whose content Compose itself does not constrain). */
export const anyValue: Schema<RawValue> = custom((v) => v as RawValue);

// ---------------------------------------------------------------------------
// Collections
// ---------------------------------------------------------------------------

export function listOf<T>(item: Schema<T>, opts: { unique?: boolean; expected?: string } = {}): Schema<T[]> {
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
export function mapOf<T>(value: Schema<T>, opts: { keyPattern?: RegExp; keyHint?: string; expected?: string } = {}): Schema<Record<string, T>> {
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

export type Shape = Record<string, Schema<unknown>>;
export type ObjectOut<S extends Shape> = { -readonly [K in keyof S]?: z.output<S[K]> } & Extensions;

/**
 * A compose-spec object: the keys of `shape`, plus `x-*` extensions; any
 * other key is an error that names the closest valid key.
 */
export function obj<S extends Shape>(shape: S, opts: { required?: Array<keyof S & string>; expected?: string; extensions?: boolean } = {}): Schema<ObjectOut<S>> {
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

export type KindName = 'string' | 'number' | 'boolean' | 'null' | 'list' | 'map';

function kindOf(v: unknown): KindName {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  return 'boolean';
}

/** Dispatches on the value's kind (string, list, mapping...), as the spec's `oneOf`s do. */
export function byKind<T>(branches: Partial<Record<KindName, Schema<T>>>, expected: string, hint?: string): Schema<T> {
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
export function listOrDict<B extends string | null>(bare: B, what: string): Schema<Record<string, string | B>> {
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
export function stringOrList(opts: { unique?: boolean } = {}): Schema<string[]> {
  const list = listOf(str, opts);
  return byKind<string[]>({ string: custom((v) => [v as string]), list }, 'a string or a list of strings');
}
