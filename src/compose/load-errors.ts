/**
 * Errors the loader raises once files are parsed: an invalid project (all
 * problems found, each positioned), a dependency cycle, a merge conflict.
 * The base classes live in `errors.ts`.
 *
 * @module
 */
import { ComposeFileError, formatPosition, type SourcePosition } from './errors.js';

/** One problem found while validating: where, at which key, what is wrong and what to do. */
export interface ValidationIssue {
  position?: SourcePosition;
  /** Printed key path, e.g. `services.web.ports[0]`. */
  keyPath?: string;
  /** `expected ..., got ...; <what to do>` (no location prefix). */
  detail: string;
}

/** Renders one issue as `file:line:col: key.path: detail`. */
export function formatIssue(issue: ValidationIssue): string {
  const parts: string[] = [];
  if (issue.position) parts.push(formatPosition(issue.position));
  if (issue.keyPath) parts.push(issue.keyPath);
  parts.push(issue.detail);
  return parts.join(': ');
}

/**
 * The compose files are not a valid project. Carries every problem found
 * (not just the first); the message lists them one per line. Code `COMPOSE_INVALID`.
 */
export class ComposeValidationError extends ComposeFileError {
  /** Every problem found, in file order. */
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[]) {
    const first = issues.length === 1 ? issues[0] : undefined;
    super(
      'COMPOSE_INVALID',
      first ? first.detail : `${issues.length} problems in the compose files:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`,
      first?.position,
      first?.keyPath,
    );
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
