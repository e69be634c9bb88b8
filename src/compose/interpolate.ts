/**
 * Variable interpolation of compose files: `$VAR`, `${VAR}`, `${VAR:-default}`
 * and friends, applied to every string value (never to keys) before files
 * are merged.
 *
 * The rules are the compose-spec's "Interpolation" section, with the edge
 * cases decided the way Compose's own loader (compose-go `template`) decides
 * them:
 *
 * - `$NAME` and `${NAME}`, where NAME is `[_a-zA-Z][_a-zA-Z0-9]*` (no dots or
 *   other characters, even inside braces).
 * - `${NAME:-x}` / `${NAME-x}`: x when NAME is unset or empty / unset.
 * - `${NAME:?x}` / `${NAME?x}`: error with message x when NAME is unset or empty / unset.
 * - `${NAME:+x}` / `${NAME+x}`: x when NAME is set and non-empty / set, else empty.
 * - x may itself contain interpolation, nested to any depth, and balanced
 *   braces (`${JSON:-{"a":1}}`).
 * - `$$` is a literal `$`.
 * - A `$` not followed by `$`, a name start or `{` is kept literally
 *   (`a $ b`, `^x$`, `$1`, `$}`).
 * - A `${` that does not form a valid expression is an error: unterminated,
 *   empty, spaces, other characters, or an expression spanning lines.
 * - A variable that is unset and has no default/alternative becomes an empty
 *   string, with a warning.
 *
 * One deliberate difference: the text after the operator is evaluated only
 * when it is used, as in a shell. compose-go evaluates it eagerly, so a set
 * variable with `${A:-${B:?msg}}` fails there and `${A:+$A}` with A unset
 * warns about A (docker/compose#12637); here neither happens.
 *
 * @module
 */

import {
  formatKeyPath,
  InterpolationSyntaxError,
  MissingRequiredVariableError,
  type LoadWarning,
  type SourcePosition,
} from './errors.js';
import { setOwn } from './tree.js';

/** How one string is interpolated: where variables come from, and where it sits in its file. */
export interface InterpolateContext {
  /** Looks up a variable; undefined = unset. */
  lookup(name: string): string | undefined;
  /** Where the string came from, for errors/warnings. */
  position?: SourcePosition;
  keyPath?: string;
  /** Called once per unset variable used without a default. */
  onWarning?(w: LoadWarning): void;
}

const NAME_START = /[_a-zA-Z]/;
const NAME_CHARS = /[_a-zA-Z0-9]*/y;
// Inside braces: a name, then nothing or an operator and its argument.
const BRACED = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-+?])([\s\S]*))?$/;

/** Warning code for a variable used without default while unset. */
export const VARIABLE_NOT_SET = 'VARIABLE_NOT_SET';

/** State shared by one top-level interpolation (so warnings are not repeated). */
interface Run {
  ctx: InterpolateContext;
  /** The outermost string, for error messages. */
  template: string;
  /** Variables already warned about. */
  warned: Set<string>;
}

/**
 * Interpolates one string exactly as the compose-spec says.
 *
 * @throws MissingRequiredVariableError for `${VAR:?msg}` / `${VAR?msg}` with the variable missing.
 * @throws InterpolationSyntaxError for a malformed `${...}`.
 */
export function interpolateString(input: string, ctx: InterpolateContext): string {
  return interpolateWith(input, ctx, new Set());
}

function interpolateWith(input: string, ctx: InterpolateContext, warned: Set<string>): string {
  // Fast path: most values contain no `$` at all.
  if (!input.includes('$')) return input;
  return substitute(input, { ctx, template: input, warned });
}

function substitute(input: string, run: Run): string {
  let out = '';
  let i = 0;
  for (;;) {
    const dollar = input.indexOf('$', i);
    if (dollar < 0) return out + input.slice(i);
    out += input.slice(i, dollar);
    const next = input[dollar + 1];

    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const close = matchingBrace(input, dollar + 2);
      if (close < 0) {
        throw syntaxError(run, `unterminated "\${" at ${quoteFragment(input.slice(dollar))} (no matching "}")`);
      }
      out += evaluateBraced(input.slice(dollar + 2, close), run);
      i = close + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      NAME_CHARS.lastIndex = dollar + 2;
      NAME_CHARS.exec(input);
      const end = NAME_CHARS.lastIndex;
      out += valueOrWarn(input.slice(dollar + 1, end), run);
      i = end;
    } else {
      // Not an expression (`a $ b`, `^x$`, `$1`): Compose keeps the `$`.
      out += '$';
      i = dollar + 1;
    }
  }
}

/**
 * Index of the `}` closing a `${` whose body starts at `from`, counting
 * every brace in between (so defaults may hold `${...}` and JSON), or -1.
 */
function matchingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function evaluateBraced(body: string, run: Run): string {
  const m = BRACED.exec(body);
  if (!m) {
    const what = body === '' ? 'empty "${}"' : `${quoteFragment('${' + body + '}')} is not a variable expression`;
    throw syntaxError(run, what);
  }
  // compose-go's pattern cannot cross a line break inside `${...}`.
  if (body.includes('\n')) {
    throw syntaxError(run, `${quoteFragment('${' + body + '}')} spans several lines`);
  }
  const name = m[1] as string;
  const op = m[2];
  const arg = m[3] ?? '';
  if (op === undefined) return valueOrWarn(name, run);

  const value = run.ctx.lookup(name);
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  // The argument is interpolated only when it is used (see the module comment).
  const argument = (): string => substitute(arg, run);
  switch (op) {
    case ':-':
      return nonEmpty ? value : argument();
    case '-':
      return set ? value : argument();
    case ':+':
      return nonEmpty ? argument() : (value ?? '');
    case '+':
      return set ? argument() : '';
    case ':?':
      if (nonEmpty) return value;
      throw new MissingRequiredVariableError(name, argument(), run.ctx.position, run.ctx.keyPath);
    case '?':
      if (set) return value;
      throw new MissingRequiredVariableError(name, argument(), run.ctx.position, run.ctx.keyPath);
    default:
      // BRACED admits only the six operators above.
      throw syntaxError(run, `unknown operator ${JSON.stringify(op)}`);
  }
}

function valueOrWarn(name: string, run: Run): string {
  const value = run.ctx.lookup(name);
  if (value !== undefined) return value;
  if (!run.warned.has(name)) {
    run.warned.add(name);
    const w: LoadWarning = {
      code: VARIABLE_NOT_SET,
      // Compose's own wording, so users can search for it.
      message: `The ${JSON.stringify(name)} variable is not set. Defaulting to a blank string.`,
    };
    if (run.ctx.position) w.position = run.ctx.position;
    if (run.ctx.keyPath) w.keyPath = run.ctx.keyPath;
    run.ctx.onWarning?.(w);
  }
  return '';
}

function syntaxError(run: Run, problem: string): InterpolationSyntaxError {
  return new InterpolationSyntaxError(run.template, problem, run.ctx.position, run.ctx.keyPath);
}

/** Shortens a fragment for an error message. */
function quoteFragment(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/** Options of {@link interpolateTree}. */
export interface InterpolateTreeOptions {
  lookup(name: string): string | undefined;
  /** Position of the value at `path`, so errors and warnings carry its line. */
  positionOf?(path: (string | number)[]): SourcePosition | undefined;
  onWarning?(w: LoadWarning): void;
  /** The file the tree was read from; the position when `positionOf` knows nothing better. */
  file?: string;
}

/**
 * Interpolates every string VALUE (never keys) in a plain JSON-like tree,
 * returning a new tree; the input is not modified. Numbers, booleans and
 * null are kept as they are.
 *
 * Errors and warnings carry the key path of the value (`services.web.image`)
 * and its position from `positionOf` (falling back to `file`). An unset
 * variable is warned about once per tree, at its first use.
 */
export function interpolateTree<T>(tree: T, options: InterpolateTreeOptions): T {
  const warned = new Set<string>();
  // One path, grown and shrunk as the walk goes; copied only for a value that has a `$`.
  const path: Array<string | number> = [];
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('$')) return node;
      const at = [...path];
      const ctx: InterpolateContext = { lookup: (n) => options.lookup(n), keyPath: formatKeyPath(at) };
      const position = options.positionOf?.(at) ?? (options.file !== undefined ? { file: options.file } : undefined);
      if (position) ctx.position = position;
      if (options.onWarning) ctx.onWarning = options.onWarning;
      return interpolateWith(node, ctx, warned);
    }
    if (Array.isArray(node)) {
      return node.map((item, i) => {
        path.push(i);
        const out = walk(item);
        path.pop();
        return out;
      });
    }
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        path.push(key);
        setOwn(out, key, walk(value));
        path.pop();
      }
      return out;
    }
    return node;
  };
  return walk(tree) as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
