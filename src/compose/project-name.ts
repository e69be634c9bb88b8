/**
 * The project name: which source wins, and what a valid name looks like.
 *
 * The name prefixes every container, network and volume (`<project>-web-1`,
 * `<project>_default`) and is the value of the `com.docker.compose.project`
 * label, so it must be the name Compose would choose for the same inputs,
 * or Compose and modelstack would not recognise each other's stacks.
 *
 * Compose's rules (compose-go `cli/options.go` withNamePrecedenceLoad and
 * `loader/loader.go` projectName / NormalizeProjectName):
 *
 * 1. `-p NAME` (explicit), used as given: an invalid name is an error.
 * 2. `COMPOSE_PROJECT_NAME`, same.
 * 3. The top-level `name:` of the compose file (after interpolation),
 *    NORMALIZED, not rejected: `name: My App` gives `myapp`. If nothing is
 *    left after normalization, that is an error (Compose: "project name must
 *    not be empty"), not the folder name.
 * 4. The base name of the working directory, normalized.
 *
 * Empty values count as unset at every step.
 *
 * @module
 */

import { basename, resolve } from 'node:path';

import { InvalidProjectNameError } from './errors.js';

const VALID = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * Chooses the project name exactly as Compose does: explicit (-p) >
 * COMPOSE_PROJECT_NAME env > top-level `name:` > base name of the working
 * dir. Explicit and env values must already be valid; `name:` and the
 * folder name are normalized (as Compose does).
 *
 * @param sources.nameField the top-level `name:` after interpolation (the last file that sets one wins).
 * @throws InvalidProjectNameError when -p or COMPOSE_PROJECT_NAME is invalid, or no source yields a name.
 */
export function resolveProjectName(sources: {
  explicit?: string;
  env?: Record<string, string | undefined>;
  nameField?: string;
  workingDir: string;
}): string {
  if (sources.explicit) {
    assertValidProjectName(sources.explicit, '-p');
    return sources.explicit;
  }
  const fromEnv = sources.env?.['COMPOSE_PROJECT_NAME'];
  if (fromEnv) {
    assertValidProjectName(fromEnv, 'COMPOSE_PROJECT_NAME');
    return fromEnv;
  }
  if (sources.nameField) {
    const normalized = normalizeProjectName(sources.nameField);
    if (normalized !== '') return normalized;
    // Compose does not fall back to the folder once a file names the project.
    throw new InvalidProjectNameError(sources.nameField, 'the `name:` of the compose file');
  }
  const folder = basename(resolve(sources.workingDir));
  const normalized = normalizeProjectName(folder);
  if (normalized === '') {
    throw new InvalidProjectNameError(folder, `the name of the working directory ${resolve(sources.workingDir)}`);
  }
  return normalized;
}

/**
 * Compose's normalization: lowercase, drop characters outside
 * `[a-z0-9_-]`, trim leading `_` and `-`. The result is valid or empty.
 */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

/**
 * Throws unless `name` matches `^[a-z0-9][a-z0-9_-]*$`. The message says
 * what is allowed and suggests the normalized form when there is one.
 *
 * @param source where the name came from, for the message (e.g. `-p`, `COMPOSE_PROJECT_NAME`).
 * @throws InvalidProjectNameError
 */
export function assertValidProjectName(name: string, source: string): void {
  if (VALID.test(name)) return;
  const suggestion = normalizeProjectName(name);
  throw new InvalidProjectNameError(name, source, suggestion === '' ? undefined : suggestion);
}
