/**
 * Compose's config hash, as tables: services of test/fixtures/compose/hash-table
 * and the `com.docker.compose.config-hash` that Docker Compose 2.26.1 wrote
 * on the containers it created from them (read off `docker inspect`; the
 * interop integration test asks the binary again). Then what goes into the
 * hash and what does not.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeConfigHash, composeHashedService, hashedConfig } from '../../../src/plan/config-hash.js';
import { loadProject } from '../../../src/compose/load.js';
import type { Project, Service } from '../../../src/compose/model.js';
import { serviceToGoJson } from '../../../src/compose/serialize.js';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/compose/hash-table');

const load = (file: string, profiles: string[] = []): Promise<Project> =>
  loadProject({ cwd: FIXTURE, files: [file], projectName: 'hashtable', profiles, env: { HOME: '/home/tester' } });

describe('composeConfigHash: the values Compose 2.26.1 wrote on its containers', () => {
  it.each([
    ['minimal', 'd2a28de121d432891d2683296fe166f36c160bf8c4eaef253c90595f691754d9'],
    ['ports', '7de2e34b856ef10410ea4c808a5e0fb0994207b397859e941a32c00a5bbc45be'],
    ['env', '9921e2dd42a904671a89a7d996774c6061e0791def0f249d4450191c6d372d43'],
    ['health', '40f16b637f3b7579e546437dda892f25f499bae4fee3d5edad0b54c1ac46655c'],
    ['volumes', '371d3a76c2a5780fb01488db02ebd03d76fd382eddf55df37ba6bd434d1ee6a8'],
    ['nets', '1d0e1dccb573836b90eac3b1416ccfaf91400ed6cb1a04e1bfc79e50cab0b824'],
    ['limits', '43a1ca9e2d0506421276e32b2e03ef05fb16d090315252702be6d526909cb88b'],
    ['legacy', '8fbdfeff3627003d5544327c0a71ad5edcf82dcab91c41b47efa4e279f8f968b'],
    ['misc', '9094558b2662f4a9d35a19b18eaf29857e6df8e63b1e23a18b86c841e18aae29'],
  ])('%s', async (service, expected) => {
    const project = await load('compose.yaml', ['extra']);
    expect(composeConfigHash(project, service)).toBe(expected);
  });

  it('service references hash the referenced container id (network_mode, ipc, volumes_from)', async () => {
    const project = await load('refs.yaml');
    const base = 'b236477a620922b07bc5f70ac559f4e1436fbf786a8d2917774a48772d1c3203';
    expect(composeConfigHash(project, 'base')).toBe('9a498e134535bc91333cc844d2a6c86cce9190ef1167c41e7d29bdd88e483408');
    expect(composeConfigHash(project, 'sidecar', { containerIds: { base } })).toBe('fada84b9c0e408d9e3996f7fd9fdcbfbd429f2dd61e94640e1c7894ebaa2aba6');
    expect(composeHashedService(project, 'sidecar', { containerIds: { base } })).toMatchObject({
      network_mode: `container:${base}`,
      ipc: `container:${base}`,
      volumes_from: [base],
    });
  });
});

describe('what the hash covers', () => {
  const project = (services: Record<string, Service>, environment: Record<string, string> = {}): Project => ({
    name: 'p',
    working_dir: '/w',
    config_files: [],
    services,
    networks: {},
    volumes: {},
    configs: {},
    secrets: {},
    environment,
  });
  const base: Service = { image: 'app:1', command: ['serve'], networks: { default: null } };
  const hash = (s: Service, env: Record<string, string> = {}) => composeConfigHash(project({ s }, env), 's');

  it('is the sha256 of the service as compose-go marshals it (struct order, command/entrypoint always)', () => {
    expect(serviceToGoJson(base)).toBe('{"command":["serve"],"entrypoint":null,"image":"app:1","networks":{"default":null}}');
  });

  it.each<[string, Service]>([
    ['build', { ...base, build: { context: '/src', dockerfile: 'Dockerfile' } }],
    ['pull_policy', { ...base, pull_policy: 'always' }],
    ['scale', { ...base, scale: 3 }],
    ['env_file (its values are in environment)', { ...base, env_file: [{ path: '/w/.env', required: true }] }],
    ['x-* extensions', { ...base, extensions: { 'x-note': 1 } }],
  ])('leaves out %s', (_what, changed) => {
    expect(hash(changed)).toBe(hash(base));
  });

  it('clears deploy.replicas but keeps a deploy section', () => {
    expect(hash({ ...base, deploy: { replicas: 3 } })).toBe(hash({ ...base, deploy: {} }));
    expect(hash({ ...base, deploy: {} })).not.toBe(hash(base));
  });

  it.each<[string, Service]>([
    ['environment', { ...base, environment: { A: '1' } }],
    ['depends_on', { ...base, depends_on: { db: { condition: 'service_started', required: true, restart: false } } }],
    ['profiles', { ...base, profiles: ['gpu'] }],
    ['labels', { ...base, labels: { a: 'b' } }],
    ['a port host address', { ...base, ports: [{ target: 80, protocol: 'tcp', mode: 'ingress' }] }],
  ])('covers %s', (_what, changed) => {
    expect(hash(changed)).not.toBe(hash(base));
  });

  it('does not see modelstack\'s default host address: a port without host_ip hashes as written', () => {
    const port: Service = { ...base, ports: [{ target: 80, protocol: 'tcp', mode: 'ingress' }] };
    expect(serviceToGoJson(composeHashedService(project({ s: port }), 's'))).toContain('"ports":[{"mode":"ingress","target":80,"protocol":"tcp"}]');
  });

  it('DOCKER_DEFAULT_PLATFORM gives a building service without platform that platform, as Compose does before hashing', () => {
    const building: Service = { ...base, build: { context: '/src' } };
    expect(hash(building, { DOCKER_DEFAULT_PLATFORM: 'linux/arm64' })).toBe(hash({ ...base, platform: 'linux/arm64' }));
    expect(hash(base, { DOCKER_DEFAULT_PLATFORM: 'linux/arm64' })).toBe(hash(base));
  });

  it('modelstack\'s own config (org.modelstack.config) covers the same fields, keys sorted, plus what the caller adds', () => {
    const config = hashedConfig({ ...base, build: { context: '/x' }, scale: 2, deploy: { replicas: 2 }, profiles: ['a'] }, { contents: { 'secret:token': 'abc' } });
    expect(Object.keys(config)).toEqual(['command', 'contents', 'deploy', 'image', 'networks', 'profiles']);
    expect(config['deploy']).toEqual({});
  });
});
