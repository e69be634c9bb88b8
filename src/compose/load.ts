/**
 * `loadProject`: compose files in, one typed {@link Project} out. This file
 * only wires the stages together, in compose-go's order:
 *
 * ```
 * files, project folder, project env (project-env: .env / --env-file, COMPOSE_* variables)
 * → project name (offered to interpolation as COMPOSE_PROJECT_NAME)
 * for each file:  parse → interpolate → validate + canonicalize (units parsed) → extends
 * merge files in order → resolve paths → include → fold unique entries
 * → check what only the merged files show (repeated entries merging does not fold)
 * → profiles → env files → normalize → check references → check cycles
 * → drop unused networks, volumes, configs and secrets
 * ```
 *
 * Long on purpose: the stages' order is this file. Each stage lives in its own
 * module; what is here is their sequence and the checks that need two of them at once.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readDotenvFile } from './dotenv.js';
import { ComposeFileError, describeWarning, formatKeyPath, type LoadWarning, type SourcePosition } from './errors.js';
import { applyExtends, type ExtendableDocument } from './extends.js';
import { findDependencyCycle } from './graph.js';
import { applyIncludes, type IncludeRequest } from './include.js';
import { interpolateString, interpolateTree } from './interpolate.js';
import type { ValidationIssue } from './errors.js';
import { ComposeValidationError, DependencyCycleError } from './load-errors.js';
import { enforceUnicity, mergeLayer } from './merge.js';
import type { Project } from './model.js';
import { normalizeProject, type NormalizeContext } from './normalize.js';
import { parseComposeYaml, type ParsedDocument, type PositionIndex } from './parse.js';
import { resolveRelativePaths } from './paths.js';
import { activeProfiles, disabledServices } from './profiles.js';
import { resolveProjectSources } from './project-env.js';
import { resolveProjectName } from './project-name.js';
import { rememberSources } from './sources.js';
import type { RawComposeFile } from './schema.js';
import type { KeyPath, RawMap } from './tree.js';
import { withoutUnusedResources } from './unused.js';
import type { Locator } from './issues.js';
import { checkDocument, checkMergedTree, checkProject } from './validate.js';

/** Options of {@link loadProject}; the names follow Compose's command-line flags. */
export interface LoadProjectOptions {
  /**
   * Compose files, later ones overriding earlier ones (`-f`). Relative paths
   * count from `cwd`. When empty: `COMPOSE_FILE` (from the environment or
   * the project's `.env`), else `compose.yaml` / `docker-compose.yml` & co.
   * (and an override file next to it) in `cwd` or a parent folder.
   */
  files?: string[];
  /** Project name (`-p`); wins over `COMPOSE_PROJECT_NAME`, `name:` and the folder name. */
  projectName?: string;
  /** Project folder (`--project-directory`); default: the folder of the first file. */
  workingDir?: string;
  /** Env files for interpolation (`--env-file`); default: `COMPOSE_ENV_FILES`, else `.env` in the project folder, if present. */
  envFiles?: string[];
  /** Active profiles (`--profile`); when none, `COMPOSE_PROFILES`. */
  profiles?: string[];
  /** The process environment; wins over env files. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Folder relative `files` and `envFiles` count from. Default: `process.cwd()`. */
  cwd?: string;
  /** Receives warnings (unset variables, obsolete `version`, ...); each is reported once. */
  onWarning?(warning: LoadWarning): void;
  /**
   * Without `onWarning`, warnings go to this logger (pino's `warn(object,
   * message)`: `{ code, file, line, column, key }`); without either, to
   * Node's warning channel (`process.emitWarning`, type `ComposeWarning`:
   * printed on stderr unless `--no-warnings`, observable with
   * `process.on('warning')`).
   */
  logger?: { warn(object: Record<string, unknown>, message: string): void };
}

export { DEFAULT_COMPOSE_FILES } from './project-env.js';

/**
 * Loads compose files into a normalized project, as `docker compose` would.
 *
 * @throws ComposeFileError (and its subclasses): a file that cannot be read
 *   or parsed, `${VAR:?}` with VAR missing (`MissingRequiredVariableError`),
 *   a project that breaks the compose-spec (`ComposeValidationError`, listing
 *   every problem with file:line:column), a dependency cycle
 *   (`DependencyCycleError`); `InvalidProjectNameError` for a bad `-p` or
 *   `COMPOSE_PROJECT_NAME`.
 */
export async function loadProject(options: LoadProjectOptions = {}): Promise<Project> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const processEnv = options.env ?? process.env;
  const home = processEnv['HOME'] || homedir();
  const warnings = new Set<string>();
  const warn = (w: LoadWarning): void => {
    const key = `${w.code}\u0000${w.message}`;
    if (warnings.has(key)) return;
    warnings.add(key);
    if (options.onWarning) options.onWarning(w);
    else if (options.logger) options.logger.warn(warningFields(w), describeWarning(w));
    else process.emitWarning(describeWarning(w), { type: 'ComposeWarning', code: w.code });
  };

  const sources = await resolveProjectSources({
    ...(options.files ? { files: options.files } : {}),
    ...(options.workingDir !== undefined ? { workingDir: options.workingDir } : {}),
    ...(options.envFiles ? { envFiles: options.envFiles } : {}),
    env: processEnv,
    cwd,
  }, warn);
  const { files, workingDir } = sources;
  if (files.length === 0) {
    throw new ComposeFileError('COMPOSE_NO_FILES', `no compose file found in ${cwd} or its parent folders; pass one with -f, or create compose.yaml`);
  }

  // The name comes first: Compose offers it to interpolation as COMPOSE_PROJECT_NAME.
  const environment: Record<string, string> = { ...sources.environment };
  const loader = new DocumentLoader(home, warn);
  const nameField = await nameFromFiles(files, (n) => (Object.hasOwn(environment, n) ? environment[n] : undefined), loader);
  const name = resolveProjectName({
    ...(options.projectName !== undefined && options.projectName !== '' ? { explicit: options.projectName } : {}),
    env: environment,
    ...(nameField !== undefined ? { nameField } : {}),
    workingDir,
  });
  environment['COMPOSE_PROJECT_NAME'] = name;
  const lookup = (n: string): string | undefined => (Object.hasOwn(environment, n) ? environment[n] : undefined);

  const main = await loader.loadMain(files, lookup);
  let tree = resolveRelativePaths(main.tree, workingDir, home);
  tree = await applyIncludes(tree, {
    baseDir: workingDir,
    home,
    chain: files,
    locate: main.locate,
    load: (request) => loadIncluded(request, loader, lookup, home, warn),
  });
  tree = enforceUnicity(tree);
  const mergeIssues = checkMergedTree(tree, loader.locate);
  if (mergeIssues.length > 0) throw new ComposeValidationError(mergeIssues);
  // Every document was validated and canonicalized as it was read; merging,
  // paths, includes and unicity keep that form, so this is its type.
  const raw = tree as unknown as RawComposeFile;

  const active = activeProfiles(options.profiles, environment);
  const disabled = disabledServices(raw.services ?? {}, active);

  // Env files of enabled services, in order. As in Compose, a variable in one refers to the
  // values of the service's earlier env files first, then to the project environment.
  const envFiles = new Map<string, Record<string, string>>();
  for (const [svcName, svc] of Object.entries(raw.services ?? {})) {
    if (disabled.has(svcName)) continue;
    const values: Record<string, string> = {};
    for (const ef of svc.env_file ?? []) {
      const earlierFirst = (n: string): string | undefined => (Object.hasOwn(values, n) ? values[n] : lookup(n));
      try {
        Object.assign(values, await readDotenvFile(ef.path, { required: ef.required, lookup: earlierFirst, onWarning: warn }));
      } catch (err) {
        if (err instanceof ComposeFileError && err.code === 'ENV_FILE_NOT_FOUND') {
          throw new ComposeFileError(
            err.code,
            `env file ${ef.path} not found; create it, correct the path, or mark it \`required: false\``,
            main.locate(['services', svcName, 'env_file']),
            `services.${svcName}.env_file`,
            { cause: err },
          );
        }
        throw err;
      }
    }
    if (svc.env_file) envFiles.set(svcName, values);
  }

  // Label files (`label_file:`), read like env files but never interpolated, all required.
  const labelFiles = new Map<string, Record<string, string>>();
  for (const [svcName, svc] of Object.entries(raw.services ?? {})) {
    if (disabled.has(svcName)) continue;
    for (const path of svc.label_file ?? []) {
      if (labelFiles.has(path)) continue;
      try {
        labelFiles.set(path, await readDotenvFile(path, { required: true }));
      } catch (err) {
        if (!(err instanceof ComposeFileError) || err.code !== 'ENV_FILE_NOT_FOUND') throw err;
        throw new ComposeFileError(
          'LABEL_FILE_NOT_FOUND',
          `label file ${path} not found; create it or correct the path`,
          loader.locate(['services', svcName, 'label_file']),
          `services.${svcName}.label_file`,
          { cause: err },
        );
      }
    }
  }

  return finishProject(raw, { name, workingDir, configFiles: files, environment, envFiles, labelFiles, disabled, locate: loader.locate }, warn);
}

/** Options of {@link projectFromDocument}. */
export interface DocumentProjectOptions {
  /** Project name, used as given (it must already be a valid one). */
  name: string;
  /** Absolute folder relative paths count from. */
  workingDir: string;
  /**
   * The project environment: what `environment:` entries without a value
   * take, and where secrets and configs with an `environment:` source find
   * their content. Not used for interpolation (a document built in code has
   * none to do).
   */
  environment?: Record<string, string>;
  /** Active profiles (default: none, so services with `profiles:` are disabled). */
  profiles?: string[];
  /** Where the document was written, when it was: positions for its errors. */
  locate?: Locator;
  /** Home folder for `~` in paths. Default: the user's. */
  home?: string;
  /** Receives warnings. */
  onWarning?(warning: LoadWarning): void;
}

/**
 * A compose document built in code (the raw tree a compose file would hold,
 * as the model-stack preset builds it) made into a {@link Project} by the
 * loader's own stages: validated and canonicalized by the schema (units
 * parsed), relative paths resolved, profiles applied, normalized, checked for
 * references, engine limits and cycles, unused resources dropped. So a
 * project built in code obeys exactly the rules of one read from a file.
 *
 * The document must not need other files: no `include`, `extends`,
 * `env_file` or `label_file` (use {@link loadProject} for those).
 *
 * @throws ComposeValidationError listing every problem (positioned when
 *   `locate` is given), DependencyCycleError.
 */
export function projectFromDocument(document: RawMap, options: DocumentProjectOptions): Project {
  const warn = options.onWarning ?? ((): void => {});
  const locate: Locator = options.locate ?? ((): undefined => undefined);
  const { data, issues } = checkDocument(document, locate);
  if (!data) throw new ComposeValidationError(issues);
  const needsFiles: ValidationIssue[] = [];
  const refuse = (path: KeyPath, what: string): void => {
    const position = locate(path, true);
    needsFiles.push({ ...(position ? { position } : {}), keyPath: formatKeyPath(path), detail: `${what} reads other files, which a document built in code cannot; load it with loadProject` });
  };
  if (data.include) refuse(['include'], '`include`');
  for (const [name, s] of Object.entries(data.services ?? {})) {
    for (const key of ['extends', 'env_file', 'label_file'] as const) if (s[key] !== undefined) refuse(['services', name, key], `\`${key}\``);
  }
  if (needsFiles.length > 0) throw new ComposeValidationError(needsFiles);
  const tree = data as unknown as RawMap;
  delete tree.version;
  const raw = resolveRelativePaths(tree, options.workingDir, options.home ?? homedir()) as unknown as RawComposeFile;
  const environment = { ...options.environment };
  const disabled = disabledServices(raw.services ?? {}, activeProfiles(options.profiles, {}));
  return finishProject(raw, { name: options.name, workingDir: options.workingDir, configFiles: [], environment, envFiles: new Map(), disabled, locate }, warn);
}

/**
 * The stages after the files are read, shared by {@link loadProject} and
 * {@link projectFromDocument}: normalize, check the project (references,
 * exclusive keys, engine limits), check for cycles, drop unused resources.
 */
function finishProject(raw: RawComposeFile, ctx: NormalizeContext & { locate: Locator }, warn: (w: LoadWarning) => void): Project {
  const { project, issues } = normalizeProject(raw, ctx);
  issues.push(...checkProject(project, ctx.locate, warn));
  if (issues.length > 0) throw new ComposeValidationError(issues);

  const cycle = findDependencyCycle(project);
  if (cycle) {
    const at: KeyPath = ['services', cycle[0] ?? '', 'depends_on'];
    throw new DependencyCycleError(cycle, 'the depends_on links of these services', ctx.locate(at), `services.${cycle[0] ?? ''}.depends_on`);
  }
  return rememberSources(withoutUnusedResources(project), ctx.locate);
}

async function readIncludeEnvFiles(
  files: Array<{ path: string; required: boolean }>,
  processLookup: (name: string) => string | undefined,
  warn: (w: LoadWarning) => void,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files) {
    const values = await readDotenvFile(f.path, { required: f.required, lookup: (n) => processLookup(n) ?? out[n], onWarning: warn });
    Object.assign(out, values);
  }
  return out;
}

/**
 * The top-level `name:` as Compose reads it to choose the project name: from
 * each file's documents, the last one set wins, interpolated. A file that
 * cannot be read or parsed yields nothing here (loading reports it).
 */
async function nameFromFiles(files: readonly string[], lookup: (name: string) => string | undefined, loader: DocumentLoader): Promise<string | undefined> {
  let name: string | undefined;
  for (const file of files) {
    let docs: ParsedDocument[];
    try {
      docs = await loader.parse(file);
    } catch {
      continue;
    }
    for (const doc of docs) {
      const value = doc.tree.name;
      if (typeof value === 'string' && value !== '') name = value;
    }
  }
  if (name === undefined) return undefined;
  try {
    return interpolateString(name, { lookup });
  } catch {
    return undefined;
  }
}

function locateIn(indexes: readonly PositionIndex[], path: KeyPath, preferKey: boolean): SourcePosition | undefined {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    for (let i = indexes.length - 1; i >= 0; i--) {
      const loc = indexes[i]?.get(prefix);
      if (loc) return (preferKey && loc.key) || loc.value;
    }
  }
  return undefined;
}

/** A validated, canonical document plus where its keys were written. */
interface LoadedDocument extends ExtendableDocument {
  positions: PositionIndex;
}

/**
 * Reads compose files through the per-file stages (parse, interpolate,
 * validate, extends), caching files that `extends` pulls in.
 */
class DocumentLoader {
  readonly #extended = new Map<string, Promise<LoadedDocument>>();
  readonly #parsed = new Map<string, Promise<ParsedDocument[]>>();
  readonly #located: PositionIndex[] = [];

  constructor(
    readonly home: string,
    readonly warn: (w: LoadWarning) => void,
  ) {}

  /** Finds a key path in every file read so far, the latest first; falls back to the nearest written ancestor. */
  readonly locate: Locator = (path, preferKey = false) => locateIn(this.#located, path, preferKey);

  /**
   * Loads the `-f` files and merges them; relative paths stay relative (to
   * the project folder). `locate` searches only the files read here.
   */
  async loadMain(files: string[], lookup: (name: string) => string | undefined): Promise<{ tree: RawMap; locate: Locator }> {
    const first = this.#located.length;
    const docs: LoadedDocument[] = [];
    const issues: ValidationIssue[] = [];
    for (const file of files) docs.push(...(await this.#read(file, lookup, issues)));
    if (issues.length > 0) throw new ComposeValidationError(issues);
    let tree: RawMap = {};
    for (const doc of docs) {
      const extended = await applyExtends(doc, (f) => this.#loadExtended(f, lookup), this.home);
      tree = mergeLayer(tree, { tree: extended, resets: doc.resets, overrides: doc.overrides, locate: doc.locate });
    }
    const own = this.#located.slice(first);
    return { tree, locate: (path, preferKey = false) => locateIn(own, path, preferKey) };
  }

  /** Loads files as an included project: merged, paths resolved against `projectDirectory`, own includes applied. */
  async loadProjectTree(files: string[], projectDirectory: string, lookup: (name: string) => string | undefined): Promise<RawMap> {
    const { tree } = await this.loadMain(files, lookup);
    return resolveRelativePaths(tree, projectDirectory, this.home);
  }

  #loadExtended(file: string, lookup: (name: string) => string | undefined): Promise<LoadedDocument> {
    let pending = this.#extended.get(file);
    if (!pending) {
      pending = (async () => {
        const issues: ValidationIssue[] = [];
        const docs = await this.#read(file, lookup, issues);
        if (issues.length > 0) throw new ComposeValidationError(issues);
        let tree: RawMap = {};
        for (const doc of docs) tree = mergeLayer(tree, doc);
        const last = docs[docs.length - 1] as LoadedDocument;
        return {
          file,
          tree: resolveRelativePaths(tree, dirname(file), this.home),
          resets: docs.flatMap((d) => d.resets),
          overrides: docs.flatMap((d) => d.overrides),
          positions: last.positions,
          locate: (p: KeyPath) => docs.map((d) => d.positions.get(p)?.value).find((x) => x !== undefined),
        };
      })();
      this.#extended.set(file, pending);
    }
    return pending;
  }

  /** The YAML documents of `file`, read and parsed once however many stages ask (the project name, extends, include). */
  parse(file: string): Promise<ParsedDocument[]> {
    let pending = this.#parsed.get(file);
    if (!pending) {
      pending = (async () => {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new ComposeFileError(
            code === 'ENOENT' ? 'COMPOSE_FILE_NOT_FOUND' : 'COMPOSE_FILE_UNREADABLE',
            code === 'ENOENT' ? 'compose file not found; check the path given with -f' : `compose file cannot be read (${code ?? String(err)})`,
            { file },
            undefined,
            { cause: err },
          );
        }
        return parseComposeYaml(text, file);
      })();
      this.#parsed.set(file, pending);
    }
    return pending;
  }

  async #read(file: string, lookup: (name: string) => string | undefined, issues: ValidationIssue[]): Promise<LoadedDocument[]> {
    const out: LoadedDocument[] = [];
    for (const parsed of await this.parse(file)) {
      this.#located.push(parsed.positions);
      const interpolated = interpolateTree(parsed.tree, {
        lookup,
        positionOf: (p) => parsed.positions.get(p)?.value,
        onWarning: this.warn,
        file,
      });
      const { data, issues: found } = checkDocument(interpolated, (p, key) => parsed.positions.positionOf(p, key));
      issues.push(...found);
      if (!data) continue;
      if (data.version !== undefined) {
        const position: SourcePosition = parsed.positions.get(['version'])?.key ?? { file };
        this.warn({
          code: 'VERSION_OBSOLETE',
          message: 'the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion',
          position,
          keyPath: 'version',
        });
      }
      const tree = data as unknown as RawMap;
      delete tree.version;
      out.push({
        file,
        tree,
        resets: parsed.resets,
        overrides: parsed.overrides,
        positions: parsed.positions,
        locate: (p) => parsed.positions.get(p)?.value,
      });
    }
    return out;
  }
}

async function loadIncluded(
  request: IncludeRequest,
  loader: DocumentLoader,
  parentLookup: (name: string) => string | undefined,
  home: string,
  warn: (w: LoadWarning) => void,
): Promise<RawMap> {
  const envFiles = request.envFiles.length > 0 ? request.envFiles.map((path) => ({ path, required: true })) : [{ path: join(request.projectDirectory, '.env'), required: false }];
  const defaults = await readIncludeEnvFiles(envFiles, parentLookup, warn);
  // The including project's environment wins over the included project's .env.
  const lookup = (name: string): string | undefined => parentLookup(name) ?? (Object.hasOwn(defaults, name) ? defaults[name] : undefined);
  const tree = await loader.loadProjectTree(request.files, request.projectDirectory, lookup);
  return applyIncludes(tree, {
    baseDir: request.projectDirectory,
    home,
    chain: request.chain,
    locate: loader.locate,
    load: (next) => loadIncluded(next, loader, lookup, home, warn),
  });
}

/** A warning's structured fields, for a logger. */
function warningFields(w: LoadWarning): Record<string, unknown> {
  return {
    code: w.code,
    ...(w.position ? { file: w.position.file, ...(w.position.line !== undefined ? { line: w.position.line } : {}), ...(w.position.column !== undefined ? { column: w.position.column } : {}) } : {}),
    ...(w.keyPath ? { key: w.keyPath } : {}),
  };
}
