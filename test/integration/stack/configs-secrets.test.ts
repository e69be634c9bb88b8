/**
 * Compose configs and secrets without Swarm: copied into the container
 * before it starts, from a file, inline content or an environment variable,
 * with mode and owner — and absent from `docker inspect`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, waitUntilReady } from '../../../src/index.js';
import { FileSourceError } from '../../../src/backends/container/files.js';
import { Stack } from '../../../src/stack/stack.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, docker, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';
import { testProject } from '../../helpers/project.js';

describe('configs and secrets', () => {
  let engine: Engine;
  let dir: string;
  const run = uniqueName('msf');

  beforeAll(async () => {
    engine = await connectTestEngine();
    dir = await mkdtemp(path.join(tmpdir(), 'ms-secrets-'));
    await writeFile(path.join(dir, 'db_password.txt'), 'file-s3cret-9f2c');
  });
  afterAll(async () => {
    await removeLabelled(engine, `${TEST_LABEL}=${run}`);
    await rm(dir, { recursive: true, force: true });
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('puts every source in place before start, and none of it in docker inspect', async () => {
    const project = testProject(
      run,
      {
        app: {
          image: BUSYBOX,
          command: ['sh', '-c', 'for f in /run/secrets/db_password /run/secrets/api_token /etc/app/settings.ini /root/.ssh/authorized_keys; do stat -c "%a %u:%g %n" $f; cat $f; echo; done'],
          secrets: [{ source: 'db_password' }, { source: 'api_token' }, { source: 'keys', target: '/root/.ssh/authorized_keys', mode: 0o600, uid: '0', gid: '0' }],
          configs: [{ source: 'settings', target: '/etc/app/settings.ini', uid: '65534', gid: '65534' }],
          networks: { default: null },
        },
      },
      {
        secrets: {
          db_password: { name: 'db_password', file: path.join(dir, 'db_password.txt') },
          api_token: { name: 'api_token', environment: 'API_TOKEN' },
          keys: { name: 'keys', content: 'ssh-ed25519 AAAAC3Nz-content-key test@ms' },
        },
        configs: { settings: { name: 'settings', content: '[model]\nname=intent' } },
        environment: { API_TOKEN: 'env-t0ken-77aa' },
      },
    );
    const stack = new Stack(project, { engine });
    const { containers } = await stack.up({ wait: false });
    await waitUntilReady(engine, containers[0]!.id, { condition: 'completed', timeoutMs: 15_000 });
    const lines = (await engine.containers.logs(containers[0]!.id)).map((l) => l.text).filter(Boolean);
    expect(lines).toEqual([
      '444 0:0 /run/secrets/db_password',
      'file-s3cret-9f2c',
      '444 0:0 /run/secrets/api_token',
      'env-t0ken-77aa',
      '444 65534:65534 /etc/app/settings.ini',
      '[model]',
      'name=intent',
      '600 0:0 /root/.ssh/authorized_keys',
      'ssh-ed25519 AAAAC3Nz-content-key test@ms',
    ]);
    const inspect = await docker('inspect', containers[0]!.id);
    for (const secret of ['file-s3cret-9f2c', 'env-t0ken-77aa', 'AAAAC3Nz-content-key']) expect(inspect).not.toContain(secret);
    await stack.down();
  });

  it('a changed content recreates the container and says which; a generated value does not', async () => {
    const make = (password: string, token: string) =>
      new Stack(
        testProject(
          `${run}c`,
          { app: { image: BUSYBOX, init: true, command: ['sleep', '300'], secrets: [{ source: 'password' }, { source: 'token' }], labels: { [TEST_LABEL]: run }, networks: { default: null } } },
          {
            secrets: { password: { name: 'password', environment: 'PASSWORD' }, token: { name: 'token', environment: 'TOKEN' } },
            environment: { PASSWORD: password, TOKEN: token },
            extensions: { 'x-modelstack-generated': ['secrets/token'] },
          },
        ),
        { engine },
      );
    await make('first', 'random-1').up({ wait: false });
    expect((await make('first', 'random-2').plan()).services[0]!.containers[0]!.action).toBe('keep');
    const changed = (await make('second', 'random-3').plan()).services[0]!.containers[0]!;
    expect(changed).toMatchObject({ action: 'recreate', reasons: ['config changed: contents."secrets/password"'] });
    // The digest is in the label; the value is not.
    const inspect = await docker('inspect', `${run}c-app-1`);
    expect(inspect).toContain('secrets/password');
    expect(inspect).not.toMatch(/"first"|random-1/);
    await make('second', 'random-3').down();
  });

  it('a secret whose variable is not set fails before anything is created, naming it', async () => {
    const project = testProject(
      `${run}x`,
      { app: { image: BUSYBOX, secrets: [{ source: 'token' }], labels: { [TEST_LABEL]: run }, networks: { default: null } } },
      { secrets: { token: { name: 'token', environment: 'NOT_SET_ANYWHERE' } }, environment: {} },
    );
    const err = await new Stack(project, { engine }).up({ wait: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileSourceError);
    expect((err as Error).message).toBe(
      'service "app": secret "token": its source is the variable NOT_SET_ANYWHERE, which is not set; set it in the environment or the project\'s .env file',
    );
    expect(await engine.containers.list([`com.docker.compose.project=${run}x`])).toEqual([]);
    expect(await engine.networks.list([`com.docker.compose.project=${run}x`])).toEqual([]);
  });
});
