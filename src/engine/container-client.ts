/**
 * Containers: create from a {@link ContainerSpec}, start, stop, remove,
 * inspect, list, logs (demultiplexed), exec (with exit code), copy files in.
 * Each method is one engine call or one well-named sequence of them.
 */
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import type { ArchiveEntry, ContainerSpec } from '../plan/container-spec.js';
import { toCreateOptions, toEndpoint } from './container-spec.js';
import { type CallOptions, type Engine, withSignal } from './engine.js';
import { sleep } from '../errors.js';
import { ContainerNameConflictError, ExecError, ImageNotFoundError, PortAlreadyAllocatedError } from './errors.js';
import { type EngineStream, type OutputStream, demuxDecoder, readStream } from './streams.js';

/** A container as the engine lists it (`GET /containers/json`). */
export type ListedContainer = Dockerode.ContainerInfo;
/** A container as the engine inspects it (`GET /containers/{id}/json`). */
export type InspectedContainer = Dockerode.ContainerInspectInfo;

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
  /** Only lines before this Unix time (seconds). */
  until?: number;
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
  /**
   * Forwarded to the process's stdin as it arrives; its end closes the
   * process's stdin (so `cat` ends). Without it the process has no stdin.
   */
  stdin?: NodeJS.ReadableStream;
  /**
   * Run the process on a pseudo-terminal of this size, resized whenever
   * `onResize` reports a change: output then arrives raw, all of it on
   * `stdout`, and input goes through the terminal (Ctrl-C reaches the process).
   */
  terminal?: TerminalSize & { onResize?(listener: (size: TerminalSize) => void): () => void };
}

/** A terminal's size in character cells. */
export interface TerminalSize {
  rows: number;
  columns: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class ContainerClient {
  constructor(private readonly engine: Engine) {}

  /**
   * Creates a container and joins its extra networks (the API takes one at
   * create time). If joining fails, the half-made container is removed, so a
   * failure leaves nothing behind. An abort while the engine creates it
   * removes what the engine made anyway. Returns the container id.
   */
  async create(spec: ContainerSpec, options: CallOptions = {}): Promise<string> {
    const label = spec.name ?? spec.image;
    let container: Dockerode.Container;
    try {
      container = await this.engine.call(
        `create container ${label}`,
        () => this.engine.docker.createContainer(withSignal(options, toCreateOptions(spec))),
        (http) => {
          if (http.statusCode === 409) return new ContainerNameConflictError(spec.name ?? '?');
          if (http.statusCode === 404 && /image/i.test(http.engineMessage)) {
            return new ImageNotFoundError(spec.image, `not present locally (${http.engineMessage}); pull or build it first`);
          }
          return undefined;
        },
      );
    } catch (err) {
      if (options.signal?.aborted && spec.name) await this.removeIfMadeBy(spec);
      throw err;
    }
    const extra = spec.networkMode ? [] : (spec.networks ?? []).slice(1);
    try {
      for (const net of extra) await this.engine.networks.connect(net.name, container.id, toEndpoint(net), options);
    } catch (err) {
      await this.remove(container.id, { force: true });
      throw err;
    }
    return container.id;
  }

  /**
   * After an aborted create: the engine may have made the container all the
   * same. Remove it if it is there with exactly the labels of `spec` (ours,
   * not a namesake), within a short deadline of its own (the caller's
   * deadline or Ctrl-C has passed: a frozen engine must not add much to it).
   */
  private async removeIfMadeBy(spec: ContainerSpec): Promise<void> {
    const signal = AbortSignal.timeout(2000);
    try {
      const found = await this.inspect(spec.name!, { signal });
      const labels = found?.Config.Labels ?? {};
      if (found && Object.entries(spec.labels ?? {}).every(([k, v]) => labels[k] === v)) await this.remove(found.Id, { force: true, signal });
    } catch {
      // Best effort: the caller reports the abort; down removes what is left.
    }
  }

  /**
   * Starts a container. A host port that is already taken becomes a
   * {@link PortAlreadyAllocatedError} naming the container, its `service`
   * (for the message) and the port.
   */
  async start(id: string, options: CallOptions & { service?: string } = {}): Promise<void> {
    try {
      await this.engine.docker.getContainer(id).start(withSignal(options));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 304) return; // already running
      const translated = this.engine.translate(`start container ${id}`, err);
      const port = allocatedPort((translated as { engineMessage?: string }).engineMessage ?? '');
      if (port) {
        const info = await this.inspect(id, options).catch(() => undefined);
        throw new PortAlreadyAllocatedError(info ? containerName(info) : id, options.service, port, translated);
      }
      throw translated;
    }
  }

  /** Stops a container, giving it `timeoutSeconds` (default: its own stop timeout) before SIGKILL. Stopping a stopped or missing container is fine. */
  async stop(id: string, options: CallOptions & { timeoutSeconds?: number } = {}): Promise<void> {
    await this.engine.removal(
      `stop container ${id}`,
      () => this.engine.docker.getContainer(id).stop(withSignal(options, options.timeoutSeconds === undefined ? {} : { t: options.timeoutSeconds })),
      { done: (http) => http.statusCode === 304 }, // not running
    );
  }

  /** Sends a signal (default SIGKILL). */
  async kill(id: string, options: CallOptions & { signalName?: string } = {}): Promise<void> {
    await this.engine.call(`kill container ${id}`, () => this.engine.docker.getContainer(id).kill(withSignal(options, { signal: options.signalName ?? 'SIGKILL' })));
  }

  /** Waits until the container is not running (at once for a stopped one) and returns its exit code; `signal` stops waiting. */
  async wait(id: string, options: CallOptions = {}): Promise<number> {
    const container = this.engine.docker.getContainer(id);
    const result: { StatusCode?: number } = await this.engine.call(`wait for container ${id}`, () => container.wait(withSignal(options) as Dockerode.ContainerWaitOptions));
    return result.StatusCode ?? 0;
  }

  /** Freezes every process of a running container (the cgroup freezer). */
  async pause(id: string, options: CallOptions = {}): Promise<void> {
    const container = this.engine.docker.getContainer(id);
    await this.engine.call(`pause container ${id}`, (): Promise<unknown> => container.pause(withSignal(options) as object));
  }

  /** Thaws a paused container. */
  async unpause(id: string, options: CallOptions = {}): Promise<void> {
    const container = this.engine.docker.getContainer(id);
    await this.engine.call(`unpause container ${id}`, (): Promise<unknown> => container.unpause(withSignal(options) as object));
  }

  /** Restarts a container with a stop timeout. */
  async restart(id: string, options: CallOptions & { timeoutSeconds?: number } = {}): Promise<void> {
    await this.engine.call(`restart container ${id}`, () =>
      this.engine.docker.getContainer(id).restart(withSignal(options, options.timeoutSeconds === undefined ? {} : { t: options.timeoutSeconds })),
    );
  }

  /** Removes a container; a missing one, or one whose removal is already under way, is not an error (removal is idempotent). */
  async remove(id: string, options: CallOptions & { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.engine.removal(
      `remove container ${id}`,
      () => this.engine.docker.getContainer(id).remove(withSignal(options, { force: options.force ?? false, v: options.volumes ?? false })),
      // Two downs at once: the second finds the removal under way, which ends the same way.
      { done: (http) => http.statusCode === 409 && /already in progress/.test(http.engineMessage) },
    );
  }

  /** Renames a container. */
  async rename(id: string, name: string, options: CallOptions = {}): Promise<void> {
    await this.engine.call(
      `rename container ${id} to ${name}`,
      () => this.engine.docker.getContainer(id).rename(withSignal(options, { name })),
      (http) => (http.statusCode === 409 ? new ContainerNameConflictError(name) : undefined),
    );
  }

  /** Inspects a container; undefined when it does not exist. `signal` gives up on an engine that does not answer. */
  async inspect(id: string, options: CallOptions = {}): Promise<Dockerode.ContainerInspectInfo | undefined> {
    return this.engine.find(`inspect container ${id}`, () => this.engine.docker.getContainer(id).inspect(withSignal(options) as Dockerode.ContainerInspectOptions));
  }

  /** The processes running in a container, as the engine's `ps` reports them (`GET /containers/{id}/top`): column titles and one row per process. */
  async top(id: string, options: CallOptions = {}): Promise<{ titles: string[]; processes: string[][] }> {
    const top = await this.engine.call(`list the processes of container ${id}`, () =>
      this.engine.get<{ Titles?: string[] | null; Processes?: string[][] | null }>(`/containers/${id}/top`, options),
    );
    return { titles: top.Titles ?? [], processes: top.Processes ?? [] };
  }

  /** Lists containers (running and stopped) carrying all of the given labels (`key` or `key=value`). */
  async list(labels: string[] = [], options: CallOptions & { all?: boolean } = {}): Promise<Dockerode.ContainerInfo[]> {
    return this.engine.call('list containers', () =>
      this.engine.docker.listContainers(withSignal(options, { all: options.all ?? true, filters: JSON.stringify({ label: labels }) })),
    );
  }

  /** Reads the container's logs, demultiplexed into lines (TTY containers have only stdout). */
  async logs(id: string, options: LogsOptions = {}): Promise<LogLine[]> {
    const tty = await this.isTty(id, options.signal);
    const buffer = (await this.engine.call(`logs of ${id}`, () =>
      this.engine.docker.getContainer(id).logs(withSignal(options, { ...logQuery(options), follow: false as const })),
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

  /** Follows logs until the container stops or `signal` aborts (then it resolves). */
  async followLogs(id: string, options: FollowLogsOptions): Promise<void> {
    const call = { ...(options.signal ? { signal: options.signal } : {}) };
    const tty = await this.isTty(id, options.signal);
    const stream = (await this.engine.call(`follow logs of ${id}`, () =>
      this.engine.docker.getContainer(id).logs(withSignal(call, { ...logQuery(options), follow: true as const })),
    )) as unknown as EngineStream;
    const splitter = lineSplitter(options.onLine);
    const decoder = demuxDecoder((s, chunk) => splitter.push(s, chunk));
    try {
      await readStream(stream, (chunk) => (tty ? splitter.push('stdout', chunk) : decoder.write(chunk)), options.signal);
    } catch (err) {
      // Stopping to follow is what the caller asked for.
      if (!options.signal?.aborted) throw err;
    } finally {
      splitter.flush();
    }
  }

  /**
   * Runs a command in a running container and returns its exit code and
   * output. `signal` stops waiting (the process may keep running in the
   * container); give it a deadline, e.g. `AbortSignal.timeout(ms)`.
   */
  async exec(id: string, cmd: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const exec = await this.createExec(id, cmd, options, { stdin: Boolean(options.stdin), tty: Boolean(options.terminal) });
    const call = { ...(options.signal ? { signal: options.signal } : {}) };
    const { terminal } = options;
    const stream = (await this.engine.call(
      `start exec in ${id}`,
      () => exec.start(withSignal(call, { hijack: true, stdin: Boolean(options.stdin), Tty: Boolean(terminal) })),
      (http) => new ExecError(id, cmd, http.engineMessage),
    )) as unknown as EngineStream & NodeJS.WritableStream;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const collect = (s: OutputStream, chunk: Buffer) => {
      (s === 'stderr' ? err : out).push(chunk);
      options.onOutput?.(s, chunk);
    };
    const decoder = demuxDecoder(collect);
    let stopResizing = () => {};
    if (terminal) {
      const resize = (size: TerminalSize) => void exec.resize({ h: size.rows, w: size.columns }).catch(() => undefined);
      resize(terminal);
      stopResizing = terminal.onResize?.(resize) ?? stopResizing;
    }
    // Our input, then the end of it: the engine closes the process's stdin when we half-close.
    const input = options.stdin;
    const forward = (chunk: Buffer | string) => void stream.write(chunk);
    const close = () => void stream.end();
    input?.on('data', forward);
    input?.once('end', close);
    try {
      await readStream(stream, (chunk) => (terminal ? collect('stdout', chunk) : decoder.write(chunk)), options.signal);
    } finally {
      stopResizing();
      input?.removeListener('data', forward);
      input?.removeListener('end', close);
      // What arrives from now on is not ours to read (nor to drop).
      input?.pause();
    }
    // The output stream closes when the process ends; the exit code is
    // recorded a moment later, so ask again (briefly) until the engine has it.
    for (let attempt = 0; ; attempt++) {
      const info = await this.engine.call(`inspect exec in ${id}`, () => exec.inspect(withSignal(call) as object) as Promise<Dockerode.ExecInspectInfo>);
      if (!info.Running && info.ExitCode !== null) {
        return {
          exitCode: info.ExitCode ?? -1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        };
      }
      if (attempt > 50) throw new ExecError(id, cmd, 'the engine did not report an exit code');
      await sleep(10, options.signal);
    }
  }

  private createExec(id: string, cmd: string[], options: ExecOptions, mode: { stdin: boolean; tty: boolean }): Promise<Dockerode.Exec> {
    const call = { ...(options.signal ? { signal: options.signal } : {}) };
    return this.engine.call(
      `exec in ${id}`,
      () =>
        this.engine.docker.getContainer(id).exec(
          withSignal(call, {
            Cmd: cmd,
            AttachStdin: mode.stdin,
            AttachStdout: true,
            AttachStderr: true,
            Tty: mode.tty,
            Env: options.env ? Object.entries(options.env).map(([k, v]) => `${k}=${v}`) : undefined,
            User: options.user,
            WorkingDir: options.workingDir,
            Privileged: options.privileged,
          }),
        ),
      (http) => new ExecError(id, cmd, http.engineMessage),
    );
  }

  /**
   * Puts files and folders into a container (running or not) as one tar
   * archive extracted at `/`. Paths must be absolute; parents are created.
   */
  async putFiles(id: string, entries: ArchiveEntry[], options: CallOptions = {}): Promise<void> {
    const archive = tar.pack();
    for (const e of entries) {
      if (!e.path.startsWith('/')) throw new TypeError(`putFiles: "${e.path}" is not an absolute path`);
      const name = e.path.slice(1);
      const owner = { uid: e.uid ?? 0, gid: e.gid ?? 0 };
      if (e.type === 'directory') archive.entry({ name, type: 'directory', mode: e.mode ?? 0o755, ...owner });
      else archive.entry({ name, mode: e.mode ?? 0o644, ...owner }, e.content);
    }
    archive.finalize();
    await this.putArchive(id, '/', archive as unknown as NodeJS.ReadableStream, options);
  }

  /** Extracts a tar stream into `path` inside the container. */
  async putArchive(id: string, path: string, archive: NodeJS.ReadableStream, options: CallOptions = {}): Promise<void> {
    await this.engine.call(`copy files into ${id}:${path}`, () =>
      this.engine.docker.getContainer(id).putArchive(archive, withSignal(options, { path })),
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
    ...(options.until !== undefined ? { until: options.until } : {}),
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

