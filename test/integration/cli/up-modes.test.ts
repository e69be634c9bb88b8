/**
 * `up` in its other modes against the real engine: `--progress json`
 * (one parseable event per line), attached (logs until Ctrl-C, then stop),
 * Ctrl-C during the rollout (aborted at once, exit 130), and a failing
 * service (exit 1, the cause on stderr).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, leftovers, testRuns } from '../../helpers/engine.js';
import { composeV2 } from '../../helpers/compose-v2.js';
import { cli, parsePs, projectDir, startCli, testLabels, until } from './harness.js';

/** Busybox services, each running its script (with `init: true`), and the test labels. */
function services(run: string, scripts: Record<string, { script: string; extra?: string[] }>): string {
  return [
    'services:',
    ...Object.entries(scripts).flatMap(([name, { script, extra = [] }]) => [
      `  ${name}:`,
      `    image: ${BUSYBOX}`,
      '    init: true',
      `    command: ["sh", "-c", ${JSON.stringify(script)}]`,
      ...extra.map((l) => `    ${l}`),
      testLabels(run, '    ').trimEnd(),
    ]),
    'networks:',
    '  default:',
    testLabels(run, '    ').trimEnd(),
    '',
  ].join('\n');
}

/** One busybox service "app" running `script`, with `extra` YAML lines under it. */
function oneService(run: string, script: string, extra: string[] = []): string {
  return services(run, { app: { script, extra } });
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
    expect(up.stdout()).toMatch(/^Attaching to app-1\napp-1 {2}\| tick 1\napp-1 {2}\| tick 2\n/);
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

  // `quick` exits 3 after its first line; `long` runs until stopped, and exits 7 on SIGTERM (its trap).
  const quickAndLong = (r: string) =>
    services(r, {
      quick: { script: 'echo quick starts; sleep 1; exit 3' },
      long: { script: 'trap "exit 7" TERM; echo long starts; while true; do sleep 0.2; done' },
    });

  it('--abort-on-container-exit and --exit-code-from: the first exit stops the rest; the exit code is that container\'s, or the named service\'s; as Compose v2', async () => {
    // Deliberate difference (docs/cli.md): Compose 2.26 takes a service's code from its "die" event only, and
    // engines from 25 on report the abort's "stop" before the "die", which Compose then ignores: it exits 0 there.
    const engineMajor = Number(engine.info!.version.split('.')[0]);
    const stoppedCodeInCompose = engineMajor >= 25 ? 0 : 7;
    for (const [flags, code, composeCode] of [
      [['--abort-on-container-exit'], 3, 3],
      [['--exit-code-from', 'quick'], 3, 3],
      [['--exit-code-from', 'long'], 7, stoppedCodeInCompose],
    ] as const) {
      const ours = newProject(quickAndLong);
      const theirs = newProject(quickAndLong);
      const [o, t] = await Promise.all([
        cli(['-p', ours.run, 'up', ...flags], { cwd: ours.dir }),
        composeV2(['-p', theirs.run, 'up', ...flags], { cwd: theirs.dir, env: { NO_COLOR: '1' } }),
      ]);
      expect(t.code, `docker compose up ${flags.join(' ')}: ${t.stderr}`).toBe(composeCode);
      expect(o.code, `modelstack up ${flags.join(' ')}: ${o.stderr}`).toBe(code);
      for (const out of [o, t]) {
        // Compose clears the line (ESC [2K) before each log line, even with NO_COLOR.
        const stdout = out.stdout.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
        expect(stdout).toMatch(/^Attaching to long-1, quick-1\n/);
        expect(stdout).toMatch(/^quick-1 +\| quick starts$/m);
        expect(stdout).toMatch(/^quick-1 exited with code 3$/m);
        expect(stdout).not.toMatch(/long-1 exited/); // aborting: the others' exits are not printed
        expect(out.stderr).toContain('Aborting on container exit...');
      }
      // Both stacks end stopped, long by the abort (its trap's code), not removed.
      for (const { run, dir } of [ours, theirs]) {
        const all = parsePs((await cli(['-p', run, 'ps', '-a', '--format', 'json'], { cwd: dir })).stdout);
        expect(all.map((c) => [c['Service'], c['State'], c['ExitCode']]).sort()).toEqual([['long', 'exited', 7], ['quick', 'exited', 3]]);
        expect((await cli(['-p', run, 'down'], { cwd: dir })).code).toBe(0);
      }
    }
    const { run, dir } = newProject(quickAndLong);
    for (const flags of [['-d', '--abort-on-container-exit'], ['--wait', '--exit-code-from', 'quick']]) {
      const refused = await cli(['-p', run, 'up', ...flags], { cwd: dir });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^modelstack: --(detach|wait) cannot be combined with --abort-on-container-exit or --exit-code-from$/m);
    }
    const unknown = await cli(['-p', run, 'up', '--exit-code-from', 'nope'], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no such service: "?nope"?/i);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('attached up prints "<service>-<n> exited with code N" as each container exits, then ends with 0', async () => {
    const { run, dir } = newProject((r) => services(r, { a: { script: 'echo a done' }, b: { script: 'sleep 1; echo b done; exit 4' } }));
    const up = await cli(['-p', run, 'up'], { cwd: dir });
    expect(up.code, up.stderr).toBe(0);
    // a exits at once, before up attaches: its line still comes first, then its exit (CI once saw the exit alone).
    expect(up.stdout).toMatch(/^a-1 +\| a done\n(.*\n)*a-1 exited with code 0$/m);
    expect(up.stdout).toMatch(/^b-1 +\| b done\n(.*\n)*b-1 exited with code 4$/m);
    expect((await cli(['-p', run, 'down'], { cwd: dir })).code).toBe(0);
  });

  it('--no-deps starts only the named service, without its dependency or its condition; -t bounds the stop of a container up replaces', async () => {
    const { run, dir } = newProject((r) =>
      services(r, {
        db: { script: 'exec sleep 3600', extra: ['healthcheck:', '  test: ["CMD", "false"]', '  interval: 1s'] },
        // Ignores SIGTERM, and asks a minute to stop: only -t 1 lets a recreate finish before the deadline.
        web: { script: 'trap "" TERM; while true; do sleep 0.2; done', extra: ['stop_grace_period: 1m', 'depends_on:', '  db:', '    condition: service_healthy'] },
      }),
    );
    const up = await cli(['-p', run, 'up', '-d', '--wait', '--wait-timeout', '20', '--no-deps', 'web'], { cwd: dir });
    expect(up.code, up.stderr).toBe(0);
    const ps = () => cli(['-p', run, 'ps', '-a', '--format', 'json'], { cwd: dir }).then((r) => parsePs(r.stdout).map((c) => `${c['Service']} ${c['State']}`));
    expect(await ps()).toEqual(['web running']);
    const again = await cli(['-p', run, 'up', '-d', '--wait', '--wait-timeout', '20', '--no-deps', '--force-recreate', '-t', '1', 'web'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(await ps()).toEqual(['web running']);
    expect((await cli(['-p', run, 'down', '-t', '1'], { cwd: dir })).code).toBe(0);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
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
