/**
 * Images: inspect, pull with a policy and typed per-layer progress, build
 * from a context folder streamed as a tar archive.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import dockerignore from '@balena/dockerignore';
import type Dockerode from 'dockerode';
import { pack } from 'tar-fs';
import { type CallOptions, type Engine, withSignal } from './engine.js';
import { ImageBuildError, ImageNotFoundError, ImagePullError, RegistryAuthError } from './errors.js';
import { CredentialStore, type FoundCredentials, registryOfImage } from './registry-auth.js';
import { type EngineStream, jsonLineDecoder, readStream } from './streams.js';

/** When to pull: Compose's `pull_policy` values the engine layer understands. */
export type ImagePullPolicy = 'missing' | 'always' | 'never';

/** Progress of a pull, one event per engine status line. */
export interface PullProgress {
  image: string;
  /** Layer id, or undefined for whole-image status lines ("Pulling from …", "Digest: …"). */
  layer?: string;
  /** Engine status text: `Pulling fs layer`, `Downloading`, `Extracting`, `Pull complete`, `Already exists`, … */
  status: string;
  /** Bytes done in the current phase of this layer. */
  current?: number;
  /** Bytes in this layer (compressed while downloading). */
  total?: number;
}

/** Registry credentials (sent as `X-Registry-Auth`). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
}

export interface PullOptions {
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
  /** Credentials for this pull; default: the Docker client's (`docker login`: config.json, credential helpers). */
  auth?: RegistryAuth;
  platform?: string;
}

export interface EnsureImageOptions extends PullOptions {
  policy?: ImagePullPolicy;
}

export interface BuildOptions {
  /** Folder sent to the engine (filtered by its `.dockerignore`). */
  context: string;
  /** Tag of the result. */
  tag: string;
  /** Dockerfile path relative to the context (default `Dockerfile`). */
  dockerfile?: string;
  args?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

/** An image reference split into what the pull API wants. */
export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `registry:5000/ns/name:tag@sha256:…`; the tag is what follows the last `:` after the last `/`. */
export function parseImageReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { repository: rest, ...(digest ? { digest } : {}) };
}

/** Docker's short form of a repository: without `docker.io/` and, for official images, `library/` (as `docker images` prints it). */
export function familiarName(repository: string): string {
  const name = repository.replace(/^(docker\.io|index\.docker\.io)\//, '');
  return name !== repository && name.startsWith('library/') && name.split('/').length === 2 ? name.slice('library/'.length) : name;
}

export class ImageClient {
  #credentials: CredentialStore | undefined;

  constructor(private readonly engine: Engine) {}

  /** The Docker client's registry credentials (read once per engine; helpers asked once per registry). */
  get #store(): CredentialStore {
    return (this.#credentials ??= new CredentialStore(this.engine.clientConfig.config, this.engine.clientConfig.env));
  }

  /** Inspects a local image; undefined when it is not present. */
  async inspect(ref: string, options: CallOptions = {}): Promise<Dockerode.ImageInspectInfo | undefined> {
    return this.engine.find(`inspect image ${ref}`, () => this.engine.get<Dockerode.ImageInspectInfo>(`/images/${ref}/json`, options));
  }

  /**
   * Makes sure `ref` is present according to `policy` and returns it:
   * `missing` pulls only when absent, `always` pulls every time, `never`
   * fails with {@link ImageNotFoundError} when absent, without any network.
   */
  async ensure(ref: string, options: EnsureImageOptions = {}): Promise<Dockerode.ImageInspectInfo> {
    const policy = options.policy ?? 'missing';
    if (policy !== 'always') {
      const local = await this.inspect(ref, options);
      if (local) return local;
      if (policy === 'never') {
        throw new ImageNotFoundError(ref, 'it is not present locally and the pull policy is "never"; build or load it, or allow pulling');
      }
    }
    await this.pull(ref, options);
    const pulled = await this.inspect(ref, options);
    if (!pulled) throw new ImagePullError(ref, 'the engine reported success but the image is not present afterwards');
    return pulled;
  }

  /**
   * Pulls `ref` (tag `latest` when none is given — never "all tags"),
   * reporting each status line, and detecting errors the engine sends
   * in-band (`{"error": …}` after a 200 answer).
   */
  async pull(ref: string, options: PullOptions = {}): Promise<void> {
    const { repository, tag, digest } = parseImageReference(ref);
    const query: Record<string, string> = { fromImage: repository, tag: digest ?? tag ?? 'latest' };
    if (options.platform) query.platform = options.platform;
    const registry = registryOfImage(ref);
    let found: FoundCredentials | undefined;
    if (!options.auth) {
      try {
        found = await this.#store.find(registry);
      } catch (err) {
        throw new RegistryAuthError(ref, registry, `the credentials for ${registry} could not be read: ${(err as Error).message}`, err);
      }
    }
    const auth = options.auth ?? found?.credentials;
    const failure = (message: string): ImagePullError =>
      isAuthFailure(message) ? authError(ref, registry, message, options.auth ? 'the credentials passed in' : found?.source) : new ImagePullError(ref, message);
    const stream = await this.engine.call(
      `pull ${ref}`,
      () =>
        this.engine.docker.createImage(
          auth ?? {},
          { ...query, abortSignal: options.signal } as object,
        ) as Promise<EngineStream>,
      (http) =>
        http.statusCode === 404 && !isAuthFailure(http.engineMessage)
          ? new ImageNotFoundError(ref, `the registry has no such image (${http.engineMessage})`)
          : failure(http.engineMessage),
    );
    await consumeJsonStream(stream, options.signal, (obj) => {
      const error = inBandError(obj);
      if (error) return failure(error);
      const status = typeof obj.status === 'string' ? obj.status : undefined;
      if (status && options.onProgress) {
        const detail = (obj.progressDetail ?? {}) as { current?: number; total?: number };
        options.onProgress({
          image: ref,
          ...(typeof obj.id === 'string' && obj.id !== tag ? { layer: obj.id } : {}),
          status,
          ...(typeof detail.current === 'number' ? { current: detail.current } : {}),
          ...(typeof detail.total === 'number' && detail.total > 0 ? { total: detail.total } : {}),
        });
      }
      return undefined;
    });
  }

  /**
   * Builds an image from a context folder (tar-fs stream, honouring
   * `.dockerignore`) and returns the image id.
   */
  async build(options: BuildOptions): Promise<string> {
    const context = path.resolve(options.context);
    const ignore = await readDockerignore(context);
    const tarStream = pack(context, {
      ignore: (name: string) => {
        const rel = path.relative(context, name);
        return rel !== '' && ignore(rel);
      },
    });
    // The base images' registries get their credentials, as `docker build` sends them.
    const registryconfig = await this.#store.forBuild(await baseImageRegistries(context, options.dockerfile ?? 'Dockerfile')).catch((err: unknown) => {
      throw new ImageBuildError(options.tag, `the registry credentials could not be read: ${(err as Error).message}`, [], err);
    });
    const stream = await this.engine.call(
      `build ${options.tag}`,
      () =>
        this.engine.docker.buildImage(tarStream as unknown as NodeJS.ReadableStream, {
          ...(Object.keys(registryconfig).length ? { registryconfig } : {}),
          t: options.tag,
          dockerfile: options.dockerfile ?? 'Dockerfile',
          buildargs: options.args,
          target: options.target,
          labels: options.labels,
          nocache: options.noCache,
          pull: options.pull ? 'true' : undefined,
          rm: true,
          forcerm: true,
          abortSignal: options.signal,
        } as Dockerode.ImageBuildOptions) as Promise<EngineStream>,
      (http) => new ImageBuildError(options.tag, http.engineMessage, []),
    );
    const tail: string[] = [];
    let imageId: string | undefined;
    await consumeJsonStream(stream, options.signal, (obj) => {
      if (typeof obj.stream === 'string') {
        for (const line of obj.stream.split('\n')) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 20) tail.shift();
          options.onOutput?.(line);
        }
      }
      const aux = obj.aux as { ID?: unknown } | undefined;
      if (aux && typeof aux.ID === 'string') imageId = aux.ID;
      const error = inBandError(obj);
      if (!error) return undefined;
      const hint = isAuthFailure(error) ? `; a base image's registry asks for credentials: run docker login ${registryHint(error)}`.trimEnd() : '';
      return new ImageBuildError(options.tag, error + hint, tail);
    });
    if (imageId) return imageId;
    const built = await this.inspect(options.tag, options);
    if (!built) throw new ImageBuildError(options.tag, 'the engine reported success but no image was tagged', tail);
    return built.Id;
  }

  /** Removes an image (ignores "no such image"). */
  async remove(ref: string, options: CallOptions & { force?: boolean } = {}): Promise<void> {
    await this.engine.removal(`remove image ${ref}`, () => this.engine.docker.getImage(ref).remove(withSignal(options, { force: options.force })));
  }
}

/** The engine's words when a registry wants credentials, or refused the ones sent (20.10 to 28). */
function isAuthFailure(message: string): boolean {
  return /no basic auth credentials|unauthorized|authentication required|denied: requested access|incorrect username or password/i.test(message);
}

function authError(ref: string, registry: string, message: string, source: string | undefined): RegistryAuthError {
  const login = registry === 'docker.io' ? 'docker login' : `docker login ${registry}`;
  const reason = source
    ? `${registry} refused the credentials from ${source} (${message}); run ${login} again, or fix them there`
    : `${registry} asks for credentials and none are configured for it (${message}); run ${login} (modelstack reads the Docker client's config.json and credential helpers)`;
  return new RegistryAuthError(ref, registry, reason);
}

/** The registry a build's auth error names (`http://127.0.0.1:5002/v2/…` → `127.0.0.1:5002`), or nothing. */
function registryHint(message: string): string {
  return /https?:\/\/([^/\s"]+)\//.exec(message)?.[1] ?? '';
}

/**
 * The registries of a Dockerfile's base images (`FROM image`, not earlier
 * stages); `all` when one is named through a build argument, as the exact
 * registry is then known only to the build.
 */
async function baseImageRegistries(context: string, dockerfile: string): Promise<string[] | 'all'> {
  let text: string;
  try {
    text = await readFile(path.resolve(context, dockerfile), 'utf8');
  } catch {
    return [];
  }
  const stages = new Set<string>();
  const registries: string[] = [];
  for (const m of text.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/gim)) {
    const image = m[1] ?? '';
    if (image.includes('$')) return 'all';
    if (!stages.has(image.toLowerCase()) && image !== 'scratch') registries.push(registryOfImage(image));
    if (m[2]) stages.add(m[2].toLowerCase());
  }
  return registries;
}

/** Reads a JSON-lines answer to its end; `check` may return an error that ends it. */
async function consumeJsonStream(stream: EngineStream, signal: AbortSignal | undefined, check: (obj: Record<string, unknown>) => Error | undefined): Promise<void> {
  let failure: Error | undefined;
  const decoder = jsonLineDecoder((obj) => {
    failure ??= check(obj);
  });
  try {
    await readStream(stream, (chunk) => decoder.write(chunk), signal);
  } catch (err) {
    throw failure ?? err;
  }
  decoder.end();
  if (failure) throw failure;
}

function inBandError(obj: Record<string, unknown>): string | undefined {
  const detail = obj.errorDetail as { message?: unknown } | undefined;
  if (detail && typeof detail.message === 'string') return detail.message;
  if (typeof obj.error === 'string') return obj.error;
  return undefined;
}

async function readDockerignore(context: string): Promise<(rel: string) => boolean> {
  let text: string;
  try {
    text = await readFile(path.join(context, '.dockerignore'), 'utf8');
  } catch {
    return () => false;
  }
  // The package is CommonJS; its factory is reachable as `.default` both at run time and in its types.
  const rules = dockerignore.default({ ignorecase: false }).add(text.split(/\r?\n/));
  return (rel) => rules.ignores(rel.split(path.sep).join('/'));
}
