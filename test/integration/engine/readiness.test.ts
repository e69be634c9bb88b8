/**
 * waitUntilReady against real containers: healthy by Docker's verdict (and
 * by the opt-in probe before Docker's first interval), running only once the
 * start settled (crash, exit and OOM right after start are caught every
 * time), one-shots, exit codes with log lines, OOM, unhealthy, deadline,
 * abort, already-ready, and no resource left behind by a wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from '../../../src/engine/event-hub.js';
import { ContainerFailedError, type ContainerSpec, type Engine, WaitTimeoutError, waitUntilReady } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, dockerInspect, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';

const HTTPD = ['sh', '-c', 'echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'];
const HTTP_CHECK = ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1'];

describe('waitUntilReady', () => {
  let engine: Engine;
  const run = uniqueName();
  const label = `${TEST_LABEL}=${run}`;

  const start = async (spec: Partial<ContainerSpec>): Promise<string> => {
    const id = await engine.containers.create({ image: BUSYBOX, init: true, labels: { [TEST_LABEL]: run }, ...spec });
    await engine.containers.start(id);
    return id;
  };

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    await removeLabelled(engine, label);
    expect(await leftovers(label)).toEqual([]);
  });

  it('healthy means Docker says healthy: docker inspect agrees the moment the wait returns', async () => {
    const id = await start({ command: HTTPD, healthcheck: { test: HTTP_CHECK, intervalNs: 1e9, retries: 3 } });
    const state = await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 20_000 });
    expect(state.readyBy).toBe('healthcheck');
    expect(state.health).toBe('healthy');
    expect((await dockerInspect(id)).State.Health.Status).toBe('healthy');
  });

  it('by default the wait does not run the check itself: a 60 s interval is not over in 1.5 s', async () => {
    const id = await start({ command: HTTPD, healthcheck: { test: HTTP_CHECK, intervalNs: 60e9, retries: 3 } });
    const err = (await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 1500 }).catch((e: unknown) => e)) as WaitTimeoutError;
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.lastState).toMatch(/health: starting/);
  });

  it('probe: true runs the check right after start: a 60 s interval does not delay readiness, and says so', async () => {
    const id = await start({ command: HTTPD, healthcheck: { test: HTTP_CHECK, intervalNs: 60e9, retries: 3 } });
    // The deadline is far below the interval: only the active probe can make this pass.
    const state = await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 15_000, probe: true });
    expect(state.readyBy).toBe('probe');
    expect(state.health).toBe('starting');
    expect((await dockerInspect(id)).State.Health.Status).toBe('starting');
  });

  it('sees a container that is already healthy at once, from its state', async () => {
    const id = await start({ command: HTTPD, healthcheck: { test: HTTP_CHECK, intervalNs: 1e9, retries: 3 } });
    await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 20_000 });
    const again = await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 2_000 });
    expect(again.readyBy).toBe('healthcheck');
    expect(again.elapsedMs).toBeLessThan(1000);
  });

  it('"ready" means healthy (Docker) with a healthcheck, running without one, and done for a one-shot that exited 0', async () => {
    const plain = await start({ command: HTTPD });
    expect((await waitUntilReady(engine, plain, { condition: 'ready', timeoutMs: 10_000 })).readyBy).toBe('state');
    const checked = await start({ command: HTTPD, healthcheck: { test: HTTP_CHECK, intervalNs: 1e9 } });
    const state = await waitUntilReady(engine, checked, { condition: 'ready', timeoutMs: 20_000 });
    expect(state).toMatchObject({ readyBy: 'healthcheck', health: 'healthy' });
    const oneShot = await start({ command: ['sh', '-c', 'echo migrated'] });
    expect(await waitUntilReady(engine, oneShot, { condition: 'ready', timeoutMs: 10_000 })).toMatchObject({ readyBy: 'state', status: 'exited', exitCode: 0 });
    // "running" is stricter: an exit, even with code 0, is not running.
    const gone = await start({ command: ['true'] });
    const err = (await waitUntilReady(engine, gone, { condition: 'running', timeoutMs: 10_000 }).catch((e: unknown) => e)) as ContainerFailedError;
    expect(err.failure).toEqual({ kind: 'exited', exitCode: 0 });
  });

  it('"running" only after the start settled: a container that runs at least that long is ready, not sooner', async () => {
    const id = await start({ command: HTTPD });
    const state = await waitUntilReady(engine, id, { condition: 'running', timeoutMs: 10_000, settleMs: 800 });
    const info = await dockerInspect(id);
    expect(Date.now() - Date.parse(info.State.StartedAt)).toBeGreaterThanOrEqual(800);
    expect(state.readyBy).toBe('state');
  });

  // Ten times each, one after another: a lucky inspect must never pass a dead container.
  // Ten container lifecycles take a few seconds alone, and minutes under a loaded suite.
  const TRIES = 10;
  const LOOP_TIMEOUT_MS = 240_000;
  type Outcome = ContainerFailedError['failure'] | { kind: 'not caught'; outcome: unknown };
  /** The kind, and for a miss what the wait gave instead (a failing run says why). */
  const kindOf = (k: Outcome): string => (k.kind === 'not caught' ? `not caught: ${k.outcome instanceof Error ? `${k.outcome.name}: ${k.outcome.message}` : JSON.stringify(k.outcome)}` : k.kind);
  const failuresOver = async (spec: () => Partial<ContainerSpec>): Promise<Outcome[]> => {
    const kinds: Outcome[] = [];
    for (let i = 0; i < TRIES; i++) {
      const id = await start(spec());
      const outcome = await waitUntilReady(engine, id, { condition: 'ready', timeoutMs: 20_000, restartsBefore: 0 }).catch((e: unknown) => e);
      kinds.push(outcome instanceof ContainerFailedError ? outcome.failure : { kind: 'not caught', outcome });
      await engine.containers.remove(id, { force: true });
    }
    return kinds;
  };

  it('catches an OOM kill right after start, 10 of 10 (8 MB limit, no healthcheck)', async () => {
    // 64 MB into the container's tmpfs, charged to its 8 MB cgroup: killed within tens of milliseconds.
    const kinds = await failuresOver(() => ({
      command: ['dd', 'if=/dev/zero', 'of=/dev/shm/fill', 'bs=1M', 'count=64'],
      memoryBytes: 8 * 1024 * 1024,
      memorySwapBytes: 8 * 1024 * 1024,
    }));
    expect(kinds.map(kindOf)).toEqual(Array(TRIES).fill('oom-killed'));
  }, LOOP_TIMEOUT_MS);

  it('catches an exit 3 right after start, 10 of 10 (no healthcheck)', async () => {
    const kinds = await failuresOver(() => ({ command: ['sh', '-c', 'exit 3'] }));
    expect(kinds).toEqual(Array(TRIES).fill({ kind: 'exited', exitCode: 3 }));
  }, LOOP_TIMEOUT_MS);

  it('catches a crash loop under restart: always, 10 of 10 (no healthcheck)', async () => {
    const kinds = await failuresOver(() => ({ command: ['sh', '-c', 'sleep 0.05; exit 1'], restart: { name: 'always' } }));
    expect(kinds.map(kindOf)).toEqual(Array(TRIES).fill('restarted'));
    expect(kinds.every((k) => k.kind === 'restarted' && k.exitCode === 1)).toBe(true);
  }, LOOP_TIMEOUT_MS);

  it('a restart before the wait began is a crash when the caller started the container with none (restartsBefore: 0)', async () => {
    const hub = await EventHub.open(engine, { type: ['container'], label: [`${TEST_LABEL}=${run}`] });
    try {
      // Crashes once, then runs for good: after its restart it looks healthy to anyone who did not see the crash.
      const id = await start({ command: ['sh', '-c', 'if [ -e /crashed ]; then exec sleep 600; fi; touch /crashed; exit 3'], restart: { name: 'on-failure' } });
      // The wait begins only once the engine has restarted the container and it runs again: no timing decides what it sees.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const info = await engine.containers.inspect(id);
        if ((info?.RestartCount ?? 0) >= 1 && info?.State.Running && !info.State.Restarting) break;
        if (Date.now() > deadline) throw new Error('the engine did not restart the container within 30 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const err = (await waitUntilReady(engine, id, { condition: 'ready', timeoutMs: 20_000, restartsBefore: 0, events: hub }).catch((e: unknown) => e)) as ContainerFailedError;
      expect(err).toBeInstanceOf(ContainerFailedError);
      expect(err.failure).toMatchObject({ kind: 'restarted', exitCode: 3, restartCount: 1 });
      // Without restartsBefore the baseline is the wait's first look, and the container, running since, is ready.
      expect((await waitUntilReady(engine, id, { condition: 'ready', timeoutMs: 20_000 })).readyBy).toBe('state');
    } finally {
      hub.close();
    }
  });

  it('fails at once when the container exits 3, with the exit code and its last log line', async () => {
    const id = await start({ command: ['sh', '-c', 'echo loading model; sleep 0.3; echo "fatal: weights not found" >&2; exit 3'], healthcheck: { test: HTTP_CHECK, intervalNs: 1e9 } });
    const err = await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 30_000, service: 'svc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerFailedError);
    const failed = err as ContainerFailedError;
    expect(failed.failure).toEqual({ kind: 'exited', exitCode: 3 });
    expect(failed.service).toBe('svc');
    expect(failed.logTail).toContain('fatal: weights not found');
    expect(failed.message).toMatch(/service "svc" \(container .+\) exited with code 3 while waiting for it to be healthy/);
    expect(failed.message).toContain('fatal: weights not found');
  });

  it('a one-shot job: completed on exit 0, failed on exit 1', async () => {
    const ok = await start({ command: ['sh', '-c', 'sleep 0.2; echo migrated'] });
    expect((await waitUntilReady(engine, ok, { condition: 'completed', timeoutMs: 10_000 })).exitCode).toBe(0);
    const bad = await start({ command: ['sh', '-c', 'echo "migration failed"; exit 1'] });
    const err = (await waitUntilReady(engine, bad, { condition: 'completed', timeoutMs: 10_000 }).catch((e: unknown) => e)) as ContainerFailedError;
    expect(err).toBeInstanceOf(ContainerFailedError);
    expect(err.failure).toEqual({ kind: 'exited', exitCode: 1 });
    expect(err.logTail).toEqual(['migration failed']);
  });

  it('names OOM kills', async () => {
    // `tail` buffers /dev/zero looking for a newline: memory grows until the limit.
    const id = await start({ command: ['tail', '/dev/zero'], memoryBytes: 16 * 1024 * 1024, memorySwapBytes: 16 * 1024 * 1024 });
    const err = (await waitUntilReady(engine, id, { condition: 'completed', timeoutMs: 30_000 }).catch((e: unknown) => e)) as ContainerFailedError;
    expect(err).toBeInstanceOf(ContainerFailedError);
    expect(err.failure.kind).toBe('oom-killed');
    expect(err.message).toMatch(/out of memory/);
  });

  it('fails when Docker declares the container unhealthy, quoting the probe output', async () => {
    const id = await start({
      command: HTTPD,
      healthcheck: { test: ['CMD-SHELL', 'echo "model not loaded"; exit 1'], intervalNs: 200e6, retries: 2 },
    });
    const err = (await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 30_000 }).catch((e: unknown) => e)) as ContainerFailedError;
    expect(err).toBeInstanceOf(ContainerFailedError);
    expect(err.failure).toEqual({ kind: 'unhealthy', probeOutput: expect.stringContaining('model not loaded') });
  });

  it('a container without a healthcheck cannot become healthy: says so instead of waiting', async () => {
    const id = await start({ command: HTTPD });
    const err = (await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 30_000 }).catch((e: unknown) => e)) as ContainerFailedError;
    expect(err.failure).toEqual({ kind: 'no-healthcheck' });
  });

  it('fails when the restart policy restarts a crashed container', async () => {
    const id = await start({ command: ['sh', '-c', 'sleep 0.5; exit 4'], restart: { name: 'on-failure', maximumRetryCount: 3 }, healthcheck: { test: HTTP_CHECK, intervalNs: 1e9 } });
    const err = (await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 30_000 }).catch((e: unknown) => e)) as ContainerFailedError;
    expect(err).toBeInstanceOf(ContainerFailedError);
    expect(['restarted', 'exited']).toContain(err.failure.kind);
    expect((err.failure as { exitCode: number }).exitCode).toBe(4);
  });

  it('the deadline always fires, with the state it saw', async () => {
    const id = await start({ command: ['sleep', '60'], healthcheck: { test: ['CMD-SHELL', 'exit 1'], intervalNs: 1e9, retries: 1000 } });
    const err = (await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 1500 }).catch((e: unknown) => e)) as WaitTimeoutError;
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.lastState).toMatch(/running, health: starting/);
    expect(err.message).toMatch(/was not healthy after 1.5s/);
  });

  it('an abort ends the wait with the signal reason', async () => {
    const id = await start({ command: ['sleep', '60'] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user pressed Ctrl-C')), 300);
    await expect(waitUntilReady(engine, id, { condition: 'completed', timeoutMs: 60_000, signal: controller.signal })).rejects.toThrow('user pressed Ctrl-C');
  });

  it('fails when the container is removed while waiting', async () => {
    const id = await start({ command: ['sleep', '60'] });
    setTimeout(() => void engine.containers.remove(id, { force: true }), 300);
    const err = (await waitUntilReady(engine, id, { condition: 'completed', timeoutMs: 30_000 }).catch((e: unknown) => e)) as ContainerFailedError;
    expect(err).toBeInstanceOf(ContainerFailedError);
    expect(['removed', 'exited']).toContain(err.failure.kind);
  });

  it('many waits share one event stream (a hub opened before the containers start)', async () => {
    const hub = await EventHub.open(engine, { type: ['container'], label: [`${TEST_LABEL}=${run}`] });
    try {
      const ok = await engine.containers.create({ image: BUSYBOX, init: true, command: HTTPD, healthcheck: { test: HTTP_CHECK, intervalNs: 1e9 }, labels: { [TEST_LABEL]: run } });
      const bad = await engine.containers.create({ image: BUSYBOX, command: ['sh', '-c', 'sleep 0.3; exit 5'], labels: { [TEST_LABEL]: run } });
      await Promise.all([engine.containers.start(ok), engine.containers.start(bad)]);
      const [healthy, failed] = await Promise.allSettled([
        waitUntilReady(engine, ok, { condition: 'healthy', timeoutMs: 20_000, events: hub }),
        waitUntilReady(engine, bad, { condition: 'running', timeoutMs: 20_000, events: hub }).then(() =>
          waitUntilReady(engine, bad, { condition: 'completed', timeoutMs: 20_000, events: hub }),
        ),
      ]);
      expect(healthy).toMatchObject({ status: 'fulfilled', value: { readyBy: 'healthcheck' } });
      expect(failed.status).toBe('rejected');
      expect(((failed as PromiseRejectedResult).reason as ContainerFailedError).failure).toEqual({ kind: 'exited', exitCode: 5 });
    } finally {
      hub.close();
    }
  });

  it('releases its timer, listener and event stream on every path', async () => {
    const id = await start({ command: ['sleep', '60'], healthcheck: { test: ['CMD-SHELL', 'exit 1'], intervalNs: 1e9, retries: 1000 } });
    const settle = () => new Promise((r) => setTimeout(r, 200));
    await settle();
    const before = countResources();
    const controller = new AbortController();
    await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 800, signal: controller.signal }).catch(() => undefined);
    setTimeout(() => controller.abort(), 100);
    await waitUntilReady(engine, id, { condition: 'healthy', timeoutMs: 60_000, signal: controller.signal }).catch(() => undefined);
    await settle();
    expect(countResources()).toEqual(before);
  });
});

/** Active timers and sockets of this process (what a leaked wait would keep alive). */
function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (/Timeout|Socket|Pipe/.test(r)) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}
