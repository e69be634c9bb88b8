/**
 * Docker contexts against two real engines: the main one and Docker 26.1
 * beside it (scripts/ensure-engine-26.sh). The contexts are made by the real
 * `docker context create` in a temporary DOCKER_CONFIG, so the store is laid
 * out exactly as the CLI lays it out; the engines differ in version, so the
 * version that answers says which one modelstack talks to. The CLI's
 * `--context` is checked by where a container lands.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerConfigError, Engine } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, removeLabelled, uniqueName } from '../../helpers/engine.js';
import { cli, projectDir } from '../cli/harness.js';

const run = promisify(execFile);
const MAIN = 'unix:///var/run/docker.sock';
const E26 = 'unix:///run/modelstack/engine-26.1/docker.sock';

/** The docker CLI with this config folder and nothing else of the caller's engine choice. */
async function dockerCli(configDir: string, ...args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: configDir };
  delete env['DOCKER_HOST'];
  delete env['DOCKER_CONTEXT'];
  const { stdout } = await run('docker', args, { env });
  return stdout.trim();
}

describe.skipIf(!existsSync(E26.slice('unix://'.length)))('Docker contexts (main engine and 26.1)', () => {
  let configDir: string;
  let mainVersion: string;
  let e26Version: string;
  const label = uniqueName('ms-ctx');

  beforeAll(async () => {
    configDir = mkdtempSync(path.join(tmpdir(), 'ms-docker-config-'));
    await dockerCli(configDir, 'context', 'create', 'ms-e26', '--docker', `host=${E26}`);
    await dockerCli(configDir, 'context', 'create', 'ms-main', '--docker', `host=${MAIN}`);
    await dockerCli(configDir, 'context', 'use', 'ms-e26');
    mainVersion = await dockerCli(configDir, '-H', MAIN, 'version', '--format', '{{.Server.Version}}');
    e26Version = await dockerCli(configDir, '-H', E26, 'version', '--format', '{{.Server.Version}}');
    // Which engine answers is told by its version: they must differ.
    expect(mainVersion).not.toBe(e26Version);
  });

  afterAll(async () => {
    const engine = await Engine.connect({ host: E26 });
    await removeLabelled(engine, `${TEST_LABEL}=${label}`);
    rmSync(configDir, { recursive: true, force: true });
  });

  it('the current context (docker context use) is where the docker CLI and modelstack both go', async () => {
    expect(await dockerCli(configDir, 'version', '--format', '{{.Server.Version}}')).toBe(e26Version);
    const engine = await Engine.connect({ env: { DOCKER_CONFIG: configDir } });
    expect(engine.info?.version).toBe(e26Version);
    expect(engine.context).toBe('ms-e26');
    expect(engine.address).toBe(E26);
  });

  it('DOCKER_CONTEXT beats the current context; DOCKER_HOST beats DOCKER_CONTEXT; an explicit context beats DOCKER_HOST', async () => {
    const byEnvContext = await Engine.connect({ env: { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'ms-main' } });
    expect(byEnvContext.info?.version).toBe(mainVersion);
    const byHost = await Engine.connect({ env: { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'ms-e26', DOCKER_HOST: MAIN } });
    expect(byHost.info?.version).toBe(mainVersion);
    expect(byHost.context).toBe('default');
    const byFlag = await Engine.connect({ context: 'ms-e26', env: { DOCKER_CONFIG: configDir, DOCKER_HOST: MAIN } });
    expect(byFlag.info?.version).toBe(e26Version);
  });

  it('an unknown context is an error naming it and the contexts there are, before any connection', async () => {
    const err = await Engine.connect({ env: { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'ms-nope' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerConfigError);
    expect((err as Error).message).toMatch(/context "ms-nope" \(from DOCKER_CONTEXT\) does not exist .*contexts: default, ms-e26, ms-main/);
  });

  it('the stack and models commands go where --context says too', async () => {
    const env = { DOCKER_CONFIG: configDir, DOCKER_HOST: MAIN };
    // Neither engine is a swarm manager: the error names the engine reached.
    const stackPs = await cli(['--context', 'ms-e26', 'stack', 'ps', 'nosuchstack'], { cwd: configDir, env });
    expect(stackPs.code).toBe(1);
    expect(stackPs.stderr).toContain(`the engine at ${E26} is not a swarm manager`);
    await dockerCli(configDir, 'context', 'create', 'ms-nowhere', '--docker', `host=unix://${configDir}/nowhere.sock`);
    const models = projectDir({ 'models.yml': 'name: ctxmodels\nmodels:\n  - name: intent\n' });
    try {
      const ps = await cli(['--context', 'ms-nowhere', 'models', '-c', 'models.yml', 'ps'], { cwd: models.dir, env });
      expect(ps.code).toBe(1);
      expect(ps.stderr).toContain(`${configDir}/nowhere.sock`);
    } finally {
      models.remove();
    }
  });

  it('modelstack --context puts the containers on that engine, even with DOCKER_HOST at the other one', async () => {
    const project = projectDir({
      'compose.yml': [
        'services:',
        '  app:',
        `    image: ${BUSYBOX}`,
        '    init: true',
        '    command: ["sleep", "3600"]',
        `    labels: { ${TEST_LABEL}: ${label} }`,
        'networks:',
        `  default: { labels: { ${TEST_LABEL}: ${label} } }`,
        '',
      ].join('\n'),
    });
    const env = { DOCKER_CONFIG: configDir, DOCKER_HOST: MAIN };
    try {
      const up = await cli(['--context', 'ms-e26', '-p', label, 'up', '-d'], { cwd: project.dir, env });
      expect(up.stderr).not.toMatch(/error/i);
      expect(up.code).toBe(0);
      const filter = ['ps', '-a', '--filter', `label=${TEST_LABEL}=${label}`, '--format', '{{.Names}}'];
      expect(await dockerCli(configDir, '-H', E26, ...filter)).toBe(`${label}-app-1`);
      expect(await dockerCli(configDir, '-H', MAIN, ...filter)).toBe('');
      // Without the flag, DOCKER_HOST wins: the main engine has no such project.
      const psMain = await cli(['-p', label, 'ps', '-q'], { cwd: project.dir, env });
      expect(psMain.code).toBe(0);
      expect(psMain.stdout.trim()).toBe('');
      const down = await cli(['--context', 'ms-e26', '-p', label, 'down'], { cwd: project.dir, env });
      expect(down.code).toBe(0);
      expect(await dockerCli(configDir, '-H', E26, ...filter)).toBe('');
    } finally {
      project.remove();
    }
  });
});
