/**
 * Named volumes: create with labels, inspect, list by label, remove.
 */
import type Dockerode from 'dockerode';
import type { Engine } from './engine.js';

export interface VolumeSpec {
  name: string;
  driver?: string;
  driverOptions?: Record<string, string>;
  labels?: Record<string, string>;
}

export class VolumeClient {
  constructor(private readonly engine: Engine) {}

  /** Creates the volume (the engine returns the existing one if the name is taken). */
  async create(spec: VolumeSpec): Promise<string> {
    const volume = await this.engine.call(`create volume ${spec.name}`, () =>
      this.engine.docker.createVolume({
        Name: spec.name,
        Driver: spec.driver ?? 'local',
        DriverOpts: spec.driverOptions ?? {},
        Labels: spec.labels ?? {},
      }),
    );
    return (volume as unknown as { name?: string; Name?: string }).Name ?? spec.name;
  }

  /** Inspects a volume; undefined when it does not exist. */
  async inspect(name: string): Promise<Dockerode.VolumeInspectInfo | undefined> {
    try {
      return await this.engine.call(`inspect volume ${name}`, () => this.engine.docker.getVolume(name).inspect());
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Lists volumes carrying all of the given labels (`key` or `key=value`). */
  async list(labels: string[] = []): Promise<Dockerode.VolumeInspectInfo[]> {
    const answer = await this.engine.call('list volumes', () =>
      this.engine.docker.listVolumes({ filters: JSON.stringify({ label: labels }) } as object),
    );
    return answer.Volumes ?? [];
  }

  /** Removes a volume; a missing one is not an error. */
  async remove(name: string): Promise<void> {
    try {
      await this.engine.call(`remove volume ${name}`, () => this.engine.docker.getVolume(name).remove());
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      throw err;
    }
  }
}
