/**
 * Which engine to talk to, decided as the Docker CLI decides it
 * (docker/cli `cli/command/cli.go`, `resolveContextName` and
 * `resolveDefaultDockerEndpoint`):
 *
 * 1. an explicit host (`Engine.connect({ host })`, like `docker -H`): that host;
 * 2. an explicit context (`--context`, `Engine.connect({ context })`): that
 *    context, even when `DOCKER_HOST` is set; both at once is an error;
 * 3. `DOCKER_HOST` set: that host (the `default` context);
 * 4. `DOCKER_CONTEXT` set: that context;
 * 5. `currentContext` in `config.json`: that context;
 * 6. otherwise the `default` context.
 *
 * The `default` context is `DOCKER_HOST` (with `DOCKER_TLS_VERIFY` /
 * `DOCKER_CERT_PATH`), else the default socket — or, when that socket does
 * not exist, the rootless daemon's `$XDG_RUNTIME_DIR/docker.sock`. Any other
 * context is read from the context store:
 * `$DOCKER_CONFIG/contexts/meta/<sha256(name)>/meta.json` (`Endpoints.docker.Host`,
 * `SkipTLSVerify`) and its TLS material in
 * `contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { type ClientEnv, type DockerConfig, readDockerConfig } from './docker-config.js';
import { DEFAULT_SOCKET, type HostTls, type ParsedHost, parseDockerHost, readTlsFolder, resolveAddress } from './docker-host.js';
import { DockerConfigError } from './errors.js';

/** The name of the context that means "DOCKER_HOST, or the default socket". */
export const DEFAULT_CONTEXT = 'default';

export interface ResolveEndpointOptions {
  /** An explicit host (wins over everything, like `docker -H`). */
  host?: string;
  /** An explicit context name (`--context`): wins over `DOCKER_HOST`. */
  context?: string;
  /** The environment (`DOCKER_HOST`, `DOCKER_CONTEXT`, `DOCKER_CONFIG`, `HOME`, …). */
  env: ClientEnv;
  /** Whether a socket file exists (for the rootless fallback; tests replace it). */
  exists?: (file: string) => boolean;
}

/** Where the engine is, and why it is there. */
export interface Endpoint extends ParsedHost {
  /** The context in use (`default` when none is). */
  context: string;
  /** What chose it: `host` (explicit), `--context`, `DOCKER_HOST`, `DOCKER_CONTEXT`, `currentContext`, `default`, `rootless`. */
  source: 'host' | '--context' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'currentContext' | 'default' | 'rootless';
  /** The client configuration read on the way (the registry credentials live there too). */
  config: DockerConfig;
}

/** Resolves the engine's endpoint from options, environment and the client configuration. */
export function resolveEndpoint(options: ResolveEndpointOptions): Endpoint {
  const { env } = options;
  if (options.host && options.context) {
    throw new DockerConfigError('conflicting options: cannot specify both a host and a context (as the Docker CLI refuses --host with --context)');
  }
  const config = readDockerConfig(env);
  if (options.host) return { ...resolveAddress(options.host, env), context: DEFAULT_CONTEXT, source: 'host', config };
  const [name, source] = contextName(options, config);
  if (name !== DEFAULT_CONTEXT) return { ...readContext(config.dir, name, env, source), context: name, source, config };
  if (env['DOCKER_HOST']) return { ...resolveAddress(env['DOCKER_HOST'], env), context: DEFAULT_CONTEXT, source: 'DOCKER_HOST', config };
  const exists = options.exists ?? existsSync;
  const rootless = env['XDG_RUNTIME_DIR'] ? path.join(env['XDG_RUNTIME_DIR'], 'docker.sock') : undefined;
  if (rootless && !exists(DEFAULT_SOCKET) && exists(rootless)) {
    return { ...parseDockerHost(`unix://${rootless}`), context: DEFAULT_CONTEXT, source: 'rootless', config };
  }
  return { ...resolveAddress(undefined, env), context: DEFAULT_CONTEXT, source, config };
}

/** The context store's folder name for a context: the hex SHA-256 of its name. */
export function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function contextName(options: ResolveEndpointOptions, config: DockerConfig): [string, Endpoint['source']] {
  const { env } = options;
  if (options.context) return [options.context, '--context'];
  if (env['DOCKER_HOST']) return [DEFAULT_CONTEXT, 'DOCKER_HOST'];
  if (env['DOCKER_CONTEXT']) return [env['DOCKER_CONTEXT'], 'DOCKER_CONTEXT'];
  if (config.file.currentContext) return [config.file.currentContext, 'currentContext'];
  return [DEFAULT_CONTEXT, 'default'];
}

interface ContextMeta {
  Name?: unknown;
  Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
}

function readContext(configDir: string, name: string, env: ClientEnv, source: Endpoint['source']): ParsedHost {
  const id = contextId(name);
  const storeDir = path.join(configDir, 'contexts');
  const metaFile = path.join(storeDir, 'meta', id, 'meta.json');
  const from = source === '--context' ? '--context' : source === 'currentContext' ? `currentContext in ${path.join(configDir, 'config.json')}` : source;
  let meta: ContextMeta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ContextMeta;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const known = listContexts(storeDir);
      throw new DockerConfigError(
        `context "${name}" (from ${from}) does not exist in ${storeDir}` +
          ` (contexts: ${[DEFAULT_CONTEXT, ...known].join(', ')}); create it with docker context create, or choose another`,
      );
    }
    throw new DockerConfigError(`context "${name}": cannot read ${metaFile} (${(err as Error).message})`, err);
  }
  const endpoint = meta.Endpoints?.docker;
  if (!endpoint) throw new DockerConfigError(`context "${name}" has no docker endpoint (${metaFile})`);
  const host = typeof endpoint.Host === 'string' && endpoint.Host ? endpoint.Host : `unix://${DEFAULT_SOCKET}`;
  const tlsDir = path.join(storeDir, 'tls', id, 'docker');
  const material = readTlsFolder(tlsDir, false, host, `fix the context's TLS files in ${tlsDir}`);
  const skipVerify = endpoint.SkipTLSVerify === true;
  // As the CLI: TLS when the context stores TLS material or skips verification.
  const hasMaterial = Boolean(material.ca || material.cert || material.key);
  const tls: HostTls | undefined = hasMaterial || skipVerify ? { ...material, ...(skipVerify ? { skipVerify } : {}) } : undefined;
  try {
    return parseDockerHost(host, { env, ...(tls ? { tls } : {}) });
  } catch (err) {
    throw new DockerConfigError(`context "${name}": ${(err as Error).message}`, err);
  }
}

/** Names of the contexts in the store (for the message when one is missing). */
function listContexts(storeDir: string): string[] {
  const names: string[] = [];
  let ids: string[] = [];
  try {
    ids = readdirSync(path.join(storeDir, 'meta'));
  } catch {
    return names;
  }
  for (const id of ids) {
    try {
      const meta = JSON.parse(readFileSync(path.join(storeDir, 'meta', id, 'meta.json'), 'utf8')) as ContextMeta;
      if (typeof meta.Name === 'string') names.push(meta.Name);
    } catch {
      // a broken entry is not ours to report here
    }
  }
  return names.sort();
}
