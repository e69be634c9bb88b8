/**
 * Where a key of a loaded project was written: later layers (the engine
 * check in `up`, for instance) can name `file:line:column` for a key of the
 * model without keeping the parse trees. A project built in code has no
 * sources; its errors then name the key alone.
 */
import type { SourcePosition } from './errors.js';
import type { Project } from './model.js';
import type { KeyPath } from './tree.js';
import type { Locator } from './issues.js';

const locators = new WeakMap<Project, Locator>();

/** Records where `project`'s keys come from; returns the project. */
export function rememberSources(project: Project, locate: Locator): Project {
  locators.set(project, locate);
  return project;
}

/** Where `path` (e.g. `['services', 'web', 'healthcheck', 'start_interval']`) was written, if known. */
export function sourceOf(project: Project, path: KeyPath): SourcePosition | undefined {
  return locators.get(project)?.(path);
}
