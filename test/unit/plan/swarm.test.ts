/**
 * The Swarm mapping and plan, as tables: Compose keys → service spec fields
 * (as docker stack deploy maps them, and the keys it drops that we map),
 * warnings naming every key a swarm cannot express, content-addressed
 * secrets, and the plan's create / update (with the fields) / keep.
 */
import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../../../src/compose/model.js';
import { formatSwarmPlan, planSwarm, type ObservedSwarm } from '../../../src/plan/swarm-plan.js';
import { STACK_LABEL, swarmServiceSpec } from '../../../src/plan/swarm-service.js';

const project = (services: Record<string, Service>, extra: Partial<Project> = {}): Project => ({
  name: 'shop',
  working_dir: '/w',
  config_files: [],
  services,
  networks: { default: { name: 'shop_default' }, back: { name: 'shop_back' } },
  volumes: { data: { name: 'shop_data' } },
  configs: { app: { name: 'shop_app', content: 'x' } },
  secrets: { token: { name: 'shop_token', file: '/w/token' } },
  ...extra,
});
const spec = (service: Service, extra: Partial<Project> = {}) => swarmServiceSpec(project({ web: service }, extra), 'web', 'shop', { objectNames: { 'secrets/token': 'shop_token_abc', 'configs/app': 'shop_app_def' } });

describe('swarmServiceSpec: Compose keys → a Swarm service', () => {
  it.each<[string, Service, (s: ReturnType<typeof spec>['spec']) => unknown, unknown]>([
    ['name and docker stack labels', { image: 'nginx:1' }, (s) => [s.Name, s.Labels[STACK_LABEL.namespace], s.Labels[STACK_LABEL.image], s.TaskTemplate.ContainerSpec.Labels?.[STACK_LABEL.namespace]], ['shop_web', 'shop', 'nginx:1', 'shop']],
    ['entrypoint → Command, command → Args', { image: 'x', entrypoint: ['/init'], command: ['serve', '--port', '80'] }, (s) => [s.TaskTemplate.ContainerSpec.Command, s.TaskTemplate.ContainerSpec.Args], [['/init'], ['serve', '--port', '80']]],
    ['environment (null values left to the engine are dropped)', { image: 'x', environment: { A: '1', B: null } }, (s) => s.TaskTemplate.ContainerSpec.Env, ['A=1']],
    ['service labels on the containers, deploy.labels on the service', { image: 'x', labels: { role: 'web' }, deploy: { labels: { tier: 'front' } } }, (s) => [s.TaskTemplate.ContainerSpec.Labels?.['role'], s.Labels['tier']], ['web', 'front']],
    ['healthcheck in ns, with start_interval', { image: 'x', healthcheck: { test: ['CMD', 'true'], interval: 1e9, timeout: 2e9, retries: 3, start_period: 5e9, start_interval: 5e8 } }, (s) => s.TaskTemplate.ContainerSpec.HealthCheck, { Test: ['CMD', 'true'], Interval: 1e9, Timeout: 2e9, Retries: 3, StartPeriod: 5e9, StartInterval: 5e8 }],
    ['init, user, stop grace, read_only, working_dir', { image: 'x', init: true, user: '1000', stop_grace_period: 3e9, read_only: true, working_dir: '/app' }, (s) => { const c = s.TaskTemplate.ContainerSpec; return [c.Init, c.User, c.StopGracePeriod, c.ReadOnly, c.Dir]; }, [true, '1000', 3e9, true, '/app']],
    ['replicas', { image: 'x', deploy: { replicas: 3 } }, (s) => s.Mode, { Replicated: { Replicas: 3 } }],
    ['scale when deploy.replicas is not written', { image: 'x', scale: 2 }, (s) => s.Mode, { Replicated: { Replicas: 2 } }],
    ['global mode', { image: 'x', deploy: { mode: 'global' } }, (s) => s.Mode, { Global: {} }],
    ['placement constraints, preferences, max per node', { image: 'x', deploy: { placement: { constraints: ['node.role==worker'], preferences: [{ spread: 'node.labels.zone' }], max_replicas_per_node: 1 } } }, (s) => s.TaskTemplate.Placement, { Constraints: ['node.role==worker'], Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }], MaxReplicas: 1 }],
    ['an empty placement when none is written (a manager crashes on an update that drops it)', { image: 'x' }, (s) => s.TaskTemplate.Placement, {}],
    ['update_config and rollback_config', { image: 'x', deploy: { update_config: { parallelism: 1, delay: 2e9, order: 'start-first', failure_action: 'rollback' }, rollback_config: { parallelism: 0 } } }, (s) => [s.UpdateConfig, s.RollbackConfig], [{ Parallelism: 1, Delay: 2e9, Order: 'start-first', FailureAction: 'rollback' }, { Parallelism: 0 }]],
    ['restart_policy', { image: 'x', deploy: { restart_policy: { condition: 'on-failure', max_attempts: 3, delay: 1e9 } } }, (s) => s.TaskTemplate.RestartPolicy, { Condition: 'on-failure', MaxAttempts: 3, Delay: 1e9 }],
    ['restart: (which docker stack ignores) when no restart_policy', { image: 'x', restart: 'on-failure:5' }, (s) => s.TaskTemplate.RestartPolicy, { Condition: 'on-failure', MaxAttempts: 5 }],
    ['limits and reservations', { image: 'x', deploy: { resources: { limits: { cpus: 1.5, memory: 512 << 20, pids: 100 }, reservations: { cpus: 0.25, memory: 64 << 20 } } } }, (s) => s.TaskTemplate.Resources, { Limits: { NanoCPUs: 1.5e9, MemoryBytes: 512 << 20, Pids: 100 }, Reservations: { NanoCPUs: 0.25e9, MemoryBytes: 64 << 20 } }],
    ['GPUs as generic resources', { image: 'x', deploy: { resources: { reservations: { devices: [{ capabilities: ['gpu'], count: 2, driver: 'nvidia' }] } } } }, (s) => s.TaskTemplate.Resources?.Reservations?.GenericResources, [{ DiscreteResourceSpec: { Kind: 'gpu', Value: 2 } }]],
    ['endpoint_mode dnsrr with a host-mode port', { image: 'x', deploy: { endpoint_mode: 'dnsrr' }, ports: [{ target: 80, published: '8080', mode: 'host', protocol: 'tcp' }] }, (s) => s.EndpointSpec, { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }] }],
    ['ingress port', { image: 'x', ports: [{ target: 80, published: '80', protocol: 'tcp', mode: 'ingress' }] }, (s) => s.EndpointSpec, { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 80, PublishMode: 'ingress' }] }],
    ['networks by stack-scoped name, with the service name as alias', { image: 'x', networks: { back: { aliases: ['api'] }, default: null } }, (s) => s.TaskTemplate.Networks, [{ Target: 'shop_back', Aliases: ['web', 'api'] }, { Target: 'shop_default', Aliases: ['web'] }]],
    ['named volume: a local volume per node, stack-scoped', { image: 'x', volumes: [{ type: 'volume', source: 'data', target: '/data' }] }, (s) => s.TaskTemplate.ContainerSpec.Mounts, [{ Type: 'volume', Source: 'shop_data', Target: '/data', VolumeOptions: { Labels: { [STACK_LABEL.namespace]: 'shop' } } }]],
    ['secrets and configs by their content-addressed objects, with Compose targets', { image: 'x', secrets: [{ source: 'token' }], configs: [{ source: 'app', target: '/etc/app.conf', mode: 0o440 }] }, (s) => [s.TaskTemplate.ContainerSpec.Secrets, s.TaskTemplate.ContainerSpec.Configs], [[{ File: { Name: 'token', UID: '0', GID: '0', Mode: 0o444 }, ObjectName: 'shop_token_abc' }], [{ File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 0o440 }, ObjectName: 'shop_app_def' }]]],
    ['capabilities, sysctls, ulimits, hosts, dns', { image: 'x', cap_add: ['NET_ADMIN'], cap_drop: ['MKNOD'], sysctls: { 'net.core.somaxconn': '1024' }, ulimits: { nofile: { soft: 1024, hard: 2048 } }, extra_hosts: { db: ['10.0.0.2'] }, dns: ['10.0.0.53'] }, (s) => { const c = s.TaskTemplate.ContainerSpec; return [c.CapabilityAdd, c.CapabilityDrop, c.Sysctls, c.Ulimits, c.Hosts, c.DNSConfig]; }, [['NET_ADMIN'], ['MKNOD'], { 'net.core.somaxconn': '1024' }, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }], ['10.0.0.2 db'], { Nameservers: ['10.0.0.53'] }]],
  ])('%s', (_name, service, pick, expected) => {
    expect(pick(spec(service).spec)).toEqual(expected);
  });

  it.each<[string, Service, string[]]>([
    ['depends_on', { image: 'x', depends_on: { db: { condition: 'service_healthy', required: true, restart: false } } }, ['depends_on']],
    ['build, container_name, privileged, devices', { image: 'x', build: { context: '/w' }, container_name: 'w', privileged: true, devices: [{ source: '/dev/x', target: '/dev/x', permissions: 'rwm' }] }, ['build', 'container_name', 'privileged', 'devices']],
    ['network_mode, ipc, pid', { image: 'x', network_mode: 'host', ipc: 'host', pid: 'host' }, ['network_mode', 'ipc', 'pid']],
    ['all GPUs (Swarm reserves by count)', { image: 'x', gpus: [{ capabilities: ['gpu'], count: -1 }] }, ['gpus[0]']],
    ['host_ip on a port', { image: 'x', ports: [{ target: 80, published: '80', host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' }] }, ['ports[0].host_ip']],
    ['a dnsrr service publishing through ingress', { image: 'x', deploy: { endpoint_mode: 'dnsrr' }, ports: [{ target: 80, published: '80', protocol: 'tcp', mode: 'ingress' }] }, ['ports[0].mode']],
    ['nothing to say', { image: 'x', init: true }, []],
  ])('warns by key: %s', (_name, service, keys) => {
    const { warnings } = spec(service);
    expect(warnings.map((w) => w.key)).toEqual(keys);
    for (const w of warnings) expect(w.service).toBe('web');
  });
});

describe('planSwarm', () => {
  const none: ObservedSwarm = { services: [], networks: [], secrets: [], configs: [] };
  const contents = new Map([['secrets/token', Buffer.from('s3cret')]]);
  const p = project({ web: { image: 'nginx:1', networks: { default: null }, secrets: [{ source: 'token' }] }, db: { image: 'db:1', networks: { default: null } } });

  it('a new stack: its network, its secret (named by content), its services, then waits', () => {
    const plan = planSwarm(p, 'shop', none, contents);
    const ops = plan.operations.map((o) => `${o.kind} ${o.id} <- ${o.after.join(',')}`);
    const secret = plan.operations.find((o) => o.kind === 'secret.create')!;
    expect(secret).toMatchObject({ name: expect.stringMatching(/^shop_token_[0-9a-f]{12}$/), labels: { [STACK_LABEL.namespace]: 'shop' } });
    expect(ops).toEqual([
      'network.create network:default <- ',
      `secret.create ${secret.id} <- `,
      'service.create service:db <- network:default',
      'service.wait wait:db <- service:db',
      `service.create service:web <- network:default,${secret.id}`,
      'service.wait wait:web <- service:web',
    ]);
    expect(formatSwarmPlan(plan)).toEqual(['service shop_db: create (not found)', 'service shop_web: create (not found)']);
  });

  /** What the swarm holds after deploying `plan` (as the backend would find it). */
  const deployed = (plan: ReturnType<typeof planSwarm>): ObservedSwarm => ({
    services: plan.operations.flatMap((o) => (o.kind === 'service.create' || o.kind === 'service.update' ? [{ id: `id-${o.service}`, name: o.spec.Name, version: 7, labels: o.spec.Labels }] : [])),
    networks: [{ id: 'net1', name: 'shop_default' }],
    secrets: plan.operations.flatMap((o) => (o.kind === 'secret.create' ? [{ id: 'sec1', name: o.name }] : [])),
    configs: [],
  });

  it('the same project again changes nothing', () => {
    const first = planSwarm(p, 'shop', none, contents);
    const again = planSwarm(p, 'shop', deployed(first), contents);
    expect(again.entries.map((e) => `${e.service}: ${e.action}`)).toEqual(['db: keep', 'web: keep']);
    expect(again.operations.filter((o) => o.kind !== 'service.wait')).toEqual([]);
  });

  it('one changed env var updates only that service, naming the field', () => {
    const first = planSwarm(p, 'shop', none, contents);
    const changed = project({ web: { image: 'nginx:1', networks: { default: null }, secrets: [{ source: 'token' }], environment: { LEVEL: 'debug' } }, db: { image: 'db:1', networks: { default: null } } });
    const plan = planSwarm(changed, 'shop', deployed(first), contents);
    expect(plan.entries).toEqual([
      { service: 'db', action: 'keep', reason: 'up to date' },
      { service: 'web', action: 'update', reason: 'spec changed: TaskTemplate.ContainerSpec.Env' },
    ]);
    expect(plan.operations.find((o) => o.kind === 'service.update')).toMatchObject({ existing: { id: 'id-web', version: 7 } });
  });

  it('a changed secret is a new object: the service rolls to it, the old one goes after the rollout', () => {
    const first = planSwarm(p, 'shop', none, contents);
    const plan = planSwarm(p, 'shop', deployed(first), new Map([['secrets/token', Buffer.from('rotated')]]));
    const created = plan.operations.find((o) => o.kind === 'secret.create')!;
    const update = plan.operations.find((o) => o.kind === 'service.update')!;
    expect(update).toMatchObject({ service: 'web', after: [created.id], reason: expect.stringMatching(/TaskTemplate\.ContainerSpec\.Secrets/) });
    expect(plan.operations.find((o) => o.kind === 'secret.remove')).toMatchObject({ objectId: 'sec1', tolerate: true, after: expect.arrayContaining(['service:web', 'wait:web', 'wait:db']) });
  });

  it('a generated secret (made afresh by each definition) keeps the object deployed earlier: nothing rolls', () => {
    const generatedProject = { ...p, extensions: { 'x-modelstack-generated': ['secrets/token'] } };
    const first = planSwarm(generatedProject, 'shop', none, contents);
    const again = planSwarm(generatedProject, 'shop', deployed(first), new Map([['secrets/token', Buffer.from('another random value')]]));
    expect(again.entries.map((e) => `${e.service}: ${e.action}`)).toEqual(['db: keep', 'web: keep']);
    expect(again.operations.filter((o) => o.kind !== 'service.wait')).toEqual([]);
    // Not generated: the same change is a new secret and a rollout.
    expect(planSwarm(p, 'shop', deployed(first), new Map([['secrets/token', Buffer.from('another random value')]])).entries.find((e) => e.service === 'web')?.action).toBe('update');
  });

  it('services of the stack no longer in the project: a warning, or removed with removeOrphans', () => {
    const observed: ObservedSwarm = { ...none, services: [{ id: 'old', name: 'shop_old', version: 1, labels: { [STACK_LABEL.namespace]: 'shop' } }] };
    expect(planSwarm(p, 'shop', observed, contents).operations.find((o) => o.id === 'orphan:shop_old')).toMatchObject({ kind: 'warning' });
    expect(planSwarm(p, 'shop', observed, contents, { removeOrphans: true }).operations.find((o) => o.kind === 'service.remove')).toMatchObject({ objectId: 'old' });
  });

  it('a service docker stack deployed (no spec hash of ours) is updated once, and says why', () => {
    const observed: ObservedSwarm = { ...none, networks: [{ id: 'n', name: 'shop_default' }], services: [{ id: 'x', name: 'shop_db', version: 3, labels: { [STACK_LABEL.namespace]: 'shop' } }] };
    expect(planSwarm(p, 'shop', observed, contents).entries.find((e) => e.service === 'db')).toEqual({ service: 'db', action: 'update', reason: "deployed by another tool: takes modelstack's spec once" });
  });
});
