/**
 * Errors the loader raises once files are parsed: an invalid project (all
 * problems found, each positioned), a dependency cycle, a merge conflict.
 * The base classes live in `errors.ts`.
 *
 * @module
 */
import { ModelstackError } from '../errors.js';
import { ComposeFileError, formatIssues, type SourcePosition, type ValidationIssue } from './errors.js';
import { closest } from './issues.js';
import type { Project } from './model.js';

export { formatIssue, type ValidationIssue } from './errors.js';

/**
 * The compose files are not a valid project. Carries every problem found
 * (not just the first); the message lists them one per line. Code `COMPOSE_INVALID`.
 */
export class ComposeValidationError extends ComposeFileError {
  /** Every problem found, in file order. */
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[]) {
    const first = issues.length === 1 ? issues[0] : undefined;
    // One issue: ComposeFileError prefixes its position and key, as formatIssues would.
    super('COMPOSE_INVALID', first ? first.detail : formatIssues(issues, 'the compose files'), first?.position, first?.keyPath);
    this.issues = issues;
  }
}

/** `depends_on` (or `extends`, `include`) goes round in a circle. Code `DEPENDENCY_CYCLE`. */
export class DependencyCycleError extends ComposeFileError {
  constructor(
    /** The names around the cycle, the first repeated at the end (`a → b → a`). */
    readonly cycle: string[],
    what: string,
    position?: SourcePosition,
    keyPath?: string,
  ) {
    super(
      'DEPENDENCY_CYCLE',
      `${what} form a cycle: ${cycle.join(' -> ')}; remove one of these links`,
      position,
      keyPath,
    );
  }
}

/**
 * A service name that is not in the project, such as a command's argument
 * (`up wbe`). The message names the services there are, the closest one to
 * each unknown name, and says when a name belongs to a service its profiles
 * disable. Code `NO_SUCH_SERVICE`.
 */
export class NoSuchServiceError extends ModelstackError {
  constructor(
    /** The names that are not services of the project. */
    readonly services: readonly string[],
    project: Pick<Project, 'services' | 'disabled_services'>,
  ) {
    const known = Object.keys(project.services);
    const disabled = project.disabled_services ?? {};
    const about = services.map((name) => {
      const profiles = Object.hasOwn(disabled, name) ? (disabled[name]?.profiles ?? []) : undefined;
      if (profiles) return `"${name}" is disabled by its profiles${profiles.length ? ` (activate one: ${profiles.map((p) => `--profile ${p}`).join(', ')})` : ''}`;
      const suggestion = closest(name, known);
      return suggestion ? `"${name}" (did you mean "${suggestion}"?)` : `"${name}"`;
    });
    super('NO_SUCH_SERVICE', `no such service: ${about.join(', ')}; the project's services: ${known.join(', ') || 'none'}`);
  }
}

/**
 * Throws {@link NoSuchServiceError} naming every one of `names` that is not
 * an enabled service of `project`.
 */
export function assertServicesExist(project: Pick<Project, 'services' | 'disabled_services'>, names: Iterable<string>): void {
  const unknown = [...new Set(names)].filter((name) => !Object.hasOwn(project.services, name));
  if (unknown.length > 0) throw new NoSuchServiceError(unknown, project);
}
