/**
 * Docker Compose v2.26.1 and modelstack on the same project, on the real
 * engine: each keeps the containers the other created (same ids, same
 * creation time), because modelstack writes Compose's own config hash; a
 * changed variable recreates exactly its service, whichever tool runs; and
 * each tool's ps/logs/down works on the other's stack.
 *
 * The project is test/fixtures/compose/interop (copied per run, so a test
 * may edit it): published ports (one without host address), named and bind
 * volumes, env files, label files, a healthcheck, depends_on conditions, two
 * networks with aliases, resources, ulimits, tmpfs, a config and a secret.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { composeConfigHash } from '../../../src/plan/config-hash.js';
import { loadProject } from '../../../src/compose/load.js';
import { composeV2, composeV2Ok, composeV2Path } from '../../helpers/compose-v2.js';
import { TEST_LABEL, connectTestEngine, leftovers, testRuns } from '../../helpers/engine.js';
import { cli, parsePs, startCli, until } from '../cli/harness.js';

const run = promisify(execFile);
const FIXTURE = resolve(import.meta.dirname, '../../fixtures/compose/interop');
const SERVICES = ['api', 'web', 'worker'];

interface Seen {
  id: string;
  created: string;
  hash: string;
}

/** The project's containers as the docker CLI sees them: name → id, creation time, config-hash label. */
async function containers(project: string): Promise<Record<string, Seen>> {
  const { stdout } = await run('docker', ['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return {};
  const inspected = JSON.parse((await run('docker', ['inspect', ...ids], { maxBuffer: 16 * 1024 * 1024 })).stdout) as Array<{
    Id: string;
    Name: string;
    Created: string;
    Config: { Labels: Record<string, string> };
  }>;
  return Object.fromEntries(
    inspected.map((c) => [c.Name.replace(/^\//, ''), { id: c.Id, created: c.Created, hash: c.Config.Labels['com.docker.compose.config-hash'] ?? '' }]),
  );
}

const byName = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a['Name']).localeCompare(String(b['Name']));

/** `docker compose ps --format json`: an array in some versions, one object per line in others. */
function parseComposePs(stdout: string): Array<Record<string, unknown>> {
  const text = stdout.trim();
  if (text === '') return [];
  if (text.startsWith('[')) return JSON.parse(text) as Array<Record<string, unknown>>;
  return text.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

// Each test runs both tools' up and down several times, on 1 s healthchecks: about 30-50 s alone, more under a loaded suite.
describe('docker compose v2.26.1 and modelstack keep each other\'s containers', { timeout: 240_000 }, () => {
  let engine: Engine;
  const runs = testRuns('msv2');
  const dirs: string[] = [];

  /** A fresh copy of the interop project and the environment both tools run with. */
  function newStack(): { project: string; dir: string; env: Record<string, string> } {
    const project = runs.next();
    const dir = mkdtempSync(join(tmpdir(), 'modelstack-v2-'));
    dirs.push(dir);
    cpSync(FIXTURE, dir, { recursive: true });
    return { project, dir, env: { HOME: dir, RUN: project } };
  }

  const v2 = (s: { project: string; dir: string; env: Record<string, string> }, ...args: string[]) => composeV2(['-p', s.project, ...args], { cwd: s.dir, env: s.env });
  const ms = (s: { project: string; dir: string; env: Record<string, string> }, ...args: string[]) => cli(['-p', s.project, ...args], { cwd: s.dir, env: s.env });

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    expect(await runs.removeAll(engine)).toEqual([]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('Compose up -d, then modelstack: the labels carry our hash, dry-run keeps all, up keeps every container, ps and down work', async () => {
    const s = newStack();
    await composeV2Ok(['-p', s.project, 'up', '-d'], { cwd: s.dir, env: s.env });
    const before = await containers(s.project);
    expect(Object.keys(before).sort()).toEqual(SERVICES.map((n) => `${s.project}-${n}-1`));

    // The hash Compose wrote on each container is the one modelstack computes for the same file.
    const model = await loadProject({ cwd: s.dir, projectName: s.project, env: s.env });
    for (const name of SERVICES) expect(before[`${s.project}-${name}-1`]?.hash, name).toBe(composeConfigHash(model, name));

    const dry = await ms(s, 'up', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trimEnd().split('\n')).toEqual(SERVICES.map((n) => `service ${n}: keep ${s.project}-${n}-1 (up to date)`));

    const up = await ms(s, 'up', '-d');
    expect(up.code, up.stderr).toBe(0);
    expect(await containers(s.project)).toEqual(before);

    const ps = parsePs((await ms(s, 'ps', '--format', 'json')).stdout);
    expect(ps.map((c) => c['Name']).sort()).toEqual(Object.keys(before).sort());

    const down = await ms(s, 'down', '-v', '-t', '1');
    expect(down.code, down.stderr).toBe(0);
    expect(await leftovers(`${TEST_LABEL}=${s.project}`)).toEqual([]);
  });

  it('the hash Compose writes is the one modelstack computes, for every service of the hash-table fixture', async () => {
    const dir = resolve(import.meta.dirname, '../../fixtures/compose/hash-table');
    for (const [file, profiles] of [['compose.yaml', ['extra']], ['refs.yaml', []]] as const) {
      const project = runs.next();
      const env = { HOME: dir, RUN: project };
      const profileArgs = profiles.flatMap((p) => ['--profile', p]);
      await composeV2Ok(['-f', file, '-p', project, ...profileArgs, 'up', '-d'], { cwd: dir, env });
      const found = await containers(project);
      const model = await loadProject({ cwd: dir, files: [file], projectName: project, profiles: [...profiles], env });
      // Compose hashes `service:X` references with X's container id.
      const containerIds = Object.fromEntries(Object.keys(model.services).map((n) => [n, found[`${project}-${n}-1`]?.id ?? '']));
      const labels = Object.fromEntries(Object.entries(found).map(([name, c]) => [name, c.hash]));
      const ours = Object.fromEntries(
        Object.keys(found).map((name) => [name, composeConfigHash(model, name.slice(project.length + 1).replace(/-\d+$/, ''), { containerIds })]),
      );
      expect(Object.keys(found).length).toBeGreaterThanOrEqual(Object.keys(model.services).length);
      expect(ours).toEqual(labels);
      expect((await v2({ project, dir, env }, '-f', file, ...profileArgs, 'down', '-v', '-t', '0')).code).toBe(0);
    }
  });

  it('the hash Compose writes is ours for the customer-service project (env files, extends, anchors, profiles, GPUs), created without start', async () => {
    const project = runs.next();
    const dir = mkdtempSync(join(tmpdir(), 'modelstack-v2-'));
    dirs.push(dir);
    cpSync(resolve(import.meta.dirname, '../../fixtures/compose/customer-service'), dir, { recursive: true });
    // Every resource carries the run's label (an override file, hashed by both tools alike).
    const label = `    labels: {${TEST_LABEL}: ${project}}`;
    writeFileSync(join(dir, 'compose.test.yaml'), [
      'services:',
      ...['intent', 'sentiment', 'ner', 'ner-gpu', 'gateway', 'notebook'].flatMap((n) => [`  ${n}:`, label]),
      'networks:',
      ...['models', 'public'].flatMap((n) => [`  ${n}:`, label]),
      'volumes:',
      ...['intent-weights', 'sentiment-weights', 'ner-weights'].flatMap((n) => [`  ${n}:`, label]),
      '',
    ].join('\n'));
    // The images exist on the test engine; `create` never starts the containers (no GPU needed).
    const env = { HOME: dir, TF_IMAGE: 'modelstack-test/busybox:latest', GATEWAY_IMAGE: 'modelstack-test/busybox:latest' };
    const args = ['-f', 'compose.yaml', '-f', 'compose.test.yaml', '-p', project, '--profile', 'gpu', '--profile', 'debug'];
    await composeV2Ok([...args, 'create'], { cwd: dir, env });
    const found = await containers(project);
    const model = await loadProject({ cwd: dir, files: ['compose.yaml', 'compose.test.yaml'], projectName: project, profiles: ['gpu', 'debug'], env });
    expect(Object.keys(found).sort()).toEqual(Object.keys(model.services).map((n) => `${project}-${n}-1`).sort());
    for (const [name, c] of Object.entries(found)) {
      expect(c.hash, name).toBe(composeConfigHash(model, name.slice(project.length + 1).replace(/-\d+$/, '')));
    }
    expect((await composeV2([...args, 'down', '-v'], { cwd: dir, env })).code).toBe(0);
    expect(await leftovers(`${TEST_LABEL}=${project}`)).toEqual([]);
  });

  it('modelstack up -d, then Compose up -d: Compose says Running, recreates nothing; its ps, logs and down work', async () => {
    const s = newStack();
    const up = await ms(s, 'up', '-d');
    expect(up.code, up.stderr).toBe(0);
    const before = await containers(s.project);
    expect(Object.keys(before)).toHaveLength(SERVICES.length);

    const again = await v2(s, 'up', '-d');
    expect(again.code, again.stderr).toBe(0);
    for (const name of SERVICES) expect(again.stderr).toMatch(new RegExp(`Container ${s.project}-${name}-1 +Running`));
    expect(again.stderr).not.toMatch(/Recreate/);
    expect(await containers(s.project)).toEqual(before);

    const ps = parseComposePs(await composeV2Ok(['-p', s.project, 'ps', '--format', 'json'], { cwd: s.dir, env: s.env }));
    expect(ps.map((c) => c['Name']).sort()).toEqual(Object.keys(before).sort());
    expect(ps.every((c) => c['State'] === 'running')).toBe(true);
    // Our `ps --format json` is Compose's, key for key. Go prints labels and
    // networks in map order and Compose lists mounts in the list API's order:
    // those compare as sets. The age texts may be a second apart.
    const ours = parsePs((await ms(s, 'ps', '--format', 'json')).stdout);
    const comparable = (c: Record<string, unknown>) => ({
      ...c,
      Labels: String(c['Labels']).split(',').sort(),
      Networks: String(c['Networks']).split(',').sort(),
      Mounts: String(c['Mounts']).split(',').sort(),
      Publishers: ((c['Publishers'] as unknown[] | null) ?? []).map((p) => JSON.stringify(p)).sort(),
      RunningFor: expect.stringMatching(/ ago$/),
      Status: expect.stringMatching(/^Up /),
    });
    expect(ours.map((c) => Object.keys(c))).toEqual(ps.map((c) => Object.keys(c).sort()));
    expect(ours.map(comparable).sort(byName)).toEqual(ps.map(comparable).sort(byName));
    const logs = await v2(s, 'logs', '--no-color', 'worker');
    expect(logs.code, logs.stderr).toBe(0);

    // ps's filters: with one service stopped, both tools print the same lines (in their own orders).
    expect((await ms(s, 'stop', '-t', '1', 'worker')).code).toBe(0);
    const lines = (text: string) => text.split('\n').filter(Boolean).sort();
    for (const args of [
      ['--services'],
      ['-a', '--services'],
      ['--status', 'exited', '--services'],
      ['--status', 'running', '--status', 'exited', '-q'],
      ['--filter', 'status=running', '--services'],
      ['--filter', 'status=exited', '--format', 'json'],
      ['--status', 'paused'],
    ]) {
      const [o, t] = await Promise.all([ms(s, 'ps', ...args), v2(s, 'ps', ...args)]);
      expect(t.code, `docker compose ps ${args.join(' ')}: ${t.stderr}`).toBe(0);
      expect(o.code, `modelstack ps ${args.join(' ')}: ${o.stderr}`).toBe(0);
      if (args.includes('json')) expect(parsePs(o.stdout).map((c) => c['Name']), args.join(' ')).toEqual(parseComposePs(t.stdout).map((c) => c['Name']));
      else expect(lines(o.stdout), args.join(' ')).toEqual(lines(t.stdout));
    }

    // images, ls and top print what Compose prints, byte for byte (worker stopped: images lists it, top
    // does not, ls counts it). top runs on paused containers, so no healthcheck process comes and goes
    // between the two tools' looks.
    expect((await ms(s, 'pause')).code).toBe(0);
    const only = `name=^${s.project}$`;
    const printed = new Map<string, string>();
    for (const args of [
      ['images'],
      ['images', '--format', 'json'],
      ['images', 'web', 'worker'],
      ['top'],
      ['top', 'api'],
      ['ls', '--filter', only],
      ['ls', '-a', '--filter', only],
      ['ls', '-a', '--filter', only, '--format', 'json'],
      ['ls', '-q', '--filter', only],
    ]) {
      const [o, t] = await Promise.all([ms(s, ...args), v2(s, ...args)]);
      expect(t.code, `docker compose ${args.join(' ')}: ${t.stderr}`).toBe(0);
      expect(o.code, `modelstack ${args.join(' ')}: ${o.stderr}`).toBe(0);
      expect(o.stdout, args.join(' ')).toBe(t.stdout);
      printed.set(args.join(' '), o.stdout);
    }
    // What they agreed on is the real thing: three images, two process tables, the paused project.
    expect(printed.get('images')!.match(/modelstack-test\/busybox/g)).toHaveLength(3);
    expect(printed.get('top')!.match(/^UID +PID +PPID/gm)).toHaveLength(2);
    expect(printed.get('top api')).toMatch(new RegExp(`^${s.project}-api-1\nUID [\\s\\S]*httpd -f -p 9000`));
    expect(printed.get(`ls -a --filter ${only}`)).toMatch(new RegExp(`^${s.project} +exited\\(1\\), paused\\(2\\) +${s.dir}/compose.yaml$`, 'm'));
    const [oq, tq] = await Promise.all([ms(s, 'images', '-q'), v2(s, 'images', '-q')]);
    expect(lines(oq.stdout)).toEqual(lines(tq.stdout));
    expect(lines(oq.stdout)).toHaveLength(1);
    expect((await ms(s, 'unpause')).code).toBe(0);

    const down = await v2(s, 'down', '-v', '-t', '1');
    expect(down.code, down.stderr).toBe(0);
    expect(await containers(s.project)).toEqual({});
    expect(await leftovers(`${TEST_LABEL}=${s.project}`)).toEqual([]);
  });

  it('events --json: the same container events as docker compose events --json, key for key', async () => {
    const s = newStack();
    expect((await ms(s, 'up', '-d', '--wait')).code).toBe(0);
    const ours = startCli(['-p', s.project, 'events', '--json', 'worker'], { cwd: s.dir, env: s.env });
    const theirs = spawn(composeV2Path(), ['-p', s.project, 'events', '--json', 'worker'], {
      cwd: s.dir,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...(process.env['DOCKER_HOST'] ? { DOCKER_HOST: process.env['DOCKER_HOST'] } : {}), ...s.env },
    });
    let theirOut = '';
    theirs.stdout.on('data', (b: Buffer) => (theirOut += b.toString()));
    const theirExit = new Promise((resolve) => theirs.once('close', resolve));
    // Both are listening once both print an exec's events (worker has no healthcheck, so nothing else comes):
    // exec until they do, then compare what follows the last exec.
    const execs = (text: string) => text.split('\n').filter((l) => l.includes('"exec_die"')).length;
    await until(
      'both to print an exec of worker',
      async () => {
        expect((await ms(s, 'exec', 'worker', 'true')).code).toBe(0);
        return execs(ours.stdout()) > 0 && execs(theirOut) > 0;
      },
      30_000,
      200,
    );
    await until('both to print the same number of execs', () => execs(ours.stdout()) === execs(theirOut), 10_000);
    // Complete lines so far (a pipe may deliver a line in pieces): what follows them is compared.
    const lines = (text: string) => text.split('\n').slice(0, -1);
    const synced = { ours: lines(ours.stdout()).length, theirs: lines(theirOut).length };
    expect((await ms(s, 'restart', '-t', '1', 'worker')).code).toBe(0);
    const started = (after: string[]) => after.some((l) => (JSON.parse(l) as { action: string }).action === 'start');
    await until('both to print the restart', () => started(lines(ours.stdout()).slice(synced.ours)) && started(lines(theirOut).slice(synced.theirs)), 20_000);
    expect(ours.interrupt()).toBe(true);
    theirs.kill('SIGINT');
    expect((await ours.done).code).toBe(130);
    await theirExit;

    type Ev = { action: string; attributes: Record<string, string>; id: string; service: string; time: string; type: string };
    const parse = (after: string[]) => after.filter(Boolean).map((l) => JSON.parse(l) as Ev);
    const [o, t] = [parse(lines(ours.stdout()).slice(synced.ours)), parse(lines(theirOut).slice(synced.theirs))];
    expect(o.map((e) => e.action)).toEqual(t.map((e) => e.action));
    expect(o.map((e) => e.action)).toEqual(expect.arrayContaining(['kill', 'die', 'stop', 'start']));
    // Everything but the time is Compose's exactly; the time to the microsecond (ours reads the engine's nanoseconds as a double).
    expect(o.map(({ time: _t, ...rest }) => rest)).toEqual(t.map(({ time: _t, ...rest }) => rest));
    expect(o.map((e) => Object.keys(e))).toEqual(t.map((e) => Object.keys(e)));
    for (const [i, e] of o.entries()) expect(Math.abs(Date.parse(e.time) - Date.parse(t[i]!.time))).toBeLessThanOrEqual(1);
    expect((await v2(s, 'down', '-v', '-t', '1')).code).toBe(0);
  });

  it('a changed environment variable recreates exactly that service, in either tool', async () => {
    const s = newStack();
    const file = join(s.dir, 'compose.yaml');
    const setLevel = (value: string) => writeFileSync(file, readFileSync(file, 'utf8').replace(/^( {6}LEVEL: ).*$/m, `$1"${value}"`));

    await composeV2Ok(['-p', s.project, 'up', '-d'], { cwd: s.dir, env: s.env });
    const first = await containers(s.project);
    const worker = `${s.project}-worker-1`;

    // modelstack, on Compose's stack: recreate the worker, keep the others. Compose's
    // container has no modelstack label, so the reason is the hash.
    setLevel('debug');
    const dry = await ms(s, 'up', '--dry-run');
    expect(dry.stdout.trimEnd().split('\n')).toEqual([
      `service api: keep ${s.project}-api-1 (up to date)`,
      `service web: keep ${s.project}-web-1 (up to date)`,
      `service worker: recreate ${worker} (config hash changed)`,
    ]);
    expect((await ms(s, 'up', '-d')).code).toBe(0);
    const second = await containers(s.project);
    expect(second[worker]?.id).not.toBe(first[worker]?.id);
    for (const n of ['api', 'web']) expect(second[`${s.project}-${n}-1`]).toEqual(first[`${s.project}-${n}-1`]);

    // Compose, on the stack modelstack just updated: recreate the worker again, keep the others.
    setLevel('trace');
    const up = await v2(s, 'up', '-d');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(new RegExp(`Container ${worker} +Recreate`));
    for (const n of ['api', 'web']) expect(up.stderr).toMatch(new RegExp(`Container ${s.project}-${n}-1 +Running`));
    const third = await containers(s.project);
    expect(third[worker]?.id).not.toBe(second[worker]?.id);
    for (const n of ['api', 'web']) expect(third[`${s.project}-${n}-1`]).toEqual(first[`${s.project}-${n}-1`]);

    // On a container modelstack labelled, the plan names the changed field.
    expect((await ms(s, 'up', '-d', '--force-recreate', 'worker')).code).toBe(0);
    setLevel('warn');
    const named = await ms(s, 'up', '--dry-run');
    expect(named.stdout).toContain(`service worker: recreate ${worker} (config changed: environment.LEVEL)`);

    expect((await ms(s, 'down', '-v', '-t', '1')).code).toBe(0);
    expect(await leftovers(`${TEST_LABEL}=${s.project}`)).toEqual([]);
  });

  it('deliberate difference: a recreated dependency recreates its dependents in Compose 2.26, not in modelstack', async () => {
    const s = newStack();
    const file = join(s.dir, 'compose.yaml');
    const setMode = (value: string) => writeFileSync(file, readFileSync(file, 'utf8').replace(/^( {6}API_MODE: ).*$/m, `$1"${value}"`));
    expect((await ms(s, 'up', '-d')).code).toBe(0);
    const first = await containers(s.project);

    // modelstack: only api, whose config changed (web and worker depend on it, without `restart: true`).
    setMode('slow');
    expect((await ms(s, 'up', '-d')).code).toBe(0);
    const second = await containers(s.project);
    expect(second[`${s.project}-api-1`]?.id).not.toBe(first[`${s.project}-api-1`]?.id);
    for (const n of ['web', 'worker']) expect(second[`${s.project}-${n}-1`]).toEqual(first[`${s.project}-${n}-1`]);

    // Compose 2.26: api, then every service depending on it, transitively (its setDependentLifecycle).
    setMode('slower');
    const up = await v2(s, 'up', '-d');
    expect(up.code, up.stderr).toBe(0);
    for (const n of SERVICES) expect(up.stderr).toMatch(new RegExp(`Container ${s.project}-${n}-1 +Recreate`));

    expect((await v2(s, 'down', '-v', '-t', '1')).code).toBe(0);
    expect(await leftovers(`${TEST_LABEL}=${s.project}`)).toEqual([]);
  });
});
