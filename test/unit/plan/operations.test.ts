/**
 * From a reconciled plan to the operation graph: what comes after what
 * (networks and volumes before their containers, dependencies by their
 * condition), which waits exist and which may fail with a warning, restarts
 * for `restart: true`, and orphans.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../../src/plan/container-spec.js';
import { type UpOperation, upOperations } from '../../../src/plan/operations.js';
import type { ContainerAction, DesiredService, UpPlan } from '../../../src/plan/reconcile.js';
import type { DependsOn, Project, Service } from '../../../src/compose/model.js';

const started: DependsOn = { condition: 'service_started', required: true, restart: false };
const healthy: DependsOn = { condition: 'service_healthy', required: true, restart: false };

function setup(services: Record<string, Service & { actions: ContainerAction[] }>, extra: Partial<UpPlan> = {}, wait = true): UpOperation[] {
  const project: Project = {
    name: 'p',
    working_dir: '/w',
    config_files: [],
    services: Object.fromEntries(Object.entries(services).map(([k, { actions: _a, ...s }]) => [k, s])),
    networks: { default: { name: 'p_default' } },
    volumes: { data: { name: 'p_data' } },
    configs: {},
    secrets: {},
  };
  const plan: UpPlan = {
    project: 'p',
    networks: [{ action: 'create', key: 'default', name: 'p_default' }],
    volumes: [{ action: 'create', key: 'data', name: 'p_data' }],
    services: Object.entries(services).map(([service, s]) => ({ service, dependsOn: s.depends_on ?? {}, containers: s.actions })),
    orphans: [],
    ...extra,
  };
  const desired = {} as Record<string, DesiredService>;
  return upOperations({ project, plan, desired, files: new Map(), wait, specFor: (service, n) => ({ image: 'x', name: `p-${service}-${n}` }) as ContainerSpec });
}

const create = (service: string, n = 1): ContainerAction => ({ action: 'create', number: n, container: `p-${service}-${n}`, reason: 'not found' });
const keep = (service: string, n = 1): ContainerAction => ({ action: 'keep', number: n, container: `p-${service}-${n}`, id: `${service}${n}`, start: false, reason: 'up to date' });
const recreate = (service: string, n = 1): ContainerAction => ({ action: 'recreate', number: n, container: `p-${service}-${n}`, id: `${service}${n}`, reasons: ['config changed: image'] });

/** `id <- after, after` lines, for readable expectations. */
const graph = (ops: UpOperation[]) => ops.map((o) => `${o.id}${o.tolerate ? ' (tolerate)' : ''} <- ${o.after.join(', ')}`);

describe('upOperations', () => {
  it('networks and volumes come before the containers that use them; final waits after each container', () => {
    const ops = setup({
      web: { image: 'x', networks: { default: null }, volumes: [{ type: 'volume', source: 'data', target: '/d' }], actions: [create('web'), create('web', 2)] },
    });
    expect(graph(ops)).toEqual([
      'network:default <- ',
      'volume:data <- ',
      'container:p-web-1 <- network:default, volume:data',
      'container:p-web-2 <- network:default, volume:data',
      'wait:ready:p-web-1 <- container:p-web-1',
      'wait:ready:p-web-2 <- container:p-web-2',
    ]);
    expect(ops.find((o) => o.id === 'container:p-web-1')).toMatchObject({ kind: 'container', spec: { name: 'p-web-1' }, files: [] });
  });

  it('service_started: after the dependency\'s containers; service_healthy: after their waits', () => {
    const ops = setup(
      {
        db: { image: 'x', actions: [create('db')] },
        cache: { image: 'x', actions: [keep('cache')] },
        app: { image: 'x', depends_on: { db: healthy, cache: started }, actions: [create('app')] },
      },
      { networks: [], volumes: [] },
      false,
    );
    expect(graph(ops)).toEqual([
      'container:p-db-1 <- ',
      'container:p-cache-1 <- ',
      'wait:healthy:p-db-1 <- container:p-db-1',
      'container:p-app-1 <- wait:healthy:p-db-1, container:p-cache-1',
    ]);
    expect(ops.find((o) => o.id === 'wait:healthy:p-db-1')).toMatchObject({ kind: 'wait', target: 'container:p-db-1', for: { dependent: 'app' }, unbounded: true });
  });

  it('a required: false dependency\'s wait may fail with a warning, and so may its final wait', () => {
    const ops = setup(
      {
        flaky: { image: 'x', actions: [create('flaky')] },
        app: { image: 'x', depends_on: { flaky: { condition: 'service_healthy', required: false, restart: false } }, actions: [create('app')] },
      },
      { networks: [], volumes: [] },
    );
    expect(graph(ops)).toEqual([
      'container:p-flaky-1 <- ',
      'wait:healthy:p-flaky-1 (tolerate) <- container:p-flaky-1',
      'container:p-app-1 <- wait:healthy:p-flaky-1',
      'wait:ready:p-flaky-1 (tolerate) <- container:p-flaky-1',
      'wait:ready:p-app-1 <- container:p-app-1',
    ]);
  });

  it('a dependency both required and optional is required', () => {
    const ops = setup(
      {
        db: { image: 'x', actions: [create('db')] },
        a: { image: 'x', depends_on: { db: { condition: 'service_healthy', required: false, restart: false } }, actions: [create('a')] },
        b: { image: 'x', depends_on: { db: healthy }, actions: [create('b')] },
      },
      { networks: [], volumes: [] },
    );
    expect(ops.find((o) => o.id === 'wait:healthy:p-db-1')?.tolerate).toBeUndefined();
    expect(ops.find((o) => o.id === 'wait:ready:p-db-1')?.tolerate).toBeUndefined();
  });

  it('a one-shot others wait for to complete is waited for completion at the end too', () => {
    const ops = setup(
      {
        migrate: { image: 'x', actions: [create('migrate')] },
        app: { image: 'x', depends_on: { migrate: { condition: 'service_completed_successfully', required: true, restart: false } }, actions: [create('app')] },
      },
      { networks: [], volumes: [] },
    );
    expect(ops.filter((o) => o.kind === 'wait').map((o) => o.id)).toEqual(['wait:completed:p-migrate-1', 'wait:ready:p-app-1']);
  });

  it('restart: true restarts a kept dependent when its dependency is recreated, not when it is kept', () => {
    const dependsOn = { db: { condition: 'service_started' as const, required: true, restart: true } };
    const changed = setup({ db: { image: 'x', actions: [recreate('db')] }, app: { image: 'x', depends_on: dependsOn, actions: [keep('app')] } }, { networks: [], volumes: [] }, false);
    expect(changed.find((o) => o.id === 'container:p-app-1')).toMatchObject({ restartFor: 'db' });
    const unchanged = setup({ db: { image: 'x', actions: [keep('db')] }, app: { image: 'x', depends_on: dependsOn, actions: [keep('app')] } }, { networks: [], volumes: [] }, false);
    expect(unchanged.find((o) => o.id === 'container:p-app-1')).not.toHaveProperty('restartFor');
  });

  it('removals get no wait and no spec; orphans are removed or warned about', () => {
    const ops = setup(
      { web: { image: 'x', actions: [keep('web'), { action: 'remove', number: 2, container: 'p-web-2', id: 'web2', reason: 'scale is 1' }] } },
      {
        networks: [],
        volumes: [],
        orphans: [
          { action: 'warn', service: 'old', container: 'p-old-1', id: 'old1' },
          { action: 'remove', service: 'gone', container: 'p-gone-1', id: 'gone1' },
        ],
      },
    );
    expect(graph(ops)).toEqual(['orphan:p-old-1 <- ', 'orphan:p-gone-1 <- ', 'container:p-web-1 <- ', 'container:remove:web2 <- ', 'wait:ready:p-web-1 <- container:p-web-1']);
    expect(ops[0]).toMatchObject({ kind: 'warning', message: expect.stringMatching(/orphan container p-old-1 .* --remove-orphans/) });
    expect(ops.find((o) => o.id === 'container:remove:web2')).not.toHaveProperty('spec');
  });
});
