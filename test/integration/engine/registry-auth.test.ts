/**
 * Pulls and builds from a registry that asks for credentials: Debian's
 * `docker-registry` with htpasswd (bcrypt) auth on a free 127.0.0.1 port,
 * started and stopped (by pid) here. The credentials come from a temporary
 * DOCKER_CONFIG exactly as `docker login` and the credential-helper
 * protocol leave them: `auths` (written by the real `docker login`),
 * `credsStore` and `credHelpers` (a `docker-credential-*` script written
 * here, on PATH for these engines only, that records what it was asked).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, ImageBuildError, RegistryAuthError } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, docker, uniqueName } from '../../helpers/engine.js';
import { freePort } from '../../helpers/ports.js';

const run = promisify(execFile);
const USER = 'modelstack';
const PASSWORD = 'not-a-secret-' + uniqueName('pw');

describe('registry credentials (a registry with htpasswd auth)', () => {
  let dir: string;
  let registry: string;
  let image: string;
  let child: ChildProcess | undefined;
  const label = uniqueName('ms-auth');
  const built: string[] = [];

  /** A DOCKER_CONFIG holding `config`, and the env an Engine reads it with (helpers in bin/ on PATH). */
  function clientEnv(name: string, config: object): Record<string, string | undefined> {
    const configDir = path.join(dir, name);
    mkdirSync(configDir, { recursive: true });
    writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(config));
    return { ...process.env, DOCKER_CONFIG: configDir, PATH: `${path.join(dir, 'bin')}:${process.env['PATH']}` };
  }

  /** A credential helper answering `get` for the registry with `password`, recording each address it is asked for. */
  function writeHelper(name: string, password: string): string {
    const log = path.join(dir, `${name}.log`);
    const script = path.join(dir, 'bin', `docker-credential-${name}`);
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        '[ "$1" = get ] || { echo "unsupported: $1" >&2; exit 1; }',
        'read -r server',
        `echo "$server" >> '${log}'`,
        `if [ "$server" = '${registry}' ]; then`,
        `  printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${password}"}\\n' "$server"`,
        'else',
        '  echo "credentials not found in native keychain"; exit 1',
        'fi',
        '',
      ].join('\n'),
    );
    chmodSync(script, 0o755);
    return log;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ms-registry-auth-'));
    mkdirSync(path.join(dir, 'bin'));
    const { stdout: htpasswd } = await run('htpasswd', ['-Bbn', USER, PASSWORD]);
    writeFileSync(path.join(dir, 'htpasswd'), htpasswd);
    registry = `127.0.0.1:${await freePort()}`;
    writeFileSync(
      path.join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log: { level: error }',
        `storage: { filesystem: { rootdirectory: ${path.join(dir, 'data')} }, delete: { enabled: true } }`,
        `http: { addr: ${registry} }`,
        `auth: { htpasswd: { realm: modelstack-test, path: ${path.join(dir, 'htpasswd')} } }`,
        '',
      ].join('\n'),
    );
    child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const status = await fetch(`http://${registry}/v2/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status, () => 0);
      if (status === 401) break; // up, and asking for credentials
      if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}); is Debian's docker-registry installed?`);
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${registry} within 15 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Push with the real docker login, into a config of its own (its `auths` are what login writes).
    image = `${registry}/modelstack-test/busybox-auth:${label}`;
    const login = path.join(dir, 'login');
    await new Promise<void>((resolve, reject) => {
      const p = execFile('docker', ['--config', login, 'login', '-u', USER, '--password-stdin', registry], (err) => (err ? reject(err) : resolve()));
      p.stdin?.end(PASSWORD);
    });
    await docker('tag', BUSYBOX, image);
    await run('docker', ['--config', login, 'push', image]);
    await docker('rmi', image);
  });

  afterAll(async () => {
    await docker('rmi', '--force', image, ...built).catch(() => undefined);
    if (child && child.exitCode === null) {
      const c = child;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function pullWith(env: Record<string, string | undefined>): Promise<unknown> {
    const engine = await Engine.connect({ env });
    try {
      await engine.images.pull(image);
      return (await engine.images.inspect(image))?.Id;
    } catch (err) {
      return err;
    } finally {
      await engine.images.remove(image, { force: true });
    }
  }

  it('without credentials the pull fails, saying to docker login to that registry', async () => {
    const err = await pullWith(clientEnv('none', {}));
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect((err as RegistryAuthError).code).toBe('REGISTRY_AUTH');
    expect((err as Error).message).toContain(`run docker login ${registry}`);
    expect((err as Error).message).toContain(image);
  });

  it('with auths (what docker login wrote) it pulls', async () => {
    const written = JSON.parse(readFileSync(path.join(dir, 'login', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Object.keys(written.auths)).toEqual([registry]);
    expect(await pullWith(clientEnv('auths', written))).toMatch(/^sha256:/);
  });

  it('with wrong credentials in auths: refused, naming where they came from', async () => {
    const env = clientEnv('wrong', { auths: { [registry]: { auth: Buffer.from(`${USER}:wrong`).toString('base64') } } });
    const err = await pullWith(env);
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect((err as Error).message).toMatch(new RegExp(`refused the credentials from auths in .*wrong/config.json.*docker login ${registry.replace(/\./g, '\\.')} again`));
  });

  it('with credsStore it runs docker-credential-<store> get with the registry on stdin, and pulls', async () => {
    const log = writeHelper('ms-store', PASSWORD);
    expect(await pullWith(clientEnv('store', { credsStore: 'ms-store' }))).toMatch(/^sha256:/);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([registry]);
  });

  it('credHelpers for the registry beats credsStore, and pulls', async () => {
    const log = writeHelper('ms-per-registry', PASSWORD);
    writeHelper('ms-wrong-store', 'wrong');
    expect(await pullWith(clientEnv('helpers', { credsStore: 'ms-wrong-store', credHelpers: { [registry]: 'ms-per-registry' } }))).toMatch(/^sha256:/);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([registry]);
  });

  it('a credential helper that is not installed is an error naming it', async () => {
    const err = await pullWith(clientEnv('missing-helper', { credsStore: 'ms-not-installed' }));
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect((err as Error).message).toMatch(/docker-credential-ms-not-installed is not on PATH/);
  });

  it('a build from a base image in that registry gets its credentials (X-Registry-Config); without them it says to docker login', async () => {
    const context = path.join(dir, 'build');
    mkdirSync(context);
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${image} AS base\nFROM base\nRUN echo built > /built\n`);
    const tag = `modelstack-test/auth-build:${label}`;
    built.push(tag);
    const engine = await Engine.connect({ env: clientEnv('build', { credHelpers: { [registry]: 'ms-store' } }) });
    const id = await engine.images.build({ context, tag, labels: { [TEST_LABEL]: label } });
    expect(id).toMatch(/^sha256:/);
    await engine.images.remove(tag, { force: true });
    await engine.images.remove(image, { force: true });
    const anonymous = await Engine.connect({ env: clientEnv('build-none', {}) });
    const err = await anonymous.images.build({ context, tag, labels: { [TEST_LABEL]: label } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageBuildError);
    expect((err as Error).message).toContain(`run docker login ${registry}`);
  });
});
