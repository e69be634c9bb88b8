/**
 * Containers: create from a {@link ContainerSpec}, start, stop, remove,
 * inspect, list, logs (demultiplexed), exec (with exit code), copy files in.
 * Each method is one engine call or one well-named sequence of them.
 */
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import { type ContainerSpec, toCreateOptions, toEndpoint } from './container-spec.js';
import type { Engine } from './engine.js';
import { isAbortError } from '../errors.js';
import { ContainerNameConflictError, ExecError, ImageNotFoundError, PortAlreadyAllocatedError } from './errors.js';
import { type OutputStream, demuxDecoder } from './streams.js';

/** One line a container printed. */
export interface LogLine {
  stream: OutputStream;
  text: string;
}

export interface LogsOptions {
  /** Gives up on an engine that does not answer. */
  signal?: AbortSignal;
  /** Number of lines from the end, or `'all'` (default). */
  tail?: number | 'all';
  /** Only lines after this Unix time (seconds). */
  since?: number;
  timestamps?: boolean;
}

export interface FollowLogsOptions extends LogsOptions {
  /** Stop following (the promise then resolves). */
  signal?: AbortSignal;
  onLine: (line: LogLine) => void;
}

export interface ExecOptions {
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  privileged?: boolean;
  /** Stop waiting for the output (the process may keep running in the container). */
  signal?: AbortSignal;
  /** Receives output as it arrives (it is also collected into the result). */
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A file or folder to put into a container. */
export type ArchiveEntry =
  | { type?: 'file'; path: string; content: string | Buffer; mode?: number; uid?: number; gid?: number }
  | { type: 'directory'; path: string; mode?: number; uid?: number; gid?: number };

export class ContainerClient {
  constructor(private readonly engine: Engine) {}

  /**
   * Creates a container and joins its extra networks (the API takes one at
   * create time). If joining fails, the half-made container is removed, so a
   * failure leaves nothing behind. Returns the container id.
   */
  async create(spec: ContainerSpec): Promise<string> {
    const label = spec.name ?? spec.image;
    const container = await this.engine.call(
      `create container ${label}`,
      () => this.engine.docker.createContainer(toCreateOptions(spec)),
      (http) => {
        if (http.statusCode === 409) return new ContainerNameConflictError(spec.name ?? '?');
        if (http.statusCode === 404 && /image/i.test(http.engineMessage)) {
          return new ImageNotFoundError(spec.image, `not present locally (${http.engineMessage}); pull or build it first`);
        }
        return undefined;
      },
    );
    const extra = spec.networkMode ? [] : (spec.networks ?? []).slice(1);
    try {
      for (const net of extra) await this.engine.networks.connect(net.name, container.id, toEndpoint(net));
    } catch (err) {
      await this.remove(container.id, { force: true });
      throw err;
    }
    return container.id;
  }

  /**
   * Starts a container. A host port that is already taken becomes a
   * {@link PortAlreadyAllocatedError} naming the container, service and port.
   */
  async start(id: string): Promise<void> {
    try {
      await this.engine.docker.getContainer(id).start();
    } catch (err) {
      const http = err as { statusCode?: number };
      if (http.statusCode === 304) return; // already running
      const translated = this.engine.translate(`start container ${id}`, err);
      const port = allocatedPort((translated as { engineMessage?: string }).engineMessage ?? '');
      if (port) {
        const info = await this.inspect(id).catch(() => undefined);
        throw new PortAlreadyAllocatedError(
          info ? containerName(info) : id,
          info?.Config.Labels?.['com.docker.compose.service'],
          port,
          translated,
        );
      }
      throw translated;
    }
  }

  /** Stops a container, giving it `timeoutSeconds` (default: its own stop timeout) before SIGKILL. Stopping a stopped container is fine. */
  async stop(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    try {
      await this.engine.docker.getContainer(id).stop(options.timeoutSeconds === undefined ? {} : { t: options.timeoutSeconds });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 304 || code === 404) return;
      throw this.engine.translate(`stop container ${id}`, err);
    }
  }

  /** Sends a signal (default SIGKILL). */
  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.engine.call(`kill container ${id}`, () => this.engine.docker.getContainer(id).kill({ signal }));
  }

  /** Restarts a container with a stop timeout. */
  async restart(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.engine.call(`restart container ${id}`, () =>
      this.engine.docker.getContainer(id).restart(options.timeoutSeconds === undefined ? {} : { t: options.timeoutSeconds }),
    );
  }

  /** Removes a container; a missing one is not an error (removal is idempotent). */
  async remove(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    try {
      await this.engine.docker.getContainer(id).remove({ force: options.force ?? false, v: options.volumes ?? false });
    } catch (err) {
      const http = err as { statusCode?: number; json?: { message?: string } };
      if (http.statusCode === 404) return;
      // A removal already under way (e.g. two downs at once) ends the same way.
      if (http.statusCode === 409 && /already in progress/.test(http.json?.message ?? '')) return;
      throw this.engine.translate(`remove container ${id}`, err);
    }
  }

  /** Renames a container. */
  async rename(id: string, name: string): Promise<void> {
    await this.engine.call(
      `rename container ${id} to ${name}`,
      () => this.engine.docker.getContainer(id).rename({ name }),
      (http) => (http.statusCode === 409 ? new ContainerNameConflictError(name) : undefined),
    );
  }

  /** Inspects a container; undefined when it does not exist. `signal` gives up on an engine that does not answer. */
  async inspect(id: string, options: { signal?: AbortSignal } = {}): Promise<Dockerode.ContainerInspectInfo | undefined> {
    try {
      return await this.engine.docker.getContainer(id).inspect(options.signal ? ({ abortSignal: options.signal } as object) : {});
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw this.engine.translate(`inspect container ${id}`, err);
    }
  }

  /** Lists containers (running and stopped) carrying all of the given labels (`key` or `key=value`). */
  async list(labels: string[] = [], options: { all?: boolean } = {}): Promise<Dockerode.ContainerInfo[]> {
    return this.engine.call('list containers', () =>
      this.engine.docker.listContainers({ all: options.all ?? true, filters: JSON.stringify({ label: labels }) }),
    );
  }

  /** Reads the container's logs, demultiplexed into lines (TTY containers have only stdout). */
  async logs(id: string, options: LogsOptions = {}): Promise<LogLine[]> {
    const tty = await this.isTty(id, options.signal);
    const buffer = (await this.engine.call(`logs of ${id}`, () =>
      this.engine.docker.getContainer(id).logs({ ...logQuery(options), follow: false, ...(options.signal ? { abortSignal: options.signal } : {}) } as { follow: false }),
    )) as unknown as Buffer;
    const lines: LogLine[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    if (tty) splitter.push('stdout', buffer);
    else demuxDecoder((stream, chunk) => splitter.push(stream, chunk)).write(buffer);
    splitter.flush();
    return lines;
  }

  /** The last `n` lines a container printed, for error messages. Never throws (nothing when `signal` aborts first). */
  async logTail(id: string, n = 10, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    try {
      return (await this.logs(id, { tail: n, ...options })).map((l) => l.text).slice(-n);
    } catch {
      return [];
    }
  }

  /** Follows logs until the container stops or `signal` aborts. */
  async followLogs(id: string, options: FollowLogsOptions): Promise<void> {
    const tty = await this.isTty(id);
    const stream = (await this.engine.call(`follow logs of ${id}`, () =>
      this.engine.docker.getContainer(id).logs({ ...logQuery(options), follow: true }),
    )) as unknown as NodeJS.ReadableStream & { destroy(): void };
    const splitter = lineSplitter(options.onLine);
    const decoder = demuxDecoder((s, chunk) => splitter.push(s, chunk));
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => (tty ? splitter.push('stdout', chunk) : decoder.write(chunk));
      const done = (err?: Error) => {
        stream.removeListener('data', onData);
        stream.removeListener('end', onEnd);
        stream.removeListener('error', onError);
        options.signal?.removeEventListener('abort', onAbort);
        splitter.flush();
        if (err) reject(err);
        else resolve();
      };
      const onEnd = () => done();
      const onError = (err: Error) => done(isAbortError(err) ? undefined : err);
      const onAbort = () => {
        stream.destroy();
        done();
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', onData);
      stream.on('end', onEnd);
      stream.on('error', onError);
    });
  }

  /** Runs a command in a running container and returns its exit code and output. */
  async exec(id: string, cmd: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const container = this.engine.docker.getContainer(id);
    const exec = await this.engine.call(
      `exec in ${id}`,
      () =>
        container.exec({
          Cmd: cmd,
          AttachStdout: true,
          AttachStderr: true,
          Env: options.env ? Object.entries(options.env).map(([k, v]) => `${k}=${v}`) : undefined,
          User: options.user,
          WorkingDir: options.workingDir,
          Privileged: options.privileged,
        }),
      (http) => new ExecError(id, cmd, http.engineMessage),
    );
    const stream = (await this.engine.call(
      `start exec in ${id}`,
      () => exec.start({ hijack: true, stdin: false }),
      (http) => new ExecError(id, cmd, http.engineMessage),
    )) as NodeJS.ReadableStream & { destroy(): void };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const decoder = demuxDecoder((s, chunk) => {
      (s === 'stderr' ? err : out).push(chunk);
      options.onOutput?.(s, chunk);
    });
    await new Promise<void>((resolve, reject) => {
      const done = (e?: Error) => {
        stream.removeListener('data', onData);
        stream.removeListener('end', onEnd);
        stream.removeListener('close', onEnd);
        stream.removeListener('error', onError);
        options.signal?.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve();
      };
      const onData = (chunk: Buffer) => decoder.write(chunk);
      const onEnd = () => done();
      const onError = (e: Error) => done(e);
      const onAbort = () => {
        stream.destroy();
        done(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', onData);
      stream.on('end', onEnd);
      stream.on('close', onEnd);
      stream.on('error', onError);
    });
    // The output stream closes when the process ends; the exit code is
    // recorded a moment later, so ask until the engine says it stopped.
    for (let attempt = 0; ; attempt++) {
      const info = await this.engine.call(`inspect exec in ${id}`, () => exec.inspect());
      if (!info.Running && info.ExitCode !== null) {
        return {
          exitCode: info.ExitCode ?? -1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        };
      }
      if (attempt > 50) throw new ExecError(id, cmd, 'the engine did not report an exit code');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Puts files and folders into a container (running or not) as one tar
   * archive extracted at `/`. Paths must be absolute; parents are created.
   */
  async putFiles(id: string, entries: ArchiveEntry[]): Promise<void> {
    const archive = tar.pack();
    for (const e of entries) {
      if (!e.path.startsWith('/')) throw new TypeError(`putFiles: "${e.path}" is not an absolute path`);
      const name = e.path.slice(1);
      const owner = { uid: e.uid ?? 0, gid: e.gid ?? 0 };
      if (e.type === 'directory') archive.entry({ name, type: 'directory', mode: e.mode ?? 0o755, ...owner });
      else archive.entry({ name, mode: e.mode ?? 0o644, ...owner }, e.content);
    }
    archive.finalize();
    await this.putArchive(id, '/', archive as unknown as NodeJS.ReadableStream);
  }

  /** Extracts a tar stream into `path` inside the container. */
  async putArchive(id: string, path: string, archive: NodeJS.ReadableStream): Promise<void> {
    await this.engine.call(`copy files into ${id}:${path}`, () =>
      this.engine.docker.getContainer(id).putArchive(archive, { path }),
    );
  }

  private async isTty(id: string, signal?: AbortSignal): Promise<boolean> {
    const info = await this.inspect(id, signal ? { signal } : {});
    return info?.Config.Tty ?? false;
  }
}

/** The query both log reads share (the API types `tail` as a number; it also takes "all"). */
function logQuery(options: LogsOptions) {
  return {
    stdout: true,
    stderr: true,
    tail: (options.tail ?? 'all') as number,
    since: options.since ?? 0,
    timestamps: options.timestamps ?? false,
  };
}

/** The container's name without the leading slash the API adds. */
export function containerName(info: { Name?: string; Names?: string[] }): string {
  const name = info.Name ?? info.Names?.[0] ?? '';
  return name.startsWith('/') ? name.slice(1) : name;
}

/** Finds the host address:port in the engine's "port is already allocated" / "address already in use" messages. */
export function allocatedPort(message: string): string | undefined {
  const bind = /Bind for (\S+?) failed: port is already allocated/.exec(message);
  if (bind) return bind[1];
  const listen = /listen (?:tcp|udp|sctp)[46]? (\S+?): bind: address already in use/.exec(message);
  if (listen) return listen[1];
  return undefined;
}

/** Groups chunks into lines per stream (a frame may hold several lines or part of one). */
function lineSplitter(onLine: (line: LogLine) => void): { push(stream: OutputStream, chunk: Buffer): void; flush(): void } {
  const partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  return {
    push(stream, chunk) {
      const text = partial[stream] + chunk.toString('utf8');
      const lines = text.split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const l of lines) onLine({ stream, text: l.replace(/\r$/, '') });
    },
    flush() {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream]) onLine({ stream, text: partial[stream] });
        partial[stream] = '';
      }
    },
  };
}

