/**
 * The connection to one Docker engine, and the only owner of the dockerode
 * client. Everything that talks to Docker goes through an `Engine` and its
 * clients (images, networks, volumes, containers, events); nothing else in
 * modelstack imports dockerode.
 */
import Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { ContainerClient } from './container-client.js';
import { isAbortError } from '../errors.js';
import { compareApiVersions } from '../plan/engine-requirements.js';
import type { DockerConfig } from './docker-config.js';
import { type Endpoint, resolveEndpoint } from './endpoint.js';
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
   * `http://…`, `https://…`, `ssh://user@host`, `npipe:////./pipe/name`.
   * Default: as the Docker CLI chooses (see `context`).
   */
  host?: string;
  /**
   * A Docker context by name (as `docker --context`): wins over
   * `DOCKER_HOST`; may not be combined with `host`. Default: `DOCKER_HOST`,
   * else `DOCKER_CONTEXT`, else `currentContext` in `config.json`, else the
   * default socket (or the rootless one when that is absent). See docs/connecting.md.
   */
  context?: string;
  /** Give up on the initial ping after this long (default 5000 ms; 20000 ms over SSH, which logs in first). */
  pingTimeoutMs?: number;
  /** Debug logging of engine calls. */
  logger?: Logger;
  /**
   * Environment to read the client configuration from — `DOCKER_HOST`,
   * `DOCKER_CONTEXT`, `DOCKER_CONFIG`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`,
   * `HOME`, `SSH_AUTH_SOCK`, `PATH` for credential helpers (default `process.env`).
   */
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
  /** The Docker context in use (`default` when none is). */
  readonly context: string;
  /** @internal The client configuration (`config.json`: registry credentials) and the environment it was read with. */
  readonly clientConfig: { config: DockerConfig; env: Record<string, string | undefined> };
  #info: EngineInfo | undefined;
  readonly #explainFailure: (() => string | undefined) | undefined;

  private constructor(docker: Dockerode, endpoint: Endpoint, env: Record<string, string | undefined>, logger: Logger | undefined) {
    this.docker = docker;
    this.address = endpoint.address;
    this.context = endpoint.context;
    this.clientConfig = { config: endpoint.config, env };
    this.#explainFailure = endpoint.explainFailure;
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
    await engine.ping(options.pingTimeoutMs ?? (engine.address.startsWith('ssh://') ? 20_000 : 5000));
    return engine;
  }

  /**
   * Creates the client without pinging (for callers that ping later).
   * Throws `DockerConfigError` when the configuration names no usable engine
   * (an unknown context, a malformed host or `config.json`).
   */
  static create(options: EngineOptions = {}): Engine {
    const env = options.env ?? process.env;
    const endpoint = resolveEndpoint({ env, ...(options.host ? { host: options.host } : {}), ...(options.context ? { context: options.context } : {}) });
    return new Engine(new Dockerode(endpoint.dockerOptions), endpoint, env, options.logger);
  }

  /**
   * Asks the engine for its version and negotiates the API version every
   * later call uses: the older of the engine's and {@link MAX_API_VERSION}
   * (never assumed). Throws {@link EngineUnreachableError} when the engine
   * does not answer in time, or accepts no version modelstack speaks.
   */
  async ping(timeoutMs = 5000): Promise<EngineInfo> {
    let v: Dockerode.DockerVersion & { MinAPIVersion?: string };
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      // Unversioned: /version answers whatever API version we end up speaking.
      // dockerode's version() takes no signal; dial the same endpoint with one.
      v = await new Promise((resolve, reject) =>
        this.docker.modem.dial(
          { path: '/version', method: 'GET', statusCodes: { 200: true }, abortSignal: deadline } as never,
          (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Dockerode.DockerVersion)),
        ),
      );
    } catch (err) {
      const explained = this.#explainFailure?.();
      // An aborted request may surface as "socket hang up" rather than an AbortError: ask the deadline.
      const late = isAbortError(err) || deadline.aborted;
      throw new EngineUnreachableError(this.address, explained ? new Error(explained, { cause: err }) : late ? new Error(`no answer within ${timeoutMs} ms`) : err);
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


// Moved to docker-host.ts with the rest of host parsing; kept here for existing importers.
export { resolveAddress } from './docker-host.js';
