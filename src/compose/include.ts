/**
 * Stage 6 of the loader: `include`. Each entry names compose file(s) that
 * are loaded as a project of their own (own folder for relative paths, own
 * `.env` for interpolation defaults, which the including project's
 * environment overrides), after the including files are merged; their
 * services, networks, volumes, configs and secrets are then copied in.
 *
 * A resource that exists on both sides must be identical, as compose-go
 * requires (the spec text speaks of a warning; Compose itself refuses).
 * Includes nest; a file that includes itself, directly or not, is an error.
 *
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import { dirname } from 'node:path';
import { ComposeFileError, formatKeyPath, type SourcePosition } from './errors.js';
import { DependencyCycleError } from './load-errors.js';
import { resolvePath } from './paths.js';
import type { IncludeOut } from './canonical.js';
import { cloneRaw, isRawMap, setOwn, type KeyPath, type RawMap } from './tree.js';

/** What loading one include entry needs to know. */
export interface IncludeRequest {
  /** Absolute paths of the included compose files. */
  files: string[];
  /** Absolute folder relative paths of the included files count from. */
  projectDirectory: string;
  /** Absolute paths of env files whose values are interpolation defaults. */
  envFiles: string[];
  /** Files already being included on the way here (for loop detection). */
  chain: string[];
}

/** Loads an included project into a merged canonical tree (its own includes already applied). */
export type IncludeLoader = (request: IncludeRequest) => Promise<RawMap>;

const SECTIONS = ['services', 'networks', 'volumes', 'configs', 'secrets'] as const;

/**
 * Returns `tree` with its `include` entries loaded and imported, and the
 * `include` key removed. Relative include paths count from `baseDir`.
 *
 * @throws ComposeFileError `COMPOSE_INCLUDE_CONFLICT` when an included resource differs
 *   from one of the same name; DependencyCycleError on an include loop.
 */
export async function applyIncludes(
  tree: RawMap,
  options: { baseDir: string; home: string; chain: string[]; load: IncludeLoader; locate?(path: KeyPath, preferKey?: boolean): SourcePosition | undefined },
): Promise<RawMap> {
  const entries = tree.include as unknown as IncludeOut[] | undefined;
  if (!entries || entries.length === 0) {
    const { include: _none, ...rest } = tree;
    return rest;
  }
  const out = cloneRaw(tree);
  delete out.include;

  for (const [i, entry] of entries.entries()) {
    const files = entry.path.map((p) => resolvePath(p, options.baseDir, options.home));
    const first = files[0];
    if (first === undefined) continue;
    const loop = files.find((f) => options.chain.includes(f));
    if (loop) {
      throw new DependencyCycleError([...options.chain.slice(options.chain.indexOf(loop)), loop], 'the include entries of these files', options.locate?.(['include', i]), formatKeyPath(['include', i]));
    }
    const projectDirectory = entry.project_directory !== undefined ? resolvePath(entry.project_directory, options.baseDir, options.home) : dirname(first);
    const envFiles = (entry.env_file ?? []).map((p) => resolvePath(p, options.baseDir, options.home));
    let included: RawMap;
    try {
      included = await options.load({ files, projectDirectory, envFiles, chain: [...options.chain, ...files] });
    } catch (err) {
      // A missing file is this entry's mistake: name it where the entry is written.
      const unread = err instanceof ComposeFileError && err.code === 'COMPOSE_FILE_NOT_FOUND' && err.position?.line === undefined;
      const missing = unread ? err.position?.file : undefined;
      if (missing === undefined || !files.includes(missing)) throw err;
      throw new ComposeFileError(
        'COMPOSE_FILE_NOT_FOUND',
        `the included file ${missing} is not found; correct the path (relative paths count from ${options.baseDir}) or remove the entry`,
        options.locate?.(['include', i]),
        formatKeyPath(['include', i]),
        { cause: err },
      );
    }

    for (const section of SECTIONS) {
      const from = included[section];
      if (!isRawMap(from)) continue;
      const into = isRawMap(out[section]) ? out[section] : (out[section] = {});
      for (const [name, value] of Object.entries(from)) {
        if (Object.hasOwn(into, name) && !isDeepStrictEqual(into[name], value)) {
          throw new ComposeFileError(
            'COMPOSE_INCLUDE_CONFLICT',
            `${section}.${name} is defined here and, differently, in the included ${files.join(', ')}; rename one of them (Compose does not merge included resources)`,
            options.locate?.([section, name], true) ?? options.locate?.(['include', i]),
            formatKeyPath([section, name]),
          );
        }
        setOwn(into, name, cloneRaw(value));
      }
    }
  }
  return out;
}
