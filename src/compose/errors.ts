/**
 * Errors and warnings of the compose layer (loading compose files and env files).
 *
 * Every error here names where the problem is (file, line, column, key path
 * when known), what is wrong, and what to do about it, in one line a person
 * can act on:
 *
 *     compose.yaml:12:14: services.web.image: required variable TAG is missing a value; set TAG ...
 *
 * Warnings (`LoadWarning`) carry the same location data but never stop
 * loading; the caller decides how to print them.
 *
 * @module
 */

import { ModelstackError } from '../errors.js';

/** Where in a source file something is (1-based line and column). */
export interface SourcePosition {
  file: string;
  line?: number;
  column?: number;
}

/** A warning that does not stop loading (e.g. a variable is not set; defaulting to a blank string). */
export interface LoadWarning {
  code: string;
  message: string;
  position?: SourcePosition;
  keyPath?: string;
}

/** A warning as one line: `file:line:col: key: message`. */
export function describeWarning(w: LoadWarning): string {
  return [...(w.position ? [formatPosition(w.position)] : []), ...(w.keyPath ? [w.keyPath] : []), w.message].join(': ');
}

/**
 * Renders a position as `file:line:col`, `file:line` or `file`, the form
 * editors and terminals turn into a link.
 */
export function formatPosition(pos: SourcePosition): string {
  let out = pos.file;
  if (pos.line !== undefined) {
    out += `:${pos.line}`;
    if (pos.column !== undefined) out += `:${pos.column}`;
  }
  return out;
}

// A key that reads unambiguously when joined with dots.
const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Renders a path into a document the way a user would point at it:
 * `services.web.environment[2]`, `services.web.labels["com.example.role"]`.
 * Keys that contain dots or other punctuation are quoted so the path stays
 * unambiguous.
 */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * One problem in a document (a compose file, a models file, options given in
 * code): where, at which key, what is wrong and what to do. Every error of
 * the loader and of the model-stack preset is made of these.
 */
export interface ValidationIssue {
  position?: SourcePosition;
  /** Printed key path, e.g. `services.web.ports[0]` (see {@link formatKeyPath}). */
  keyPath?: string;
  /** `expected ..., got ...; <what to do>` (no location prefix). */
  detail: string;
}

/**
 * Renders one issue as `file:line:col: key.path: detail`, leaving out the
 * parts that are unknown. The one formatter of located messages: every
 * error of the compose layer and of the models file goes through it.
 */
export function formatIssue(issue: ValidationIssue): string {
  const parts: string[] = [];
  if (issue.position) parts.push(formatPosition(issue.position));
  if (issue.keyPath) parts.push(issue.keyPath);
  parts.push(issue.detail);
  return parts.join(': ');
}

/**
 * The message of an error carrying `issues`: the one issue as
 * {@link formatIssue} renders it, or `N problems in <subject>:` and one
 * indented line per issue.
 */
export function formatIssues(issues: readonly ValidationIssue[], subject: string): string {
  const [first] = issues;
  if (issues.length === 1 && first) return formatIssue(first);
  return `${issues.length} problems in ${subject}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`;
}

/**
 * A compose file (or env file) that cannot be used as written.
 *
 * `detail` is the "<what is wrong>; <what to do>" part; the constructor
 * prefixes the position and key path, so `message` reads
 * `<file>:<line>:<col>: <keyPath>: <what is wrong>; <what to do>` with
 * unknown parts left out. A caller that learns the position later can
 * rebuild the error: `new ComposeFileError(e.code, e.detail, pos, e.keyPath, { cause: e })`.
 */
export class ComposeFileError extends ModelstackError {
  /** The message without its location prefix. */
  readonly detail: string;

  constructor(
    code: string,
    message: string,
    readonly position?: SourcePosition,
    readonly keyPath?: string,
    options?: { cause?: unknown },
  ) {
    super(code, formatIssue({ ...(position ? { position } : {}), ...(keyPath ? { keyPath } : {}), detail: message }), options);
    this.detail = message;
  }
}

/**
 * `${VAR:?msg}` / `${VAR?msg}` met a variable that is unset (or, for `:?`,
 * empty). Code `INTERPOLATION_REQUIRED`.
 */
export class MissingRequiredVariableError extends ComposeFileError {
  constructor(
    /** The variable the file requires. */
    readonly variable: string,
    /** The file author's own explanation (the text after `?`), already interpolated; empty when none. */
    readonly reason: string,
    position?: SourcePosition,
    keyPath?: string,
  ) {
    super(
      'INTERPOLATION_REQUIRED',
      `required variable ${variable} is missing a value${reason ? `: ${reason}` : ''}; ` +
        `set ${variable} in the environment or in the project's .env file`,
      position,
      keyPath,
    );
  }
}

/** Malformed `${...}` syntax. Code `INTERPOLATION_SYNTAX`. */
export class InterpolationSyntaxError extends ComposeFileError {
  constructor(
    /** The whole string that failed to interpolate, as written. */
    readonly template: string,
    /** What is wrong with it (e.g. `unterminated "${"`). */
    problem: string,
    position?: SourcePosition,
    keyPath?: string,
  ) {
    super(
      'INTERPOLATION_SYNTAX',
      `invalid interpolation format in ${JSON.stringify(template)}: ${problem}; ` +
        'write ${NAME}, ${NAME:-default}, ${NAME:?error} or ${NAME:+alternative}, and "$$" for a literal "$"',
      position,
      keyPath,
    );
  }
}

/**
 * A project name that Compose would refuse (it becomes part of every
 * container, network and volume name, and a label value). Code `INVALID_PROJECT_NAME`.
 */
export class InvalidProjectNameError extends ModelstackError {
  constructor(
    /** The rejected name, as given. */
    readonly projectName: string,
    /** Where it came from, e.g. `-p` or `COMPOSE_PROJECT_NAME`. */
    readonly source: string,
    /** A valid name to use instead, when one can be derived. */
    readonly suggestion?: string,
  ) {
    const todo = suggestion
      ? `use ${JSON.stringify(suggestion)} instead`
      : 'pass a name with -p (or set COMPOSE_PROJECT_NAME, or `name:` in the compose file)';
    super(
      'INVALID_PROJECT_NAME',
      `invalid project name ${JSON.stringify(projectName)} (from ${source}): ` +
        'a project name must contain only lowercase letters, digits, "_" and "-", ' +
        `and start with a letter or a digit; ${todo}`,
    );
  }
}
