/**
 * Normalization to Compose's long form, one table per key family. Each
 * case loads a real compose file (so the schema's canonical rewrite and
 * normalize.ts are tested together) and looks at the model.
 */
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../../../src/compose/model.js';
import { loadFiles } from './temp-project.js';

const TOP = 'volumes:\n  data: {}\nnetworks:\n  front: {}\nsecrets:\n  a: {file: ./a}\n  b: {file: ./b}\nconfigs:\n  a: {content: x}\n';

/** Loads a project with one service `s` written as `body` (indented under it). */
async function service(body: string, extra: Record<string, string> = {}, env: Record<string, string> = {}): Promise<{ s: Service; project: Project; dir: string }> {
  const yaml = `services:\n  s:\n    image: busybox\n${body.split('\n').map((l) => `    ${l}`).join('\n')}\n${TOP}`;
  const { project, dir } = await loadFiles({ 'compose.yaml': yaml, ...extra }, { env: { HOME: '/home/tester', ...env } });
  return { s: project.services.s as Service, project, dir };
}

describe('ports', () => {
  const cases: Array<{ input: string; expected: unknown[] }> = [
    { input: '3000', expected: [{ target: 3000, protocol: 'tcp', mode: 'ingress' }] },
    { input: '"3000"', expected: [{ target: 3000, protocol: 'tcp', mode: 'ingress' }] },
    {
      input: '"3000-3002"',
      expected: [3000, 3001, 3002].map((target) => ({ target, protocol: 'tcp', mode: 'ingress' })),
    },
    { input: '"8000:80"', expected: [{ target: 80, published: '8000', protocol: 'tcp', mode: 'ingress' }] },
    { input: '"127.0.0.1:8001:8001"', expected: [{ target: 8001, published: '8001', host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' }] },
    { input: '"127.0.0.1::5000"', expected: [{ target: 5000, host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' }] },
    {
      input: '"9090-9091:8080-8081"',
      expected: [
        { target: 8080, published: '9090', protocol: 'tcp', mode: 'ingress' },
        { target: 8081, published: '9091', protocol: 'tcp', mode: 'ingress' },
      ],
    },
    { input: '"12400-12500:1240"', expected: [{ target: 1240, published: '12400-12500', protocol: 'tcp', mode: 'ingress' }] },
    { input: '"6060:6060/udp"', expected: [{ target: 6060, published: '6060', protocol: 'udp', mode: 'ingress' }] },
    { input: '"[::1]:6001:6001"', expected: [{ target: 6001, published: '6001', host_ip: '::1', protocol: 'tcp', mode: 'ingress' }] },
    {
      input: '{target: "80", published: 8080, host_ip: 127.0.0.1, protocol: udp, mode: host, name: web, app_protocol: http}',
      expected: [{ target: 80, published: '8080', host_ip: '127.0.0.1', protocol: 'udp', mode: 'host', name: 'web', app_protocol: 'http' }],
    },
    { input: '{target: 80}', expected: [{ target: 80, protocol: 'tcp', mode: 'ingress' }] },
  ];
  it.each(cases)('$input', async ({ input, expected }) => {
    const { s } = await service(`ports:\n  - ${input}`);
    expect(s.ports).toEqual(expected);
  });
});

describe('volumes', () => {
  const cases: Array<{ input: string; expected: (dir: string) => unknown }> = [
    { input: '"./code:/code"', expected: (d) => ({ type: 'bind', source: `${d}/code`, target: '/code', bind: { create_host_path: true } }) },
    { input: '"../shared:/s:ro"', expected: (d) => ({ type: 'bind', source: `${dirname(d)}/shared`, target: '/s', read_only: true, bind: { create_host_path: true } }) },
    { input: '"~/models:/models"', expected: () => ({ type: 'bind', source: '/home/tester/models', target: '/models', bind: { create_host_path: true } }) },
    { input: '"/abs:/abs:rw,z,rshared"', expected: () => ({ type: 'bind', source: '/abs', target: '/abs', bind: { create_host_path: true, selinux: 'z', propagation: 'rshared' } }) },
    { input: '"data:/data"', expected: () => ({ type: 'volume', source: 'data', target: '/data', volume: {} }) },
    { input: '"data:/data:ro,nocopy"', expected: () => ({ type: 'volume', source: 'data', target: '/data', read_only: true, volume: { nocopy: true } }) },
    { input: '"/anonymous"', expected: () => ({ type: 'volume', target: '/anonymous', volume: {} }) },
    { input: '{type: bind, source: rel, target: /r}', expected: (d) => ({ type: 'bind', source: `${d}/rel`, target: '/r' }) },
    { input: '{type: volume, source: data, target: /d, read_only: "true"}', expected: () => ({ type: 'volume', source: 'data', target: '/d', read_only: true }) },
    { input: '{type: tmpfs, target: /tmp, tmpfs: {size: 64m, mode: "1777"}}', expected: () => ({ type: 'tmpfs', target: '/tmp', tmpfs: { size: 67108864, mode: 0o1777 } }) },
  ];
  it.each(cases)('$input', async ({ input, expected }) => {
    const { s, dir } = await service(`volumes:\n  - ${input}`);
    expect(s.volumes).toEqual([expected(dir)]);
  });
});

describe('environment, env_file and labels', () => {
  it.each<{ name: string; body: string; env: Record<string, string>; expected: Record<string, string | null> }>([
    { name: 'list form; KEY alone is taken from the environment, else null', body: 'environment: ["A=1", "B", "C=", "D"]', env: { B: 'from-env' }, expected: { A: '1', B: 'from-env', C: '', D: null } },
    { name: 'map form; numbers and booleans become strings', body: 'environment: {A: 1, B: true, C: null, D: ""}', env: {}, expected: { A: '1', B: 'true', C: null, D: '' } },
    { name: 'a value containing "="', body: 'environment: ["URL=a=b"]', env: {}, expected: { URL: 'a=b' } },
  ])('$name', async ({ body, env, expected }) => {
    const { s } = await service(body, {}, env);
    expect(s.environment).toEqual(expected);
  });

  it('env_file values come first, environment wins, later files win over earlier ones', async () => {
    const { s, dir } = await service('env_file: [a.env, {path: b.env, required: false}, {path: missing.env, required: false}]\nenvironment: {FROM_ENV: yes}', {
      'a.env': 'A=1\nSHARED=a\nFROM_ENV=file\n',
      'b.env': 'SHARED=b\nREF=${A:-x}-${HOME}\n',
    });
    // As in Compose, b.env sees a.env's values first (then the project environment).
    expect(s.environment).toEqual({ A: '1', SHARED: 'b', FROM_ENV: 'yes', REF: '1-/home/tester' });
    expect(s.env_file).toEqual([
      { path: `${dir}/a.env`, required: true },
      { path: `${dir}/b.env`, required: false },
      { path: `${dir}/missing.env`, required: false },
    ]);
  });

  it('label_file values come first, labels win; the files are not kept (Compose discards them once read)', async () => {
    const { s } = await service('label_file: [a.labels]\nlabels: {b: mine}', { 'a.labels': 'a=1\nb=file\n' });
    expect(s.labels).toEqual({ a: '1', b: 'mine' });
    expect(s).not.toHaveProperty('label_file');
  });

  it('labels: list and map forms, a key alone is an empty label', async () => {
    const { s } = await service('labels: ["a=b", "c"]\nannotations: {x: 1}');
    expect(s.labels).toEqual({ a: 'b', c: '' });
    expect(s.annotations).toEqual({ x: '1' });
  });
});

describe('command and entrypoint', () => {
  it.each([
    { body: 'command: echo "hello world" \'a b\' c\\ d', expected: ['echo', 'hello world', 'a b', 'c d'] },
    { body: 'command: ["sh", "-c", "echo $$HOME"]', expected: ['sh', '-c', 'echo $HOME'] },
    { body: 'command: bash -c "a && b"', expected: ['bash', '-c', 'a && b'] },
    { body: 'command: ""', expected: [] },
    { body: 'command: []', expected: [] },
    { body: 'command: null', expected: undefined },
    { body: 'entrypoint: /bin/sh -c', expected: undefined, entrypoint: ['/bin/sh', '-c'] },
  ])('$body', async ({ body, expected, entrypoint }) => {
    const { s } = await service(body);
    expect(s.command).toEqual(expected);
    if (entrypoint) expect(s.entrypoint).toEqual(entrypoint);
  });
});

describe('healthcheck', () => {
  it.each([
    { body: 'test: curl -f http://x || exit 1', expected: { test: ['CMD-SHELL', 'curl -f http://x || exit 1'] } },
    { body: 'test: ["CMD", "curl", "-f"]\ninterval: 1m30s\ntimeout: 10s\nretries: 3\nstart_period: 500ms\nstart_interval: 1s', expected: { test: ['CMD', 'curl', '-f'], interval: 90e9, timeout: 10e9, retries: 3, start_period: 500e6, start_interval: 1e9 } },
    { body: 'test: ["NONE"]', expected: { test: ['NONE'] } },
    { body: 'disable: true', expected: { disable: true } },
  ])('$body', async ({ body, expected }) => {
    const { s } = await service(`healthcheck:\n${body.split('\n').map((l) => `  ${l}`).join('\n')}`);
    expect(s.healthcheck).toEqual(expected);
  });
});

describe('depends_on', () => {
  const extra = '  db:\n    image: x\n  cache:\n    image: x';
  it.each([
    { body: 'depends_on: [db, cache]', expected: { db: { condition: 'service_started', required: true, restart: false }, cache: { condition: 'service_started', required: true, restart: false } } },
    {
      body: 'depends_on:\n  db: {condition: service_healthy, restart: "true"}\n  cache: {condition: service_completed_successfully, required: false}',
      expected: { db: { condition: 'service_healthy', required: true, restart: true }, cache: { condition: 'service_completed_successfully', required: false, restart: false } },
    },
    { body: 'links: ["db:database"]\nvolumes_from: [cache]', expected: { db: { condition: 'service_started', required: true, restart: true }, cache: { condition: 'service_started', required: true, restart: false } } },
  ])('$body', async ({ body, expected }) => {
    const yaml = `services:\n  s:\n    image: busybox\n${body.split('\n').map((l) => `    ${l}`).join('\n')}\n${extra}\n`;
    const { project } = await loadFiles({ 'compose.yaml': yaml });
    expect(project.services.s?.depends_on).toEqual(expected);
  });
});

describe('resources and units', () => {
  it.each([
    { body: 'mem_limit: 512m\nmemswap_limit: -1\nshm_size: "1gb"\ncpus: "1.5"\npids_limit: 100\nstop_grace_period: 1m30s', check: (s: Service) => {
      expect([s.mem_limit, s.memswap_limit, s.shm_size, s.cpus, s.pids_limit, s.stop_grace_period]).toEqual([536870912, -1, 1073741824, 1.5, 100, 90e9]);
      // The legacy keys stay where they were written, as in Compose's model.
      expect(s.deploy).toBeUndefined();
    } },
    { body: 'mem_reservation: 256m', check: (s: Service) => expect([s.mem_reservation, s.deploy]).toEqual([268435456, undefined]) },
    { body: 'cpus: 0.5\ndeploy: {resources: {limits: {cpus: "0.50"}}}', check: (s: Service) => expect([s.cpus, s.deploy?.resources?.limits]).toEqual([0.5, { cpus: 0.5 }]) },
    {
      body: 'deploy:\n  replicas: 2\n  resources:\n    limits: {cpus: "0.5", memory: 4G, pids: 64}\n    reservations:\n      cpus: 0.25\n      memory: 1g\n      devices:\n        - {driver: nvidia, count: all, capabilities: [gpu]}\n        - {count: "2", capabilities: [gpu, utility], options: ["a=b"]}\n        - {device_ids: ["0", "1"], capabilities: [gpu]}\n        - {capabilities: [tpu]}\n  restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}',
      check: (s: Service) => {
        // deploy.replicas stays there; `scale` is only what `scale:` says.
        expect(s.scale).toBeUndefined();
        expect(s.deploy).toEqual({
          replicas: 2,
          resources: {
            limits: { cpus: 0.5, memory: 4294967296, pids: 64 },
            reservations: {
              cpus: 0.25,
              memory: 1073741824,
              devices: [
                { driver: 'nvidia', count: -1, capabilities: ['gpu'] },
                { count: 2, capabilities: ['gpu', 'utility'], options: { a: 'b' } },
                { device_ids: ['0', '1'], capabilities: ['gpu'] },
                // Neither count nor ids: all devices, as Compose's default.
                { count: -1, capabilities: ['tpu'] },
              ],
            },
          },
          restart_policy: { condition: 'on-failure', delay: 5e9, max_attempts: 3, window: 120e9 },
        });
      },
    },
    { body: 'gpus: all', check: (s: Service) => expect(s.gpus).toEqual([{ capabilities: [], count: -1 }]) },
    { body: 'scale: 3', check: (s: Service) => expect(s.scale).toBe(3) },
    { body: 'scale: 3\ndeploy: {mode: replicated}', check: (s: Service) => expect(s.deploy).toEqual({ mode: 'replicated', replicas: 3 }) },
    { body: 'ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}', check: (s: Service) => expect(s.ulimits).toEqual({ nofile: { soft: 1024, hard: 2048 }, nproc: { soft: 512, hard: 512, single: true } }) },
    { body: 'gpus: [{driver: nvidia}, {count: 1}]', check: (s: Service) => expect(s.gpus).toEqual([{ capabilities: [], driver: 'nvidia', count: -1 }, { capabilities: [], count: 1 }]) },
    { body: 'secrets: [a, {source: b, target: /etc/b}]', check: (s: Service) => expect(s.secrets).toEqual([{ source: 'a', target: '/run/secrets/a' }, { source: 'b', target: '/etc/b' }]) },
    { body: 'configs: [a]', check: (s: Service) => expect(s.configs).toEqual([{ source: 'a' }]) },
    { body: 'volumes: ["/abs/dir/:/data/", "./rel/:/x//y/../z/", {type: tmpfs, target: /tmp/}]', check: (s: Service) => expect(s.volumes?.map((v) => ['source' in v ? v.source : undefined, v.target])).toEqual([['/abs/dir/', '/data'], [expect.stringMatching(/\/proj\/rel$/), '/x/z'], [undefined, '/tmp']]) },
  ])('$body', async ({ body, check }) => {
    const { s } = await service(body);
    check(s);
  });
});

describe('restart, pull_policy and other scalars', () => {
  it.each([
    ['restart: "no"', { restart: 'no' }],
    ['restart: no', { restart: 'no' }],
    ['restart: on-failure:5', { restart: 'on-failure:5' }],
    ['restart: unless-stopped', { restart: 'unless-stopped' }],
    ['pull_policy: if_not_present', { pull_policy: 'missing' }],
    ['extra_hosts: ["db:10.0.0.2", "db=10.0.0.3", "v6=::1"]', { extra_hosts: { db: ['10.0.0.2', '10.0.0.3'], v6: ['::1'] } }],
    ['devices: ["/dev/fuse", "/dev/a:/dev/b:r"]', { devices: [{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' }, { source: '/dev/a', target: '/dev/b', permissions: 'r' }] }],
    ['tmpfs: /run', { tmpfs: ['/run'] }],
    ['dns: 8.8.8.8', { dns: ['8.8.8.8'] }],
    ['expose: [3000, "8000"]', { expose: ['3000', '8000'] }],
  ] as const)('%s', async (body, expected) => {
    const { s } = await service(body);
    expect(s).toMatchObject(expected);
  });
});

describe('networks', () => {
  it('a service without networks joins the implicit default network, named <project>_default', async () => {
    const { project } = await loadFiles({ 'compose.yaml': 'services:\n  a: {image: x}\n' });
    expect(project.services.a?.networks).toEqual({ default: null });
    expect(project.networks).toEqual({ default: { name: 'proj_default' } });
  });
  it('no default network when every service picks its own or uses network_mode', async () => {
    const { project } = await loadFiles({ 'compose.yaml': 'services:\n  a: {image: x, networks: [front]}\n  b: {image: x, network_mode: host}\nnetworks:\n  front: {}\n' });
    expect(Object.keys(project.networks)).toEqual(['front']);
    expect(project.services.b?.networks).toBeUndefined();
  });
  it('aliases, addresses and priorities are kept; list and map forms agree', async () => {
    const { project } = await loadFiles({
      'compose.yaml': 'services:\n  a:\n    image: x\n    networks:\n      front: {aliases: [api, web], ipv4_address: 172.20.0.5, priority: 10}\n      back:\n  b: {image: x, networks: [front, back]}\nnetworks: {front: {}, back: {}}\n',
    });
    expect(project.services.a?.networks).toEqual({ front: { aliases: ['api', 'web'], ipv4_address: '172.20.0.5', priority: 10 }, back: null });
    expect(project.services.b?.networks).toEqual({ front: null, back: null });
  });
});

describe('top-level resources and their engine names', () => {
  // The service uses every resource, as Compose keeps only the used ones.
  const uses = 'volumes: ["data:/data"]\n    networks: [net]\n    secrets: [token]\n    configs: [conf]';
  it.each([
    { yaml: 'volumes:\n  data: {}', check: (p: Project) => expect(p.volumes.data).toEqual({ name: 'proj_data' }) },
    { yaml: 'volumes:\n  data: {name: my-data, driver: local, driver_opts: {type: none, o: bind, device: ./d}}', check: (p: Project) => expect(p.volumes.data).toEqual({ name: 'my-data', driver: 'local', driver_opts: { type: 'none', o: 'bind', device: `${p.working_dir}/d` } }) },
    { yaml: 'volumes:\n  data: {external: true}', check: (p: Project) => expect(p.volumes.data).toEqual({ name: 'data', external: true }) },
    { yaml: 'volumes:\n  data: {external: {name: legacy}}', check: (p: Project) => expect(p.volumes.data).toEqual({ name: 'legacy', external: true }) },
    { yaml: 'networks:\n  net: {driver: bridge, internal: true, labels: ["a=b"], ipam: {config: [{subnet: 10.5.0.0/16}]}}', check: (p: Project) => expect(p.networks.net).toEqual({ name: 'proj_net', driver: 'bridge', internal: true, labels: { a: 'b' }, ipam: { config: [{ subnet: '10.5.0.0/16' }] } }) },
    { yaml: 'networks:\n  net: {name: shared, external: true}', check: (p: Project) => expect(p.networks.net).toEqual({ name: 'shared', external: true }) },
    { yaml: 'secrets:\n  token: {file: ./token.txt}\nconfigs:\n  conf: {content: "a=1"}', check: (p: Project) => {
      expect(p.secrets.token).toEqual({ name: 'proj_token', file: `${p.working_dir}/token.txt` });
      expect(p.configs.conf).toEqual({ name: 'proj_conf', content: 'a=1' });
    } },
  ])('$yaml', async ({ yaml, check }) => {
    const sections = { volumes: 'data: {}', networks: 'net: {}', secrets: 'token: {file: ./token.txt}', configs: 'conf: {file: ./token.txt}' };
    const declared = Object.entries(sections).filter(([k]) => !yaml.includes(`${k}:`)).map(([k, v]) => `${k}:\n  ${v}`).join('\n');
    const { project } = await loadFiles({ 'compose.yaml': `services:\n  a:\n    image: x\n    ${uses}\n${yaml}\n${declared}\n` });
    check(project);
  });

  it('networks, volumes, configs and secrets no enabled service uses are left out', async () => {
    const { project } = await loadFiles({
      'compose.yaml': 'services:\n  a: {image: x, volumes: ["used:/u"]}\n  b: {image: x, profiles: [off], volumes: ["off:/o"], networks: [offnet]}\nvolumes: {used: {}, off: {}, spare: {}}\nnetworks: {offnet: {}, spare: {}}\nsecrets: {s: {file: ./s}}\nconfigs: {c: {content: x}}\n',
    });
    expect(Object.keys(project.volumes)).toEqual(['used']);
    expect(Object.keys(project.networks)).toEqual(['default']);
    expect(project.secrets).toEqual({});
    expect(project.configs).toEqual({});
  });
});

describe('build', () => {
  it.each([
    { body: 'build: ./app', expected: (d: string) => ({ context: `${d}/app`, dockerfile: 'Dockerfile' }) },
    { body: 'build: {context: ., dockerfile: Dockerfile.gpu, args: [A=1, B], target: prod}', expected: (d: string) => ({ context: d, dockerfile: 'Dockerfile.gpu', args: { A: '1', B: 'b-from-env' }, target: 'prod' }) },
    { body: 'build: {dockerfile_inline: "FROM scratch"}', expected: (d: string) => ({ context: d, dockerfile_inline: 'FROM scratch' }) },
    { body: 'build: {context: "https://github.com/x/y.git#main"}', expected: () => ({ context: 'https://github.com/x/y.git#main', dockerfile: 'Dockerfile' }) },
  ])('$body', async ({ body, expected }) => {
    const { s, dir } = await service(body, {}, { B: 'b-from-env' });
    expect(s.build).toEqual(expected(dir));
  });
});

describe('profiles', () => {
  const yaml = 'services:\n  web: {image: x}\n  test_lib: {image: x, profiles: [test]}\n  debug_lib: {image: x, profiles: [debug]}\n';
  it.each([
    { profiles: [], env: {}, enabled: ['web'] },
    { profiles: ['test'], env: {}, enabled: ['test_lib', 'web'] },
    { profiles: [], env: { COMPOSE_PROFILES: 'debug,test' }, enabled: ['debug_lib', 'test_lib', 'web'] },
    { profiles: ['*'], env: {}, enabled: ['debug_lib', 'test_lib', 'web'] },
  ])('profiles $profiles, env $env → $enabled', async ({ profiles, env, enabled }) => {
    const { project } = await loadFiles({ 'compose.yaml': yaml }, { profiles, env: { HOME: '/h', ...env } });
    expect(Object.keys(project.services).sort()).toEqual(enabled);
    expect(Object.keys(project.disabled_services ?? {}).sort()).toEqual(['debug_lib', 'test_lib', 'web'].filter((n) => !enabled.includes(n)));
  });
});
