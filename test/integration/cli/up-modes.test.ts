/**
 * `up` in its other modes against the real engine: `--progress json`
 * (one parseable event per line), attached (logs until Ctrl-C, then stop),
 * Ctrl-C during the rollout (aborted at once, exit 130), and a failing
 * service (exit 1, the cause on stderr).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, leftovers, testRuns } from '../../helpers/engine.js';
import { cli, parsePs, projectDir, startCli, testLabels, until } from './harness.js';

/** One busybox service running `script`, with `extra` YAML lines under it. */
function oneService(run: string, script: string, extra: string[] = []): string {
  return [
    'services:',
    '  app:',
    `    image: ${BUSYBOX}`,
    '    init: true',
    `    command: ["sh", "-c", ${JSON.stringify(script)}]`,
    ...extra.map((l) => `    ${l}`),
    testLabels(run, '    ').trimEnd(),
    'networks:',
    '  default:',
    testLabels(run, '    ').trimEnd(),
    '',
  ].join('\n');
}

describe('modelstack up modes', () => {
  let engine: Engine;
  const runs = testRuns('mscli');
  const dirs: Array<{ remove(): void }> = [];
  const newProject = (compose: (run: string) => string) => {
    const run = runs.next();
    const project = projectDir({ 'compose.yaml': compose(run) });
    dirs.push(project);
    return { run, dir: project.dir };
  };

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    expect(await runs.removeAll(engine)).toEqual([]);
    for (const d of dirs) d.remove();
  });

  it('--progress json writes one parseable event per line, the library\'s own events', async () => {
    const { run, dir } = newProject((r) =>
      oneService(r, 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www', [
        'healthcheck:',
        '  test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]',
        '  interval: 1s',
      ]),
    );
    const up = await cli(['-p', run, '--progress', 'json', 'up', '-d', '--wait'], { cwd: dir });
    expect(up.code).toBe(0);
    expect(up.stdout).toBe('');
    const events = up.stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; time: number; container?: string; name?: string });
    for (const e of events) expect(e.time).toEqual(expect.any(Number));
    expect(events[0]).toMatchObject({ type: 'network.created', name: `${run}_default` });
    expect(events.filter((e) => e.container === `${run}-app-1`).map((e) => e.type)).toEqual([
      'container.creating',
      'container.created',
      'container.starting',
      'container.started',
      'container.waiting',
      'container.healthy',
    ]);

    const down = await cli(['-p', run, '--progress', 'json', 'down', '-t', '1'], { cwd: dir });
    expect(down.code).toBe(0);
    expect(down.stderr.trimEnd().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual([
      'container.stopping',
      'container.stopped',
      'container.removing',
      'container.removed',
      'network.removed',
    ]);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('attached up prints prefixed logs until Ctrl-C, then stops the containers', async () => {
    const { run, dir } = newProject((r) => oneService(r, 'i=0; while true; do i=$$((i+1)); echo tick $$i; sleep 1; done'));
    const up = startCli(['-p', run, 'up'], { cwd: dir });
    await until('two log lines', () => /app-1 {2}\| tick 2\n/.test(up.stdout()));
    expect(up.stdout()).toMatch(/^app-1 {2}\| tick 1\napp-1 {2}\| tick 2\n/);
    expect(up.stderr()).toContain('Attaching to app-1\n');
    expect(up.interrupt()).toBe(true);
    const result = await up.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Gracefully stopping... (press Ctrl+C again to force)\n');
    expect(result.stderr).toContain(`Container ${run}-app-1  Stopped\n`);
    // Stopped, not removed (that is down's job).
    const all = parsePs((await cli(['-p', run, 'ps', '-a', '--format', 'json'], { cwd: dir })).stdout);
    expect(all).toMatchObject([{ Service: 'app', State: 'exited' }]);
    expect((await cli(['-p', run, 'down'], { cwd: dir })).code).toBe(0);
  });

  it('Ctrl-C during the rollout aborts it at once with 130', async () => {
    // Never healthy: only the interrupt can end this wait before its deadline.
    const { run, dir } = newProject((r) =>
      oneService(r, 'exec sleep 3600', ['healthcheck:', '  test: ["CMD", "false"]', '  interval: 1s', '  retries: 1000']),
    );
    const up = startCli(['-p', run, '--progress', 'json', 'up', '-d', '--wait', '--wait-timeout', '120'], { cwd: dir });
    await until('the wait to begin', () => up.stderr().includes('"container.waiting"'));
    const pressed = Date.now();
    expect(up.interrupt()).toBe(true);
    const result = await up.done;
    expect(Date.now() - pressed).toBeLessThan(5_000);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Interrupted: stopping the rollout... (press Ctrl+C again to force)\n');
    expect(result.stderr).toContain('modelstack: up was interrupted; what it created so far is left as it is (modelstack down removes it)\n');
    expect((await cli(['-p', run, 'down', '-t', '1'], { cwd: dir })).code).toBe(0);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('a failing service fails up with exit code 1 and the cause on stderr', async () => {
    // Never healthy, so the wait sees the exit (a container that exits at once
    // may be seen running first, which is all readiness asks without a healthcheck).
    const { run, dir } = newProject((r) =>
      oneService(r, 'echo "cannot load model: out of cheese" >&2; sleep 1; exit 3', ['healthcheck:', '  test: ["CMD", "false"]', '  interval: 1s']),
    );
    const up = await cli(['-p', run, 'up', '-d', '--wait', '--wait-timeout', '30'], { cwd: dir });
    expect(up.code).toBe(1);
    expect(up.stdout).toBe('');
    expect(up.stderr).toContain(`Container ${run}-app-1  Error\n`);
    expect(up.stderr).toMatch(/modelstack: service "app" \(container \S+\) exited with code 3/);
    expect(up.stderr).toContain('cannot load model: out of cheese');
    expect((await cli(['-p', run, 'down'], { cwd: dir })).code).toBe(0);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });
});
