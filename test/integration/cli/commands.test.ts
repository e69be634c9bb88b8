/**
 * The everyday commands against the real engine, on one busybox project
 * brought up once: ps (table and JSON), logs (tail, prefixes, stderr kept
 * apart, --since/--until), exec (output and exit code), port, label-only use with -p, the
 * dry run after an environment change, stop/start/restart, pause/unpause/kill,
 * wait, rm, and down -v.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { TEST_LABEL, connectTestEngine, dockerInspect, httpGet, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';
import { type CliResult, cli, parsePs, projectDir, until, webAndWorker } from './harness.js';

describe('modelstack commands', () => {
  const run = uniqueName('mscli');
  const label = `${TEST_LABEL}=${run}`;
  const project = projectDir({ 'compose.yaml': webAndWorker(run) });
  const elsewhere = projectDir({});
  let engine: Engine;
  /** `modelstack -p <run> <argv>` in the project folder. */
  const ms = (argv: string[], env: Record<string, string> = {}): Promise<CliResult> => cli(['-p', run, ...argv], { cwd: project.dir, env });
  const ps = async (...extra: string[]) => parsePs((await ms(['ps', '--format', 'json', ...extra])).stdout);

  beforeAll(async () => {
    engine = await connectTestEngine();
    const up = await ms(['up', '-d', '--wait', '--wait-timeout', '60']);
    expect(up.stderr).toContain(`Container ${run}-web-1  Healthy`);
    expect(up.code).toBe(0);
    expect(up.stdout).toBe('');
    // up --wait returns as soon as modelstack's own probe passes; ps shows
    // Docker's verdict, which follows within one healthcheck interval.
    await until('Docker to report web healthy', async () => (await dockerInspect(`${run}-web-1`)).State.Health.Status === 'healthy', 15_000);
  });
  afterAll(async () => {
    await removeLabelled(engine, label);
    expect(await leftovers(label)).toEqual([]);
    project.remove();
    elsewhere.remove();
  });

  it('ps --format json: one object per container with Compose\'s keys, ports on 127.0.0.1', async () => {
    const result = await ms(['ps', '--format', 'json']);
    expect(result.code).toBe(0);
    const rows = parsePs(result.stdout);
    expect(rows.map((r) => r['Name'])).toEqual([`${run}-web-1`, `${run}-worker-1`]);
    const [web, worker] = rows;
    // Compose v2.26's keys, in its order (test/integration/compose-v2/interop.test.ts compares the values with Compose's own).
    expect(Object.keys(web!)).toEqual(['Command', 'CreatedAt', 'ExitCode', 'Health', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Name', 'Names', 'Networks', 'Ports', 'Project', 'Publishers', 'RunningFor', 'Service', 'Size', 'State', 'Status']);
    expect(web).toMatchObject({ Project: run, Service: 'web', State: 'running', Health: 'healthy', ExitCode: 0, Image: 'modelstack-test/busybox:latest' });
    expect(worker).toMatchObject({ Service: 'worker', State: 'running', Health: '', Publishers: null, Mounts: `${run}_data`.slice(0, 14) + '…', LocalVolumes: '1' });
    expect(web!['Publishers']).toEqual([{ URL: '127.0.0.1', TargetPort: 8080, PublishedPort: expect.any(Number), Protocol: 'tcp' }]);
    const published = web!['Publishers'][0].PublishedPort as number;
    expect(await httpGet(`http://127.0.0.1:${published}/`)).toEqual({ status: 200, body: 'ok\n' });
    expect(web!['ID']).toBe((await dockerInspect(`${run}-web-1`)).Id.slice(0, 12));
  });

  it('ps prints the table Compose prints', async () => {
    const { code, stdout } = await ms(['ps']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$/);
    expect(lines[1]).toMatch(new RegExp(`^${run}-web-1 +modelstack-test/busybox:latest +"sh -c 'echo web say…" +web +\\S.* ago +Up .*\\(healthy\\) +127\\.0\\.0\\.1:\\d+->8080/tcp$`));
    expect(lines[2]).toMatch(new RegExp(`^${run}-worker-1 +.* worker +.* ago +Up `));
  });

  it('logs --tail: prefixed lines, container stderr on stderr', async () => {
    await until('the worker to print its lines', async () => (await ms(['logs', 'worker'])).stderr.includes('oops'));
    const tail = await ms(['logs', '--tail', '2', 'worker']);
    expect(tail).toEqual({ code: 0, stdout: 'worker-1  | two\n', stderr: 'worker-1  | oops\n' });

    // Every service: prefixes padded to the longest name.
    const all = await ms(['logs']);
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n').filter(Boolean).sort()).toEqual(['web-1     | web says hello', 'worker-1  | one', 'worker-1  | two']);
    expect(all.stderr.split('\n').filter(Boolean).sort()).toEqual(['web-1     | web warns', 'worker-1  | oops']);

    const bare = await ms(['logs', '--no-log-prefix', '-n', '1', 'web']);
    expect(bare.stdout + bare.stderr).toMatch(/^web (says hello|warns)\n$/);
    const stamped = await ms(['logs', '-t', '--tail', '1', 'worker']);
    expect(stamped.stderr).toMatch(/^worker-1 {2}\| \d{4}-\d\d-\d\dT\S+Z oops\n$/);
  });

  it('logs -f follows until the containers stop', async () => {
    // A stopped container's log stream ends, so follow returns by itself.
    expect((await ms(['stop', '-t', '1', 'worker'])).code).toBe(0);
    const followed = await ms(['logs', '-f', 'worker']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('worker-1  | one\nworker-1  | two\n');
    expect((await ms(['start', 'worker'])).code).toBe(0);
  });

  it('logs --since / --until: a time between the worker\'s two runs splits its log (RFC 3339, Unix seconds)', async () => {
    // The worker printed one, two (stdout) and oops (stderr) at its first start and again after the start above.
    await until("the worker's second run to print", async () => ((await ms(['logs', 'worker'])).stderr.match(/oops/g) ?? []).length === 2);
    const stamped = await ms(['logs', '-t', '--no-log-prefix', 'worker']);
    const lines = [stamped.stdout, stamped.stderr]
      .flatMap((text) => text.split('\n').filter(Boolean))
      .map((l) => ({ at: Date.parse(l.slice(0, l.indexOf(' '))), text: l.slice(l.indexOf(' ') + 1) }))
      .sort((a, b) => a.at - b.at);
    expect(lines.map((l) => l.text).sort()).toEqual(['one', 'one', 'oops', 'oops', 'two', 'two']);
    const endOfFirst = Math.max(...lines.slice(0, 3).map((l) => l.at));
    const startOfSecond = Math.min(...lines.slice(3).map((l) => l.at));
    expect(startOfSecond - endOfFirst).toBeGreaterThan(2);
    const cut = Math.round((endOfFirst + startOfSecond) / 2);
    const since = await ms(['logs', '--no-log-prefix', '--since', new Date(cut).toISOString(), 'worker']);
    expect(since).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: 'oops\n' });
    const before = await ms(['logs', '--no-log-prefix', '--until', (cut / 1000).toFixed(3), 'worker']);
    expect(before).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: 'oops\n' });
    // A duration: everything of the last hour.
    expect((await ms(['logs', '--no-log-prefix', '--since', '1h', 'worker'])).stdout).toBe('one\ntwo\none\ntwo\n');
    const bad = await ms(['logs', '--since', 'yesterday', 'worker']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since.*"yesterday"/);
  });

  it('exec streams the command\'s output and passes its exit code through', async () => {
    const failing = await ms(['exec', 'web', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 7']);
    expect(failing).toEqual({ code: 7, stdout: 'to-out\n', stderr: 'to-err\n' });

    // Options after SERVICE belong to the command.
    const listing = await ms(['exec', 'web', 'ls', '-la', '/www']);
    expect(listing.code).toBe(0);
    expect(listing.stdout).toMatch(/^-.* index\.html$/m);

    const shaped = await ms(['exec', '-e', 'GREETING=hi', '-w', '/www', '-u', 'nobody', 'web', 'sh', '-c', 'echo $GREETING $(pwd) $(id -u)']);
    expect(shaped).toEqual({ code: 0, stdout: 'hi /www 65534\n', stderr: '' });

    expect((await ms(['exec', 'worker', 'false'])).code).toBe(1);
    const missing = await ms(['exec', '--index', '2', 'web', 'true']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`modelstack: service "web" has no container #2 in project "${run}"; is the stack up?\n`);
  });

  it('port prints HOST_IP:PORT', async () => {
    const { code, stdout } = await ms(['port', 'web', '8080']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^127\.0\.0\.1:\d+\n$/);
    const [web] = await ps('web');
    expect(stdout).toBe(`127.0.0.1:${web!['Publishers'][0].PublishedPort}\n`);

    const unpublished = await ms(['port', 'web', '9999']);
    expect(unpublished.code).toBe(1);
    expect(unpublished.stderr).toContain('does not publish port 9999/tcp');
  });

  it('works from labels alone with -p, outside the project folder', async () => {
    const byName = (argv: string[]) => cli(['-p', run, ...argv], { cwd: elsewhere.dir });
    expect(parsePs((await byName(['ps', '--format', 'json'])).stdout).map((r) => r['Service'])).toEqual(['web', 'worker']);
    expect(await byName(['exec', 'worker', 'echo', 'found'])).toEqual({ code: 0, stdout: 'found\n', stderr: '' });
    expect((await byName(['port', 'web', '8080'])).stdout).toMatch(/^127\.0\.0\.1:\d+\n$/);
    const unknown = await byName(['logs', 'nosuch']);
    expect(unknown.code).toBe(1);
    // Known by name only: the services are those of its containers.
    expect(unknown.stderr).toMatch(/^modelstack: no such service: "nosuch"; the project's services: (web, worker|worker, web)\n$/);
    // COMPOSE_PROJECT_NAME names the project just as well.
    const fromEnv = await cli(['ps', '-q'], { cwd: elsewhere.dir, env: { COMPOSE_PROJECT_NAME: run } });
    expect(fromEnv.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('up --dry-run after an environment change prints the recreate and its reason, and changes nothing', async () => {
    const before = (await ps()).map((r) => r['ID']);
    const { code, stdout, stderr } = await ms(['up', '--dry-run'], { MODEL_MODE: 'b' });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([
      `service web: recreate ${run}-web-1 (config changed: environment.MODEL_MODE)`,
      `service worker: keep ${run}-worker-1 (up to date)`,
      '',
    ]);
    expect((await ps()).map((r) => r['ID'])).toEqual(before);
    expect((await dockerInspect(`${run}-web-1`)).Config.Env).toContain('MODEL_MODE=a');
  });

  it('stop, start and restart', async () => {
    const stopped = await ms(['stop', '-t', '1', 'worker']);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toBe(`Container ${run}-worker-1  Stopping\nContainer ${run}-worker-1  Stopped\n`);
    expect((await ps()).map((r) => r['Service'])).toEqual(['web']);
    expect((await ps('-a')).find((r) => r['Service'] === 'worker')).toMatchObject({ State: 'exited' });

    expect((await ms(['start'])).code).toBe(0);
    expect((await ps()).map((r) => `${r['Service']}:${r['State']}`)).toEqual(['web:running', 'worker:running']);

    const startedAt = (await dockerInspect(`${run}-web-1`)).State.StartedAt;
    const restarted = await ms(['restart', '-t', '1', 'web']);
    expect(restarted.code).toBe(0);
    expect(restarted.stderr).toContain(`Container ${run}-web-1  Started`);
    const after = await dockerInspect(`${run}-web-1`);
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).not.toBe(startedAt);
  });

  it('pause, unpause and kill: the states docker inspect sees, and Compose\'s progress lines', async () => {
    const paused = await ms(['pause', 'web']);
    expect(paused).toEqual({ code: 0, stdout: '', stderr: `Container ${run}-web-1  Pausing\nContainer ${run}-web-1  Paused\n` });
    expect((await dockerInspect(`${run}-web-1`)).State.Paused).toBe(true);
    expect((await ps()).map((r) => `${r['Service']}:${r['State']}`)).toEqual(['web:paused', 'worker:running']);
    // Already paused: nothing to do, no error.
    expect(await ms(['pause', 'web'])).toEqual({ code: 0, stdout: '', stderr: '' });

    // Only the paused container is unpaused.
    const unpaused = await ms(['unpause']);
    expect(unpaused).toEqual({ code: 0, stdout: '', stderr: `Container ${run}-web-1  Unpausing\nContainer ${run}-web-1  Unpaused\n` });
    expect((await dockerInspect(`${run}-web-1`)).State.Status).toBe('running');

    // SIGTERM reaches the init process, which passes it on: sleep ends at once.
    const killed = await ms(['kill', '-s', 'SIGTERM', 'worker']);
    expect(killed.code).toBe(0);
    expect(killed.stderr).toBe(`Container ${run}-worker-1  Killing\nContainer ${run}-worker-1  Killed\n`);
    await until('the worker to exit', async () => (await dockerInspect(`${run}-worker-1`)).State.Status === 'exited');
    expect((await dockerInspect(`${run}-worker-1`)).State.ExitCode).toBe(143);
    expect(await ms(['kill', 'worker'])).toEqual({ code: 0, stdout: '', stderr: 'no container to kill\n' });
    const bogus = await ms(['kill', '-s', 'NOSUCHSIGNAL', 'web']);
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toMatch(/NOSUCHSIGNAL/);
    expect((await dockerInspect(`${run}-web-1`)).State.Running).toBe(true);
    expect((await ms(['start', 'worker'])).code).toBe(0);
  });

  it('wait blocks until the service stops, prints its exit as Compose does, and exits with its code', async () => {
    const waiting = ms(['wait', 'worker']);
    // Whether the wait is already listening or not, a stopped container's exit is its answer.
    expect((await ms(['stop', '-t', '5', 'worker'])).code).toBe(0);
    const id = (await dockerInspect(`${run}-worker-1`)).Id;
    expect(await waiting).toEqual({ code: 143, stdout: `container "${id}" exited with status code 143\n`, stderr: '' });
    expect((await ms(['start', 'worker'])).code).toBe(0);
    const noService = await ms(['wait']);
    expect(noService.code).toBe(2);
  });

  it('rm removes the stopped containers after a yes on stdin; -f does not ask; -s stops first', async () => {
    expect((await ms(['stop', '-t', '1', 'worker'])).code).toBe(0);
    const asking = { code: 0, stdout: `Going to remove ${run}-worker-1\n`, stderr: '' };
    expect(await cli(['-p', run, 'rm', 'worker'], { cwd: project.dir, stdin: 'n\n' })).toEqual(asking);
    expect(await ms(['rm', 'worker'])).toEqual(asking); // no input is no
    expect((await dockerInspect(`${run}-worker-1`)).State.Status).toBe('exited');

    const yes = await cli(['-p', run, 'rm', '-v'], { cwd: project.dir, stdin: 'y\n' });
    expect(yes).toEqual({ ...asking, stderr: `Container ${run}-worker-1  Removing\nContainer ${run}-worker-1  Removed\n` });
    expect(await engine.containers.inspect(`${run}-worker-1`)).toBeUndefined();
    // Only web is left, and it runs.
    expect(await ms(['rm', '-f'])).toEqual({ code: 0, stdout: '', stderr: 'No stopped containers\n' });
    const stopFirst = await ms(['rm', '-s', '-f', '-t', '1', 'web']);
    expect(stopFirst.code).toBe(0);
    expect(stopFirst.stdout).toBe(`Going to remove ${run}-web-1\n`);
    expect(stopFirst.stderr).toMatch(new RegExp(`Container ${run}-web-1  Stopped\n[\\s\\S]*Container ${run}-web-1  Removed\n$`));
    expect(await engine.containers.inspect(`${run}-web-1`)).toBeUndefined();
    // Back up for the tests that follow.
    expect((await ms(['up', '-d', '--wait', '--wait-timeout', '60'])).code).toBe(0);
  });

  it('down -v leaves nothing', async () => {
    const { code, stderr } = await ms(['down', '-v', '-t', '1']);
    expect(code).toBe(0);
    expect(stderr).toContain(`Volume ${run}_data  Removed`);
    expect(stderr).toContain(`Network ${run}_default  Removed`);
    expect(await leftovers(label)).toEqual([]);
    // A second down finds nothing to do and still succeeds.
    expect(await ms(['down'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
