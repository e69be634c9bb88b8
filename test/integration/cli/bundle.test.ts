/**
 * The package's `bin` is a bundle (scripts/bundle-cli.mjs, run by `npm run
 * build`): what a user runs is not the code the in-process CLI tests run, so
 * it is built here as the build builds it and run as a process.
 *
 * - Built into a folder no node_modules is above: the bundle alone brings a
 *   stack up, lists it and takes it down. A module the bundle left outside
 *   and loads on this path would fail it with "Cannot find module".
 * - Built inside this checkout's node_modules/.cache: an `ssh://` host loads
 *   what the bundle defers to first use (docker-modem's ssh agent, ssh2 for
 *   the identity files) from node_modules, and fails the way an unreachable
 *   host fails, not with a missing module.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, TEST_LABEL, connectTestEngine, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';
import { freePort } from '../../helpers/ports.js';
import { parsePs, testLabels } from './harness.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Builds the bundle into `<dir>/dist/bin` with package.json at `<dir>`, as installed; returns the entry. */
async function buildInto(dir: string): Promise<string> {
  await run(process.execPath, [join(ROOT, 'scripts/bundle-cli.mjs'), '--outdir', join(dir, 'dist/bin')]);
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  return join(dir, 'dist/bin/modelstack.mjs');
}

/** Runs the bundle; resolves with the exit code and output, whatever the code. */
async function modelstack(entry: string, argv: string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: options.cwd, ...(process.env['DOCKER_HOST'] ? { DOCKER_HOST: process.env['DOCKER_HOST'] } : {}), ...options.env };
  try {
    const { stdout, stderr } = await run(process.execPath, [entry, ...argv], { cwd: options.cwd, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the bundled bin, outside any node_modules', () => {
  const label = uniqueName('ms-bundle');
  let dir: string;
  let entry: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelstack-bundle-'));
    entry = await buildInto(dir);
    const compose = ['services:', '  web:', `    image: ${BUSYBOX}`, '    init: true', '    command: ["sleep", "3600"]', testLabels(label, '    ').trimEnd(), 'networks:', '  default:', testLabels(label, '    ').trimEnd(), ''];
    writeFileSync(join(dir, 'compose.yaml'), compose.join('\n'));
  }, 120_000);

  afterAll(async () => {
    const engine = await connectTestEngine();
    await removeLabelled(engine, `${TEST_LABEL}=${label}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its version from the package.json nearest it', async () => {
    const result = await modelstack(entry, ['--version'], { cwd: dir });
    expect(result).toMatchObject({ code: 0, stdout: `modelstack version ${VERSION}\n` });
  });

  it('carries the licenses of the packages inside it, and leaves out what it never runs', () => {
    const licenses = readFileSync(join(dir, 'dist/bin/THIRD-PARTY-LICENSES.txt'), 'utf8');
    for (const pkg of ['dockerode', 'docker-modem', 'zod', 'yaml', 'commander', 'pino']) expect(licenses).toMatch(new RegExp(`^${pkg} \\d+\\.\\d+\\.\\d+ \\(`, 'm'));
    // BuildKit's progress decoder, the BuildKit session (gRPC) and ssh2 load from node_modules when used.
    for (const pkg of ['protobufjs', '@grpc/grpc-js', 'ssh2']) expect(licenses).not.toMatch(new RegExp(`^${pkg} `, 'm'));
  });

  it('brings a stack up, lists it and takes it down with nothing but itself', async () => {
    const up = await modelstack(entry, ['-p', label, 'up', '-d', '--wait'], { cwd: dir });
    expect(up.stderr).not.toMatch(/Cannot find/);
    expect(up.code).toBe(0);
    const ps = await modelstack(entry, ['-p', label, 'ps', '--format', 'json'], { cwd: dir });
    expect(ps.code).toBe(0);
    expect(parsePs(ps.stdout).map((c) => [c['Service'], c['State']])).toEqual([['web', 'running']]);
    const down = await modelstack(entry, ['-p', label, 'down'], { cwd: dir });
    expect(down.code).toBe(0);
    expect(await leftovers(`${TEST_LABEL}=${label}`)).toEqual([]);
  }, 120_000);
});

describe('the bundled bin, installed beside its dependencies', () => {
  let dir: string;
  let entry: string;

  beforeAll(async () => {
    const cache = join(ROOT, 'node_modules/.cache');
    mkdirSync(cache, { recursive: true });
    dir = mkdtempSync(join(cache, 'modelstack-bundle-'));
    entry = await buildInto(dir);
    // An identity file, so that the login reads it with ssh2 before it dials.
    mkdirSync(join(dir, '.ssh'), { mode: 0o700 });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, '.ssh/id_ed25519')]);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads what it deferred (the ssh agent, ssh2) when an ssh:// host is dialled', async () => {
    const port = await freePort();
    const result = await modelstack(entry, ['-p', 'no-such-project', 'ps'], { cwd: dir, env: { DOCKER_HOST: `ssh://root@127.0.0.1:${port}` } });
    expect(result.stderr).not.toMatch(/Cannot find|ERR_MODULE_NOT_FOUND/);
    expect(result.stderr).toContain(`modelstack: no Docker engine answers at ssh://root@127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port})`);
    expect(result.code).toBe(1);
  }, 60_000);
});
