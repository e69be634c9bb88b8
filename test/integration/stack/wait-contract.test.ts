/**
 * Compose's contract for `up --wait`, checked from outside: when `up`
 * returns, Docker itself (docker inspect, and Compose v2's `ps`) says every
 * container with a healthcheck is healthy; `service_healthy` waits for
 * Docker's verdict too. The probe mode returns earlier and says so. A
 * one-shot that exited 0 counts as done (where Compose v2 fails --wait).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerFailedError, type Engine, WaitTimeoutError } from '../../../src/index.js';
import type { ReadyEvent, StackEvent } from '../../../src/stack/events.js';
import { Stack } from '../../../src/stack/stack.js';
import { loadProject } from '../../../src/compose/load.js';
import { composeV2, composeV2Ok } from '../../helpers/compose-v2.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, dockerInspect, testRuns } from '../../helpers/engine.js';

/** A busybox web server service (YAML, under `services:`), with a healthcheck every `interval`. */
function web(name: string, interval: string, extra: string[] = []): string {
  return [
    `  ${name}:`,
    `    image: ${BUSYBOX}`,
    '    init: true',
    '    command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]',
    '    healthcheck:',
    '      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]',
    `      interval: ${interval}`,
    '      timeout: 5s',
    '      retries: 5',
    `    labels: { ${TEST_LABEL}: RUNID }`,
    ...extra.map((l) => `    ${l}`),
  ].join('\n');
}

describe('up --wait keeps Compose\'s contract', () => {
  let engine: Engine;
  const runs = testRuns('mswait');
  const dirs: string[] = [];

  /** A compose file in a temp folder (RUNID = the run id, which labels everything), and a Stack recording its events. */
  const project = async (services: string[]) => {
    const run = runs.next();
    const dir = mkdtempSync(join(tmpdir(), 'ms-wait-'));
    dirs.push(dir);
    const file = join(dir, 'compose.yaml');
    const text = ['services:', ...services, 'networks:', '  default:', `    labels: { ${TEST_LABEL}: RUNID }`, ''].join('\n');
    writeFileSync(file, text.replaceAll('RUNID', run));
    const events: StackEvent[] = [];
    const stack = new Stack(await loadProject({ files: [file], projectName: run, env: {} }), { engine, onEvent: (e) => events.push(e) });
    const v2 = (...args: string[]) => composeV2(['-f', file, '-p', run, ...args], { cwd: dir });
    return { run, dir, file, stack, events, v2 };
  };
  const ready = (events: StackEvent[]) => events.filter((e): e is ReadyEvent => e.type === 'container.healthy' || e.type === 'container.ready');

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    expect(await runs.removeAll(engine)).toEqual([]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('when up returns, Docker says healthy for every container: docker inspect and Compose v2 ps agree', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const p = await project(names.map((n) => web(n, '1s')));
    await p.stack.up({ waitTimeoutMs: 60_000 });
    // Read at once, before anything else: this is what up promised.
    const health = await Promise.all(names.map(async (n) => (await dockerInspect(`${p.run}-${n}-1`)).State.Health.Status as string));
    expect(health).toEqual(names.map(() => 'healthy'));
    const rows = (await composeV2Ok(['-f', p.file, '-p', p.run, 'ps', '--format', 'json'], { cwd: p.dir }))
      .split('\n')
      .filter(Boolean)
      .flatMap((l): Array<Record<string, string>> => [JSON.parse(l) as Record<string, string> | Array<Record<string, string>>].flat());
    expect(rows.map((r) => `${r['Service']}:${r['Health']}`).sort()).toEqual(names.map((n) => `${n}:healthy`));
    expect(ready(p.events).map((e) => `${e.service}:${e.readyBy}:${e.health}`).sort()).toEqual(names.map((n) => `${n}:healthcheck:healthy`));
    expect((await p.stack.ps()).map((c) => `${c.service}:${c.readyBy}:${c.health}`)).toEqual(names.map((n) => `${n}:healthcheck:healthy`));
    await p.stack.down({ timeoutSeconds: 1 });
  });

  it('service_healthy waits for Docker\'s verdict: the dependent starts after the dependency\'s first passing check', async () => {
    const p = await project([web('db', '1s'), web('app', '1s', ['depends_on: { db: { condition: service_healthy } }'])]);
    await p.stack.up({ waitTimeoutMs: 60_000 });
    const db = await dockerInspect(`${p.run}-db-1`);
    const app = await dockerInspect(`${p.run}-app-1`);
    const firstPass = (db.State.Health.Log as Array<{ ExitCode: number; End: string }>).find((l) => l.ExitCode === 0);
    expect(firstPass).toBeDefined();
    expect(Date.parse(app.State.StartedAt)).toBeGreaterThanOrEqual(Date.parse(firstPass!.End));
    await p.stack.down({ timeoutSeconds: 1 });
  });

  it('probe mode (seed-like 30 s interval): up returns as soon as each service answers, and says Docker still reads starting', async () => {
    const p = await project([web('intent', '30s'), web('sentiment', '30s'), web('gateway', '30s', ['depends_on: { intent: { condition: service_healthy }, sentiment: { condition: service_healthy } }'])]);
    // The deadline is below the interval: only the probe can make this pass.
    await p.stack.up({ waitTimeoutMs: 20_000, probe: true });
    for (const n of ['intent', 'sentiment', 'gateway']) {
      const info = await dockerInspect(`${p.run}-${n}-1`);
      expect(info.State.Health.Status).toBe('starting');
      // Docker has not run a single check yet: the gateway started on the probe's verdict.
      expect(info.State.Health.Log ?? []).toEqual([]);
    }
    const events = ready(p.events);
    expect(events.map((e) => `${e.service}:${e.type}:${e.readyBy}:${e.health}`).sort()).toEqual([
      'gateway:container.healthy:probe:starting',
      'intent:container.healthy:probe:starting',
      'sentiment:container.healthy:probe:starting',
    ]);
    // ps says it too: ready by the probe, while Docker's health is still starting.
    expect((await p.stack.ps()).map((c) => `${c.service}:${c.readyBy}:${c.health}`).sort()).toEqual(['gateway:probe:starting', 'intent:probe:starting', 'sentiment:probe:starting']);
    // Without the probe the same service is not healthy within a deadline far below the interval: Docker's verdict is the default.
    const again = await project([web('intent', '30s')]);
    const timeout = (await again.stack.up({ waitTimeoutMs: 10_000 }).catch((e: unknown) => e)) as WaitTimeoutError;
    expect(timeout).toBeInstanceOf(WaitTimeoutError);
    expect(timeout.message).toMatch(new RegExp(`^service "intent" \\(container ${again.run}-intent-1\\) was not healthy after 10s`));
    expect(timeout.lastState).toBe('running, health: starting');
    await p.stack.down({ timeoutSeconds: 1 });
    await again.stack.down({ timeoutSeconds: 1 });
  });

  it('a one-shot that exits 0 is done (Compose v2 fails --wait here); one that exits 1 fails up with its code', async () => {
    const oneShot = (name: string, script: string) =>
      [`  ${name}:`, `    image: ${BUSYBOX}`, `    command: ["sh", "-c", ${JSON.stringify(script)}]`, `    labels: { ${TEST_LABEL}: RUNID }`].join('\n');
    const p = await project([web('web', '1s'), oneShot('migrate', 'echo migrated')]);
    await p.stack.up({ waitTimeoutMs: 60_000 });
    expect(ready(p.events).find((e) => e.service === 'migrate')).toMatchObject({ type: 'container.ready', readyBy: 'state', exitCode: 0 });
    expect((await dockerInspect(`${p.run}-migrate-1`)).State).toMatchObject({ Status: 'exited', ExitCode: 0 });
    // The reference: Compose v2.26 fails --wait on the same file, though nothing went wrong.
    const reference = await p.v2('up', '-d', '--wait');
    expect(reference.code).not.toBe(0);
    await p.stack.down({ timeoutSeconds: 1 });

    const failing = await project([oneShot('migrate', 'echo "schema locked" >&2; exit 1')]);
    const err = (await failing.stack.up({ waitTimeoutMs: 30_000 }).catch((e: unknown) => e)) as ContainerFailedError;
    expect(err).toBeInstanceOf(ContainerFailedError);
    expect(err.failure).toEqual({ kind: 'exited', exitCode: 1 });
    expect(err.logTail).toContain('schema locked');
    await failing.stack.down({ timeoutSeconds: 1 });
  });
});
