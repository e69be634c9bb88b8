/**
 * containerSpecFor: a Compose service → the engine's ContainerSpec. One row
 * per key family the runtime acts on.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../../src/plan/container-spec.js';
import { ServiceConfigError, containerSpecFor } from '../../../src/plan/service-container.js';
import type { Project, Service } from '../../../src/compose/model.js';

const project = (services: Record<string, Service>, extra: Partial<Project> = {}): Project => ({
  name: 'p',
  working_dir: '/w',
  config_files: ['/w/compose.yaml'],
  services,
  networks: { default: { name: 'p_default' }, back: { name: 'p_back' } },
  volumes: { data: { name: 'p_data' } },
  configs: {},
  secrets: {},
  ...extra,
});

describe('containerSpecFor', () => {
  const cases: Array<{ name: string; service: Service; expected: Partial<ContainerSpec>; others?: Record<string, Service> }> = [
    { name: 'default name and image from the service', service: { image: 'app:1' }, expected: { name: 'p-web-1', image: 'app:1' } },
    { name: 'container_name honoured', service: { image: 'a', container_name: 'tf_model_1' }, expected: { name: 'tf_model_1' } },
    { name: 'build-only service gets <project>-<service>', service: { build: { context: '/w' } }, expected: { image: 'p-web' } },
    {
      name: 'ports: loopback unless host_ip, daemon port when unpublished, ranges kept',
      service: {
        image: 'a',
        ports: [
          { target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' },
          { target: 81, protocol: 'tcp', mode: 'ingress' },
          { target: 53, published: '5353', host_ip: '0.0.0.0', protocol: 'udp', mode: 'ingress' },
          { target: 90, published: '9000-9010', protocol: 'tcp', mode: 'ingress' },
        ],
      },
      expected: {
        ports: [
          { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
          { containerPort: 81, protocol: 'tcp', hostIp: '127.0.0.1' },
          { containerPort: 53, protocol: 'udp', hostIp: '0.0.0.0', hostPort: 5353 },
          { containerPort: 90, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: '9000-9010' },
        ],
      },
    },
    {
      name: 'volumes: bind (created when short syntax), named (engine name), anonymous, tmpfs',
      service: {
        image: 'a',
        volumes: [
          { type: 'bind', source: '/w/code', target: '/tf/notebooks', bind: { create_host_path: true } },
          { type: 'bind', source: '/w/ro', target: '/ro', read_only: true },
          { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true } },
          { type: 'volume', target: '/cache' },
          { type: 'tmpfs', target: '/tmp', tmpfs: { size: 1024 } },
        ],
      },
      expected: {
        mounts: [
          { type: 'bind', source: '/w/code', target: '/tf/notebooks', createHostPath: true },
          { type: 'bind', source: '/w/ro', target: '/ro', readOnly: true },
          { type: 'volume', source: 'p_data', target: '/data', noCopy: true },
          { type: 'volume', target: '/cache' },
          { type: 'tmpfs', target: '/tmp', sizeBytes: 1024 },
        ],
      },
    },
    {
      name: 'networks by priority with the service name as alias',
      service: { image: 'a', networks: { default: null, back: { aliases: ['api'], priority: 10 } } },
      expected: { networks: [{ name: 'p_back', aliases: ['web', 'api'] }, { name: 'p_default', aliases: ['web'] }] },
    },
    {
      name: 'deploy limits win; CPUs become nano-CPUs; reservations and GPUs',
      service: {
        image: 'a',
        cpus: 4,
        deploy: { resources: { limits: { cpus: 1.5, memory: 4294967296, pids: 100 }, reservations: { memory: 1024, devices: [{ capabilities: ['gpu'], count: 2, driver: 'nvidia' }] } } },
      },
      expected: { nanoCpus: 1_500_000_000, memoryBytes: 4294967296, pidsLimit: 100, memoryReservationBytes: 1024, deviceRequests: [{ driver: 'nvidia', count: 2, capabilities: [['gpu']] }] },
    },
    {
      name: 'healthcheck durations as nanoseconds; disable → NONE',
      service: { image: 'a', healthcheck: { test: ['CMD', 'true'], interval: 30e9, timeout: 10e9, retries: 3, start_period: 5e9 } },
      expected: { healthcheck: { test: ['CMD', 'true'], intervalNs: 30e9, timeoutNs: 10e9, retries: 3, startPeriodNs: 5e9 } },
    },
    { name: 'healthcheck disabled', service: { image: 'a', healthcheck: { disable: true } }, expected: { healthcheck: { test: ['NONE'] } } },
    { name: 'restart on-failure:N', service: { image: 'a', restart: 'on-failure:3' }, expected: { restart: { name: 'on-failure', maximumRetryCount: 3 } } },
    { name: 'stop grace period rounds up to seconds', service: { image: 'a', stop_grace_period: 1500e6, stop_signal: 'SIGINT' }, expected: { stopTimeoutSeconds: 2, stopSignal: 'SIGINT' } },
    { name: 'extra_hosts map → host:ip list', service: { image: 'a', extra_hosts: { db: ['10.0.0.2', '10.0.0.3'] } }, expected: { extraHosts: ['db:10.0.0.2', 'db:10.0.0.3'] } },
    {
      name: 'volumes_from and links name the first container of a service',
      service: { image: 'a', volumes_from: ['store:ro', 'container:other'], links: ['store:db'] },
      others: { store: { image: 's' } },
      expected: { volumesFrom: ['p-store-1:ro', 'other'], links: ['p-store-1:db'] },
    },
    { name: 'environment null values are dropped', service: { image: 'a', environment: { A: '1', B: null } }, expected: { env: { A: '1' } } },
    {
      name: 'service: namespaces name the first container of that service',
      service: { image: 'a', network_mode: 'service:store', ipc: 'service:store', pid: 'host' },
      others: { store: { image: 's', container_name: 'the-store' } },
      expected: { networkMode: 'container:the-store', ipcMode: 'container:the-store', pidMode: 'host' },
    },
    { name: 'runtime and kernel knobs', service: { image: 'a', runtime: 'nvidia', mem_swappiness: 0, oom_kill_disable: true, userns_mode: 'host' }, expected: { runtime: 'nvidia', memorySwappiness: 0, oomKillDisable: true, usernsMode: 'host' } },
  ];

  it.each(cases)('$name', ({ service, expected, others }) => {
    expect(containerSpecFor(project({ web: service, ...others }), 'web', 1)).toMatchObject(expected);
  });

  it('writes Compose labels that Compose tools read', () => {
    const spec = containerSpecFor(project({ web: { image: 'a', depends_on: { db: { condition: 'service_healthy', required: true, restart: true } } }, db: { image: 'b' } }), 'web', 2);
    expect(spec.labels).toMatchObject({
      'com.docker.compose.project': 'p',
      'com.docker.compose.service': 'web',
      'com.docker.compose.container-number': '2',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.project.working_dir': '/w',
      'com.docker.compose.project.config_files': '/w/compose.yaml',
      'com.docker.compose.depends_on': 'db:service_healthy:true',
    });
  });

  it.each([
    [{ image: 'a', restart: 'sometimes' }, 'service "web": restart: "sometimes" is not one of no, always, on-failure[:N], unless-stopped'],
    [{ image: 'a', volumes: [{ type: 'volume' as const, source: 'nope', target: '/x' }] }, 'service "web": volumes[0].source: volume "nope" is not declared in the top-level volumes section'],
    [{ image: 'a', network_mode: 'service:db' }, 'service "web": network_mode: "service:db" names a service that is not in the project (or not enabled)'],
    [{ image: 'a', uts: 'service:db' }, /uts: "service:db": the engine shares only the host's UTS namespace/],
  ])('refuses %j', (service, message) => {
    expect(() => containerSpecFor(project({ web: service as Service }), 'web', 1)).toThrow(ServiceConfigError);
    expect(() => containerSpecFor(project({ web: service as Service }), 'web', 1)).toThrow(message);
  });
});
