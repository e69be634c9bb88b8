/**
 * The compose layer: compose files in, one typed, normalized {@link Project}
 * out (Compose's long form), and back out as `docker compose config` prints
 * it. Pure apart from reading files; never talks to Docker.
 *
 * ```ts
 * import { dependencyOrder, loadProject, serializeProject } from './compose/index.js';
 *
 * const project = await loadProject({ files: ['docker-compose.yml'], profiles: ['gpu'] });
 * for (const name of dependencyOrder(project)) console.log(name, project.services[name]?.image);
 * process.stdout.write(serializeProject(project, { format: 'json' }));
 * ```
 *
 * The pipeline, one stage per file: `parse` → `interpolate` → `schema` /
 * `validate` → `extends` → `merge` → `paths` → `include` → `profiles` →
 * `normalize` → `validate` (references) → `graph` (cycles); `load` wires
 * them, `serialize` prints the result.
 *
 * @module
 */
export { loadProject, DEFAULT_COMPOSE_FILES, type LoadProjectOptions } from './load.js';
export { serializeProject, toComposeConfig, type SerializeOptions } from './serialize.js';
export { dependencyOrder, dependentsOf, findDependencyCycle, type ServiceGraph } from './graph.js';
export { activeProfiles, isEnabledByProfiles } from './profiles.js';
export {
  ComposeFileError,
  InterpolationSyntaxError,
  InvalidProjectNameError,
  MissingRequiredVariableError,
  formatPosition,
  formatKeyPath,
  type LoadWarning,
  type SourcePosition,
} from './errors.js';
export { ComposeValidationError, DependencyCycleError, formatIssue, type ValidationIssue } from './load-errors.js';
export { interpolateString, interpolateTree } from './interpolate.js';
export { parseDotenv, readDotenvFile } from './dotenv.js';
export { parseDuration, formatDuration, parseBytes, parseCpus } from './units.js';
export { resolveProjectName, normalizeProjectName, assertValidProjectName } from './project-name.js';
export { parsePortSpec } from './ports.js';
export { parseVolumeSpec } from './volume-spec.js';
export { splitShellWords } from './shell-words.js';
export type * from './model.js';
