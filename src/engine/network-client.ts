/**
 * Networks: create a labelled bridge network, inspect, list by label, remove.
 */
import type Dockerode from 'dockerode';
import { type CallOptions, type Engine, withSignal } from './engine.js';
import { ModelstackError } from '../errors.js';

export interface NetworkSpec {
  name: string;
  /** Default `bridge`. */
  driver?: string;
  labels?: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  enableIpv6?: boolean;
  driverOptions?: Record<string, string>;
  ipam?: {
    driver?: string;
    config?: Array<{ subnet?: string; ipRange?: string; gateway?: string; auxAddresses?: Record<string, string> }>;
    options?: Record<string, string>;
  };
}

/** A network with the given name exists already. */
export class NetworkExistsError extends ModelstackError {
  constructor(readonly network: string, cause?: unknown) {
    super('NETWORK_EXISTS', `network "${network}" already exists`, { cause });
  }
}

/** A network cannot be removed because containers are still attached. */
export class NetworkInUseError extends ModelstackError {
  constructor(readonly network: string, engineMessage: string, cause?: unknown) {
    super('NETWORK_IN_USE', `network "${network}" is still in use (${engineMessage}); stop the containers attached to it first`, { cause });
  }
}

export class NetworkClient {
  constructor(private readonly engine: Engine) {}

  /** Creates the network and returns its id. Fails with {@link NetworkExistsError} if the name is taken. */
  async create(spec: NetworkSpec, options: CallOptions = {}): Promise<string> {
    const body = {
      Name: spec.name,
      CheckDuplicate: true,
      Driver: spec.driver ?? 'bridge',
      Labels: spec.labels ?? {},
      Internal: spec.internal ?? false,
      Attachable: spec.attachable ?? false,
      EnableIPv6: spec.enableIpv6 ?? false,
      Options: spec.driverOptions ?? {},
      ...(spec.ipam
        ? {
            IPAM: {
              Driver: spec.ipam.driver ?? 'default',
              Config: (spec.ipam.config ?? []).map((c) => ({
                ...(c.subnet ? { Subnet: c.subnet } : {}),
                ...(c.ipRange ? { IPRange: c.ipRange } : {}),
                ...(c.gateway ? { Gateway: c.gateway } : {}),
                ...(c.auxAddresses ? { AuxiliaryAddresses: c.auxAddresses } : {}),
              })),
              Options: spec.ipam.options ?? {},
            },
          }
        : {}),
    };
    const network = await this.engine.call(
      `create network ${spec.name}`,
      () => this.engine.docker.createNetwork(withSignal(options, body) as Dockerode.NetworkCreateOptions),
      (http) => (http.statusCode === 409 ? new NetworkExistsError(spec.name) : undefined),
    );
    return network.id;
  }

  /** Inspects a network by name or id; undefined when it does not exist. */
  async inspect(nameOrId: string, options: CallOptions = {}): Promise<Dockerode.NetworkInspectInfo | undefined> {
    return this.engine.find(`inspect network ${nameOrId}`, () => this.engine.get<Dockerode.NetworkInspectInfo>(`/networks/${encodeURIComponent(nameOrId)}`, options));
  }

  /** Lists networks carrying all of the given labels (`key` or `key=value`). */
  async list(labels: string[] = [], options: CallOptions = {}): Promise<Dockerode.NetworkInspectInfo[]> {
    return this.engine.call('list networks', () =>
      this.engine.docker.listNetworks(withSignal(options, { filters: JSON.stringify({ label: labels }) }) as Dockerode.NetworkListOptions),
    );
  }

  /** Connects a container (before or after start). */
  async connect(network: string, container: string, endpoint: Dockerode.EndpointSettings = {}, options: CallOptions = {}): Promise<void> {
    await this.engine.call(`connect ${container} to network ${network}`, () =>
      this.engine.docker.getNetwork(network).connect(withSignal(options, { Container: container, EndpointConfig: endpoint })),
    );
  }

  /** Removes a network; a missing one is not an error (removal is idempotent). */
  async remove(nameOrId: string, options: CallOptions = {}): Promise<void> {
    await this.engine.removal(
      `remove network ${nameOrId}`,
      () => this.engine.docker.getNetwork(nameOrId).remove(withSignal(options) as object),
      { map: (http) => (http.statusCode === 403 || /active endpoints/.test(http.engineMessage) ? new NetworkInUseError(nameOrId, http.engineMessage) : undefined) },
    );
  }
}
