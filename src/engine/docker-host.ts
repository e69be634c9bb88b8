/**
 * One Docker host address (`unix://…`, `npipe://…`, `tcp://…`, `http(s)://…`,
 * `ssh://user@host:port`) turned into dockerode options and the address
 * printed in messages. Which host to use — flag, `DOCKER_HOST`, a context —
 * is decided in `endpoint.ts`; this file only reads one.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { type ClientEnv, homeDir } from './docker-config.js';
import { DockerConfigError, EngineUnreachableError } from './errors.js';
import { sshConnectOptions } from './ssh.js';

/** The daemon's socket when nothing else is configured (the Docker CLI's default). */
export const DEFAULT_SOCKET = '/var/run/docker.sock';
/** Docker's named pipe on Windows (`npipe:////./pipe/docker_engine`). */
export const DEFAULT_NPIPE = '//./pipe/docker_engine';

/** TLS settings for a TCP host: PEM material and whether the server's certificate is checked. */
export interface HostTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Accept any server certificate (a context's `SkipTLSVerify`, the CLI's `--tlsverify=false` with `--tls`). */
  skipVerify?: boolean;
}

/** A host as dockerode options and as the address messages name. */
export interface ParsedHost {
  address: string;
  dockerOptions: Dockerode.DockerOptions;
  /** Why the last connection failed, when the transport knows better than its error (an SSH host key refused). */
  explainFailure?: () => string | undefined;
}

/**
 * Every connection key dockerode's modem reads, unset. docker-modem fills the
 * keys we leave out from `process.env.DOCKER_HOST` and `DOCKER_CERT_PATH`,
 * which would mix the process's engine into the one we chose.
 */
const UNSET: Dockerode.DockerOptions = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  protocol: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined,
} as Dockerode.DockerOptions;

/**
 * Reads one host address. `tls` (when given) makes a TCP host speak HTTPS with
 * that material; an `https://` host speaks HTTPS anyway. The default TCP port
 * is 2376 with TLS and 2375 without, as in the Docker CLI. SSH hosts get the
 * user's agent and default keys (see `ssh.ts`).
 */
export function parseDockerHost(host: string, options: { tls?: HostTls; env?: ClientEnv } = {}): ParsedHost {
  const env = options.env ?? {};
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length) || DEFAULT_SOCKET;
    return { address: `unix://${socketPath}`, dockerOptions: { ...UNSET, socketPath } };
  }
  if (host.startsWith('npipe://')) {
    // `npipe:////./pipe/docker_engine`: what follows the scheme is the pipe's path.
    const socketPath = host.slice('npipe://'.length) || DEFAULT_NPIPE;
    return { address: `npipe://${socketPath}`, dockerOptions: { ...UNSET, socketPath } };
  }
  if (host.startsWith('fd://')) {
    throw new DockerConfigError(`the Docker host ${host} is a socket handed over by systemd, which only the daemon can use; use unix:///var/run/docker.sock`);
  }
  let url: URL;
  try {
    url = new URL(host.includes('://') ? host : `tcp://${host}`);
  } catch (err) {
    throw new DockerConfigError(`the Docker host "${host}" is not an address (expected unix:///path, tcp://host:port, ssh://user@host or npipe:////./pipe/name)`, err);
  }
  if (!url.hostname) throw new DockerConfigError(`the Docker host "${host}" names no host`);
  if (url.protocol === 'ssh:') {
    const port = url.port || '22';
    const username = decodeURIComponent(url.username);
    if (url.password) throw new DockerConfigError(`the Docker host ${url.protocol}//${username}@${url.hostname} carries a password; SSH hosts use keys (ssh-agent or ~/.ssh), as the Docker CLI's do`);
    if (url.pathname && url.pathname !== '/') throw new DockerConfigError(`the Docker host "${host}" has a path (${url.pathname}); an ssh:// host is ssh://[user@]host[:port]`);
    const ssh = sshConnectOptions({ host: url.hostname, port: Number(port), ...(username ? { username } : {}), env });
    return {
      address: `ssh://${ssh.username}@${url.hostname}${url.port ? `:${url.port}` : ''}`,
      // docker-modem logs in with ssh2 and runs `docker system dial-stdio` for each request.
      dockerOptions: { ...UNSET, protocol: 'ssh', host: url.hostname, port, username: ssh.username, sshOptions: ssh.connect } as Dockerode.DockerOptions,
      explainFailure: ssh.refusal,
    };
  }
  if (!['tcp:', 'http:', 'https:'].includes(url.protocol)) {
    throw new DockerConfigError(`the Docker host "${host}" has an unsupported scheme ${url.protocol} (unix, tcp, http, https, ssh, npipe)`);
  }
  const tls = url.protocol === 'https:' || options.tls !== undefined;
  const port = url.port || (tls ? '2376' : '2375');
  const address = `${url.protocol}//${url.hostname}:${port}`;
  const dockerOptions: Dockerode.DockerOptions = { ...UNSET, host: url.hostname, port, protocol: tls ? 'https' : 'http' };
  const material = options.tls ?? {};
  if (material.ca) dockerOptions.ca = material.ca;
  if (material.cert) dockerOptions.cert = material.cert;
  if (material.key) dockerOptions.key = material.key;
  if (material.skipVerify) {
    // docker-modem has no switch for this; an agent of our own carries it.
    (dockerOptions as { agent?: HttpsAgent }).agent = new HttpsAgent({ rejectUnauthorized: false, ...pick(material) });
  }
  return { address, dockerOptions };
}

/**
 * Reads `ca.pem`, `cert.pem` and `key.pem` from `dir`. With `required`, a
 * missing file is an error naming it (the address is for the message);
 * otherwise missing files are left out.
 */
export function readTlsFolder(dir: string, required: boolean, address: string, fix: string): HostTls {
  const tls: HostTls = {};
  for (const [key, file] of [['ca', 'ca.pem'], ['cert', 'cert.pem'], ['key', 'key.pem']] as const) {
    try {
      tls[key] = readFileSync(path.join(dir, file));
    } catch (err) {
      if (!required) continue;
      throw new EngineUnreachableError(address, new Error(`TLS is on but ${path.join(dir, file)} cannot be read (${(err as Error).message}); ${fix}`));
    }
  }
  return tls;
}

/**
 * Turns `DOCKER_HOST` (or an explicit host) into dockerode options and a
 * printable address, with the environment's TLS settings as the Docker CLI
 * reads them: `DOCKER_TLS_VERIFY` (or an `https://` host) means TLS with the
 * CA and client certificate from `DOCKER_CERT_PATH` (default `~/.docker`).
 * No host: the default socket. (Contexts are resolved in `endpoint.ts`.)
 */
export function resolveAddress(host: string | undefined, env: ClientEnv = {}): ParsedHost {
  if (!host) return parseDockerHost(`unix://${DEFAULT_SOCKET}`);
  const verify = Boolean(env['DOCKER_TLS_VERIFY'] && env['DOCKER_TLS_VERIFY'] !== '0');
  const isTcp = !/^(unix|npipe|ssh|fd):\/\//.test(host);
  if (!isTcp || !(verify || host.startsWith('https://'))) return parseDockerHost(host, { env });
  // An explicit DOCKER_CERT_PATH must hold the files; the default folder may
  // lack them (then the system's CAs and no client certificate are used).
  const explicit = Boolean(env['DOCKER_CERT_PATH']);
  const dir = env['DOCKER_CERT_PATH'] || path.join(homeDir(env), '.docker');
  const plain = parseDockerHost(host, { env, tls: {} });
  return parseDockerHost(host, { env, tls: readTlsFolder(dir, explicit, plain.address, 'fix DOCKER_CERT_PATH') });
}

function pick(tls: HostTls): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  return { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}) };
}
