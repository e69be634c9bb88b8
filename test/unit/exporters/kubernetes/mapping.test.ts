/**
 * The mapping, key by key, on projects written in code: each case is a
 * service (and options), what the objects must hold, and which keys must be
 * warned about. Every result also passes the schema and cluster checks.
 */
import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../../../../src/compose/model.js';
import { KubernetesExportError } from '../../../../src/exporters/kubernetes/context.js';
import { type KubernetesExportOptions, kubernetesManifests } from '../../../../src/exporters/kubernetes/manifests.js';
import type { KubernetesManifests } from '../../../../src/exporters/kubernetes/types.js';
import { find, projectOf, roundTrip, workload } from './helpers.js';
import { allIssues } from './schema.js';

const IMAGE = 'example/app:1';
const web = (extra: Partial<Service> = {}): Service => ({ image: IMAGE, networks: { default: null }, ...extra });
const container = (r: KubernetesManifests, name = 'app') => workload(r.objects, name).spec.template.spec.containers[0]!;
const pod = (r: KubernetesManifests, name = 'app') => workload(r.objects, name).spec.template.spec;
const keysWarned = (r: KubernetesManifests, service = 'app') => r.warnings.filter((w) => w.service === service).map((w) => w.key);

interface Case {
  name: string;
  services?: Record<string, Service>;
  service?: Partial<Service>;
  project?: Partial<Project>;
  options?: KubernetesExportOptions;
  external?: { secrets?: string[]; configMaps?: string[]; claims?: string[] };
  check(r: KubernetesManifests): void;
  /** Exactly these keys of `app` are warned about. */
  warned?: string[];
}

const CASES: Case[] = [
  {
    name: 'a plain service: Deployment + ClusterIP Service, recommended labels, selector on name and instance',
    service: { ports: [{ target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' }] },
    check: (r) => {
      const d = workload(r.objects, 'app');
      expect(d.kind).toBe('Deployment');
      expect(d.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/component': 'service', 'app.kubernetes.io/managed-by': 'modelstack' });
      if (d.kind === 'Deployment') expect(d.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/instance': 'demo' });
      expect(find(r.objects, 'Service', 'app').spec).toEqual({
        type: 'ClusterIP',
        selector: { 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/instance': 'demo' },
        ports: [{ name: 'tcp-80', port: 80, targetPort: 80, protocol: 'TCP' }],
      });
      expect(r.warnings[0]?.message).toMatch(/kubectl port-forward service\/app 8080:80/);
    },
    warned: ['ports'],
  },
  {
    name: 'endpoint_mode: dnsrr → a headless Service (DNS round robin) that keeps its ports',
    service: { expose: ['5432'], deploy: { endpoint_mode: 'dnsrr', replicas: 2 } },
    check: (r) => {
      expect(find(r.objects, 'Service', 'app').spec).toMatchObject({ clusterIP: 'None', ports: [{ port: 5432, targetPort: 5432 }] });
      expect(find(r.objects, 'Service', 'app').spec.type).toBeUndefined();
      expect(workload(r.objects, 'app')).toMatchObject({ kind: 'Deployment', spec: { replicas: 2 } });
    },
    warned: [],
  },
  {
    name: 'a service without ports still gets its DNS name: a headless Service without ports',
    service: {},
    check: (r) => expect(find(r.objects, 'Service', 'app').spec).toEqual({ clusterIP: 'None', selector: expect.any(Object) }),
    warned: [],
  },
  {
    name: 'named volume → a claim (size from driver_opts.size, Compose units) and a StatefulSet mounting it',
    service: { volumes: [{ type: 'volume', source: 'data', target: '/var/lib/data', read_only: true }], scale: 1 },
    project: { volumes: { data: { name: 'demo_data', driver_opts: { size: '20g' } } } },
    options: { storageClassName: 'fast' },
    check: (r) => {
      const s = workload(r.objects, 'app');
      expect(s.kind).toBe('StatefulSet');
      if (s.kind === 'StatefulSet') expect(s.spec).toMatchObject({ serviceName: 'app', podManagementPolicy: 'Parallel', replicas: 1 });
      expect(pod(r).volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
      expect(container(r).volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/data', readOnly: true }]);
      expect(find(r.objects, 'PersistentVolumeClaim', 'data').spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '20Gi' } } });
    },
    warned: [],
  },
  {
    name: 'a volume shared by replicas or services is warned about for ReadWriteOnce claims',
    services: {
      app: web({ volumes: [{ type: 'volume', source: 'shared', target: '/a' }], deploy: { replicas: 3 } }),
      other: web({ volumes: [{ type: 'volume', source: 'shared', target: '/b' }] }),
    },
    project: { volumes: { shared: { name: 'demo_shared' } } },
    check: (r) => {
      const w = r.warnings.find((x) => x.key === 'volumes.shared');
      expect(w?.service).toBeUndefined();
      expect(w?.message).toMatch(/shared by app \(3 replicas\), other: a ReadWriteOnce claim/);
      expect(kubernetesManifests(projectOf({ app: web({ volumes: [{ type: 'volume', source: 'shared', target: '/a' }], deploy: { replicas: 3 } }) }, { volumes: { shared: { name: 'demo_shared' } } }), { accessMode: 'ReadWriteMany' }).warnings).toEqual([]);
    },
    warned: [],
  },
  {
    name: 'deploy.mode: global → DaemonSet',
    service: { deploy: { mode: 'global' } },
    check: (r) => expect(workload(r.objects, 'app').kind).toBe('DaemonSet'),
    warned: [],
  },
  {
    name: 'a service others wait for with service_completed_successfully → Job that runs once; the waiter is warned',
    services: {
      app: web({ command: ['migrate'], restart: 'on-failure:4' }),
      api: web({ depends_on: { app: { condition: 'service_completed_successfully', required: true, restart: false } } }),
    },
    check: (r) => {
      const job = workload(r.objects, 'app');
      expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completions: 1, parallelism: 1, backoffLimit: 4, template: { spec: { restartPolicy: 'OnFailure' } } } });
      expect(r.objects.some((o) => o.kind === 'Service' && o.metadata.name === 'app')).toBe(false);
      expect(r.warnings.find((w) => w.service === 'api')?.message).toMatch(/no start order.*app \(service_completed_successfully\)/);
    },
    warned: [],
  },
  {
    name: 'deploy.resources → limits and requests; GPU reservations → nvidia.com/gpu; pids warned',
    service: {
      deploy: {
        resources: {
          limits: { cpus: 1.5, memory: 512 * 1024 ** 2, pids: 100 },
          reservations: { cpus: 0.25, memory: 256 * 1024 ** 2, devices: [{ capabilities: ['gpu'], driver: 'nvidia', count: 2 }] },
        },
      },
    },
    check: (r) => expect(container(r).resources).toEqual({ limits: { cpu: '1500m', memory: '512Mi', 'nvidia.com/gpu': '2' }, requests: { cpu: '250m', memory: '256Mi' } }),
    warned: ['deploy.resources.limits.pids'],
  },
  {
    name: '`gpus: all` asks for gpusForAll GPUs, with a warning',
    service: { gpus: [{ capabilities: [], count: -1 }] },
    options: { gpusForAll: 4 },
    check: (r) => expect(container(r).resources).toEqual({ limits: { 'nvidia.com/gpu': '4' } }),
    warned: ['gpus[0].count'],
  },
  {
    name: 'a reservation above the limit becomes the limit',
    service: { cpus: 1, deploy: { resources: { reservations: { cpus: 2 } } } },
    check: (r) => expect(container(r).resources).toEqual({ limits: { cpu: '1' }, requests: { cpu: '1' } }),
    warned: ['deploy.resources.reservations.cpus'],
  },
  {
    name: 'healthcheck → startup, readiness and liveness exec probes (Docker defaults filled in)',
    service: { healthcheck: { test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], start_period: 60e9, start_interval: 2e9 } },
    check: (r) => {
      const exec = { command: ['/bin/sh', '-c', 'curl -f http://localhost/ || exit 1'] };
      expect(container(r).startupProbe).toEqual({ exec, periodSeconds: 2, timeoutSeconds: 30, failureThreshold: 75 });
      expect(container(r).readinessProbe).toEqual({ exec, periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 3 });
      expect(container(r).livenessProbe).toEqual(container(r).readinessProbe);
    },
    warned: [],
  },
  {
    name: 'livenessProbes: false keeps readiness only',
    service: { healthcheck: { test: ['CMD', 'true'], interval: 5e9, retries: 2 } },
    options: { livenessProbes: false },
    check: (r) => {
      expect(container(r).readinessProbe).toMatchObject({ exec: { command: ['true'] }, periodSeconds: 5, failureThreshold: 2 });
      expect(container(r).livenessProbe).toBeUndefined();
    },
    warned: [],
  },
  {
    name: 'user "1000:1000", read_only, caps, no-new-privileges, apparmor → a non-root security context',
    service: { user: '1000:1000', read_only: true, cap_add: ['CAP_NET_BIND_SERVICE'], cap_drop: ['ALL'], security_opt: ['no-new-privileges:true', 'apparmor=unconfined'] },
    check: (r) =>
      expect(container(r).securityContext).toEqual({
        runAsUser: 1000,
        runAsGroup: 1000,
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
        allowPrivilegeEscalation: false,
        appArmorProfile: { type: 'Unconfined' },
      }),
    warned: [],
  },
  {
    name: 'user root is uid 0 without runAsNonRoot; a user name is warned about',
    services: { app: web({ user: 'postgres' }), root: web({ user: '0' }) },
    check: (r) => {
      expect(container(r).securityContext).toBeUndefined();
      expect(container(r, 'root').securityContext).toEqual({ runAsUser: 0 });
    },
    warned: ['user'],
  },
  {
    name: 'entrypoint → command, command → args; $( and $$ escaped from the kubelet; env values too',
    service: { entrypoint: ['/bin/sh', '-c'], command: ['echo $(date) pid $$ home $HOME'], environment: { A: 'x$(y)', B: '$$', C: null } },
    check: (r) => {
      expect(container(r).command).toEqual(['/bin/sh', '-c']);
      expect(container(r).args).toEqual(['echo $$(date) pid $$$ home $HOME']);
      expect(container(r).env).toEqual([{ name: 'A', value: 'x$$(y)' }, { name: 'B', value: '$$$' }]);
    },
    warned: ['environment.C'],
  },
  {
    name: 'an empty entrypoint with a command runs the command alone',
    service: { entrypoint: null, command: ['python', 'app.py'] },
    check: (r) => {
      expect(container(r).command).toEqual(['python', 'app.py']);
      expect(container(r).args).toBeUndefined();
    },
    warned: [],
  },
  {
    name: 'restart: always maps; on-failure cannot be kept by a Deployment',
    services: { app: web({ restart: 'on-failure' }), other: web({ restart: 'always' }) },
    check: (r) => {
      expect(r.warnings.find((w) => w.service === 'app')?.message).toMatch(/restarted whenever their container stops, also after a clean exit/);
      expect(keysWarned(r, 'other')).toEqual([]);
    },
    warned: ['restart'],
  },
  {
    name: 'stop_grace_period, working_dir, hostname, tty, stdin_open, init',
    service: { stop_grace_period: 45e9, working_dir: '/work', hostname: 'box', tty: true, stdin_open: true, init: true },
    check: (r) => {
      expect(pod(r)).toMatchObject({ terminationGracePeriodSeconds: 45, hostname: 'box', shareProcessNamespace: true });
      expect(container(r)).toMatchObject({ workingDir: '/work', tty: true, stdin: true });
    },
    warned: [],
  },
  {
    name: 'configs and secrets: one object each, mounted at Compose targets with their modes',
    service: { configs: [{ source: 'conf' }], secrets: [{ source: 'token', mode: 0o400 }, { source: 'token', target: 'again' }] },
    project: { configs: { conf: { name: 'demo_conf', content: 'a = 1\n' } }, secrets: { token: { name: 'demo_token', content: 's3cret' } } },
    check: (r) => {
      expect(find(r.objects, 'ConfigMap', 'conf').data).toEqual({ conf: 'a = 1\n' });
      expect(find(r.objects, 'Secret', 'token')).toMatchObject({ type: 'Opaque', data: { token: Buffer.from('s3cret').toString('base64') } });
      expect(container(r).volumeMounts).toEqual([
        { name: 'secret-token', mountPath: '/run/secrets/token', subPath: 'token', readOnly: true },
        { name: 'secret-token-2', mountPath: '/run/secrets/again', subPath: 'token', readOnly: true },
        { name: 'config-conf', mountPath: '/conf', subPath: 'conf', readOnly: true },
      ]);
      expect(pod(r).volumes?.[0]).toEqual({ name: 'secret-token', secret: { secretName: 'token', items: [{ key: 'token', path: 'token', mode: 0o400 }] } });
    },
    warned: [],
  },
  {
    name: 'secretData: false writes the Secret without its value, and says how to fill it',
    service: { secrets: [{ source: 'token' }] },
    project: { secrets: { token: { name: 'demo_token', content: 's3cret' } } },
    options: { secretData: false },
    check: (r) => {
      expect(find(r.objects, 'Secret', 'token')).not.toHaveProperty('data');
      expect(r.warnings.find((w) => w.key === 'secrets.token')?.message).toMatch(/kubectl create secret generic token --from-file=token=PATH/);
      expect(JSON.stringify(r.objects)).not.toContain(Buffer.from('s3cret').toString('base64'));
    },
    warned: [],
  },
  {
    name: 'a binary config goes to binaryData',
    service: { configs: [{ source: 'blob', target: '/blob' }] },
    project: { configs: { blob: { name: 'demo_blob', file: '/srv/demo/blob.bin' } } },
    options: { readFile: () => new Uint8Array([0xff, 0xfe, 0x00]) },
    check: (r) => expect(find(r.objects, 'ConfigMap', 'blob')).toMatchObject({ binaryData: { blob: '//4A' } }),
    warned: [],
  },
  {
    name: 'bind mounts are warned about, or exported as hostPath on request',
    service: { volumes: [{ type: 'bind', source: '/srv/code', target: '/code', bind: { create_host_path: true } }] },
    options: { hostPath: true },
    check: (r) => {
      expect(pod(r).volumes).toEqual([{ name: 'host-0', hostPath: { path: '/srv/code', type: 'DirectoryOrCreate' } }]);
      const without = kubernetesManifests(projectOf({ app: web({ volumes: [{ type: 'bind', source: '/srv/code', target: '/code' }] }) }));
      expect(workload(without.objects, 'app').spec.template.spec.volumes).toBeUndefined();
      expect(without.warnings.map((w) => w.key)).toEqual(['volumes[0]']);
    },
    warned: ['volumes[0]'],
  },
  {
    name: 'tmpfs and shm_size → memory emptyDirs',
    service: { tmpfs: ['/run:size=64m,mode=1777'], shm_size: 2 * 1024 ** 3 },
    check: (r) => {
      expect(pod(r).volumes).toEqual([{ name: 'tmpfs-0', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }, { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } }]);
      expect(container(r).volumeMounts?.map((m) => m.mountPath)).toEqual(['/run', '/dev/shm']);
    },
    warned: ['tmpfs[0]'],
  },
  {
    name: 'extra_hosts → hostAliases (host-gateway warned); sysctls → pod sysctls (unsafe ones warned)',
    service: { extra_hosts: { db: ['10.0.0.5'], cache: ['10.0.0.5'], docker: ['host-gateway'] }, sysctls: { 'net.ipv4.tcp_syncookies': '1', 'net.core.somaxconn': '512' } },
    check: (r) => {
      expect(pod(r).hostAliases).toEqual([{ ip: '10.0.0.5', hostnames: ['db', 'cache'] }]);
      expect(pod(r).securityContext?.sysctls).toEqual([{ name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'net.core.somaxconn', value: '512' }]);
      expect(r.warnings.find((w) => w.key === 'sysctls')?.message).toMatch(/^net\.core\.somaxconn is not among/);
    },
    warned: ['extra_hosts.docker', 'sysctls'],
  },
  {
    name: 'network_mode: host → hostNetwork, warned; deploy.placement node labels → nodeSelector',
    service: { network_mode: 'host', networks: undefined, deploy: { placement: { constraints: ['node.labels.gpu == a100', 'node.role == manager'] } } },
    check: (r) => {
      expect(pod(r)).toMatchObject({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet', nodeSelector: { gpu: 'a100' } });
    },
    warned: ['network_mode', 'deploy.placement.constraints[1]'],
  },
  {
    name: 'Compose labels: valid ones stay labels, others become annotations; annotations stay annotations',
    service: { labels: { tier: 'web', 'com.example.description': 'The web tier', 'bad key!': 'x' }, annotations: { 'example.com/owner': 'team a' } },
    check: (r) => {
      const meta = workload(r.objects, 'app').spec.template.metadata;
      expect(meta.labels).toMatchObject({ tier: 'web' });
      expect(meta.annotations).toEqual({ 'com.example.description': 'The web tier', 'example.com/owner': 'team a' });
    },
    warned: ['labels["bad key!"]'],
  },
  {
    name: 'a service name Kubernetes refuses is renamed, with a warning naming the new name',
    services: { Web_App: web({ expose: ['80'] }) },
    check: (r) => {
      expect(workload(r.objects, 'web-app').spec.template.spec.containers[0]!.name).toBe('web-app');
      expect(find(r.objects, 'Service', 'web-app').spec.selector['app.kubernetes.io/name']).toBe('Web_App');
      expect(r.warnings).toEqual([expect.objectContaining({ service: 'Web_App', key: '', message: expect.stringMatching(/must use "web-app"/) })]);
    },
  },
  {
    name: 'depends_on names every dependency and its condition',
    services: { app: web({ depends_on: { db: { condition: 'service_healthy', required: true, restart: true }, cache: { condition: 'service_started', required: false, restart: false } } }), db: web(), cache: web() },
    check: (r) => expect(r.warnings.find((w) => w.key === 'depends_on')?.message).toMatch(/without waiting for db \(service_healthy, restart\), cache \(service_started, optional\).*initContainer/),
    warned: ['depends_on'],
  },
  {
    name: 'build without image: the image Compose would build, and a warning',
    service: { image: undefined, build: { context: '/srv/demo/app' } },
    check: (r) => expect(container(r).image).toBe('demo-app'),
    warned: ['build'],
  },
  {
    name: 'namespace on every object',
    service: { volumes: [{ type: 'volume', source: 'v', target: '/v' }], secrets: [{ source: 's' }] },
    project: { volumes: { v: { name: 'demo_v' } }, secrets: { s: { name: 'demo_s', content: 'x' } } },
    options: { namespace: 'models' },
    check: (r) => expect(r.objects.map((o) => o.metadata.namespace)).toEqual(['models', 'models', 'models', 'models']),
    warned: [],
  },
];

describe('kubernetesManifests mapping', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const project = projectOf(c.services ?? { app: web(c.service) }, c.project);
    const result = kubernetesManifests(project, c.options);
    expect(allIssues(result.objects, c.external)).toEqual([]);
    expect(roundTrip(result.objects).yaml11).toStrictEqual(result.objects);
    c.check(result);
    if (c.warned) expect(keysWarned(result).sort()).toEqual([...c.warned].sort());
  });

  it.each([
    [{ namespace: 'Not_A_Namespace' }, /namespace "Not_A_Namespace"/],
    [{ volumeSize: 'ten gigs' }, /volume size "ten gigs"/],
    [{ gpusForAll: 0 }, /GPUs for "all"/],
    [{ accessMode: 'ReadOnlyMany' as never }, /access mode "ReadOnlyMany"/],
  ])('refuses the option %j', (options, message) => {
    expect(() => kubernetesManifests(projectOf({ app: web() }), options)).toThrow(KubernetesExportError);
    expect(() => kubernetesManifests(projectOf({ app: web() }), options)).toThrow(message);
  });
});
