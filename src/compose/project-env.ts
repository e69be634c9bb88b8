/**
 * Which compose files make the project, which folder it lives in, and the
 * environment interpolation sees: the loader's first stage, decided as
 * Docker Compose v2 decides it.
 *
 * Compose reads the project's `.env` twice (docker/compose
 * `cmd/compose/compose.go` setEnvWithDotEnv, then compose-go
 * `cli/options.go`):
 *
 * 1. Before anything else, the env files (`--env-file`, else
 *    `COMPOSE_ENV_FILES`, else the `.env` of the folder of the compose file
 *    it finds, or of the current folder when it finds none) are read and
 *    their variables added to the process environment (the process wins).
 *    So `COMPOSE_FILE`, `COMPOSE_PATH_SEPARATOR`, `COMPOSE_PROFILES`,
 *    `COMPOSE_PROJECT_NAME` and `COMPOSE_DISABLE_ENV_FILE` count when set
 *    in `.env`, not only in the shell.
 * 2. With that environment, the files are chosen: `-f`, else `COMPOSE_FILE`
 *    (split on `COMPOSE_PATH_SEPARATOR`, default `:`, relative to the
 *    current folder), else `compose.yaml` & co. in the current folder or a
 *    parent, plus the first override file found next to it. The project
 *    folder is `--project-directory`, else the folder of the first file,
 *    and its env files are read again, adding only variables still unset.
 *
 * @module
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readDotenvFile } from './dotenv.js';
import type { LoadWarning } from './errors.js';

/** File names Compose looks for when no file is given, in order of preference. */
export const DEFAULT_COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;

/** Override files Compose adds next to the default file, in order of preference (any one of them, whatever the main file's name). */
export const DEFAULT_OVERRIDE_FILES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'] as const;

export interface ProjectSourcesOptions {
  /** `-f` files (absolute or relative to `cwd`). */
  files?: string[];
  /** `--project-directory`. */
  workingDir?: string;
  /** `--env-file`s. */
  envFiles?: string[];
  /** The process environment. */
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface ProjectSources {
  /** Absolute paths of the compose files, in order (empty when none was found). */
  files: string[];
  /** Absolute project folder. */
  workingDir: string;
  /** The process environment over the project's env files. */
  environment: Record<string, string>;
}

/** Chooses the compose files, the project folder and the environment (see the module comment). */
export async function resolveProjectSources(options: ProjectSourcesOptions, warn: (w: LoadWarning) => void): Promise<ProjectSources> {
  const { cwd } = options;
  const processEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) processEnv[k] = v;
  const projectDir = options.workingDir !== undefined ? resolve(cwd, options.workingDir) : undefined;
  const explicitFiles = options.files && options.files.length > 0 ? options.files.map((f) => resolve(cwd, f)) : undefined;
  const composeEnvFiles = processEnv['COMPOSE_ENV_FILES'];
  const explicitEnvFiles =
    options.envFiles && options.envFiles.length > 0
      ? options.envFiles.map((f) => resolve(cwd, f))
      : composeEnvFiles
        ? composeEnvFiles.split(',').map((f) => resolve(cwd, f))
        : undefined;

  const chooseFiles = async (env: Record<string, string>): Promise<string[]> =>
    explicitFiles ?? fromComposeFileVariable(env, cwd) ?? (await searchDefaultFiles(projectDir ?? cwd));
  const envFilesFor = async (files: string[], env: Record<string, string>): Promise<string[]> => {
    if (explicitEnvFiles) return explicitEnvFiles;
    if (isTrue(env['COMPOSE_DISABLE_ENV_FILE'])) return [];
    const dotenv = join(projectDir ?? (files[0] !== undefined ? dirname(files[0]) : cwd), '.env');
    return (await isFile(dotenv)) ? [dotenv] : [];
  };

  // 1. The env files of the project as first found, under the process environment.
  const firstFiles = await chooseFiles(processEnv);
  const firstEnvFiles = await envFilesFor(firstFiles, processEnv);
  const effective = { ...(await readEnvFiles(firstEnvFiles, processEnv, warn)), ...processEnv };

  // 2. The files that environment selects, and their folder's env files (adding only what is unset).
  const files = await chooseFiles(effective);
  const workingDir = projectDir ?? (files[0] !== undefined ? dirname(files[0]) : cwd);
  const envFiles = await envFilesFor(files, effective);
  const environment = sameList(envFiles, firstEnvFiles) ? effective : { ...(await readEnvFiles(envFiles, effective, warn)), ...effective };
  return { files, workingDir, environment };
}

/** `COMPOSE_FILE`, split on `COMPOSE_PATH_SEPARATOR` (default `:`), relative to the current folder. */
function fromComposeFileVariable(env: Record<string, string>, cwd: string): string[] | undefined {
  const value = env['COMPOSE_FILE'];
  if (!value) return undefined;
  const separator = env['COMPOSE_PATH_SEPARATOR'] || ':';
  return value
    .split(separator)
    .filter((f) => f !== '')
    .map((f) => resolve(cwd, f));
}

/** The first default file found in `dir` or a parent, plus the first override file next to it. */
async function searchDefaultFiles(start: string): Promise<string[]> {
  let dir = start;
  for (;;) {
    for (const name of DEFAULT_COMPOSE_FILES) {
      const file = join(dir, name);
      if (!(await isFile(file))) continue;
      for (const overrideName of DEFAULT_OVERRIDE_FILES) {
        const override = join(dir, overrideName);
        if (await isFile(override)) return [file, override];
      }
      return [file];
    }
    const parent = dirname(dir);
    if (parent === dir) return [];
    dir = parent;
  }
}

/** Reads env files in order; a variable refers to the process environment first, then to earlier files. */
export async function readEnvFiles(
  files: readonly string[],
  under: Record<string, string | undefined>,
  warn: (w: LoadWarning) => void,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of files) {
    const values = await readDotenvFile(path, { required: true, lookup: (n) => under[n] ?? out[n], onWarning: warn });
    Object.assign(out, values);
  }
  return out;
}

/** Go's `strconv.ParseBool` truths. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
