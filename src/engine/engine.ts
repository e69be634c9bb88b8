/**
 * The connection to one Docker engine, and the only owner of the dockerode
 * client. Everything that talks to Docker goes through an `Engine` and its
 * clients (images, networks, volumes, containers, events); nothing else in
 * modelstack imports dockerode.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { ContainerClient } from './container-client.js';
import { isAbortError } from '../errors.js';
import { compareApiVersions } from '../plan/engine-requirements.js';
import { EngineRequestError, EngineUnreachableError } from './errors.js';
import { EventClient } from './event-client.js';
import { ImageClient } from './image-client.js';
import { NetworkClient } from './network-client.js';
import { SwarmClient } from './swarm-client.js';
import { VolumeClient } from './volume-client.js';

/** Where to find the engine. */
export interface EngineOptions {
  /**
   * Engine address: `unix:///var/run/docker.sock`, `tcp://host:2375`,
   * `http://…`, `https://…`. Default: `DOCKER_HOST`, else the default socket.
   */
  host?: string;
  /** Give up on the initial ping after this long (default 5000 ms). */
  pingTimeoutMs?: number;
  /** Debug logging of engine calls. */
  logger?: Logger;
  /** Environment to read `DOCKER_HOST` from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** What `ping()` learned about the engine. */
export interface EngineInfo {
  /** The engine's version (`26.1.5`). */
  version: string;
  /** The newest API version the engine speaks (`1.45`). */
  apiVersion: string;
  /** The oldest API version the engine accepts (`1.24`). */
  minApiVersion: string;
  /** The API version modelstack talks to it: the older of the engine's and {@link MAX_API_VERSION}. */
  negotiatedApiVersion: string;
  os: string;
  arch: string;
}

/**
 * The newest Engine API version modelstack knows how to speak (Docker 28.0).
 * Against a newer engine modelstack talks this version; against an older one,
 * the engine's own, and keys the engine cannot act on are refused before
 * anything is created (see `plan/engine-requirements.ts`).
 */
export const MAX_API_VERSION = '1.48';

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** A connected Docker engine. Create with {@link Engine.connect}. */
export class Engine {
  /** The address, as it appears in error messages (`unix:///var/run/docker.sock`). */
  readonly address: string;
  readonly images: ImageClient;
  readonly networks: NetworkClient;
  readonly volumes: VolumeClient;
  readonly containers: ContainerClient;
  readonly events: EventClient;
  /** Swarm services, tasks, nodes, secrets and configs (on a manager). */
  readonly swarm: SwarmClient;
  /** @internal The dockerode client. Only the engine layer may use it. */
  readonly docker: Dockerode;
  readonly logger: Logger | undefined;
  #info: EngineInfo | undefined;

  private constructor(docker: Dockerode, address: string, logger: Logger | undefined) {
    this.docker = docker;
    this.address = address;
    this.logger = logger;
    this.images = new ImageClient(this);
    this.networks = new NetworkClient(this);
    this.volumes = new VolumeClient(this);
    this.containers = new ContainerClient(this);
    this.events = new EventClient(this);
    this.swarm = new SwarmClient(this);
  }

  /**
   * Connects and pings. Fails fast with {@link EngineUnreachableError} naming
   * the address when nothing answers (no hang: the ping has a deadline).
   */
  static async connect(options: EngineOptions = {}): Promise<Engine> {
    const engine = Engine.create(options);
    await engine.ping(options.pingTimeoutMs ?? 5000);
    return engine;
  }

  /** Creates the client without pinging (for callers that ping later). */
  static create(options: EngineOptions = {}): Engine {
    const env = options.env ?? process.env;
    const { address, dockerOptions } = resolveAddress(options.host ?? env.DOCKER_HOST, env);
    return new Engine(new Dockerode(dockerOptions), address, options.logger);
  }

  /**
   * Asks the engine for its version and negotiates the API version every
   * later call uses: the older of the engine's and {@link MAX_API_VERSION}
   * (never assumed). Throws {@link EngineUnreachableError} when the engine
   * does not answer in time, or accepts no version modelstack speaks.
   */
  async ping(timeoutMs = 5000): Promise<EngineInfo> {
    let v: Dockerode.DockerVersion & { MinAPIVersion?: string };
    try {
      // Unversioned: /version answers whatever API version we end up speaking.
      // dockerode's version() takes no signal; dial the same endpoint with one.
      v = await new Promise((resolve, reject) =>
        this.docker.modem.dial(
          { path: '/version', method: 'GET', statusCodes: { 200: true }, abortSignal: AbortSignal.timeout(timeoutMs) } as never,
          (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Dockerode.DockerVersion)),
        ),
      );
    } catch (err) {
      throw new EngineUnreachableError(this.address, isAbortError(err) ? new Error(`no answer within ${timeoutMs} ms`) : err);
    }
    const minApiVersion = v.MinAPIVersion ?? '1.12';
    const negotiated = compareApiVersions(v.ApiVersion, MAX_API_VERSION) < 0 ? v.ApiVersion : MAX_API_VERSION;
    if (compareApiVersions(negotiated, minApiVersion) < 0) {
      throw new EngineUnreachableError(
        this.address,
        new Error(`the engine (Docker ${v.Version}) accepts API ${minApiVersion} or newer, and modelstack speaks at most ${MAX_API_VERSION}; use a modelstack release that supports this engine`),
      );
    }
    // docker-modem prefixes every path with this (`/v1.45/containers/...`).
    (this.docker.modem as { version?: string }).version = `v${negotiated}`;
    this.#info = { version: v.Version, apiVersion: v.ApiVersion, minApiVersion, negotiatedApiVersion: negotiated, os: v.Os, arch: v.Arch };
    return this.#info;
  }

  /** What the last {@link ping} learned (every Engine from {@link Engine.connect} has pinged). */
  get info(): EngineInfo | undefined {
    return this.#info;
  }

  /**
   * Runs one engine call and turns transport failures into
   * {@link EngineUnreachableError} and HTTP errors into {@link EngineRequestError}
   * (unless `map` recognises them first). An abort passes through as it is.
   * @internal
   */
  async call<T>(operation: string, fn: () => Promise<T>, map?: (err: EngineHttpError) => Error | undefined): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.translate(operation, err, map);
    }
  }

  /**
   * One request to the engine API (the negotiated version is prefixed like
   * every call's): for the calls dockerode cannot cancel or shapes oddly
   * (image and network inspect, the Swarm objects). JSON in, JSON out;
   * `query` goes into the URL. @internal
   */
  request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: CallOptions & { query?: Record<string, string | number | boolean>; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    // docker-modem reads the query from `_query` when the path ends in `?`, and the JSON body from `_body`.
    const hasQuery = options.query !== undefined && Object.keys(options.query).length > 0;
    return new Promise<T>((resolve, reject) =>
      this.docker.modem.dial(
        {
          path: hasQuery ? `${path}?` : path,
          method,
          statusCodes: { 200: true, 201: true, 204: true, 304: true, 400: 'bad parameter', 404: 'no such object', 409: 'conflict', 500: 'server error', 503: 'node is not part of a swarm' },
          // An empty `_body` sends no body (modem drops '{}'); without it, a POST would send the options themselves.
          options: { ...(hasQuery ? { _query: options.query } : {}), _body: options.body ?? {} },
          ...(options.headers ? { headers: options.headers } : {}),
          ...(options.signal ? { abortSignal: options.signal } : {}),
        } as never,
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as T)),
      ),
    );
  }

  /** A GET of the engine API at `path`. @internal */
  get<T>(path: string, options: CallOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  /** {@link call} for a lookup: an object that does not exist (404) is `undefined`, not an error. @internal */
  async find<T>(operation: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(operation, fn);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * {@link call} for a removal or a stop: an object that is already gone
   * (404), or an answer `done` recognises (a removal already under way), is
   * done. @internal
   */
  async removal(
    operation: string,
    fn: () => Promise<unknown>,
    options: { map?: (err: EngineHttpError) => Error | undefined; done?: (err: EngineHttpError) => boolean } = {},
  ): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const http = asHttpError(err);
      if (http && (http.statusCode === 404 || options.done?.(http))) return;
      throw this.translate(operation, err, options.map);
    }
  }

  /** @internal */
  translate(operation: string, err: unknown, map?: (err: EngineHttpError) => Error | undefined): Error {
    if (isAbortError(err)) return err as Error;
    const http = asHttpError(err);
    if (http) {
      const mapped = map?.(http);
      if (mapped) return mapped;
      return new EngineRequestError(operation, http.statusCode, http.engineMessage, err);
    }
    if (isTransportError(err)) return new EngineUnreachableError(this.address, err);
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Options every engine call takes. */
export interface CallOptions {
  /** Gives up on the call (and drops its connection) when this aborts: a caller's deadline or Ctrl-C. */
  signal?: AbortSignal;
}

/** dockerode's per-call options with the caller's signal (dockerode calls it `abortSignal`). @internal */
export function withSignal<T extends object = {}>(options: CallOptions, query?: T): T & { abortSignal?: AbortSignal } {
  return options.signal ? { ...(query as T), abortSignal: options.signal } : { ...(query as T) };
}

/** True when the engine answered 404 (no such object). */
export function isNotFound(err: unknown): boolean {
  return err instanceof EngineRequestError ? err.statusCode === 404 : asHttpError(err)?.statusCode === 404;
}

/** An HTTP error answer from the engine, as dockerode reports it. */
export interface EngineHttpError {
  statusCode: number;
  /** The engine's own message (`No such container: abc`). */
  engineMessage: string;
}

function asHttpError(err: unknown): EngineHttpError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; json?: unknown; message?: unknown };
  if (typeof e.statusCode !== 'number') return undefined;
  let engineMessage = '';
  if (e.json && typeof e.json === 'object' && typeof (e.json as { message?: unknown }).message === 'string') {
    engineMessage = (e.json as { message: string }).message;
  } else if (typeof e.json === 'string' && e.json) {
    engineMessage = e.json;
  } else if (Buffer.isBuffer(e.json)) {
    engineMessage = e.json.toString('utf8');
  } else if (typeof e.message === 'string') {
    engineMessage = e.message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
  }
  return { statusCode: e.statusCode, engineMessage: engineMessage.trim() };
}

const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

function isTransportError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSPORT_CODES.has(code);
}


/**
 * Turns `DOCKER_HOST` (or an explicit host) into dockerode options and a
 * printable address. TCP with `DOCKER_TLS_VERIFY` (or an `https://` host)
 * uses TLS with the CA and client certificate from `DOCKER_CERT_PATH`
 * (default `~/.docker`: ca.pem, cert.pem, key.pem), as the docker CLI does.
 */
export function resolveAddress(
  host: string | undefined,
  env: Record<string, string | undefined> = {},
): { address: string; dockerOptions: Dockerode.DockerOptions } {
  if (!host) return { address: `unix://${DEFAULT_SOCKET}`, dockerOptions: { socketPath: DEFAULT_SOCKET } };
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length) || DEFAULT_SOCKET;
    return { address: `unix://${socketPath}`, dockerOptions: { socketPath } };
  }
  const url = new URL(host.includes('://') ? host : `tcp://${host}`);
  const tls = url.protocol === 'https:' || Boolean(env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0');
  const protocol = tls ? 'https' : 'http';
  const port = url.port || (tls ? '2376' : '2375');
  const dockerOptions: Dockerode.DockerOptions = { host: url.hostname, port, protocol };
  if (tls) {
    // An explicit DOCKER_CERT_PATH must hold the files; the default folder may
    // lack them (then the system's CAs and no client certificate are used).
    const explicit = Boolean(env.DOCKER_CERT_PATH);
    const dir = env.DOCKER_CERT_PATH || path.join(homedir(), '.docker');
    for (const [key, file] of [['ca', 'ca.pem'], ['cert', 'cert.pem'], ['key', 'key.pem']] as const) {
      try {
        Object.assign(dockerOptions, { [key]: readFileSync(path.join(dir, file)) });
      } catch (err) {
        if (!explicit) continue;
        throw new EngineUnreachableError(
          `${url.protocol}//${url.hostname}:${port}`,
          new Error(`TLS is on but ${path.join(dir, file)} cannot be read (${(err as Error).message}); fix DOCKER_CERT_PATH`),
        );
      }
    }
  }
  return { address: `${url.protocol}//${url.hostname}:${port}`, dockerOptions };
}
