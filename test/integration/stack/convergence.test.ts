/**
 * Convergence against the real engine: no-op up, a change recreates only
 * its service (with the reason), scale up and down, depends_on conditions,
 * cycles, taken ports, concurrent ups, and crash-safe ephemeral cleanup.
 */
import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortAlreadyAllocatedError, type Engine } from '../../../src/index.js';
import type { StackEvent } from '../../../src/stack/events.js';
import { Stack } from '../../../src/stack/stack.js';
import { DependencyFailedError } from '../../../src/backends/container/up-errors.js';
import { LABEL } from '../../../src/plan/labels.js';
import type { DependsOn, Service } from '../../../src/compose/model.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, docker, leftovers, testRuns } from '../../helpers/engine.js';
import { httpService, testProject } from '../../helpers/project.js';

const needs = (condition: DependsOn['condition'], extra: Partial<DependsOn> = {}): DependsOn => ({ condition, required: true, restart: false, ...extra });
const oneShot = (script: string): Service => ({ image: BUSYBOX, command: ['sh', '-c', script], networks: { default: null } });

describe('convergence', () => {
  let engine: Engine;
  const runs = testRuns('msc');
  const newRun = () => runs.next();
  const ids = async (stack: Stack) => Object.fromEntries((await stack.ps({ all: true })).map((c) => [c.name, c.id]));

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    expect(await runs.removeAll(engine)).toEqual([]);
  });

  it('a no-op up changes nothing; an environment change recreates only that service and says why', async () => {
    const run = newRun();
    const services = { intent: httpService('intent'), ner: httpService('ner') };
    const stack = new Stack(testProject(run, services), { engine });
    // The project's lock container, as the engine announces it: an up that changes something takes the lock.
    const lockEvents: string[] = [];
    const lockWatch = await engine.events.subscribe({
      filters: { type: ['container'], container: [`${run}-modelstack-lock`] },
      replayMs: 0,
      onEvent: (e) => lockEvents.push(e.action),
    });
    const lockTaken = async (times: number) => {
      for (let i = 0; i < 100 && lockEvents.filter((a) => a === 'destroy').length < times; i++) await new Promise((r) => setTimeout(r, 50));
      return lockEvents.filter((a) => a === 'create').length;
    };
    await stack.up({ waitTimeoutMs: 30_000 });
    expect(await lockTaken(1)).toBe(1);
    const before = await ids(stack);

    const events: StackEvent[] = [];
    const again = new Stack(testProject(run, services), { engine, onEvent: (e) => events.push(e) });
    const noop = await again.up({ waitTimeoutMs: 30_000 });
    expect(await ids(again)).toEqual(before);
    expect(noop.plan.services.flatMap((s) => s.containers.map((a) => a.action))).toEqual(['keep', 'keep']);
    expect(events.filter((e) => /creat|remov|stopp/.test(e.type))).toEqual([]);

    const changed = new Stack(testProject(run, { ...services, ner: { ...services.ner, environment: { LOG_LEVEL: 'debug' } } }), { engine });
    const plan = await changed.plan();
    const nerPlan = plan.services.find((s) => s.service === 'ner')!.containers[0]!;
    expect(nerPlan).toMatchObject({ action: 'recreate', reasons: ['config changed: environment.LOG_LEVEL'] });
    expect(plan.services.find((s) => s.service === 'intent')!.containers[0]!.action).toBe('keep');
    // The dry run changed nothing.
    expect(await ids(changed)).toEqual(before);

    await changed.up({ waitTimeoutMs: 30_000 });
    // The engine's events come in order: the no-op up, between the two, took no lock.
    expect(await lockTaken(2)).toBe(2);
    lockWatch.close();
    const after = await ids(changed);
    expect(after[`${run}-intent-1`]).toBe(before[`${run}-intent-1`]);
    expect(after[`${run}-ner-1`]).toBeDefined();
    expect(after[`${run}-ner-1`]).not.toBe(before[`${run}-ner-1`]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    const env = (await engine.containers.inspect(after[`${run}-ner-1`]!))!.Config.Env;
    expect(env).toContain('LOG_LEVEL=debug');
    await changed.down();
  });

  it('scales 1 → 3 → 1', async () => {
    const run = newRun();
    const at = (scale: number) => new Stack(testProject(run, { worker: httpService('w', { scale }) }), { engine });
    await at(1).up({ waitTimeoutMs: 30_000 });
    const first = await ids(at(1));
    await at(3).up({ waitTimeoutMs: 30_000 });
    const three = await ids(at(3));
    expect(Object.keys(three).sort()).toEqual([`${run}-worker-1`, `${run}-worker-2`, `${run}-worker-3`]);
    expect(three[`${run}-worker-1`]).toBe(first[`${run}-worker-1`]);
    await at(1).up({ waitTimeoutMs: 30_000 });
    expect(await ids(at(1))).toEqual(first);
    await at(1).down();
  });

  it('depends_on: service_healthy and service_completed_successfully hold the dependent back', async () => {
    const run = newRun();
    const events: StackEvent[] = [];
    const stack = new Stack(
      testProject(run, {
        model: httpService('model'),
        migrate: oneShot('sleep 0.5; echo migrated'),
        gateway: httpService('gateway', { depends_on: { model: needs('service_healthy'), migrate: needs('service_completed_successfully') } }),
      }),
      { engine, onEvent: (e) => events.push(e) },
    );
    await stack.up({ waitTimeoutMs: 60_000 });
    const at = (type: string, service: string) => events.findIndex((e) => e.type === type && 'service' in e && e.service === service);
    expect(at('container.creating', 'gateway')).toBeGreaterThan(at('container.healthy', 'model'));
    expect(at('container.creating', 'gateway')).toBeGreaterThan(at('container.ready', 'migrate'));
    const ps = await stack.ps({ all: true });
    expect(ps.find((c) => c.service === 'migrate')).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(ps.find((c) => c.service === 'gateway')).toMatchObject({ state: 'running' });
    await stack.down();
  });

  it('a one-shot dependency that exits 1 fails up naming it; the dependent is never created', async () => {
    const run = newRun();
    const stack = new Stack(
      testProject(run, {
        migrate: oneShot('echo "relation users does not exist" >&2; exit 1'),
        gateway: httpService('gateway', { depends_on: { migrate: needs('service_completed_successfully') } }),
      }),
      { engine },
    );
    const err = (await stack.up({ waitTimeoutMs: 30_000 }).catch((e: unknown) => e)) as DependencyFailedError;
    expect(err).toBeInstanceOf(DependencyFailedError);
    expect(err.message).toMatch(/service "migrate" .* exited with code 1/);
    expect(err.message).toContain('relation users does not exist');
    expect(err.message).toMatch(/"gateway" was not started: it depends on "migrate"/);
    expect((await stack.ps({ all: true })).map((c) => c.service)).toEqual(['migrate']);
    await stack.down();
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('required: false only warns', async () => {
    const run = newRun();
    const events: StackEvent[] = [];
    const stack = new Stack(
      testProject(run, {
        flaky: oneShot('exit 2'),
        app: httpService('app', { depends_on: { flaky: needs('service_completed_successfully', { required: false }) } }),
      }),
      { engine, onEvent: (e) => events.push(e) },
    );
    await stack.up({ services: ['app'], waitTimeoutMs: 30_000 });
    expect(events.some((e) => e.type === 'warning' && /optional dependency "flaky" failed/.test(e.message))).toBe(true);
    expect((await stack.ps()).map((c) => c.service)).toEqual(['app']);
    await stack.down();
  });

  it('restart: true restarts a kept dependent when its dependency is recreated', async () => {
    const run = newRun();
    const project = (level: string) =>
      testProject(run, {
        db: httpService('db', { environment: { LEVEL: level } }),
        api: httpService('api', { depends_on: { db: needs('service_healthy', { restart: true }) } }),
      });
    await new Stack(project('1'), { engine }).up({ waitTimeoutMs: 30_000 });
    const before = (await engine.containers.inspect(`${run}-api-1`))!.State.StartedAt;
    const events: StackEvent[] = [];
    await new Stack(project('2'), { engine, onEvent: (e) => events.push(e) }).up({ waitTimeoutMs: 30_000 });
    const api = (await engine.containers.inspect(`${run}-api-1`))!;
    expect(api.State.StartedAt).not.toBe(before);
    expect(events.some((e) => e.type === 'container.starting' && e.service === 'api' && /restart: "db" was recreated/.test(e.reason ?? ''))).toBe(true);
    await new Stack(project('2'), { engine }).down();
  });

  it('a crash-looping container fails up --wait with its crash\'s exit code, beside a slower rollout', async () => {
    const run = newRun();
    const stack = new Stack(
      testProject(run, {
        // Crash-loops under restart: always. It exits at once, so no run of it is long enough to
        // pass the settle, however loaded the machine (a 'sleep 0.3' first run once outlasted it).
        // A restart that comes before the wait's first look is covered in readiness.test.ts.
        flaky: { image: BUSYBOX, command: ['sh', '-c', 'echo "cannot open model" >&2; exit 3'], restart: 'always', networks: { default: null } },
        slow: httpService('slow', { depends_on: { gate: needs('service_completed_successfully') } }),
        gate: oneShot('sleep 3'),
      }),
      { engine },
    );
    const err = (await stack.up({ waitTimeoutMs: 60_000 }).catch((e: unknown) => e)) as Error & { failure?: { kind: string; exitCode?: number } };
    expect(err.message).toMatch(/service "flaky" .* exited with code 3/);
    expect(err.failure?.kind).toBe('restarted');
    expect(err.failure?.exitCode).toBe(3);
    await stack.down();
  });

  it('stop and start keep dependency order from the labels alone (no compose file)', async () => {
    const run = newRun();
    await new Stack(testProject(run, { zdb: httpService('zdb'), api: httpService('api', { depends_on: { zdb: needs('service_healthy') } }) }), { engine }).up({
      waitTimeoutMs: 30_000,
    });
    const events: StackEvent[] = [];
    const byName = Stack.forProject(run, { engine, onEvent: (e) => events.push(e) });
    await byName.stop();
    await byName.start();
    const order = events.filter((e) => e.type === 'container.stopped' || e.type === 'container.started').map((e) => `${e.type.split('.')[1]} ${'service' in e ? e.service : ''}`);
    expect(order).toEqual(['stopped api', 'stopped zdb', 'started zdb', 'started api']);
    await byName.down();
  });

  it('a dependency cycle fails before anything is created', async () => {
    const run = newRun();
    const stack = new Stack(
      testProject(run, {
        a: httpService('a', { depends_on: { b: needs('service_started') } }),
        b: httpService('b', { depends_on: { a: needs('service_started') } }),
      }),
      { engine },
    );
    await expect(stack.up({ waitTimeoutMs: 10_000 })).rejects.toThrow(/cycle.*(a.*b.*a|b.*a.*b)/i);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('a service the engine cannot run fails before anything is created, even when listed last', async () => {
    const run = newRun();
    const stack = new Stack(
      testProject(run, { a: httpService('a'), z: httpService('z', { restart: 'sometimes' }) }),
      { engine },
    );
    await expect(stack.up({ waitTimeoutMs: 10_000 })).rejects.toThrow('service "z": restart: "sometimes" is not one of no, always, on-failure[:N], unless-stopped');
    await expect(stack.plan()).rejects.toThrow(/restart: "sometimes"/);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('network_mode: service:X shares the first container of X', async () => {
    const run = newRun();
    const stack = new Stack(
      testProject(run, {
        web: httpService('web'),
        sidecar: { image: BUSYBOX, init: true, command: ['sleep', '300'], network_mode: 'service:web', depends_on: { web: needs('service_started') } },
      }),
      { engine },
    );
    await stack.up({ waitTimeoutMs: 30_000 });
    // The sidecar reaches web's httpd on its own loopback: same network namespace.
    expect((await stack.exec('sidecar', ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'])).stdout).toBe('web\n');
    await stack.down();
  });

  it('a host port already taken: an error naming service and port; down then leaves nothing', async () => {
    const run = newRun();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const stack = new Stack(
        testProject(run, {
          ok: httpService('ok'),
          web: httpService('web', { ports: [{ target: 8080, published: String(port), host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' }] }),
        }),
        { engine },
      );
      const err = await stack.up({ waitTimeoutMs: 30_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortAlreadyAllocatedError);
      expect((err as Error).message).toContain(`service "web"`);
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      await stack.down();
      expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('two concurrent ups of one project make one set of containers and one network', async () => {
    const run = newRun();
    const make = () => new Stack(testProject(run, { a: httpService('a'), b: httpService('b', { scale: 2 }) }), { engine });
    const results = await Promise.allSettled([make().up({ waitTimeoutMs: 60_000 }), make().up({ waitTimeoutMs: 60_000 })]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const containers = await engine.containers.list([`${LABEL.project}=${run}`]);
    expect(containers.map((c) => c.Names[0]).sort()).toEqual([`/${run}-a-1`, `/${run}-b-1`, `/${run}-b-2`]);
    const networks = (await engine.networks.list([`${LABEL.project}=${run}`])).map((n) => n.Name);
    expect(networks).toEqual([`${run}_default`]);
    await make().down();
  });

  it('an up aborted half way leaves a state the next up converges from', async () => {
    const run = newRun();
    const make = () => new Stack(testProject(run, Object.fromEntries(['a', 'b', 'c', 'd'].map((s) => [s, httpService(s)]))), { engine });
    const controller = new AbortController();
    const first = make();
    first.on((e) => {
      if (e.type === 'container.created') controller.abort(new Error('Ctrl-C'));
    });
    await expect(first.up({ waitTimeoutMs: 30_000, signal: controller.signal })).rejects.toThrow();
    const second = await make().up({ waitTimeoutMs: 30_000 });
    expect(second.containers.map((c) => c.name).sort()).toEqual(['a', 'b', 'c', 'd'].map((s) => `${run}-${s}-1`));
    const states = (await make().ps({ all: true })).map((c) => c.state);
    expect(states).toEqual(['running', 'running', 'running', 'running']);
    await make().down();
  });

  it('disposing an ephemeral stack gives its containers 1 s to stop (disposeTimeoutSeconds), not their grace period', async () => {
    const run = newRun();
    // Ignores SIGTERM and asks a minute to stop: only the dispose's timeout ends it in time.
    const stubborn: Service = { ...httpService('x'), command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.2; done'], healthcheck: undefined, stop_grace_period: 60e9 };
    const stops: number[] = [];
    {
      await using stack = new Stack(testProject(run, { a: stubborn }), { engine, ephemeral: true });
      stack.on((e) => {
        if (e.type === 'container.stopping' || e.type === 'container.stopped') stops.push(e.time);
      });
      await stack.up({ waitTimeoutMs: 30_000 });
    }
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
    expect(stops).toHaveLength(2);
    // Killed after the 1 s timeout: well under the 60 s grace period the container asks for.
    expect(stops[1]! - stops[0]!).toBeLessThan(20_000);
  });

  it('ephemeral stacks whose owner process died are swept by the next ephemeral start', async () => {
    const dead = newRun();
    // Owner: a process that exits right away; its pid is then gone.
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    const { hostname } = await import('node:os');
    await engine.networks.create({
      name: `${dead}_default`,
      labels: { [TEST_LABEL]: dead, [LABEL.project]: dead, [LABEL.ephemeral]: 'true', [LABEL.owner]: `${child.pid}@${hostname()}` },
    });
    await docker('create', '--label', `${TEST_LABEL}=${dead}`, '--label', `${LABEL.project}=${dead}`, '--label', `${LABEL.ephemeral}=true`, '--label', `${LABEL.owner}=${child.pid}@${hostname()}`, BUSYBOX);
    const alive = newRun();
    await engine.networks.create({
      name: `${alive}_other`,
      labels: { [TEST_LABEL]: alive, [LABEL.project]: alive, [LABEL.ephemeral]: 'true', [LABEL.owner]: `${process.pid}@${hostname()}` },
    });

    const run = newRun();
    await using stack = new Stack(testProject(run, { a: httpService('a') }), { engine, ephemeral: true });
    await stack.up({ waitTimeoutMs: 30_000 });
    expect(await leftovers(`${TEST_LABEL}=${dead}`)).toEqual([]);
    expect(await leftovers(`${TEST_LABEL}=${alive}`)).toEqual([`network ${alive}_other`]);
    const labels = (await engine.containers.inspect(`${run}-a-1`))!.Config.Labels;
    expect(labels[LABEL.owner]).toBe(`${process.pid}@${hostname()}`);
  });
});
