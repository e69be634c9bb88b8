/**
 * A stack: one Compose project on one engine. `up` brings every service up
 * in parallel (bounded) and waits until each is ready; `down` removes what
 * carries the project's label — containers, then networks (and volumes when
 * asked) — so it works even after a failed or interrupted `up`, and without
 * the compose file.
 */
import pLimit from 'p-limit';
import { type Logger, pino } from 'pino';
import type { Engine } from '../engine/engine.js';
import { Engine as EngineClass } from '../engine/engine.js';
import type { ImagePullPolicy } from '../engine/image-client.js';
import { waitUntilReady } from '../engine/readiness.js';
import { containerName } from '../engine/container-client.js';
import { ModelstackError, isModelstackError, messageOf } from '../errors.js';
import { COMPOSE_VERSION_LABEL_VALUE, LABEL, projectFilter } from '../plan/labels.js';
import { containerSpecFor, imageFor } from '../plan/service-container.js';
import type { Project } from '../spec/model.js';
import type { StackEvent, StackEventListener, WithoutTime } from './events.js';

export interface StackOptions {
  /** Engine to use (default: connect from `DOCKER_HOST` or the default socket). */
  engine?: Engine;
  /** pino logger (default: warnings and errors to stderr). */
  logger?: Logger;
  /** Receives every progress event. */
  onEvent?: StackEventListener;
  /** Engine operations in flight at once (default 16). */
  parallelism?: number;
  /** Host address for ports without `host_ip` (default `127.0.0.1`). */
  defaultHostIp?: string;
}

export interface UpOptions {
  /** Pull policy for images (default `missing`). */
  pull?: ImagePullPolicy;
  /** Wait until every container is ready (healthy if it has a healthcheck, else running). Default true. */
  wait?: boolean;
  /** Deadline for the whole wait (default 120 000 ms). */
  waitTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface DownOptions {
  /** Also remove named volumes declared by the project (`down -v`). */
  volumes?: boolean;
  /** Seconds each container gets to stop before SIGKILL (default: its own stop grace period). */
  timeoutSeconds?: number;
}

/** A container of the stack, as the engine reports it. */
export interface StackContainer {
  id: string;
  name: string;
  service: string;
  number: number;
}

export class Stack {
  readonly project: Project;
  readonly logger: Logger;
  private engine: Engine | undefined;
  private readonly listeners = new Set<StackEventListener>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly options: StackOptions;

  constructor(project: Project, options: StackOptions = {}) {
    this.project = project;
    this.options = options;
    this.engine = options.engine;
    this.logger = (options.logger ?? pino({ level: 'warn' }, pino.destination(2))).child({ project: project.name });
    this.limit = pLimit(options.parallelism ?? 16);
    if (options.onEvent) this.listeners.add(options.onEvent);
  }

  /** Subscribes to progress events; returns the unsubscribe function. */
  on(listener: StackEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The engine, connected on first use. */
  async connect(): Promise<Engine> {
    this.engine ??= await EngineClass.connect({ logger: this.logger });
    return this.engine;
  }

  /**
   * Creates the project's networks and volumes, pulls missing images, creates
   * and starts every container in parallel, and (by default) waits until all
   * are ready. On failure the error names the service and cause; what was
   * created carries the project label, so `down()` removes it.
   */
  async up(options: UpOptions = {}): Promise<StackContainer[]> {
    const engine = await this.connect();
    const signal = options.signal;
    await this.ensureNetworks(engine);
    await this.ensureVolumes(engine);
    await this.pullImages(engine, options.pull ?? 'missing', signal);

    const work = Object.entries(this.project.services).flatMap(([service, s]) =>
      Array.from({ length: s.scale ?? 1 }, (_, i) => ({ service, number: i + 1 })),
    );
    const containers = await settleAll(
      work.map(({ service, number }) => this.limit(() => this.createAndStart(engine, service, number, signal))),
    );
    if (options.wait !== false) {
      const timeoutMs = options.waitTimeoutMs ?? 120_000;
      await settleAll(containers.map((c) => this.waitReady(engine, c, timeoutMs, signal)));
    }
    return containers;
  }

  /** Removes the project's containers, then its networks (and volumes with `volumes: true`). */
  async down(options: DownOptions = {}): Promise<void> {
    const engine = await this.connect();
    const found = await engine.containers.list([projectFilter(this.project.name)]);
    await settleAll(
      found.map((c) =>
        this.limit(async () => {
          const name = containerName(c);
          const service = c.Labels[LABEL.service] ?? '?';
          if (c.State === 'running' || c.State === 'restarting' || c.State === 'paused') {
            this.emit({ type: 'container.stopping', service, container: name });
            await engine.containers.stop(c.Id, options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds });
            this.emit({ type: 'container.stopped', service, container: name });
          }
          this.emit({ type: 'container.removing', service, container: name });
          await engine.containers.remove(c.Id, { force: true });
          this.emit({ type: 'container.removed', service, container: name });
        }),
      ),
    );
    for (const n of await engine.networks.list([projectFilter(this.project.name)])) {
      await engine.networks.remove(n.Id);
      this.emit({ type: 'network.removed', name: n.Name });
    }
    if (options.volumes) {
      for (const v of await engine.volumes.list([projectFilter(this.project.name)])) {
        await engine.volumes.remove(v.Name);
        this.emit({ type: 'volume.removed', name: v.Name });
      }
    }
  }

  /**
   * The host port the daemon bound for `containerPort` of a service's
   * container (read back from the engine, so daemon-assigned ports work).
   */
  async port(service: string, containerPort: number, options: { index?: number; protocol?: 'tcp' | 'udp' | 'sctp' } = {}): Promise<{ hostIp: string; hostPort: number }> {
    const engine = await this.connect();
    const [c] = await engine.containers.list([
      projectFilter(this.project.name),
      `${LABEL.service}=${service}`,
      `${LABEL.containerNumber}=${options.index ?? 1}`,
    ]);
    const info = c ? await engine.containers.inspect(c.Id) : undefined;
    const binding = info?.NetworkSettings.Ports?.[`${containerPort}/${options.protocol ?? 'tcp'}`]?.[0];
    if (!binding) {
      throw new StackError('PORT_NOT_PUBLISHED', `service "${service}" has no running container publishing port ${containerPort}/${options.protocol ?? 'tcp'}`);
    }
    return { hostIp: binding.HostIp, hostPort: Number(binding.HostPort) };
  }

  private async ensureNetworks(engine: Engine): Promise<void> {
    const used = new Set(Object.values(this.project.services).flatMap((s) => Object.keys(s.networks ?? {})));
    for (const [key, network] of Object.entries(this.project.networks)) {
      if (!used.has(key)) continue;
      if (network.external) {
        if (!(await engine.networks.inspect(network.name))) {
          throw new StackError('EXTERNAL_NETWORK_MISSING', `network "${network.name}" is declared external but does not exist; create it first (docker network create ${network.name})`);
        }
        continue;
      }
      if (await engine.networks.inspect(network.name)) continue;
      await engine.networks.create({
        name: network.name,
        ...(network.driver ? { driver: network.driver } : {}),
        labels: { ...network.labels, [LABEL.project]: this.project.name, [LABEL.network]: key, [LABEL.version]: COMPOSE_VERSION_LABEL_VALUE },
        ...(network.internal ? { internal: true } : {}),
        ...(network.attachable ? { attachable: true } : {}),
        ...(network.enable_ipv6 ? { enableIpv6: true } : {}),
        ...(network.driver_opts ? { driverOptions: network.driver_opts } : {}),
        ...(network.ipam
          ? {
              ipam: {
                ...(network.ipam.driver ? { driver: network.ipam.driver } : {}),
                config: (network.ipam.config ?? []).map((c) => ({
                  ...(c.subnet ? { subnet: c.subnet } : {}),
                  ...(c.ip_range ? { ipRange: c.ip_range } : {}),
                  ...(c.gateway ? { gateway: c.gateway } : {}),
                  ...(c.aux_addresses ? { auxAddresses: c.aux_addresses } : {}),
                })),
              },
            }
          : {}),
      });
      this.emit({ type: 'network.created', name: network.name });
    }
  }

  private async ensureVolumes(engine: Engine): Promise<void> {
    for (const [key, volume] of Object.entries(this.project.volumes)) {
      if (volume.external) {
        if (!(await engine.volumes.inspect(volume.name))) {
          throw new StackError('EXTERNAL_VOLUME_MISSING', `volume "${volume.name}" is declared external but does not exist; create it first (docker volume create ${volume.name})`);
        }
        continue;
      }
      if (await engine.volumes.inspect(volume.name)) continue;
      await engine.volumes.create({
        name: volume.name,
        ...(volume.driver ? { driver: volume.driver } : {}),
        ...(volume.driver_opts ? { driverOptions: volume.driver_opts } : {}),
        labels: { ...volume.labels, [LABEL.project]: this.project.name, [LABEL.volume]: key, [LABEL.version]: COMPOSE_VERSION_LABEL_VALUE },
      });
      this.emit({ type: 'volume.created', name: volume.name });
    }
  }

  private async pullImages(engine: Engine, policy: ImagePullPolicy, signal: AbortSignal | undefined): Promise<void> {
    const byImage = new Map<string, string[]>();
    for (const name of Object.keys(this.project.services)) {
      const image = imageFor(this.project, name);
      byImage.set(image, [...(byImage.get(image) ?? []), name]);
    }
    await settleAll(
      [...byImage].map(([image, services]) =>
        this.limit(async () => {
          try {
            let pulled = false;
            await engine.images.ensure(image, {
              policy,
              ...(signal ? { signal } : {}),
              onProgress: (progress) => {
                pulled = true;
                this.emit({ type: 'image.pulling', image, services, progress });
              },
            });
            if (pulled) this.emit({ type: 'image.pulled', image, services });
          } catch (err) {
            this.emit({ type: 'image.failed', image, error: messageOf(err), ...codeOf(err) });
            throw err;
          }
        }),
      ),
    );
  }

  private async createAndStart(engine: Engine, service: string, number: number, signal: AbortSignal | undefined): Promise<StackContainer> {
    signal?.throwIfAborted();
    const spec = containerSpecFor(this.project, service, number, {
      ...(this.options.defaultHostIp ? { defaultHostIp: this.options.defaultHostIp } : {}),
    });
    const name = spec.name!;
    try {
      const existing = await engine.containers.inspect(name);
      let id: string;
      if (existing && existing.Config.Labels?.[LABEL.project] === this.project.name) {
        id = existing.Id;
        this.emit({ type: 'container.kept', service, container: name, reason: 'exists' });
        if (existing.State.Running) return { id, name, service, number };
      } else {
        this.emit({ type: 'container.creating', service, container: name });
        id = await engine.containers.create(spec);
        this.emit({ type: 'container.created', service, container: name });
      }
      signal?.throwIfAborted();
      this.emit({ type: 'container.starting', service, container: name });
      await engine.containers.start(id);
      this.emit({ type: 'container.started', service, container: name });
      return { id, name, service, number };
    } catch (err) {
      this.emit({ type: 'container.failed', service, container: name, error: messageOf(err), ...codeOf(err) });
      throw err;
    }
  }

  private async waitReady(engine: Engine, c: StackContainer, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    this.emit({ type: 'container.waiting', service: c.service, container: c.name });
    try {
      const state = await waitUntilReady(engine, c.id, { condition: 'ready', timeoutMs, service: c.service, ...(signal ? { signal } : {}) });
      this.emit({
        type: state.readyBy === 'state' ? 'container.ready' : 'container.healthy',
        service: c.service,
        container: c.name,
        readyBy: state.readyBy,
        elapsedMs: state.elapsedMs,
      });
    } catch (err) {
      this.emit({ type: 'container.failed', service: c.service, container: c.name, error: messageOf(err), ...codeOf(err) });
      throw err;
    }
  }

  private emit(event: WithoutTime<StackEvent>): void {
    const full = { ...event, time: Date.now() } as StackEvent;
    this.logger.debug({ event: full }, full.type);
    for (const l of this.listeners) {
      try {
        l(full);
      } catch {
        // A listener's failure must not break the rollout.
      }
    }
  }
}

/** A stack-level failure (external resource missing, port not published, ...). */
export class StackError extends ModelstackError {}

/**
 * Waits for every promise (so nothing is still in flight when we return) and
 * throws the first failure; the others are attached as `otherErrors`.
 */
async function settleAll<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failures.length) {
    const [first, ...rest] = failures;
    if (rest.length && first instanceof Error) Object.assign(first, { otherErrors: rest });
    throw first;
  }
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

function codeOf(err: unknown): { code?: string } {
  return isModelstackError(err) ? { code: err.code } : {};
}
