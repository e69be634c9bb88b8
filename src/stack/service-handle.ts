/**
 * A handle on one service of a {@link Stack}: the per-service commands
 * (`port`, `url`, `exec`, `readFile`, `logs`, `start`/`stop`/`restart`)
 * bound to its name, the way a test reads best:
 *
 * ```ts
 * const api = stack.service('api');
 * await fetch(await api.url(8080));
 * ```
 *
 * A handle holds nothing but the Stack and the name: every call asks the
 * backend afresh, so a handle taken before `up` works after it.
 */
import type { ExecResult, PortOptions, ReadFileOptions, ServiceLogLine, StackExecOptions, StackLogsOptions, LifecycleOptions } from './backend.js';

/** What a {@link ServiceHandle} calls: the Stack's per-service commands. */
export interface ServiceCommands {
  port(service: string, containerPort: number, options?: PortOptions): Promise<{ hostIp: string; hostPort: number }>;
  exec(service: string, command: string[], options?: StackExecOptions): Promise<ExecResult>;
  readFile(service: string, path: string, options?: ReadFileOptions): Promise<string>;
  logs(options: StackLogsOptions): Promise<void>;
  start(services?: string[], options?: LifecycleOptions): Promise<void>;
  stop(services?: string[], options?: LifecycleOptions): Promise<void>;
  restart(services?: string[], options?: LifecycleOptions): Promise<void>;
}

/** {@link ServiceHandle.logs} options: those of `Stack.logs` without `services`; `onLine` optional (lines are returned too). */
export type ServiceLogsOptions = Omit<StackLogsOptions, 'services' | 'onLine' | 'onContainers'> & { onLine?: (line: ServiceLogLine) => void };

/**
 * One service of a {@link Stack}, by name: what `stack.service(name)`
 * returns. Every method is the Stack's command of the same name for this
 * service; see the module comment above for an example.
 */
export class ServiceHandle {
  /** @internal Made by `Stack.service`, which checks the name. */
  constructor(
    private readonly stack: ServiceCommands,
    /** The service's name in the project. */
    readonly name: string,
  ) {}

  /** The host address and port the engine bound for `containerPort` (of container `index`, default 1). */
  port(containerPort: number, options: PortOptions = {}): Promise<{ hostIp: string; hostPort: number }> {
    return this.stack.port(this.name, containerPort, options);
  }

  /**
   * `scheme://host:port` for `containerPort`, as a client on this host
   * reaches it (an address bound on all interfaces is reached at 127.0.0.1;
   * an IPv6 address is bracketed).
   */
  async url(containerPort: number, options: PortOptions & { scheme?: string } = {}): Promise<string> {
    const { scheme = 'http', ...portOptions } = options;
    const { hostIp, hostPort } = await this.port(containerPort, portOptions);
    return `${scheme}://${reachableHost(hostIp)}:${hostPort}`;
  }

  /** Runs `command` in the service's running container and returns exit code and output. */
  exec(command: string[], options: StackExecOptions = {}): Promise<ExecResult> {
    return this.stack.exec(this.name, command, options);
  }

  /** The text of a file the service's container sees. */
  readFile(path: string, options: ReadFileOptions = {}): Promise<string> {
    return this.stack.readFile(this.name, path, options);
  }

  /**
   * The service's log lines (every container of it), returned once the log
   * ends; with `follow`, when the containers stop or `signal` aborts. Each
   * line also goes to `onLine` as it comes.
   */
  async logs(options: ServiceLogsOptions = {}): Promise<ServiceLogLine[]> {
    const { onLine, ...rest } = options;
    const lines: ServiceLogLine[] = [];
    await this.stack.logs({
      ...rest,
      services: [this.name],
      onLine: (line) => {
        lines.push(line);
        onLine?.(line);
      },
    });
    return lines;
  }

  /** Starts the service's stopped containers (its dependencies first). */
  start(options: LifecycleOptions = {}): Promise<void> {
    return this.stack.start([this.name], options);
  }

  /** Stops the service's containers (its dependents first). */
  stop(options: LifecycleOptions = {}): Promise<void> {
    return this.stack.stop([this.name], options);
  }

  /** Restarts the service's containers. */
  restart(options: LifecycleOptions = {}): Promise<void> {
    return this.stack.restart([this.name], options);
  }
}

/** The address a local client dials for a binding on `hostIp`. Pure: exported for table tests. */
export function reachableHost(hostIp: string): string {
  if (hostIp === '' || hostIp === '0.0.0.0') return '127.0.0.1';
  if (hostIp === '::') return '[::1]';
  return hostIp.includes(':') ? `[${hostIp}]` : hostIp;
}
