/**
 * The planner, as tables: desired project + observed containers → actions
 * and the reasons given for them.
 */
import { describe, expect, it } from 'vitest';
import { changedPaths, composeConfigHash, hashedConfig } from '../../../src/plan/config-hash.js';
import { desiredServices } from '../../../src/plan/desired.js';
import { serviceContainerIds, type ObservedContainer, type ObservedState } from '../../../src/plan/observed.js';
import { formatPlan, planUp, serviceReferences, upOrder } from '../../../src/plan/reconcile.js';
import type { Project, Service } from '../../../src/compose/model.js';

const base: Service = { image: 'app:1', environment: { LOG_LEVEL: 'info' }, networks: { default: null } };

function project(services: Record<string, Service>): Project {
  return {
    name: 'p',
    working_dir: '/w',
    config_files: [],
    services,
    networks: { default: { name: 'p_default' } },
    volumes: { data: { name: 'p_data' } },
    configs: {},
    secrets: {},
  };
}

/**
 * An observed container created from `service`, as modelstack labels it:
 * Compose's hash and modelstack's own config. `compose: true` labels it as
 * Docker Compose does (its hash only).
 */
function observed(name: string, service: Service, over: Partial<ObservedContainer> = {}, compose = false): ObservedContainer {
  const config = hashedConfig(service);
  const [, svc, n] = /^p-(.+)-(\d+)$/.exec(name) ?? [undefined, name, '1'];
  return {
    id: `id-${name}`,
    name,
    service: svc!,
    number: Number(n),
    state: 'running',
    status: 'Up',
    imageId: 'sha256:aaa',
    image: service.image ?? 'x',
    command: '',
    dependsOn: Object.keys(service.depends_on ?? {}),
    configHash: composeConfigHash(project({ [svc!]: service }), svc!),
    ...(compose ? {} : { config }),
    networks: ['p_default'],
    labels: {},
    created: 100,
    oneoff: false,
    ...over,
  };
}

const state = (containers: ObservedContainer[], networks = ['p_default'], volumes = ['p_data']): ObservedState => ({
  containers,
  networks: networks.map((n) => ({ id: n, name: n, created: '2026' })),
  volumes: volumes.map((name) => ({ name })),
});

describe('planUp', () => {
  const cases: Array<{
    name: string;
    services: Record<string, Service>;
    observed: ObservedState;
    options?: Parameters<typeof planUp>[3];
    imageIds?: Record<string, string>;
    expected: string[];
  }> = [
    {
      name: 'nothing there: create network, volume and containers',
      services: { web: base },
      observed: state([], [], []),
      expected: ['network p_default: create', 'volume p_data: create', 'service web: create p-web-1 (not found)'],
    },
    {
      name: 'no change: keep',
      services: { web: base },
      observed: state([observed('p-web-1', base)]),
      expected: ['service web: keep p-web-1 (up to date)'],
    },
    {
      name: 'stopped and unchanged: keep and start',
      services: { web: base },
      observed: state([observed('p-web-1', base, { state: 'exited' })]),
      expected: ['service web: keep p-web-1 (up to date, exited: will start)'],
    },
    {
      name: 'environment changed: recreate, naming the variable',
      services: { web: { ...base, environment: { LOG_LEVEL: 'debug' } } },
      observed: state([observed('p-web-1', base)]),
      expected: ['service web: recreate p-web-1 (config changed: environment.LOG_LEVEL)'],
    },
    {
      name: 'memory limit changed: recreate naming deploy.resources.limits.memory',
      services: { web: { ...base, deploy: { resources: { limits: { memory: 2048 } } } } },
      observed: state([observed('p-web-1', { ...base, deploy: { resources: { limits: { memory: 1024 } } } })]),
      expected: ['service web: recreate p-web-1 (config changed: deploy.resources.limits.memory)'],
    },
    {
      name: 'scale is not part of the container config, nor is an empty depends_on (Go leaves empty maps out)',
      services: { web: { ...base, scale: 1, depends_on: {} } },
      observed: state([observed('p-web-1', base)]),
      expected: ['service web: keep p-web-1 (up to date)'],
    },
    {
      name: 'image id changed under the same tag: recreate',
      services: { web: base },
      observed: state([observed('p-web-1', base, { imageId: 'sha256:aaa111111111111' })]),
      imageIds: { 'app:1': 'sha256:bbb222222222222' },
      expected: ['service web: recreate p-web-1 (image app:1 is now bbb222222222 (container runs aaa111111111))'],
    },
    {
      name: 'expected network missing: recreate',
      services: { web: base },
      observed: state([observed('p-web-1', base, { networks: [] })]),
      expected: ['service web: recreate p-web-1 (not attached to network p_default)'],
    },
    {
      name: 'container made by another tool (no stored config): hash only',
      services: { web: base },
      observed: state([observed('p-web-1', base, { configHash: 'other', config: undefined })]),
      expected: ['service web: recreate p-web-1 (config hash changed)'],
    },
    {
      name: '--no-recreate keeps a changed container',
      services: { web: { ...base, environment: { LOG_LEVEL: 'debug' } } },
      observed: state([observed('p-web-1', base)]),
      options: { recreate: 'never' },
      expected: ['service web: keep p-web-1 (up to date)'],
    },
    {
      name: '--force-recreate recreates an unchanged container',
      services: { web: base },
      observed: state([observed('p-web-1', base)]),
      options: { recreate: 'force' },
      expected: ['service web: recreate p-web-1 (--force-recreate)'],
    },
    {
      name: 'scale 1 → 3: keep one, create two',
      services: { web: { ...base, scale: 3 } },
      observed: state([observed('p-web-1', base)]),
      expected: ['service web: keep p-web-1 (up to date)', 'service web: create p-web-2 (not found)', 'service web: create p-web-3 (not found)'],
    },
    {
      name: 'scale 3 → 1: keep one, remove two',
      services: { web: { ...base, scale: 1 } },
      observed: state([observed('p-web-1', base), observed('p-web-2', base), observed('p-web-3', base)]),
      expected: ['service web: keep p-web-1 (up to date)', 'service web: remove p-web-2 (scale is 1)', 'service web: remove p-web-3 (scale is 1)'],
    },
    {
      name: 'interrupted recreate left two containers for one number: keep the proper name, remove the other',
      services: { web: base },
      observed: state([observed('p-web-1', base), observed('p-web-1', base, { id: 'tmp', name: 'abc_p-web-1', created: 200 })]),
      expected: ['service web: remove abc_p-web-1 (duplicate of p-web-1 (left by an interrupted run))', 'service web: keep p-web-1 (up to date)'],
    },
    {
      name: 'orphans are reported, and removed only when asked',
      services: { web: base },
      observed: state([observed('p-web-1', base), observed('p-old-1', base)]),
      expected: ['service web: keep p-web-1 (up to date)', 'orphan p-old-1 (service old is not in the project): left running; use --remove-orphans to remove it'],
    },
    {
      name: '--remove-orphans',
      services: { web: base },
      observed: state([observed('p-old-1', base)]),
      options: { removeOrphans: true },
      expected: ['service web: create p-web-1 (not found)', 'orphan p-old-1 (service old is not in the project): remove'],
    },
    {
      name: 'dependency order, and a subset with its dependencies',
      services: {
        web: { ...base, depends_on: { api: { condition: 'service_healthy', required: true, restart: false } } },
        api: { ...base, depends_on: { db: { condition: 'service_started', required: true, restart: false } } },
        db: base,
        other: base,
      },
      observed: state([]),
      options: { services: ['web'] },
      expected: ['service db: create p-db-1 (not found)', 'service api: create p-api-1 (not found)', 'service web: create p-web-1 (not found)'],
    },
    {
      name: 'container_name is honoured',
      services: { web: { ...base, container_name: 'tf_model_1' } },
      observed: state([]),
      expected: ['service web: create tf_model_1 (not found)'],
    },
  ];

  it.each(cases)('$name', ({ services, observed: obs, options, imageIds, expected }) => {
    const p = project(services);
    const plan = planUp(p, desiredServices(p, imageIds ? { imageIds } : {}), obs, options);
    expect(formatPlan(plan)).toEqual(expected);
  });

  it('refuses a dependency cycle before anything is planned, listing it', () => {
    const dep = (name: string) => ({ [name]: { condition: 'service_started' as const, required: true, restart: false } });
    const p = project({ a: { ...base, depends_on: dep('b') }, b: { ...base, depends_on: dep('c') }, c: { ...base, depends_on: dep('a') } });
    expect(() => planUp(p, desiredServices(p), state([]))).toThrow(/a → b → c → a|a.*b.*c.*a/);
  });
});

describe('changedPaths', () => {
  it.each([
    [{ a: 1 }, { a: 1 }, []],
    [{ environment: { A: '1', B: '2' } }, { environment: { A: '1', B: '3', C: '4' } }, ['environment.B', 'environment.C']],
    [{ ports: [{ target: 80, published: '8080' }] }, { ports: [{ target: 80, published: '9090' }] }, ['ports[0].published']],
    [{ ports: [1] }, { ports: [1, 2] }, ['ports']],
    [{ labels: { 'com.x': 'a' } }, { labels: { 'com.x': 'b' } }, ['labels."com.x"']],
    [{ command: ['a'] }, {}, ['command']],
    [{}, { environment: { LOG_LEVEL: 'debug' } }, ['environment.LOG_LEVEL']],
    [{ labels: { a: 'x' } }, {}, ['labels.a']],
  ])('%j → %j', (a, b, expected) => expect(changedPaths(a, b)).toEqual(expected));
});

describe('divergence: Compose\'s hash decides, modelstack\'s label explains', () => {
  const changed: Service = { ...base, environment: { LOG_LEVEL: 'debug' } };
  const plan = (want: Service, container: ObservedContainer, extraConfig?: Record<string, unknown>) => {
    const p = project({ web: want });
    return formatPlan(planUp(p, desiredServices(p, extraConfig ? { extraConfig: { web: extraConfig } } : {}), state([container])));
  };

  it.each([
    { name: 'a container Compose created from the same service is kept', want: base, container: observed('p-web-1', base, {}, true), expected: 'service web: keep p-web-1 (up to date)' },
    { name: 'one Compose created from another version is recreated; without our label the reason is the hash', want: changed, container: observed('p-web-1', base, {}, true), expected: 'service web: recreate p-web-1 (config hash changed)' },
    { name: 'one modelstack created names the field', want: changed, container: observed('p-web-1', base), expected: 'service web: recreate p-web-1 (config changed: environment.LOG_LEVEL)' },
    { name: 'depends_on is part of the hash (as in Compose) and named', want: { ...base, depends_on: { db: { condition: 'service_started' as const, required: false, restart: false } } }, container: observed('p-web-1', base), expected: 'service web: recreate p-web-1 (config changed: depends_on.db.condition, depends_on.db.required, depends_on.db.restart)' },
    { name: 'scale and pull_policy are not', want: { ...base, scale: 1, pull_policy: 'always' }, container: observed('p-web-1', base), expected: 'service web: keep p-web-1 (up to date)' },
  ])('$name', ({ want, container, expected }) => {
    const p = project({ web: want, ...(want.depends_on ? { db: base } : {}) });
    const lines = formatPlan(planUp(p, desiredServices(p), state([container, ...(want.depends_on ? [observed('p-db-1', base)] : [])])));
    expect(lines).toContain(expected);
  });

  it('a changed config or secret content recreates a container modelstack labelled, though the hash is the same', () => {
    const before = { ...observed('p-web-1', base), config: hashedConfig(base, { contents: { 'secret:token': 'aaa' } }) };
    expect(plan(base, before, { contents: { 'secret:token': 'bbb' } })).toEqual(['service web: recreate p-web-1 (config changed: contents."secret:token")']);
    expect(plan(base, before, { contents: { 'secret:token': 'aaa' } })).toEqual(['service web: keep p-web-1 (up to date)']);
  });

  it('a container without modelstack\'s label is judged by the hash alone (Compose does not hash contents)', () => {
    expect(plan(base, observed('p-web-1', base, {}, true), { contents: { 'secret:token': 'bbb' } })).toEqual(['service web: keep p-web-1 (up to date)']);
  });

  it('the hash is Compose\'s, not a hash of modelstack\'s label', () => {
    const p = project({ web: base });
    expect(desiredServices(p).web?.hash).toBe(composeConfigHash(p, 'web'));
  });
});

describe('services that share another service\'s container (service:X)', () => {
  const sidecar: Service = { image: 'side:1', network_mode: 'service:web', volumes_from: ['web:ro'], depends_on: { web: { condition: 'service_started', required: true, restart: true } } };
  const p = project({ web: base, sidecar });
  const webId = 'id-p-web-1';
  /** The sidecar as Compose labels it: its hash holds web's container id. */
  const composeSidecar = (): ObservedContainer => ({
    ...observed('p-sidecar-1', sidecar, { networks: [] }, true),
    configHash: composeConfigHash(p, 'sidecar', { containerIds: { web: webId } }),
  });

  it('with the running containers\' ids, the hash is Compose\'s: its sidecar is kept', () => {
    const plan = planUp(p, desiredServices(p, { containerIds: serviceContainerIds(state([observed('p-web-1', base)])) }), state([observed('p-web-1', base), composeSidecar()]));
    expect(formatPlan(plan)).toEqual(['service web: keep p-web-1 (up to date)', 'service sidecar: keep p-sidecar-1 (up to date)']);
  });

  it('when the shared container is replaced, the sharing one is recreated too, saying why', () => {
    const changed = project({ web: { ...base, environment: { LOG_LEVEL: 'debug' } }, sidecar });
    const plan = planUp(changed, desiredServices(changed, { containerIds: { web: webId } }), state([observed('p-web-1', base), composeSidecar()]));
    expect(formatPlan(plan)).toEqual([
      'service web: recreate p-web-1 (config changed: environment.LOG_LEVEL)',
      'service sidecar: recreate p-sidecar-1 (network_mode refers to service web, whose container is replaced; volumes_from refers to service web, whose container is replaced)',
    ]);
  });

  it('serviceReferences lists network_mode, ipc, pid and volumes_from references, not container: ones', () => {
    const q = project({ web: base, s: { image: 'x', network_mode: 'service:web', ipc: 'service:db', pid: 'host', volumes_from: ['container:c1', 'web'] } });
    expect(serviceReferences(q, 's')).toEqual([
      { key: 'network_mode', service: 'web' },
      { key: 'ipc', service: 'db' },
      { key: 'volumes_from', service: 'web' },
    ]);
  });
});

describe('orphans, as Compose counts them', () => {
  const withOld = (over: Partial<Project>): Project => ({ ...project({ web: base }), ...over });
  const old = observed('p-old-1', base);

  it('a container of a service whose profile is not active is not an orphan', () => {
    const p = withOld({ disabled_services: { old: { ...base, profiles: ['debug'] } } });
    expect(planUp(p, desiredServices(p), state([observed('p-web-1', base), old]), { removeOrphans: true }).orphans).toEqual([]);
  });

  it.each([
    ['true', undefined, []],
    ['1', undefined, []],
    ['false', undefined, ['warn']],
    ['true', true, ['remove']],
  ] as const)('COMPOSE_IGNORE_ORPHANS=%s, removeOrphans %s → %j', (value, removeOrphans, expected) => {
    const p = withOld({ environment: { COMPOSE_IGNORE_ORPHANS: value } });
    const plan = planUp(p, desiredServices(p), state([observed('p-web-1', base), old]), removeOrphans ? { removeOrphans } : {});
    expect(plan.orphans.map((o) => o.action)).toEqual(expected);
  });
});

describe('upOrder: the services an up touches', () => {
  const dependsOn = (...names: string[]) => Object.fromEntries(names.map((n) => [n, { condition: 'service_started' as const, required: true, restart: false }]));
  const p = project({
    db: base,
    cache: base,
    api: { ...base, depends_on: dependsOn('db', 'cache') },
    web: { ...base, depends_on: dependsOn('api') },
  });
  it.each([
    { name: 'every service without a selection', options: {}, want: ['cache', 'db', 'api', 'web'] },
    { name: 'noDeps without a selection: still every service', options: { noDeps: true }, want: ['cache', 'db', 'api', 'web'] },
    { name: 'a selection and what it depends on', options: { services: ['web'] }, want: ['cache', 'db', 'api', 'web'] },
    { name: 'noDeps: only the selection', options: { services: ['web'], noDeps: true }, want: ['web'] },
    { name: 'noDeps keeps dependency order within the selection', options: { services: ['web', 'db'], noDeps: true }, want: ['db', 'web'] },
  ])('$name', ({ options, want }) => {
    expect(upOrder(p, options)).toEqual(want);
  });
});
