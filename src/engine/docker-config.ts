/**
 * The Docker client's configuration file, read as the Docker CLI reads it:
 * `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. Only what
 * modelstack acts on is typed here: the current context and the registry
 * credentials (`auths`, `credsStore`, `credHelpers`).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { DockerConfigError } from './errors.js';

/** The environment the Docker client configuration is read from. */
export type ClientEnv = Record<string, string | undefined>;

/** One entry of `auths`, as `docker login` writes it (`auth` is base64 of `user:password`). */
export interface DockerConfigAuth {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The keys of `config.json` modelstack reads. */
export interface DockerConfigFile {
  currentContext?: string;
  auths?: Record<string, DockerConfigAuth>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The configuration folder and what its `config.json` says (`{}` when there is none). */
export interface DockerConfig {
  dir: string;
  file: DockerConfigFile;
}

/** The home folder as the environment names it (`HOME`), else the OS's. */
export function homeDir(env: ClientEnv): string {
  return env['HOME'] || homedir();
}

/** `$DOCKER_CONFIG`, else `~/.docker` (the Docker CLI's `config.Dir()`). */
export function dockerConfigDir(env: ClientEnv): string {
  return env['DOCKER_CONFIG'] || path.join(homeDir(env), '.docker');
}

/**
 * Reads `config.json` from the configuration folder. A missing file is an
 * empty configuration, as for the CLI; a file that is not JSON is an error
 * naming the file (the CLI also refuses to start on one).
 */
export function readDockerConfig(env: ClientEnv): DockerConfig {
  const dir = dockerConfigDir(env);
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { dir, file: {} };
    throw new DockerConfigError(`cannot read ${file}: ${(err as Error).message}`, err);
  }
  if (!text.trim()) return { dir, file: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DockerConfigError(`${file} is not valid JSON (${(err as Error).message}); fix or remove it`, err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DockerConfigError(`${file} does not hold a JSON object; fix or remove it`);
  }
  const o = parsed as Record<string, unknown>;
  const config: DockerConfigFile = {};
  if (typeof o['currentContext'] === 'string' && o['currentContext']) config.currentContext = o['currentContext'];
  if (typeof o['credsStore'] === 'string' && o['credsStore']) config.credsStore = o['credsStore'];
  if (isRecord(o['auths'])) {
    config.auths = {};
    for (const [key, value] of Object.entries(o['auths'])) if (isRecord(value)) config.auths[key] = value as DockerConfigAuth;
  }
  if (isRecord(o['credHelpers'])) {
    config.credHelpers = {};
    for (const [key, value] of Object.entries(o['credHelpers'])) if (typeof value === 'string' && value) config.credHelpers[key] = value;
  }
  return { dir, file: config };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
