/**
 * The everyday commands against the real engine, on one busybox project
 * brought up once: ps (table and JSON), logs (tail, prefixes, stderr kept
 * apart), exec (output and exit code), port, label-only use with -p, the
 * dry run after an environment change, stop/start/restart, and down -v.
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
