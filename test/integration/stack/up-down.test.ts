/**
 * The first orchestrator against the real engine: three services up in
 * parallel and reachable on daemon-assigned ports on 127.0.0.1, then down
 * with nothing left; a failed up leaves only what down removes.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerFailedError, type Engine } from '../../../src/index.js';
import type { StackEvent } from '../../../src/stack/events.js';
import { Stack } from '../../../src/stack/stack.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, dockerInspect, httpGet, leftovers, testRuns } from '../../helpers/engine.js';
import { httpService, testProject } from '../../helpers/project.js';

describe('Stack up/down', () => {
  let engine: Engine;
  const runs = testRuns('mst');
  const newRun = () => runs.next();

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    expect(await runs.removeAll(engine)).toEqual([]);
  });

  it('brings three services up in parallel, reachable on 127.0.0.1, then down leaves nothing', async () => {
    const run = newRun();
    const project = testProject(run, {
      intent: httpService('intent'),
      sentiment: httpService('sentiment'),
      ner: httpService('ner'),
    });
    const events: StackEvent[] = [];
    const stack = new Stack(project, { engine, onEvent: (e) => events.push(e) });
    const { containers } = await stack.up({ waitTimeoutMs: 30_000 });
    expect(containers.map((c) => c.name).sort()).toEqual([`${run}-intent-1`, `${run}-ner-1`, `${run}-sentiment-1`]);

    for (const service of ['intent', 'sentiment', 'ner']) {
      const { hostIp, hostPort } = await stack.port(service, 8080);
      expect(hostIp).toBe('127.0.0.1');
      const res = await httpGet(`http://127.0.0.1:${hostPort}/`);
      expect(res).toEqual({ status: 200, body: `${service}\n` });
      const info = await dockerInspect(`${run}-${service}-1`);
      expect(info.Config.Labels).toMatchObject({
        'com.docker.compose.project': run,
        'com.docker.compose.service': service,
        'com.docker.compose.container-number': '1',
        'com.docker.compose.oneoff': 'False',
      });
      expect(info.NetworkSettings.Networks[`${run}_default`].Aliases).toContain(service);
    }
    // Every container was reported ready, each created and started before it.
    for (const service of ['intent', 'sentiment', 'ner']) {
      const mine = events.filter((e) => 'service' in e && e.service === service).map((e) => e.type);
      expect(mine).toEqual(['container.creating', 'container.created', 'container.starting', 'container.started', 'container.waiting', 'container.healthy']);
    }
    // Created in parallel: all three were created before the first one was ready.
    const firstReady = events.findIndex((e) => e.type === 'container.healthy');
    expect(events.slice(0, firstReady).filter((e) => e.type === 'container.created')).toHaveLength(3);

    // Service-name DNS on the project network.
    const intent = containers.find((c) => c.service === 'intent')!;
    const viaDns = await engine.containers.exec(intent.id, ['wget', '-q', '-O', '-', 'http://sentiment:8080/']);
    expect(viaDns.stdout).toBe('sentiment\n');

    await stack.down();
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
    expect(await engine.networks.inspect(`${run}_default`)).toBeUndefined();
  });

  it('a second up of a running stack keeps its containers', async () => {
    const run = newRun();
    const stack = new Stack(testProject(run, { web: httpService('web') }), { engine });
    const {
      containers: [first],
    } = await stack.up({ waitTimeoutMs: 30_000 });
    const events: StackEvent[] = [];
    stack.on((e) => events.push(e));
    const {
      containers: [second],
    } = await stack.up({ waitTimeoutMs: 30_000 });
    expect(second!.id).toBe(first!.id);
    expect(events.map((e) => e.type)).not.toContain('container.created');
    await stack.down();
  });

  it('a service handle reaches the service: url, exec, readFile, logs, stop and start, bound to its name', async () => {
    const run = newRun();
    const web = {
      ...httpService('web'),
      command: ['sh', '-c', 'mkdir -p /www && echo web > /www/index.html && echo "web: serving" && exec httpd -f -p 8080 -h /www'],
    };
    const stack = new Stack(testProject(run, { web, other: httpService('other') }), { engine });
    const handle = stack.service('web'); // taken before up: it holds only the name
    await stack.up({ waitTimeoutMs: 30_000 });
    const url = await handle.url(8080);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await httpGet(`${url}/`)).toEqual({ status: 200, body: 'web\n' });
    expect(await handle.exec(['cat', '/www/index.html'])).toMatchObject({ exitCode: 0, stdout: 'web\n' });
    expect(await handle.readFile('/www/index.html')).toBe('web\n');
    const lines = await handle.logs();
    expect(lines.map((l) => [l.service, l.text])).toEqual([['web', 'web: serving']]);
    await handle.stop();
    expect((await dockerInspect(`${run}-web-1`)).State.Running).toBe(false);
    expect((await dockerInspect(`${run}-other-1`)).State.Running).toBe(true);
    await handle.start();
    expect((await dockerInspect(`${run}-web-1`)).State.Running).toBe(true);
    await stack.down();
  });

  it('a failing service fails up with its exit code and logs; down then removes everything', async () => {
    const run = newRun();
    const stack = new Stack(
      testProject(run, {
        good: httpService('good'),
        broken: httpService('broken', { command: ['sh', '-c', 'echo "cannot load model: out of cheese" >&2; exit 3'] }),
      }),
      { engine },
    );
    const err = await stack.up({ waitTimeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerFailedError);
    expect((err as Error).message).toMatch(/service "broken" .* exited with code 3/);
    expect((err as Error).message).toContain('cannot load model: out of cheese');
    expect((await leftovers(`${TEST_LABEL}=${run}`)).length).toBeGreaterThan(0);
    await stack.down();
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('down without the model finds the stack from labels alone', async () => {
    const run = newRun();
    await new Stack(testProject(run, { a: httpService('a'), b: httpService('b') }), { engine }).up({ waitTimeoutMs: 30_000 });
    // A project that knows nothing but the name.
    await new Stack(testProject(run, {}), { engine }).down();
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('down removes the network lock an up left when it was killed while holding it, and leaves a live one alone', async () => {
    const run = newRun();
    const lock = (owner: string) =>
      engine.containers.create({
        name: `${run}-modelstack-lock`,
        image: BUSYBOX,
        entrypoint: ['/lock'],
        labels: { 'org.modelstack.lock': run, 'org.modelstack.owner': owner, [TEST_LABEL]: run },
      });
    // A process id that cannot be alive: the lock's up was SIGKILLed.
    await lock(`${2 ** 22 + 1}@${hostname()}`);
    const result = await new Stack(testProject(run, {}), { engine }).down();
    expect(result.removedContainers).toEqual([`${run}-modelstack-lock`]);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
    // Held by a live process (this one): not down's to break.
    await lock(`${process.pid}@${hostname()}`);
    expect((await new Stack(testProject(run, {}), { engine }).down()).removedContainers).toEqual([]);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([`container ${run}-modelstack-lock`]);
  });
});
