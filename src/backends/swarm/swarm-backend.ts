/**
 * The Swarm backend: the same project as services of a Docker Swarm, through
 * a manager's Engine API — no scheduler of our own. `up` is `docker stack
 * deploy` done as modelstack does `up`: observe the stack (by `docker
 * stack`'s namespace label), plan (pure, `plan/swarm-plan.ts`), execute the
 * operations with the shared executor, then wait until every task runs (and
 * is healthy, where a healthcheck exists) on its node. A task that is
 * rejected, fails or cannot be placed fails the wait at once, naming the
 * service, node, task state, error and last log lines.
 *
 * Swarm has no events for tasks: the waits read the task list every 250 ms,
 * the one place modelstack polls.
 *
 * Long on purpose: the `StackBackend` contract's commands for Swarm, each
 * short; the pure parts (plan, service mapping) and the executor are elsewhere.
 */
import { setMaxListeners } from 'node:events';
import { FileReader } from '../container/files.js';
import type { ExecResult } from '../../engine/container-client.js';
import type { Engine } from '../../engine/engine.js';
import type { SwarmFileRef, SwarmNode, SwarmService, SwarmTask } from '../../engine/swarm-client.js';
import { ModelstackError, abortReason, messageOf, sleep } from '../../errors.js';
import { execute } from '../../executor/execute.js';
import { STACK_LABEL, type SwarmServiceSpec, stackScoped } from '../../plan/swarm-service.js';
import { type ObservedSwarm, type SwarmOperation, type SwarmPlan, planSwarm, swarmObjectName } from '../../plan/swarm-plan.js';
import type {
  ContainerStatus,
  DownOptions,
  DownResult,
  LifecycleOptions,
  PortOptions,
  ReadFileOptions,
  PsOptions,
  StackBackend,
  StackContainer,
  StackExecOptions,
  StackLogsOptions,
  UpOptions,
  UpResult,
} from '../../stack/backend.js';
import type { StackContext } from '../../stack/context.js';

/** A service's tasks did not all come up: which task, on which node, in which state, why. */
export class SwarmTaskFailedError extends ModelstackError {
  constructor(
    readonly service: string,
    readonly task: string,
    readonly node: string | undefined,
    readonly state: string,
    readonly reason: string,
    readonly logTail: string[],
  ) {
    super(
      'SWARM_TASK_FAILED',
      `service "${service}": task ${task}${node ? ` on node ${node}` : ''} is ${state}: ${reason}` + (logTail.length ? `; last log lines:\n${logTail.map((l) => `  | ${l}`).join('\n')}` : ''),
    );
  }
}

/** The rollout of a service's update stopped (paused or rolled back, per its update_config). */
export class SwarmUpdateFailedError extends ModelstackError {
  constructor(readonly service: string, readonly state: string, message: string) {
    super('SWARM_UPDATE_FAILED', `service "${service}": its update is ${state}${message ? ` (${message})` : ''}; see docker service ps --no-trunc ${service}`);
  }
}

/** The tasks of a service were not all running before up's deadline. */
export class SwarmWaitTimeoutError extends ModelstackError {
  constructor(readonly service: string, readonly timeoutMs: number, lastState: string) {
    super('WAIT_TIMEOUT', `service "${service}" was not running after ${timeoutMs / 1000}s (${lastState})`);
  }
}

/** A command a swarm cannot do as the container backend does it. */
export class NotOnSwarmError extends ModelstackError {
  constructor(command: string, instead: string) {
    super('NOT_ON_SWARM', `${command} is not available for a stack on a swarm: ${instead}`);
  }
}

const DEFAULT_TIMEOUT_MS = 300_000;
const POLL_MS = 250;
/** How long a task must be seen running before it counts (its exit at start reaches the manager well within this). */
const TASK_SETTLE_MS = 500;
/** A task running for this long by its own timestamp is settled without watching it (the margin covers clock skew). */
const LONG_RUNNING_MS = 5_000;
/** How long a task may wait for ports or resources an old task of a rollout still holds. */
const TRANSIENT_PENDING_MS = 15_000;

/**
 * A project as the services of a Docker Swarm, through a manager's engine:
 * `new Stack(project, { engine, backend: new SwarmBackend() })`. `up` plans
 * (create, update with the fields that changed, keep) and rolls out as
 * `docker stack deploy` would, with `docker stack`'s names and labels, then
 * waits until every task runs on a ready node; `down` is `docker stack rm`.
 * `exec`, `start` and `stop` throw {@link NotOnSwarmError}. See docs/swarm.md.
 */
export class SwarmBackend implements StackBackend<SwarmPlan> {
  async up(ctx: StackContext, options: UpOptions): Promise<UpResult<SwarmPlan>> {
    const { engine, project } = ctx;
    const timeoutMs = options.waitTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const deadlineController = new AbortController();
    const timer = setTimeout(() => deadlineController.abort(new SwarmWaitTimeoutError(project.name, timeoutMs, 'the deadline passed')), timeoutMs + 1000);
    const signal = options.signal ? AbortSignal.any([options.signal, deadlineController.signal]) : deadlineController.signal;
    // Every engine call of the deploy listens on it (the transport adds one listener per request).
    setMaxListeners(0, signal);
    try {
      await engine.swarm.requireManager({ signal });
      const stack = project.name;
      const contents = await new FileReader(project).usedContents();
      const observed = await observeSwarm(engine, stack, signal);
      const plan = planSwarm(project, stack, observed, contents, {
        wait: options.wait !== false,
        ...(options.removeOrphans ? { removeOrphans: true } : {}),
        ...(options.recreate === 'force' ? { force: true } : {}),
        ...(options.services ? { services: options.services } : {}),
      });
      if (options.dryRun) return { plan, containers: [] };

      const ids = {
        networks: new Map(observed.networks.map((n) => [n.name, n.id])),
        objects: new Map([...observed.secrets, ...observed.configs].map((o) => [o.name, o.id])),
      };
      for (const n of Object.values(project.networks)) {
        if (!n.external) continue;
        const found = await engine.networks.inspect(n.name, { signal });
        if (!found) throw new ModelstackError('EXTERNAL_NETWORK_MISSING', `network "${n.name}" is declared external but does not exist on the swarm; create it first (docker network create -d overlay --attachable ${n.name})`);
        ids.networks.set(n.name, found.Id);
      }
      const updatedAt = new Map<string, string>();
      const env: SwarmRunEnv = { ctx, ids, deadline, timeoutMs, updatedAt, ...(options.signal ? { stop: options.signal } : {}) };
      await execute<SwarmOperation, unknown>(plan.operations, {
        parallelism: ctx.parallelism,
        signal,
        run: (op, { signal: opSignal }) => runSwarmOperation(env, op, opSignal),
        onTolerated: (op, err) => ctx.emit({ type: 'warning', message: `${'name' in op ? op.name : op.id}: ${messageOf(err).split('\n')[0]}` }),
      });
      const containers = await runningTasks(engine, stack, signal);
      return { plan, containers };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Removes the stack's services, then its networks, secrets and configs, as `docker stack rm` does (named volumes stay, on each node). */
  async down(ctx: StackContext, options: DownOptions): Promise<DownResult> {
    const { engine, project } = ctx;
    const call = options.signal ? { signal: options.signal } : {};
    await engine.swarm.requireManager(call);
    const label = [`${STACK_LABEL.namespace}=${project.name}`];
    const services = await engine.swarm.listServices(label, call);
    for (const s of services) {
      await engine.swarm.removeService(s.ID, call);
      ctx.emit({ type: 'service.removed', service: serviceKey(project.name, s.Spec.Name), name: s.Spec.Name });
    }
    // A network can go once the tasks of the removed services have left it. Until then the
    // manager refuses to remove it and the daemon falls back to deleting its own local copy,
    // answering 204 while the swarm network stays: a network is removed when a list no longer
    // shows it, not when a DELETE succeeded.
    const removedNetworks: string[] = [];
    const until = Date.now() + 60_000;
    for (let left = await engine.networks.list(label, call); left.length > 0; ) {
      for (const n of left) await engine.networks.remove(n.Id, call).catch((err: unknown) => (Date.now() > until ? Promise.reject(err) : undefined));
      const still = await engine.networks.list(label, call);
      for (const n of left) {
        if (still.some((x) => x.Id === n.Id)) continue;
        removedNetworks.push(n.Name);
        ctx.emit({ type: 'network.removed', name: n.Name });
      }
      if (still.length > 0 && Date.now() > until) {
        throw new ModelstackError('SWARM_NETWORK_IN_USE', `network ${still.map((n) => `"${n.Name}"`).join(', ')} of stack "${project.name}" is still in use 60 s after its services were removed; run rm again once their tasks have stopped`);
      }
      if (still.length > 0) await sleep(POLL_MS, options.signal);
      left = still;
    }
    for (const kind of ['secrets', 'configs'] as const) {
      for (const o of await engine.swarm.listObjects(kind, label, call)) {
        await engine.swarm.removeObject(kind, o.ID, call);
        ctx.emit({ type: kind === 'secrets' ? 'secret.removed' : 'config.removed', name: o.Spec.Name });
      }
    }
    if (options.volumes) ctx.emit({ type: 'warning', message: 'named volumes of a stack live on each node that ran its tasks; remove them there (docker volume rm), as docker stack rm leaves them too' });
    return { removedContainers: services.map((s) => s.Spec.Name), removedNetworks, removedVolumes: [], kept: [] };
  }

  /** The tasks of the stack's services that should run (and, with `all`, those that ended), as `docker stack ps` lists them. */
  async ps(ctx: StackContext, options: PsOptions): Promise<ContainerStatus[]> {
    const { engine, project } = ctx;
    const call = options.signal ? { signal: options.signal } : {};
    const services = (await engine.swarm.listServices([`${STACK_LABEL.namespace}=${project.name}`], call)).filter(
      (s) => !options.services?.length || options.services.includes(serviceKey(project.name, s.Spec.Name)),
    );
    if (!services.length) return [];
    const nodes = nodeNames(await engine.swarm.listNodes(call));
    const tasks = await engine.swarm.listTasks({ service: services.map((s) => s.ID), ...(options.all ? {} : { 'desired-state': ['running'] }) }, call);
    const byId = new Map(services.map((s) => [s.ID, s]));
    return tasks
      .map((t) => {
        const s = byId.get(t.ServiceID)!;
        const service = serviceKey(project.name, s.Spec.Name);
        return {
          id: t.ID,
          name: taskName(s.Spec.Name, t),
          service,
          number: t.Slot ?? 0,
          image: t.Spec?.ContainerSpec?.Image?.split('@')[0] ?? '',
          command: '',
          state: t.Status.State,
          health: '',
          exitCode: t.Status.ContainerStatus?.ExitCode ?? 0,
          status: `${t.Status.State}${t.Status.Err ? `: ${t.Status.Err}` : ''}`,
          created: Math.floor(Date.parse(t.CreatedAt) / 1000),
          // Host-mode ports, on the task's node (ingress ports are the service's: `port`).
          // (Docker 26.1 lists each host-mode port twice.)
          publishers: [
            ...new Map(
              (t.Status.PortStatus?.Ports ?? []).map((p) => [
                `${p.TargetPort}/${p.Protocol ?? 'tcp'}:${p.PublishedPort}`,
                { url: (t.NodeID && nodes.get(t.NodeID)?.address) || '', targetPort: p.TargetPort, publishedPort: p.PublishedPort, protocol: p.Protocol ?? 'tcp' },
              ]),
            ).values(),
          ],
          exposed: [],
          labels: t.Spec?.ContainerSpec?.Labels ?? {},
          networks: (t.NetworksAttachments ?? []).flatMap((a) => (a.Network?.Spec?.Name ? [a.Network.Spec.Name] : [])).sort(),
          // A volume mount's source is the volume's name, a bind's the node's path.
          mounts: (t.Spec?.ContainerSpec?.Mounts ?? []).map((m) => {
            const type = m.Type ?? 'volume';
            return { type, source: m.Source ?? '', destination: m.Target, ...(type === 'volume' && m.Source ? { name: m.Source } : {}) };
          }),
          ...(t.NodeID && nodes.get(t.NodeID) ? { node: nodes.get(t.NodeID)!.name } : {}),
        };
      })
      .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number);
  }

  /** The services' logs, collected from every node by the manager. */
  async logs(ctx: StackContext, options: StackLogsOptions): Promise<void> {
    const { engine, project } = ctx;
    if (options.until !== undefined) throw new NotOnSwarmError('logs --until', 'a service\'s logs have no end time on a swarm; use --since, or --tail');
    const call = options.signal ? { signal: options.signal } : {};
    const services = (await engine.swarm.listServices([`${STACK_LABEL.namespace}=${project.name}`], call)).filter(
      (s) => !options.services?.length || options.services.includes(serviceKey(project.name, s.Spec.Name)),
    );
    options.onContainers?.(services.map((s) => ({ service: serviceKey(project.name, s.Spec.Name), number: 1, container: s.Spec.Name })));
    for (const s of services) {
      const tail = options.tail === 'all' || options.tail === undefined ? 1_000_000 : options.tail;
      for (const text of await engine.swarm.logTail(s.ID, tail, { ...call, ...(options.since !== undefined ? { since: options.since } : {}) })) {
        options.onLine({ service: serviceKey(project.name, s.Spec.Name), container: s.Spec.Name, number: 1, stream: 'stdout', text });
      }
    }
    if (options.follow) throw new NotOnSwarmError('logs --follow', 'read them once, or use docker service logs -f <stack>_<service>');
  }

  async exec(_ctx: StackContext, service: string, _command: string[], _options: StackExecOptions): Promise<ExecResult> {
    throw new NotOnSwarmError('exec', `a task runs on whichever node Swarm chose; use docker exec on that node (modelstack stack ps shows it) for service "${service}"`);
  }

  /** Where a published port of a service answers: a node that runs one of its tasks (host mode), or any node (ingress). */
  async port(ctx: StackContext, service: string, containerPort: number, options: PortOptions): Promise<{ hostIp: string; hostPort: number }> {
    const { engine, project } = ctx;
    const call = options.signal ? { signal: options.signal } : {};
    const name = stackScoped(project.name, service);
    const s = (await engine.swarm.listServices([`${STACK_LABEL.namespace}=${project.name}`], call)).find((x) => x.Spec.Name === name);
    if (!s) throw new ModelstackError('NO_CONTAINER', `service "${service}" has no Swarm service ${name}; is the stack deployed?`);
    const inspected = (await engine.swarm.inspectService(s.ID, call)) as (SwarmService & { Endpoint?: { Ports?: Array<{ TargetPort: number; PublishedPort?: number; PublishMode?: string; Protocol?: string }> } }) | undefined;
    const port = inspected?.Endpoint?.Ports?.find((p) => p.TargetPort === containerPort && (p.Protocol ?? 'tcp') === (options.protocol ?? 'tcp'));
    if (!port?.PublishedPort) throw new ModelstackError('PORT_NOT_PUBLISHED', `service "${service}" does not publish port ${containerPort}/${options.protocol ?? 'tcp'}`);
    const nodes = nodeNames(await engine.swarm.listNodes(call));
    const tasks = await engine.swarm.listTasks({ service: [s.ID], 'desired-state': ['running'] }, call);
    const running = tasks.filter((t) => t.Status.State === 'running').sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0));
    const task = running.find((t) => (t.Slot ?? 0) === (options.index ?? 1)) ?? running[0];
    const node = task?.NodeID ? nodes.get(task.NodeID) : [...nodes.values()][0];
    if (!node?.address) throw new ModelstackError('PORT_NOT_PUBLISHED', `service "${service}" has no running task to reach port ${containerPort} on`);
    return { hostIp: node.address, hostPort: port.PublishedPort };
  }

  /**
   * A file the service's tasks see, from the swarm (its engine cannot reach into a task's
   * container): a config as the swarm holds it; a secret only when the project holds the very
   * content deployed (its content-addressed name says so), since Swarm never gives a secret back.
   */
  async readFile(ctx: StackContext, service: string, path: string, options: ReadFileOptions): Promise<string> {
    const { engine, project } = ctx;
    const call = options.signal ? { signal: options.signal } : {};
    const name = stackScoped(project.name, service);
    const s = (await engine.swarm.listServices([`${STACK_LABEL.namespace}=${project.name}`], call)).find((x) => x.Spec.Name === name);
    if (!s) throw new ModelstackError('NO_CONTAINER', `service "${service}" has no Swarm service ${name}; is the stack deployed?`);
    const spec = s.Spec.TaskTemplate?.ContainerSpec;
    const at = (base: string) => (r: SwarmFileRef) => r.File !== undefined && (r.File.Name.startsWith('/') ? r.File.Name : `${base}${r.File.Name}`) === path;
    const config = spec?.Configs?.find(at('/'));
    if (config?.ConfigID) return (await engine.swarm.configData(config.ConfigID, call)).toString('utf8');
    const secret = spec?.Secrets?.find(at('/run/secrets/'));
    if (!secret?.SecretName) throw new ModelstackError('FILE_UNREADABLE', `service "${service}" has no config or secret at ${path}`);
    for (const [ref, content] of await new FileReader(project).usedContents()) {
      const [kind, key] = ref.split('/') as [string, string];
      if (kind === 'secrets' && swarmObjectName(project.name, key, content) === secret.SecretName) return content.toString('utf8');
    }
    throw new ModelstackError(
      'SECRET_NOT_READABLE',
      `${path} of service "${service}" is the Swarm secret ${secret.SecretName}, deployed earlier with a value this project does not hold (a generated one is made afresh by each definition), and a swarm never gives a secret back; set the value in the project (a model's jupyterToken, the gateway token) and deploy again`,
    );
  }

  async start(): Promise<void> {
    throw new NotOnSwarmError('start', 'a swarm keeps the services\' tasks running; set deploy.replicas and deploy again');
  }

  async stop(): Promise<void> {
    throw new NotOnSwarmError('stop', 'scale a service to 0 (deploy.replicas: 0) and deploy again, or remove the stack');
  }

  async kill(): Promise<string[]> {
    throw new NotOnSwarmError('kill', 'a swarm replaces a task that dies; use docker kill on the node that runs it (modelstack stack ps shows it), or restart the service');
  }

  async pause(): Promise<string[]> {
    throw new NotOnSwarmError('pause', 'a swarm has no paused tasks; scale the service to 0 (deploy.replicas: 0) and deploy again');
  }

  async rm(): Promise<never> {
    throw new NotOnSwarmError('rm', 'a swarm removes the tasks it ends by itself; remove the stack (modelstack stack rm)');
  }

  async wait(): Promise<never> {
    throw new NotOnSwarmError('wait', 'a swarm restarts or replaces a task that stops; watch the tasks with modelstack stack ps');
  }

  async unpause(): Promise<string[]> {
    throw new NotOnSwarmError('unpause', 'a swarm has no paused tasks');
  }

  async events(): Promise<never> {
    throw new NotOnSwarmError('events', "a swarm's tasks run on its nodes; use docker events on a node, or watch the tasks with modelstack stack ps");
  }

  async build(): Promise<never> {
    throw new NotOnSwarmError('build', 'the nodes of a swarm cannot see an image built here; build and push it to a registry (docker build, docker push), and name it in image:');
  }

  async pull(): Promise<never> {
    throw new NotOnSwarmError('pull', 'each node pulls the images of the tasks it runs when the stack is deployed (modelstack stack deploy)');
  }

  async top(): Promise<never> {
    throw new NotOnSwarmError('top', 'a task runs on whichever node Swarm chose; use docker top on that node (modelstack stack ps shows it)');
  }

  async images(): Promise<never> {
    throw new NotOnSwarmError('images', 'each node pulls the service images itself; modelstack stack services lists the image of each service');
  }

  /** Restarts every task of the services, one at a time as their update_config says (a forced update). */
  async restart(ctx: StackContext, services: string[] | undefined, options: LifecycleOptions): Promise<void> {
    const { engine, project } = ctx;
    const call = options.signal ? { signal: options.signal } : {};
    for (const s of await engine.swarm.listServices([`${STACK_LABEL.namespace}=${project.name}`], call)) {
      const service = serviceKey(project.name, s.Spec.Name);
      if (services?.length && !services.includes(service)) continue;
      const current = (await engine.swarm.inspectService(s.ID, call)) as (SwarmService & { Spec: { TaskTemplate?: { ForceUpdate?: number } } }) | undefined;
      if (!current) continue;
      const spec = { ...current.Spec, TaskTemplate: { ...current.Spec.TaskTemplate, ForceUpdate: (current.Spec.TaskTemplate?.ForceUpdate ?? 0) + 1 } };
      ctx.emit({ type: 'service.updating', service, name: s.Spec.Name, reason: 'restart' });
      await engine.swarm.updateService(s.ID, current.Version.Index, spec, call);
      ctx.emit({ type: 'service.updated', service, name: s.Spec.Name });
    }
  }
}

interface SwarmRunEnv {
  ctx: StackContext;
  ids: { networks: Map<string, string>; objects: Map<string, string> };
  deadline: number;
  timeoutMs: number;
  /** The caller's own signal (Ctrl-C). */
  stop?: AbortSignal;
  /** When each service was last created or updated (the manager's clock), for its wait. */
  updatedAt: Map<string, string>;
}

async function runSwarmOperation(env: SwarmRunEnv, op: SwarmOperation, signal: AbortSignal): Promise<unknown> {
  const { ctx } = env;
  const { engine } = ctx;
  const call = { signal };
  switch (op.kind) {
    case 'network.create': {
      const id = await engine.networks.create(
        { name: op.name, driver: op.driver, attachable: true, labels: op.labels, ...(op.driverOptions ? { driverOptions: op.driverOptions } : {}), ...(op.internal ? { internal: true } : {}) },
        call,
      );
      env.ids.networks.set(op.name, id);
      ctx.emit({ type: 'network.created', name: op.name });
      return id;
    }
    case 'secret.create':
    case 'config.create': {
      const kind = op.kind === 'secret.create' ? 'secrets' : 'configs';
      const id = await engine.swarm.createObject(kind, op.name, op.labels, op.content, call);
      env.ids.objects.set(op.name, id);
      ctx.emit({ type: op.kind === 'secret.create' ? 'secret.created' : 'config.created', name: op.name });
      return id;
    }
    case 'service.create':
    case 'service.update': {
      const spec = apiSpec(op.spec, env.ids);
      ctx.emit({ type: op.kind === 'service.create' ? 'service.creating' : 'service.updating', service: op.service, name: op.spec.Name, reason: op.reason });
      try {
        if (op.kind === 'service.create') {
          await engine.swarm.createService(spec, call);
        } else {
          const warnings = await engine.swarm.updateService(op.existing!.id, op.existing!.version, spec, call);
          for (const w of warnings) ctx.emit({ type: 'warning', service: op.service, message: w });
        }
      } catch (err) {
        if (!signal.aborted) ctx.emit({ type: 'service.failed', service: op.service, error: messageOf(err) });
        throw err;
      }
      ctx.emit({ type: op.kind === 'service.create' ? 'service.created' : 'service.updated', service: op.service, name: op.spec.Name });
      return undefined;
    }
    case 'service.wait':
      return waitForService(env, op.service, op.name);
    case 'service.remove':
      await engine.swarm.removeService(op.objectId, call);
      ctx.emit({ type: 'service.removed', service: op.name, name: op.name });
      return undefined;
    case 'secret.remove':
    case 'config.remove': {
      const kind = op.kind === 'secret.remove' ? 'secrets' : 'configs';
      await engine.swarm.removeObject(kind, op.objectId, call);
      ctx.emit({ type: op.kind === 'secret.remove' ? 'secret.removed' : 'config.removed', name: op.name });
      return undefined;
    }
    case 'warning':
      ctx.emit({ type: 'warning', ...(op.service ? { service: op.service } : {}), message: op.message });
      return undefined;
  }
}

/**
 * A task no node can take: at once when no node satisfies its constraints or platform (nothing
 * in a rollout changes that); after {@link TRANSIENT_PENDING_MS} when ports or resources are taken,
 * which is what an old task still holds during a rolling update (stop-first, host-mode ports).
 */
function unplaceable(t: SwarmTask, pendingSince: Map<string, number>): boolean {
  const reason = t.Status.State === 'pending' ? (t.Status.Err ?? '') : '';
  if (!/no suitable node|insufficient resources/.test(reason)) {
    pendingSince.delete(t.ID);
    return false;
  }
  if (/constraints not satisfied|unsupported platform/.test(reason)) return true;
  const since = pendingSince.get(t.ID) ?? Date.now();
  pendingSince.set(t.ID, since);
  return Date.now() - since >= TRANSIENT_PENDING_MS;
}

/** The plan's spec with the swarm's ids for networks, secrets and configs (the API wants ids). */
function apiSpec(spec: SwarmServiceSpec, ids: SwarmRunEnv['ids']): object {
  const refs = (list: NonNullable<SwarmServiceSpec['TaskTemplate']['ContainerSpec']['Secrets']> | undefined, idKey: 'SecretID' | 'ConfigID', nameKey: 'SecretName' | 'ConfigName') =>
    list?.map((r) => ({ File: r.File, [idKey]: ids.objects.get(r.ObjectName) ?? r.ObjectName, [nameKey]: r.ObjectName }));
  const c = spec.TaskTemplate.ContainerSpec;
  return {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: {
        ...c,
        ...(c.Secrets ? { Secrets: refs(c.Secrets, 'SecretID', 'SecretName') } : {}),
        ...(c.Configs ? { Configs: refs(c.Configs, 'ConfigID', 'ConfigName') } : {}),
      },
      ...(spec.TaskTemplate.Networks ? { Networks: spec.TaskTemplate.Networks.map((n) => ({ ...n, Target: ids.networks.get(n.Target) ?? n.Target })) } : {}),
    },
  };
}

/**
 * Waits until every task the service should run is running on its node (a
 * task with a healthcheck runs only once healthy) and its update, if any, is
 * complete. Fails at once on a failed or rejected task, a task no node can
 * take, or an update that paused or rolled back.
 */
async function waitForService(env: SwarmRunEnv, service: string, name: string): Promise<void> {
  const { ctx } = env;
  const { engine } = ctx;
  const seen = new Map<string, string>();
  let lastState = 'no task yet';
  let nodeStates: Map<string, string> | undefined;
  const pendingSince = new Map<string, number>();
  const runningSince = new Map<string, number>();
  for (;;) {
    if (env.stop?.aborted) throw abortReason(env.stop);
    const left = env.deadline - Date.now();
    if (left <= 0) throw new SwarmWaitTimeoutError(service, env.timeoutMs, lastState);
    const call = { signal: AbortSignal.any([...(env.stop ? [env.stop] : []), AbortSignal.timeout(left)]) };
    let s: SwarmService | undefined;
    let tasks: SwarmTask[];
    let nodes: Map<string, { name: string; address?: string }>;
    let readyNodes: Set<string>;
    try {
      s = (await engine.swarm.listServices([`${STACK_LABEL.namespace}=${serviceStack(name, service)}`], call)).find((x) => x.Spec.Name === name);
      if (!s) throw new ModelstackError('SWARM_SERVICE_GONE', `service "${service}" (${name}) was removed while up waited for it`);
      let nodeList: SwarmNode[];
      [tasks, nodeList] = await Promise.all([engine.swarm.listTasks({ service: [s.ID], 'desired-state': ['running'] }, call), engine.swarm.listNodes(call)]);
      nodes = nodeNames(nodeList);
      readyNodes = new Set(nodeList.filter((n) => n.Status.State === 'ready').map((n) => n.ID));
      // A node that goes down (its daemon died, its network is cut) is said at once; Swarm reschedules its tasks.
      const states = new Map(nodeList.map((n) => [n.Description?.Hostname ?? n.ID, n.Status.State]));
      for (const [node, state] of states) if ((nodeStates?.get(node) ?? 'ready') !== state) ctx.emit({ type: 'node.state', node, state });
      nodeStates = states;
    } catch (err) {
      if (Date.now() >= env.deadline) throw new SwarmWaitTimeoutError(service, env.timeoutMs, `${lastState}; the engine did not answer`);
      throw err;
    }
    for (const t of tasks) {
      const node = t.NodeID ? nodes.get(t.NodeID)?.name : undefined;
      const key = `${t.Status.State}|${node ?? ''}|${t.Status.Err ?? ''}`;
      if (seen.get(t.ID) !== key) {
        seen.set(t.ID, key);
        ctx.emit({ type: 'task.state', service, task: taskName(name, t), ...(node ? { node } : {}), state: t.Status.State, ...(t.Status.Err ? { error: t.Status.Err } : {}) });
      }
      const failed = t.Status.State === 'failed' || t.Status.State === 'rejected';
      if (failed || unplaceable(t, pendingSince)) {
        const logs = failed ? await engine.swarm.logTail(s.ID, 10, { task: t.ID, signal: AbortSignal.timeout(5000) }) : [];
        throw new SwarmTaskFailedError(service, taskName(name, t), node, t.Status.State, t.Status.Err || t.Status.Message || 'no reason given', logs);
      }
    }
    const update = s.UpdateStatus?.State;
    if (update === 'paused' || update === 'rollback_paused' || update === 'rollback_completed') {
      throw new SwarmUpdateFailedError(service, update.replace('_', ' '), s.UpdateStatus?.Message ?? '');
    }
    const desired = s.Spec.Mode?.Replicated ? (s.Spec.Mode.Replicated.Replicas ?? 1) : tasks.length;
    // A task on a node the manager no longer sees ready is not running, whatever it last reported.
    // Running means seen running for a while, not once: a task that exits at start (a proxy
    // whose upstream is not there yet) reports running for an instant first.
    const now = Date.now();
    const running = tasks.filter((t) => {
      if (t.Status.State !== 'running' || t.NodeID === undefined || !readyNodes.has(t.NodeID)) return false;
      // A task whose own clock says it has run for long (a kept service) needs no watching; the
      // margin is for a manager's clock ahead of ours.
      if (Date.parse(t.Status.Timestamp ?? '') <= now - LONG_RUNNING_MS) return true;
      const since = runningSince.get(t.ID) ?? now;
      runningSince.set(t.ID, since);
      return now - since >= TASK_SETTLE_MS;
    }).length;
    lastState = `${running} of ${desired} tasks running${update && update !== 'completed' ? `, update ${update}` : ''}`;
    if (running === desired && tasks.length === desired && (update === undefined || update === 'completed') && desired > 0) {
      ctx.emit({ type: 'service.running', service, name, tasks: { running, desired } });
      return;
    }
    if (desired === 0 && s.Spec.Mode?.Replicated) {
      ctx.emit({ type: 'service.running', service, name, tasks: { running: 0, desired: 0 } });
      return;
    }
    await sleep(POLL_MS, env.stop);
  }
}

async function observeSwarm(engine: Engine, stack: string, signal: AbortSignal): Promise<ObservedSwarm> {
  const label = [`${STACK_LABEL.namespace}=${stack}`];
  const [services, networks, secrets, configs] = await Promise.all([
    engine.swarm.listServices(label, { signal }),
    engine.networks.list(label, { signal }),
    engine.swarm.listObjects('secrets', label, { signal }),
    engine.swarm.listObjects('configs', label, { signal }),
  ]);
  return {
    services: services.map((s) => ({ id: s.ID, name: s.Spec.Name, version: s.Version.Index, labels: s.Spec.Labels ?? {} })),
    networks: networks.map((n) => ({ id: n.Id, name: n.Name })),
    secrets: secrets.map((o) => ({ id: o.ID, name: o.Spec.Name })),
    configs: configs.map((o) => ({ id: o.ID, name: o.Spec.Name })),
  };
}

async function runningTasks(engine: Engine, stack: string, signal: AbortSignal): Promise<StackContainer[]> {
  const services = await engine.swarm.listServices([`${STACK_LABEL.namespace}=${stack}`], { signal });
  if (!services.length) return [];
  const tasks = await engine.swarm.listTasks({ service: services.map((s) => s.ID), 'desired-state': ['running'] }, { signal });
  const byId = new Map(services.map((s) => [s.ID, s]));
  return tasks.map((t) => {
    const name = byId.get(t.ServiceID)!.Spec.Name;
    return { id: t.ID, name: taskName(name, t), service: serviceKey(stack, name), number: t.Slot ?? 0 };
  });
}

/** `<stack>_<service>` → `<service>`. */
function serviceKey(stack: string, name: string): string {
  return name.startsWith(`${stack}_`) ? name.slice(stack.length + 1) : name;
}

/** The stack of a service name, given its service key. */
function serviceStack(name: string, service: string): string {
  return name.endsWith(`_${service}`) ? name.slice(0, -(service.length + 1)) : name;
}

/** `docker service ps` names: `<service>.<slot>`, or `<service>.<node id>` for a global service. */
function taskName(service: string, t: SwarmTask): string {
  return `${service}.${t.Slot ?? t.NodeID ?? t.ID.slice(0, 12)}`;
}

function nodeNames(nodes: SwarmNode[]): Map<string, { name: string; address?: string }> {
  return new Map(nodes.map((n) => [n.ID, { name: n.Description?.Hostname ?? n.ID.slice(0, 12), ...(n.Status.Addr ? { address: n.Status.Addr } : {}) }]));
}
