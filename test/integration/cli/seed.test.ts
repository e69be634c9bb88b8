/**
 * The seed's own compose file, through the CLI: with the override that
 * swaps in the offline stand-in image and daemon-chosen ports on 127.0.0.1
 * (plus a test-only override adding the test label and `init`), `up -d
 * --wait` brings both model containers up — their command installs and
 * starts sshd with apt-get, then Jupyter — and `down` leaves nothing.
 *
 * The seed names its containers (tf_model_1, tf_model_2): this is the only
 * test that may bring it up, and it runs alone in its file.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { TEST_LABEL, connectTestEngine, httpGet, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';
import { cli, parsePs, projectDir, testLabels, until } from './harness.js';

const SEED = resolve(import.meta.dirname, '../../fixtures/compose/seed');
/** apt-get update + install inside the containers: seconds when the machine is idle, minutes under heavy load. */
const JUPYTER_DEADLINE_MS = 300_000;

/** The first bytes a TCP server on 127.0.0.1:port sends (sshd's banner). */
function banner(port: number): Promise<string> {
  return new Promise((resolvePromise) => {
    const socket = new Socket();
    const done = (text: string) => {
      socket.destroy();
      resolvePromise(text);
    };
    socket.setTimeout(2000, () => done(''));
    socket.once('data', (data) => done(data.toString('utf8')));
    socket.once('error', () => done(''));
    socket.connect(port, '127.0.0.1');
  });
}

describe('the seed compose file through the CLI', () => {
  const name = uniqueName('msseed');
  const label = `${TEST_LABEL}=${name}`;
  const project = projectDir({
    'docker-compose.test.yml': [
      'services:',
      ...['tf-model-1', 'tf-model-2'].flatMap((s) => [`  ${s}:`, '    init: true', testLabels(name, '    ').trimEnd()]),
      'networks:',
      '  default:',
      testLabels(name, '    ').trimEnd(),
      '',
    ].join('\n'),
  });
  const files = ['docker-compose.yml', 'docker-compose.standin.yml', 'docker-compose.test.yml'].flatMap((f) => ['-f', f]);
  const ms = (argv: string[]) => cli([...files, '-p', name, ...argv], { cwd: project.dir });
  let engine: Engine;

  beforeAll(async () => {
    engine = await connectTestEngine();
    // Copies, so the bind-mounted code folders are created in the temp folder, not in the repository.
    for (const f of ['docker-compose.yml', 'docker-compose.standin.yml']) copyFileSync(join(SEED, f), join(project.dir, f));
  });
  afterAll(async () => {
    await removeLabelled(engine, label);
    expect(await leftovers(label)).toEqual([]);
    project.remove();
  });

  it('comes up with up -d --wait, serves Jupyter and SSH on 127.0.0.1, and goes down', { timeout: JUPYTER_DEADLINE_MS + 120_000 }, async () => {
    const up = await ms(['up', '-d', '--wait', '--wait-timeout', '120']);
    expect(up.stderr).toContain('version: the attribute `version` is obsolete');
    expect(up.code).toBe(0);

    const containers = parsePs((await ms(['ps', '--format', 'json'])).stdout);
    expect(containers.map((c) => [c['Name'], c['Service'], c['State']])).toEqual([
      ['tf_model_1', 'tf-model-1', 'running'],
      ['tf_model_2', 'tf-model-2', 'running'],
    ]);
    for (const c of containers) {
      expect(c['Image']).toBe('modelstack-test/tf-jupyter:standin');
      expect(c['Publishers'].map((p: { URL: string; TargetPort: number }) => `${p.URL}:${p.TargetPort}`).sort()).toEqual(['127.0.0.1:22', '127.0.0.1:8888']);
    }
    expect(existsSync(join(project.dir, 'model1_code'))).toBe(true);
    expect(existsSync(join(project.dir, 'model2_code'))).toBe(true);

    // The command installs openssh-server with apt-get first (about 10 s on a
    // quiet machine, minutes on a loaded one), then starts sshd and Jupyter.
    await Promise.all(
      ['tf-model-1', 'tf-model-2'].map(async (service) => {
        const jupyter = (await ms(['port', service, '8888'])).stdout.trim();
        const ssh = (await ms(['port', service, '22'])).stdout.trim();
        expect(jupyter).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(ssh).toMatch(/^127\.0\.0\.1:\d+$/);
        try {
          await until(`Jupyter of ${service} on ${jupyter}`, async () => (await httpGet(`http://${jupyter}/`).catch(() => ({ status: 0 }))).status === 200, JUPYTER_DEADLINE_MS, 500);
        } catch (err) {
          const logs = await ms(['logs', '--tail', '15', service]);
          throw new Error(`${(err as Error).message}; its last log lines:\n${logs.stdout}${logs.stderr}`);
        }
        expect(await banner(Number(ssh.split(':')[1]))).toMatch(/^SSH-2\.0-OpenSSH/);
      }),
    );

    const down = await ms(['down']);
    expect(down.code).toBe(0);
    expect(await leftovers(label)).toEqual([]);
  });
});
