/**
 * Swarm objects through a manager's Engine API: services, tasks, nodes,
 * secrets and configs. One method, one engine call; every call takes a
 * signal. Shapes are the API's own, typed here for what modelstack reads.
 */
import type { CallOptions, Engine } from './engine.js';
import { ModelstackError } from '../errors.js';
import { demuxDecoder, type OutputStream } from './streams.js';

/** What `GET /info` says of the swarm this engine belongs to. */
export interface SwarmInfo {
  /** `active` on a swarm node. */
  state: string;
  /** This engine is a manager (it can deploy). */
  manager: boolean;
  nodeId: string;
  nodeAddress: string;
}

export interface SwarmService {
  ID: string;
  Version: { Index: number };
  Spec: {
    Name: string;
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number }; Global?: object };
    TaskTemplate?: { ContainerSpec?: { Secrets?: SwarmFileRef[]; Configs?: SwarmFileRef[] } };
  };
  UpdateStatus?: { State?: string; Message?: string };
}

/** A secret or config as a service's tasks see it: a file name (relative to /run/secrets or /) and the object. */
export interface SwarmFileRef {
  File?: { Name: string };
  SecretID?: string;
  SecretName?: string;
  ConfigID?: string;
  ConfigName?: string;
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  CreatedAt: string;
  UpdatedAt: string;
  Status: {
    State: string;
    Message?: string;
    Err?: string;
    Timestamp?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
    /** Ports published in host mode, on the task's node. */
    PortStatus?: { Ports?: Array<{ Protocol?: string; TargetPort: number; PublishedPort: number; PublishMode?: string }> };
  };
  Spec?: { ContainerSpec?: { Image?: string; Labels?: Record<string, string>; Mounts?: Array<{ Type?: string; Source?: string; Target: string }> } };
  /** The networks the task is attached to. */
  NetworksAttachments?: Array<{ Network?: { Spec?: { Name?: string } } }>;
}

export interface SwarmNode {
  ID: string;
  Description?: { Hostname?: string };
  Status: { State: string; Addr?: string; Message?: string };
  Spec?: { Role?: string; Availability?: string };
}

export interface SwarmObject {
  ID: string;
  Spec: { Name: string; Labels?: Record<string, string> };
}

/** The engine is not a manager of an active swarm. */
export class NotASwarmManagerError extends ModelstackError {
  /** `state`: the engine's swarm state, when known (`inactive`, `pending`, `active` on a worker…). */
  constructor(readonly address: string, state?: string) {
    super(
      'NOT_A_SWARM_MANAGER',
      `the engine at ${address} is not a swarm manager${state === undefined ? '' : ` (swarm state: ${state || 'inactive'})`}; point DOCKER_HOST or --context (or the Stack's engine) at a manager node, or run docker swarm init`,
    );
  }
}

export class SwarmClient {
  constructor(private readonly engine: Engine) {}

  /** An engine call of the swarm API: a node that is no manager answers 503, said as {@link NotASwarmManagerError}. */
  #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return this.engine.call(operation, fn, (err) => (err.statusCode === 503 && /not a swarm manager/i.test(err.engineMessage) ? new NotASwarmManagerError(this.engine.address) : undefined));
  }

  /** The engine's swarm membership. */
  async info(options: CallOptions = {}): Promise<SwarmInfo> {
    const info = await this.engine.call('read engine info', () =>
      this.engine.get<{ Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string; NodeAddr?: string } }>('/info', options),
    );
    const swarm = info.Swarm ?? {};
    return { state: swarm.LocalNodeState ?? '', manager: swarm.ControlAvailable === true, nodeId: swarm.NodeID ?? '', nodeAddress: swarm.NodeAddr ?? '' };
  }

  /** Fails with {@link NotASwarmManagerError} unless the engine can deploy services. */
  async requireManager(options: CallOptions = {}): Promise<SwarmInfo> {
    const info = await this.info(options);
    if (info.state !== 'active' || !info.manager) throw new NotASwarmManagerError(this.engine.address, info.state);
    return info;
  }

  listServices(labels: string[], options: CallOptions = {}): Promise<SwarmService[]> {
    return this.#call('list services', () => this.engine.request<SwarmService[]>('GET', '/services', { ...options, query: { filters: JSON.stringify({ label: labels }) } }));
  }

  inspectService(id: string, options: CallOptions = {}): Promise<SwarmService | undefined> {
    return this.engine.find(`inspect service ${id}`, () => this.engine.request<SwarmService>('GET', `/services/${encodeURIComponent(id)}`, options));
  }

  /** Creates a service; returns its id. */
  async createService(spec: object, options: CallOptions = {}): Promise<string> {
    const created = await this.#call(`create service ${(spec as { Name?: string }).Name ?? ''}`, () => this.engine.request<{ ID: string }>('POST', '/services/create', { ...options, body: spec }));
    return created.ID;
  }

  /** Replaces a service's spec (`version`: the one it was read at, as Swarm requires); returns the engine's warnings. */
  async updateService(id: string, version: number, spec: object, options: CallOptions = {}): Promise<string[]> {
    const answer = await this.#call(`update service ${id}`, () =>
      this.engine.request<{ Warnings?: string[] | null }>('POST', `/services/${encodeURIComponent(id)}/update`, { ...options, query: { version }, body: spec }),
    );
    return answer?.Warnings ?? [];
  }

  async removeService(id: string, options: CallOptions = {}): Promise<void> {
    await this.engine.removal(`remove service ${id}`, () => this.engine.request('DELETE', `/services/${encodeURIComponent(id)}`, options));
  }

  listTasks(filters: Record<string, string[]>, options: CallOptions = {}): Promise<SwarmTask[]> {
    return this.#call('list tasks', () => this.engine.request<SwarmTask[]>('GET', '/tasks', { ...options, query: { filters: JSON.stringify(filters) } }));
  }

  listNodes(options: CallOptions = {}): Promise<SwarmNode[]> {
    return this.#call('list nodes', () => this.engine.request<SwarmNode[]>('GET', '/nodes', options));
  }

  listObjects(kind: 'secrets' | 'configs', labels: string[], options: CallOptions = {}): Promise<SwarmObject[]> {
    return this.#call(`list ${kind}`, () => this.engine.request<SwarmObject[]>('GET', `/${kind}`, { ...options, query: { filters: JSON.stringify({ label: labels }) } }));
  }

  /** A config's content (`Spec.Data`); secrets have none to give (the API never returns their data). */
  async configData(id: string, options: CallOptions = {}): Promise<Buffer> {
    const config = await this.#call(`inspect config ${id}`, () => this.engine.request<{ Spec: { Data?: string } }>('GET', `/configs/${encodeURIComponent(id)}`, options));
    return Buffer.from(config.Spec.Data ?? '', 'base64');
  }

  /** Creates a secret or config; returns its id. */
  async createObject(kind: 'secrets' | 'configs', name: string, labels: Record<string, string>, content: Buffer, options: CallOptions = {}): Promise<string> {
    const created = await this.#call(`create ${kind.slice(0, -1)} ${name}`, () =>
      this.engine.request<{ ID: string }>('POST', `/${kind}/create`, { ...options, body: { Name: name, Labels: labels, Data: content.toString('base64') } }),
    );
    return created.ID;
  }

  async removeObject(kind: 'secrets' | 'configs', id: string, options: CallOptions = {}): Promise<void> {
    await this.engine.removal(`remove ${kind.slice(0, -1)} ${id}`, () => this.engine.request('DELETE', `/${kind}/${encodeURIComponent(id)}`, options));
  }

  /** The last `tail` log lines of a service (or of one of its tasks, by `task`), demultiplexed. Never throws. */
  async logTail(service: string, tail: number, options: CallOptions & { task?: string; since?: number } = {}): Promise<string[]> {
    try {
      const path = options.task ? `/tasks/${encodeURIComponent(options.task)}/logs` : `/services/${encodeURIComponent(service)}/logs`;
      const raw = await this.engine.request<Buffer | string>('GET', path, { ...options, query: { stdout: true, stderr: true, tail, ...(options.since !== undefined ? { since: options.since } : {}) } });
      const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), 'utf8');
      const lines: string[] = [];
      let text = '';
      demuxDecoder((_stream: OutputStream, chunk) => (text += chunk.toString('utf8'))).write(buffer);
      for (const l of text.split('\n')) if (l.trim()) lines.push(l.replace(/\r$/, ''));
      return lines.slice(-tail);
    } catch {
      return []; // for error messages only: a missing log is no reason to fail
    }
  }
}
