/**
 * `modelstack models -c FILE ...` end to end: up (ready, endpoints printed),
 * endpoints --format json, ps, compose (a file Compose tools can read back),
 * down — on the offline stand-in image (`up --image`, in place of the file's
 * TensorFlow image, which cannot be pulled here), daemon-chosen ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_LABEL, TF_STANDIN_SSH, connectTestEngine, httpGet, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';
import type { Engine } from '../../../src/index.js';
import type { StackEndpoints } from '../../../src/index.js';
import { cli, projectDir } from './harness.js';

describe('modelstack models', () => {
  const project = uniqueName('mscli');
  const label = `${TEST_LABEL}=${project}`;
  let engine: Engine;
  let folder: ReturnType<typeof projectDir>;

  beforeAll(async () => {
    engine = await connectTestEngine();
    folder = projectDir({
      'models.yml': [
        `name: ${project}`,
        // Not pullable here: `up --image` puts the offline stand-in in its place.
        'image: tensorflow/tensorflow:2.9.0-jupyter',
        'models:',
        '  - name: intent',
        '  - name: ner',
        '    code: ./code/ner',
        'ports: { jupyter: 0, ssh: 0 }',
        'ssh:',
        '  authorizedKeys: "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBO test@ms"',
        'labels:',
        `  ${TEST_LABEL}: ${project}`,
        '',
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await removeLabelled(engine, label);
    folder.remove();
    expect(await leftovers(label)).toEqual([]);
  });

  it('up waits, then prints endpoints that work', async () => {
    const up = await cli(['--progress', 'plain', 'models', '-c', 'models.yml', 'up', '--format', 'json', '--image', TF_STANDIN_SSH], { cwd: folder.dir });
    expect(up.stderr).toMatch(/Healthy/);
    expect(up.code).toBe(0);
    const endpoints = JSON.parse(up.stdout) as StackEndpoints;
    expect(endpoints.models.map((m) => m.name)).toEqual(['intent', 'ner']);
    for (const m of endpoints.models) {
      expect(m.jupyter!.host).toBe('127.0.0.1');
      expect((await httpGet(m.jupyter!.url.replace('/?token=', '/api/status?token='))).status).toBe(200);
      expect(m.ssh!.command).toBe(`ssh -p ${m.ssh!.port} root@127.0.0.1`);
    }
  });

  it('endpoints and ps read the running stack', async () => {
    const text = await cli(['models', '-c', 'models.yml', 'endpoints'], { cwd: folder.dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^intent \(jupyter\)\n {2}jupyter {3}http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}\n/);
    const ps = await cli(['models', '-c', 'models.yml', 'ps', '--format', 'json'], { cwd: folder.dir });
    expect(ps.stdout.trim().split('\n').map((l) => [JSON.parse(l).Service, JSON.parse(l).Image])).toEqual([['intent', TF_STANDIN_SSH], ['ner', TF_STANDIN_SSH]]);
  });

  it('compose prints a file modelstack loads back, with no secret values in it', async () => {
    const compose = await cli(['models', '-c', 'models.yml', 'compose'], { cwd: folder.dir });
    expect(compose.code).toBe(0);
    const endpoints = JSON.parse((await cli(['models', '-c', 'models.yml', 'endpoints', '--format', 'json'], { cwd: folder.dir })).stdout) as StackEndpoints;
    for (const m of endpoints.models) expect(compose.stdout).not.toContain(m.jupyter!.token);
    expect(compose.stdout).toContain('environment: MODELSTACK_INTENT_JUPYTER_TOKEN');
    const written = projectDir({ 'compose.yml': compose.stdout });
    try {
      const config = await cli(['-f', 'compose.yml', 'config', '--format', 'json'], { cwd: written.dir });
      expect(config.stderr).toBe('');
      expect(Object.keys(JSON.parse(config.stdout).services)).toEqual(['intent', 'ner']);
    } finally {
      written.remove();
    }
  });

  it('a mistake in the models file is reported with file, line and key', async () => {
    const bad = projectDir({ 'models.yml': 'models:\n  - name: Intent\n    flavour: jupiter\n' });
    try {
      const r = await cli(['models', '-c', 'models.yml', 'up'], { cwd: bad.dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/models\.yml:2:11: models\[0\]\.name: use lowercase letters/);
      expect(r.stderr).toMatch(/models\.yml:3:14: models\[0\]\.flavour: Invalid option/);
    } finally {
      bad.remove();
    }
  });

  it('down removes the containers and the network, keeps the code folders', async () => {
    const down = await cli(['models', '-c', 'models.yml', 'down'], { cwd: folder.dir });
    expect(down.code).toBe(0);
    expect(await leftovers(label)).toEqual([]);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${folder.dir}/code/ner`)).toBe(true);
    expect(existsSync(`${folder.dir}/intent`)).toBe(true);
  });
});
