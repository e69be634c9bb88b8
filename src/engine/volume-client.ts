/**
 * Named volumes: create with labels, inspect, list by label, remove.
 */
import type Dockerode from 'dockerode';
import { type CallOptions, type Engine, withSignal } from './engine.js';

export interface VolumeSpec {
  name: string;
  driver?: string;
  driverOptions?: Record<string, string>;
  labels?: Record<string, string>;
}

export class VolumeClient {
  constructor(private readonly engine: Engine) {}

  /** Creates the volume (the engine returns the existing one if the name is taken). */
  async create(spec: VolumeSpec, options: CallOptions = {}): Promise<string> {
    const volume = await this.engine.call(`create volume ${spec.name}`, () =>
      this.engine.docker.createVolume(
        withSignal(options, {
          Name: spec.name,
          Driver: spec.driver ?? 'local',
          DriverOpts: spec.driverOptions ?? {},
          Labels: spec.labels ?? {},
        }),
      ),
    );
    return (volume as unknown as { name?: string; Name?: string }).Name ?? spec.name;
  }

  /** Inspects a volume; undefined when it does not exist. */
  async inspect(name: string, options: CallOptions = {}): Promise<Dockerode.VolumeInspectInfo | undefined> {
    return this.engine.find(`inspect volume ${name}`, () => this.engine.docker.getVolume(name).inspect(withSignal(options) as object));
  }

  /** Lists volumes carrying all of the given labels (`key` or `key=value`). */
  async list(labels: string[] = [], options: CallOptions = {}): Promise<Dockerode.VolumeInspectInfo[]> {
    const answer = await this.engine.call('list volumes', () =>
      this.engine.docker.listVolumes(withSignal(options, { filters: JSON.stringify({ label: labels }) }) as Dockerode.VolumeListOptions),
    );
    return answer.Volumes ?? [];
  }

  /** Removes a volume; a missing one is not an error. */
  async remove(name: string, options: CallOptions = {}): Promise<void> {
    await this.engine.removal(`remove volume ${name}`, () => this.engine.docker.getVolume(name).remove(withSignal(options) as Dockerode.VolumeRemoveOptions));
  }
}
