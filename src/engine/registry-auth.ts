/**
 * Registry credentials, found as the Docker CLI finds them after
 * `docker login`: `credHelpers[registry]`, else `credsStore` — each a
 * `docker-credential-<name>` program asked with `get` and the registry on
 * stdin — else `auths[registry]` in `config.json` (base64 `user:password`,
 * or an identity token). Docker Hub's key is `https://index.docker.io/v1/`;
 * any other registry's is its host (`registry.example:5000`), and `auths`
 * keys written as URLs (`https://registry.example:5000/v1/`) match it too.
 */
import { spawn } from 'node:child_process';
import type { DockerConfig, DockerConfigAuth } from './docker-config.js';
import type { ClientEnv } from './docker-config.js';
import { DockerConfigError } from './errors.js';

/** Docker Hub's key in `auths` and for credential helpers. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** What goes into `X-Registry-Auth` (and, one per registry, `X-Registry-Config`). */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress: string;
}

/** Credentials and where they came from (for messages: `credHelpers (docker-credential-x)`, `auths in …/config.json`). */
export interface FoundCredentials {
  credentials: RegistryCredentials;
  source: string;
}

/**
 * The registry an image reference names, as the Docker CLI normalizes it:
 * the first path component when it looks like a host (has a `.` or a `:`,
 * or is `localhost`), else Docker Hub (`docker.io`).
 */
export function registryOfImage(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return first === 'index.docker.io' ? 'docker.io' : first;
  return 'docker.io';
}

/** The key credentials are stored under for `registry` (Docker Hub's is a URL, for history's sake). */
export function authKey(registry: string): string {
  return registry === 'docker.io' ? DOCKER_HUB_AUTH_KEY : registry;
}

/** `https://host:port/v1/` → `host:port` (the CLI's `ConvertToHostname`). */
export function toHostname(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '');
  return stripped.split('/')[0] ?? stripped;
}

/** Runs a credential helper (`docker-credential-<name> get`); a seam for tests. */
export type HelperRunner = (helper: string, serverAddress: string, env: ClientEnv) => Promise<string>;

/** Finds credentials for registries, asking each helper at most once per registry. */
export class CredentialStore {
  readonly #cache = new Map<string, Promise<FoundCredentials | undefined>>();

  constructor(
    private readonly config: DockerConfig,
    private readonly env: ClientEnv,
    private readonly runHelper: HelperRunner = runCredentialHelper,
  ) {}

  /** Credentials for `registry` (a host, or `docker.io`), or undefined when none are configured. */
  find(registry: string): Promise<FoundCredentials | undefined> {
    let found = this.#cache.get(registry);
    if (!found) {
      found = this.#lookup(registry);
      this.#cache.set(registry, found);
      // A failed helper is asked again next time (it may have been a passing fault).
      found.catch(() => this.#cache.delete(registry));
    }
    return found;
  }

  /**
   * The registries worth sending to a build (`X-Registry-Config`): those
   * `hosts` name, or — when the Dockerfile names base images through build
   * arguments — every registry the configuration holds credentials for.
   */
  async forBuild(hosts: string[] | 'all'): Promise<Record<string, RegistryCredentials>> {
    const registries = hosts === 'all' ? this.#configuredRegistries() : [...new Set(hosts)];
    const out: Record<string, RegistryCredentials> = {};
    for (const registry of registries) {
      const found = await this.find(registry);
      if (found) out[authKey(registry)] = found.credentials;
    }
    return out;
  }

  #configuredRegistries(): string[] {
    const file = this.config.file;
    const keys = [...Object.keys(file.auths ?? {}), ...Object.keys(file.credHelpers ?? {})];
    return [...new Set(keys.map((k) => (k === DOCKER_HUB_AUTH_KEY ? 'docker.io' : toHostname(k))))];
  }

  async #lookup(registry: string): Promise<FoundCredentials | undefined> {
    const key = authKey(registry);
    const file = this.config.file;
    const helper = file.credHelpers?.[key] ?? file.credHelpers?.[registry] ?? file.credsStore;
    const fromFile = this.#fromAuths(key);
    if (helper) {
      const source = file.credHelpers?.[key] || file.credHelpers?.[registry] ? `credHelpers (docker-credential-${helper})` : `credsStore (docker-credential-${helper})`;
      const output = await this.runHelper(helper, key, this.env);
      if (output === undefined || output === '') return fromFile; // not found: the CLI falls back to the file
      let parsed: { Username?: unknown; Secret?: unknown; ServerURL?: unknown };
      try {
        parsed = JSON.parse(output) as typeof parsed;
      } catch (err) {
        throw new DockerConfigError(`docker-credential-${helper} get answered something that is not JSON for ${key}`, err);
      }
      const username = typeof parsed.Username === 'string' ? parsed.Username : '';
      const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
      // `<token>` as the user name means the secret is an identity token (the CLI's convention).
      const credentials: RegistryCredentials =
        username === '<token>' ? { identitytoken: secret, serveraddress: key } : { username, password: secret, serveraddress: key };
      return { credentials, source };
    }
    return fromFile;
  }

  #fromAuths(key: string): FoundCredentials | undefined {
    const auths = this.config.file.auths ?? {};
    let entry: DockerConfigAuth | undefined = auths[key];
    if (!entry) {
      const host = toHostname(key);
      const match = Object.keys(auths).find((k) => toHostname(k) === host);
      entry = match ? auths[match] : undefined;
    }
    if (!entry) return undefined;
    const credentials: RegistryCredentials = { serveraddress: key };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new DockerConfigError(`the auth of ${key} in ${this.config.dir}/config.json is not base64 of user:password; run docker login ${key === DOCKER_HUB_AUTH_KEY ? '' : key}`.trimEnd());
      credentials.username = decoded.slice(0, colon);
      credentials.password = decoded.slice(colon + 1);
    } else {
      if (entry.username) credentials.username = entry.username;
      if (entry.password) credentials.password = entry.password;
    }
    if (entry.identitytoken) credentials.identitytoken = entry.identitytoken;
    if (entry.registrytoken) credentials.registrytoken = entry.registrytoken;
    if (!credentials.username && !credentials.identitytoken && !credentials.registrytoken) return undefined;
    return { credentials, source: `auths in ${this.config.dir}/config.json` };
  }
}

const HELPER_TIMEOUT_MS = 30_000;

/**
 * `docker-credential-<helper> get` with the server address on stdin, as the
 * CLI runs it; resolves to its JSON answer, or `''` when it has no
 * credentials for the address ("credentials not found"). Any other failure
 * is an error naming the helper.
 */
export function runCredentialHelper(helper: string, serverAddress: string, env: ClientEnv): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'], timeout: HELPER_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.stdin.on('error', () => {}); // a helper that exits without reading stdin
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DockerConfigError(
          err.code === 'ENOENT'
            ? `${program} is not on PATH, but config.json names the credential helper "${helper}" for ${serverAddress}; install it or remove it from config.json`
            : `${program} could not be run: ${err.message}`,
          err,
        ),
      ),
    );
    child.once('close', (code, signal) => {
      if (code === 0) return resolve(stdout.trim());
      const said = (stdout.trim() || stderr.trim()).split('\n')[0] ?? '';
      // The helper protocol's "not found" answer: no credentials, not a failure.
      if (/credentials not found/i.test(said)) return resolve('');
      reject(new DockerConfigError(`${program} get failed for ${serverAddress} (${signal ? `killed by ${signal}` : `exit code ${code}`}${said ? `: ${said}` : ''})`));
    });
    child.stdin.end(serverAddress);
  });
}
