/**
 * `defineModelStack(options)`: a Stack of model containers whose project is
 * built by `modelStackProject`, plus `endpoints()` — how to reach each model
 * (Jupyter URL with its token, SSH command and host key, TF Serving URLs,
 * the internal URL other services use, the gateway route).
 *
 * Tokens and host keys are read back from the running containers, not from
 * memory: a stack brought up by another process (or kept by a no-op up)
 * reports the values its containers really use.
 */
import { ModelstackError } from '../errors.js';
import { type ContainerStatus, Stack, type StackOptions } from '../stack/stack.js';
import type { StackPlan } from '../stack/backend.js';
import type { UpPlan } from '../plan/reconcile.js';
import type { Project } from '../compose/model.js';
import type { ModelStackOptions } from './options.js';
import { modelInfo } from '../compose/extensions.js';
import { CONTAINER_PATHS, CONTAINER_PORTS } from './container.js';
import { modelStackProject } from './project.js';
import { SSH_PATHS } from './ssh.js';

/** How to reach one model. */
export interface ModelEndpoints {
  name: string;
  flavour: 'jupyter' | 'serving';
  /** Jupyter (jupyter flavour): the URL includes the token. */
  jupyter?: { url: string; token: string; host: string; port: number };
  /** SSH (when keys were given): `command` to run, and the host key line for known_hosts. */
  ssh?: { host: string; port: number; user: 'root'; command: string; knownHosts: string };
  /** TF Serving (serving flavour): REST status URL and gRPC address. */
  serving?: { rest: string; grpc: string };
  /** What other containers on the project network use. */
  internal: { url: string };
  /** Through the gateway (needs `Authorization: Bearer <gateway token>`). */
  gateway?: { url: string };
}

export interface StackEndpoints {
  project: string;
  models: ModelEndpoints[];
  gateway?: { url: string; token: string };
}

/**
 * A stack of model containers: on one engine by default, or as services of a
 * swarm (`backend: new SwarmBackend()`), where each model's ports are
 * published in host mode on the node that runs it and `endpoints()` reports
 * that node's address.
 */
export class ModelStack<P extends StackPlan = UpPlan> extends Stack<P> {
  /** The options as given (validated into {@link Stack.project}). */
  readonly modelOptions: ModelStackOptions;

  constructor(options: ModelStackOptions, stackOptions: StackOptions<P> = {}) {
    super(modelStackProject(options), stackOptions);
    this.modelOptions = options;
  }

  /** Endpoints of every model, read from the running stack (one list and a few small reads per model); `signal` gives up on the engine. */
  async endpoints(options: { signal?: AbortSignal } = {}): Promise<StackEndpoints> {
    const call = options.signal ? { signal: options.signal } : {};
    const running = new Map((await this.ps(call)).filter((c) => c.number === 1).map((c) => [c.service, c]));
    const container = (service: string): ContainerStatus => {
      const c = running.get(service);
      if (!c) throw new ModelstackError('NO_CONTAINER', `model "${service}" is not running in project "${this.project.name}"; bring the stack up first`);
      return c;
    };
    const published = (service: string, port: number): { host: string; port: number } => {
      const p = container(service).publishers.find((x) => x.targetPort === port && x.protocol === 'tcp');
      if (!p) throw new ModelstackError('PORT_NOT_PUBLISHED', `model "${service}" does not publish port ${port}`);
      // A wildcard bind is reached through loopback from this machine.
      const host = p.url === '0.0.0.0' || p.url === '' ? '127.0.0.1' : p.url === '::' ? '::1' : p.url;
      return { host, port: p.publishedPort };
    };
    const read = async (service: string, file: string): Promise<string> => {
      container(service);
      return (await this.readFile(service, file, call)).trim();
    };

    const models: ModelEndpoints[] = [];
    let gateway: StackEndpoints['gateway'];
    for (const [name, service] of Object.entries(this.project.services)) {
      const info = modelInfo(service);
      if (!info) continue;
      if (info.flavour === 'gateway') {
        const { host, port } = published(name, CONTAINER_PORTS.gateway);
        gateway = { url: `http://${host}:${port}/`, token: await read(name, CONTAINER_PATHS.gatewayToken) };
      } else if (info.flavour === 'serving') {
        const rest = published(name, CONTAINER_PORTS.rest);
        const grpc = published(name, CONTAINER_PORTS.grpc);
        models.push({
          name,
          flavour: 'serving',
          serving: { rest: `http://${rest.host}:${rest.port}/v1/models/${name}`, grpc: `${grpc.host}:${grpc.port}` },
          internal: { url: `http://${name}:${CONTAINER_PORTS.rest}` },
        });
      } else {
        const jupyter = published(name, CONTAINER_PORTS.jupyter);
        const token = await read(name, CONTAINER_PATHS.jupyterToken);
        const model: ModelEndpoints = {
          name,
          flavour: 'jupyter',
          jupyter: { url: `http://${jupyter.host}:${jupyter.port}/?token=${token}`, token, host: jupyter.host, port: jupyter.port },
          internal: { url: `http://${name}:${CONTAINER_PORTS.jupyter}` },
        };
        if (info.ssh) {
          const ssh = published(name, CONTAINER_PORTS.ssh);
          model.ssh = {
            host: ssh.host,
            port: ssh.port,
            user: 'root',
            command: `ssh -p ${ssh.port} root@${ssh.host}`,
            knownHosts: `[${ssh.host}]:${ssh.port} ${await read(name, SSH_PATHS.hostPublicKey)}`,
          };
        }
        models.push(model);
      }
    }
    if (gateway) for (const m of models) m.gateway = { url: `${gateway.url}${m.name}/` };
    return { project: this.project.name, models, ...(gateway ? { gateway } : {}) };
  }
}

/** Defines a stack of model containers (see {@link ModelStackOptions}); `up()` brings it up. */
export function defineModelStack<P extends StackPlan = UpPlan>(options: ModelStackOptions, stackOptions: StackOptions<P> = {}): ModelStack<P> {
  return new ModelStack(options, stackOptions);
}

export type { Project };
