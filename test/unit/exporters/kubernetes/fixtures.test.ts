/**
 * Real-world compose files (the conformance fixtures) and the seed's file,
 * exported: every object passes the Kubernetes 1.33 OpenAPI schema, names
 * only fields the schema defines, obeys the API server's name and label
 * rules, references only objects that exist (or that a warning says must
 * exist), and survives the trip through YAML text unchanged. Each fixture
 * also asserts the mappings it is there for.
 */
import { describe, expect, it } from 'vitest';
import { kubernetesManifests } from '../../../../src/exporters/kubernetes/manifests.js';
import type { KubernetesManifests } from '../../../../src/exporters/kubernetes/types.js';
import { find, loadFixture, roundTrip, workload } from './helpers.js';
import { allIssues } from './schema.js';

interface FixtureCase {
  folder: string;
  profiles?: string[];
  env?: Record<string, string>;
  /** Names the export expects to exist in the cluster already (it warned about them). */
  external?: { secrets?: string[]; configMaps?: string[]; claims?: string[] };
  check(result: KubernetesManifests): void;
}

const warned = (r: KubernetesManifests, service: string | undefined, key: string): boolean => r.warnings.some((w) => w.service === service && w.key === key);

const CASES: FixtureCase[] = [
  {
    folder: 'seed',
    check: ({ objects, warnings }) => {
      // The seed's container names have underscores; its services do not.
      expect(workload(objects, 'tf-model-1').kind).toBe('Deployment');
      const c = workload(objects, 'tf-model-1').spec.template.spec.containers[0]!;
      expect(c.args?.[0]).toBe('bash');
      expect(c.env).toEqual([{ name: 'JUPYTER_ENABLE_LAB', value: 'yes' }]);
      expect(find(objects, 'Service', 'tf-model-2').spec.ports?.map((p) => p.port)).toEqual([8888, 22]);
      expect(warnings.filter((w) => w.key === 'volumes[0]').map((w) => w.service)).toEqual(['tf-model-1', 'tf-model-2']);
      expect(warnings.filter((w) => w.key === 'container_name')).toHaveLength(2);
    },
  },
  {
    folder: 'conformance/django-postgres',
    env: { SQL_USER: 'django' },
    check: (r) => {
      const db = workload(r.objects, 'db');
      expect(db.kind).toBe('StatefulSet');
      expect(find(r.objects, 'PersistentVolumeClaim', 'postgres-data').spec.resources.requests.storage).toBe('1Gi');
      // $${POSTGRES_USER} is $POSTGRES_USER after loading: no $( to escape.
      expect(db.spec.template.spec.containers[0]!.readinessProbe?.exec.command).toEqual(['/bin/sh', '-c', 'pg_isready -U ${POSTGRES_USER}']);
      expect(warned(r, 'web', 'depends_on')).toBe(true);
      expect(warned(r, 'web', 'build')).toBe(true);
      expect(workload(r.objects, 'web').spec.template.spec.containers[0]!.image).toBe('django_postgres-web');
    },
  },
  {
    folder: 'conformance/wordpress-mysql',
    check: (r) => {
      expect(workload(r.objects, 'db').kind).toBe('StatefulSet');
      expect(workload(r.objects, 'wordpress').kind).toBe('StatefulSet');
      expect(find(r.objects, 'Service', 'db').spec.ports?.map((p) => [p.name, p.port, p.targetPort])).toEqual([['tcp-3306', 3306, 3306], ['tcp-33060', 33060, 33060]]);
      expect(find(r.objects, 'Service', 'wordpress').spec.type).toBe('ClusterIP');
      expect(r.warnings).toEqual([expect.objectContaining({ service: 'wordpress', key: 'ports' })]);
    },
  },
  {
    folder: 'conformance/nextcloud-redis-mariadb',
    check: (r) => {
      expect(find(r.objects, 'Service', 'redis').spec.ports?.[0]?.port).toBe(6379);
      expect(warned(r, 'nc', 'networks')).toBe(true);
    },
  },
  {
    folder: 'conformance/gitea-postgres',
    check: (r) => {
      expect(warned(r, 'gitea', 'volumes[1]')).toBe(true);
      expect(workload(r.objects, 'gitea').spec.template.spec.volumes?.map((v) => v.name)).toEqual(['git-data']);
    },
  },
  {
    folder: 'conformance/nginx-flask-mysql',
    check: (r) => {
      const db = workload(r.objects, 'db').spec.template.spec;
      expect(db.containers[0]!.volumeMounts).toContainEqual({ name: 'secret-db-password', mountPath: '/run/secrets/db-password', subPath: 'db-password', readOnly: true });
      expect(db.volumes).toContainEqual({ name: 'secret-db-password', secret: { secretName: 'db-password', items: [{ key: 'db-password', path: 'db-password', mode: 0o444 }] } });
      // $$(cat ...) in the file is $(cat ...) for the shell: escaped so the kubelet leaves it alone.
      expect(db.containers[0]!.readinessProbe?.exec.command[2]).toBe('mysqladmin ping -h 127.0.0.1 --password="$$(cat /run/secrets/db-password)" --silent');
      expect(db.containers[0]!.startupProbe).toMatchObject({ periodSeconds: 3, failureThreshold: 15 });
      expect(find(r.objects, 'Secret', 'db-password').data?.['db-password']).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(warned(r, 'backend', 'stop_signal')).toBe(true);
    },
  },
  {
    folder: 'conformance/prometheus-grafana',
    check: (r) => {
      expect(workload(r.objects, 'prometheus').spec.template.spec.containers[0]!.args).toEqual(['--config.file=/etc/prometheus/prometheus.yml']);
      expect(warned(r, 'grafana', 'volumes[0]')).toBe(true);
    },
  },
  {
    folder: 'conformance/elk',
    check: (r) => {
      const es = workload(r.objects, 'elasticsearch').spec.template.spec.containers[0]!;
      expect(es.resources).toEqual({ limits: { memory: '1Gi' } });
      expect(es.env).toContainEqual({ name: 'discovery.type', value: 'single-node' });
      expect(warned(r, 'elasticsearch', 'ulimits')).toBe(true);
      expect(find(r.objects, 'Service', 'logstash').spec.ports?.map((p) => `${p.port}/${p.protocol}`)).toEqual(['5000/TCP', '5000/UDP', '5044/TCP', '9600/TCP']);
    },
  },
  {
    folder: 'conformance/configs-secrets',
    env: { API_KEY: 'the-key', APP_CONFIG: 'level = 3' },
    external: { configMaps: [], secrets: ['from-content'] },
    check: (r) => {
      const app = workload(r.objects, 'app').spec.template.spec;
      const paths = app.containers[0]!.volumeMounts!.map((m) => m.mountPath);
      expect(paths).toEqual(['/run/secrets/token', '/run/secrets/token-copy', '/etc/keys/api', '/run/secrets/from-content', '/plain', '/etc/app/templated.conf', '/relative.conf', '/inline']);
      expect(app.volumes).toContainEqual({ name: 'secret-token-2', secret: { secretName: 'token', items: [{ key: 'token', path: 'token', mode: 0o400 }] } });
      expect(find(r.objects, 'ConfigMap', 'from-env').data).toEqual({ 'from-env': 'level = 3' });
      expect(find(r.objects, 'Secret', 'api-key').data).toEqual({ 'api-key': Buffer.from('the-key').toString('base64') });
      expect(find(r.objects, 'ConfigMap', 'inline').data?.inline).toContain('price = $5');
      expect(r.objects.some((o) => o.metadata.name === 'from-content')).toBe(false);
      expect(warned(r, undefined, 'secrets.from-content')).toBe(true);
      expect(warned(r, undefined, 'configs.templated.template_driver')).toBe(true);
      expect(warned(r, 'app', 'configs[1].uid')).toBe(true);
    },
  },
  {
    folder: 'conformance/healthchecks',
    check: (r) => {
      const probes = (name: string) => workload(r.objects, name).spec.template.spec.containers[0]!;
      expect(probes('shell-form').startupProbe).toEqual({ exec: { command: ['/bin/sh', '-c', 'wget -q -O- http://localhost:8080/health || exit 1'] }, periodSeconds: 5, timeoutSeconds: 10, failureThreshold: 62 });
      expect(probes('shell-form').readinessProbe).toMatchObject({ periodSeconds: 90, timeoutSeconds: 10, failureThreshold: 3 });
      expect(probes('exec-form').livenessProbe).toEqual({ exec: { command: ['curl', '-f', 'http://localhost'] }, periodSeconds: 1, timeoutSeconds: 3723, failureThreshold: 3 });
      for (const none of ['disabled', 'none', 'only-interval']) expect(probes(none).readinessProbe).toBeUndefined();
      expect(warned(r, 'only-interval', 'healthcheck')).toBe(true);
      expect(warned(r, 'exec-form', 'healthcheck.interval')).toBe(true);
    },
  },
  {
    folder: 'conformance/gpu-resources',
    check: (r) => {
      const limits = (name: string) => workload(r.objects, name).spec.template.spec.containers[0]!.resources?.limits;
      // all (1 by default) + 2 + two device ids
      expect(limits('trainer')).toEqual({ cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '5' });
      expect(limits('inference')).toEqual({ cpu: '1500m', memory: '2Gi', 'nvidia.com/gpu': '1' });
      expect(limits('pinned')).toEqual({ 'nvidia.com/gpu': '2' });
      expect(warned(r, 'trainer', 'deploy.resources.reservations.devices[3].capabilities')).toBe(true);
      expect(warned(r, 'pinned', 'gpus[0].device_ids')).toBe(true);
    },
  },
  {
    folder: 'conformance/tf-serving-models',
    check: (r) => {
      const sentiment = workload(r.objects, 'sentiment').spec.template.spec;
      expect(sentiment.containers[0]!.resources).toEqual({ limits: { cpu: '2', memory: '6Gi', 'nvidia.com/gpu': '1' } });
      expect(sentiment.terminationGracePeriodSeconds).toBe(30);
      expect(sentiment.shareProcessNamespace).toBe(true);
      expect(sentiment.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } });
      const gateway = workload(r.objects, 'gateway').spec.template.spec;
      expect(gateway.containers[0]!.securityContext).toEqual({ readOnlyRootFilesystem: true });
      expect(gateway.volumes).toEqual([{ name: 'tmpfs-0', emptyDir: { medium: 'Memory' } }, { name: 'tmpfs-1', emptyDir: { medium: 'Memory' } }]);
      expect(r.warnings.find((w) => w.service === 'gateway' && w.key === 'depends_on')?.message).toMatch(/intent \(service_healthy\), sentiment \(service_healthy, restart\)/);
      expect(warned(r, 'intent', 'restart')).toBe(true);
      expect(warned(r, 'intent', 'ulimits')).toBe(true);
    },
  },
  {
    folder: 'conformance/volumes-full',
    external: { claims: ['ext', 'actual-name'] },
    check: (r) => {
      const app = workload(r.objects, 'app');
      expect(app.kind).toBe('StatefulSet');
      expect(app.spec.template.spec.containers[0]!.volumeMounts).toEqual([
        { name: 'cache', mountPath: '/cache', subPath: 'sub/dir' },
        { name: 'tmpfs-volume-2', mountPath: '/scratch' },
        { name: 'anon-3', mountPath: '/anon' },
        { name: 'cache', mountPath: '/c2' },
      ]);
      expect(find(r.objects, 'PersistentVolumeClaim', 'cache').metadata.labels).toMatchObject({ 'com.example.vol': 'cache' });
      expect(warned(r, undefined, 'volumes.cache.driver_opts')).toBe(true);
      expect(warned(r, 'npipe', 'volumes[0]')).toBe(true);
    },
  },
  {
    folder: 'conformance/deploy-full',
    check: (r) => {
      const api = workload(r.objects, 'api');
      expect(api.kind).toBe('Deployment');
      if (api.kind !== 'Deployment') return;
      expect(api.spec.replicas).toBe(3);
      expect(api.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } });
      expect(api.metadata.labels).toMatchObject({ 'com.example.tier': 'backend' });
      expect(api.spec.template.spec.containers[0]!.resources).toEqual({ limits: { cpu: '500m', memory: '50Mi' }, requests: { cpu: '250m', memory: '20Mi' } });
      expect(workload(r.objects, 'worker').kind).toBe('DaemonSet');
      expect(warned(r, 'api', 'deploy.placement.constraints[0]')).toBe(true);
      expect(warned(r, 'api', 'deploy.restart_policy.condition')).toBe(true);
      expect(warned(r, 'worker', 'scale')).toBe(true);
    },
  },
  {
    folder: 'conformance/every-service-key',
    profiles: ['all'],
    env: { FROM_SHELL: 'shell value' },
    check: (r) => {
      const main = workload(r.objects, 'main').spec.template.spec;
      expect(main.containers[0]!.securityContext).toEqual({
        runAsUser: 1000,
        runAsNonRoot: true,
        runAsGroup: 1000,
        readOnlyRootFilesystem: true,
        privileged: true,
        capabilities: { add: ['NET_ADMIN', 'SYS_TIME'], drop: ['MKNOD'] },
        seLinuxOptions: { user: 'USER' },
        seccompProfile: { type: 'Unconfined' },
      });
      expect(main.hostPID).toBe(true);
      expect(main.shareProcessNamespace).toBeUndefined(); // init cannot be kept next to pid: host
      expect(warned(r, 'main', 'init')).toBe(true);
      expect(main.hostAliases).toEqual([{ ip: '162.242.195.82', hostnames: ['somehost'] }, { ip: '50.31.209.229', hostnames: ['otherhost'] }, { ip: '::1', hostnames: ['ipv6host'] }]);
      expect(main.dnsConfig).toEqual({ nameservers: ['8.8.8.8'], searches: ['example.com'], options: [{ name: 'use-vc' }, { name: 'no-tld-query' }] });
      expect(main.terminationGracePeriodSeconds).toBe(90);
      expect(main.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' });
      expect(main.containers[0]!.env).toContainEqual({ name: 'FROM_SHELL', value: 'shell value' });
      expect(main.containers[0]!.command).toEqual(['/entry.sh', '--verbose']);
      expect(main.containers[0]!.args).toEqual(['sh', '-c', "echo 'hello world' && sleep 10"]);
      expect(workload(r.objects, 'other').kind).toBe('Deployment');
    },
  },
];

describe('exported fixtures', () => {
  it.each(CASES.map((c) => [c.folder, c] as const))('%s: valid objects, expected mappings, a lossless round trip', async (_folder, c) => {
    const project = await loadFixture(c.folder, { ...(c.profiles ? { profiles: c.profiles } : {}), ...(c.env ? { env: c.env } : {}) });
    const result = kubernetesManifests(project);
    expect(result.objects.length).toBeGreaterThan(0);
    expect(allIssues(result.objects, c.external)).toEqual([]);
    c.check(result);
    const trip = roundTrip(result.objects);
    expect(trip.yaml12).toStrictEqual(result.objects);
    expect(trip.yaml11).toStrictEqual(result.objects);
    expect(trip.json).toStrictEqual(result.objects);
    expect(trip.text.split(/^---$/m)).toHaveLength(result.objects.length);
  });
});
