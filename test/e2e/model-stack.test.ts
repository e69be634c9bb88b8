/**
 * The seed's platform end to end, on the offline stand-in images: three
 * Jupyter models (intent, sentiment, NER) with key-only SSH, a gateway, and
 * the security promises checked from the outside (ssh, HTTP, docker inspect).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/index.js';
import { ContainerFailedError } from '../../src/index.js';
import { type ModelStack, type StackEndpoints, defineModelStack } from '../../src/index.js';
import type { StackEvent } from '../../src/stack/events.js';
import { TEST_LABEL, TF_STANDIN, TF_STANDIN_SSH, connectTestEngine, docker, dockerInspect, httpGet, leftovers, uniqueName } from '../helpers/engine.js';

const run = promisify(execFile);
const NGINX = 'modelstack-test/nginx:standin';
const SERVING = 'modelstack-test/tf-serving:standin';

/** ssh to 127.0.0.1 only, pinning the host key the stack reported. */
async function ssh(dir: string, endpoint: NonNullable<StackEndpoints['models'][number]['ssh']>, options: string[], command: string, env: NodeJS.ProcessEnv = {}) {
  const knownHosts = path.join(dir, `known_hosts_${endpoint.port}`);
  await writeFile(knownHosts, `${endpoint.knownHosts}\n`);
  if (endpoint.host !== '127.0.0.1') throw new Error(`tests only talk to 127.0.0.1, not ${endpoint.host}`);
  return run(
    'ssh',
    ['-p', String(endpoint.port), '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR', ...options, 'root@127.0.0.1', command],
    { env: { ...process.env, ...env }, timeout: 30_000 },
  ).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
}

describe('model stack: intent, sentiment, NER with SSH and a gateway', () => {
  let engine: Engine;
  let dir: string;
  let key: string;
  let stack: ModelStack;
  let endpoints: StackEndpoints;
  const project = uniqueName('mse2e');
  const events: StackEvent[] = [];

  beforeAll(async () => {
    engine = await connectTestEngine();
    dir = await mkdtemp(path.join(tmpdir(), 'ms-models-'));
    key = path.join(dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'e2e@modelstack', '-f', key]);
    stack = defineModelStack(
      {
        name: project,
        workingDir: dir,
        image: TF_STANDIN_SSH,
        models: [{ name: 'intent' }, { name: 'sentiment' }, { name: 'ner', resources: { cpus: 1.5, memory: '1g' } }],
        ports: { jupyter: 0, ssh: 0 },
        ssh: { authorizedKeys: `${key}.pub` },
        gateway: { enabled: true, image: NGINX, port: 0 },
        // Every container and the network carry the test label, so a leak would be found.
        labels: { [TEST_LABEL]: project },
      },
      { engine, onEvent: (e) => events.push(e) },
    );
    await stack.up({ waitTimeoutMs: 180_000 });
    endpoints = await stack.endpoints();
  }, 200_000);

  afterAll(async () => {
    await stack?.down({ volumes: true });
    await rm(dir, { recursive: true, force: true });
    expect(await leftovers(`${TEST_LABEL}=${project}`)).toEqual([]);
  });

  it('brings the three models and the gateway up healthy, every port on 127.0.0.1', async () => {
    const ps = await stack.ps();
    expect(ps.map((c) => [c.service, c.state])).toEqual([
      ['intent', 'running'],
      ['ner', 'running'],
      ['sentiment', 'running'],
      ['gateway', 'running'],
    ]);
    for (const c of ps.filter((c) => c.service !== 'gateway')) expect(c.health).not.toBe('unhealthy');
    const publishers = ps.flatMap((c) => c.publishers);
    expect(publishers.length).toBe(7); // 3 × (jupyter, ssh) + gateway
    for (const p of publishers) expect(p.url).toBe('127.0.0.1');
    expect(endpoints.models.map((m) => m.name)).toEqual(['intent', 'sentiment', 'ner']);
  });

  it('Jupyter answers 200 with the token and 403 without', async () => {
    for (const m of endpoints.models) {
      const { host, port, token } = m.jupyter!;
      expect(token).toMatch(/^[0-9a-f]{48}$/);
      expect((await httpGet(`http://${host}:${port}/api/status?token=${token}`)).status).toBe(200);
      expect((await httpGet(`http://${host}:${port}/api/status`)).status).toBe(403);
      expect((await httpGet(`http://${host}:${port}/api/status?token=${'0'.repeat(48)}`)).status).toBe(403);
    }
    // Three models, three different tokens.
    expect(new Set(endpoints.models.map((m) => m.jupyter!.token)).size).toBe(3);
  });

  it('SSH: the key logs in (host key pinned); a password is refused', async () => {
    const intent = endpoints.models[0]!.ssh!;
    const ok = await ssh(dir, intent, ['-i', key, '-o', 'BatchMode=yes'], 'hostname && cat /proc/1/environ | tr "\\0" "\\n" | grep ^MODEL_NAME=');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\nMODEL_NAME=intent\n$/);
    const refused = await ssh(dir, intent, ['-o', 'BatchMode=yes', '-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive'], 'true');
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('no token, key or password appears in docker inspect of any container', async () => {
    const secrets = [
      ...endpoints.models.map((m) => m.jupyter!.token),
      endpoints.gateway!.token,
      (await readFile(`${key}.pub`, 'utf8')).split(' ')[1]!,
    ];
    const hostKeys = await Promise.all(endpoints.models.map((m) => stack.exec(m.name, ['cat', '/etc/ssh/modelstack_host_key'])));
    for (const h of hostKeys) secrets.push(h.stdout.split('\n')[1]!);
    const inspect = await docker('inspect', ...(await stack.ps()).map((c) => c.id));
    for (const s of secrets) {
      expect(s.length).toBeGreaterThan(10);
      expect(inspect).not.toContain(s);
    }
    // Nor does Jupyter print its token in the logs.
    const logs: string[] = [];
    await stack.logs({ onLine: (l) => logs.push(l.text) });
    for (const m of endpoints.models) expect(logs.join('\n')).not.toContain(m.jupyter!.token);
  });

  it('one model reaches another by service name', async () => {
    const r = await stack.exec('intent', ['curl', '-fsS', '-o', '/dev/null', '-w', '%{http_code}', 'http://sentiment:8888/api']);
    expect(r).toMatchObject({ exitCode: 0, stdout: '200' });
    expect(endpoints.models[1]!.internal.url).toBe('http://sentiment:8888');
  });

  it('a file written into the code folder on the host is visible in the container', async () => {
    await writeFile(path.join(dir, 'intent', 'train.py'), 'print("training intent")\n');
    const r = await stack.exec('intent', ['cat', '/tf/notebooks/train.py']);
    expect(r.stdout).toBe('print("training intent")\n');
  });

  it('limits arrive as configured: the seed default 2 CPUs / 4 GB, and per-model overrides', async () => {
    const intent = await dockerInspect(`${project}-intent-1`);
    expect(intent.HostConfig.NanoCpus).toBe(2e9);
    expect(intent.HostConfig.Memory).toBe(4 * 1024 ** 3);
    const ner = await dockerInspect(`${project}-ner-1`);
    expect(ner.HostConfig.NanoCpus).toBe(1.5e9);
    expect(ner.HostConfig.Memory).toBe(1024 ** 3);
    expect(intent.HostConfig.RestartPolicy.Name).toBe('on-failure');
  });

  it('the gateway forwards /<model>/ to the right model and refuses requests without the token', async () => {
    const auth = { headers: { Authorization: `Bearer ${endpoints.gateway!.token}` } };
    for (const m of endpoints.models) {
      const res = await httpGet(`${m.gateway!.url}api/status?token=${m.jupyter!.token}`, auth);
      expect(res.status).toBe(200);
      // Another model's token is refused there: the route really reached this model.
      const other = endpoints.models.find((o) => o.name !== m.name)!;
      expect((await httpGet(`${m.gateway!.url}api/status?token=${other.jupyter!.token}`, auth)).status).toBe(403);
    }
    expect((await httpGet(`${endpoints.models[0]!.gateway!.url}api`)).status).toBe(401);
    expect((await httpGet(`${endpoints.models[0]!.gateway!.url}api`, { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('a no-op up keeps every container, and endpoints stay valid', async () => {
    const before = (await stack.ps()).map((c) => c.id);
    const again = defineModelStack(stack.modelOptions, { engine });
    await again.up({ waitTimeoutMs: 60_000 });
    expect((await again.ps()).map((c) => c.id)).toEqual(before);
    expect((await again.endpoints()).models.map((m) => m.jupyter!.token)).toEqual(endpoints.models.map((m) => m.jupyter!.token));
  });

  it('down removes every container and the network; the code folder and its files stay; no secret file on the host', async () => {
    await stack.down();
    expect(await leftovers(`${TEST_LABEL}=${project}`)).toEqual([]);
    expect(await readFile(path.join(dir, 'intent', 'train.py'), 'utf8')).toBe('print("training intent")\n');
    const onHost = (await readdir(dir, { recursive: true })).map(String);
    expect(onHost.sort()).toEqual(['id_ed25519', 'id_ed25519.pub', 'intent', 'intent/train.py', 'ner', 'sentiment', ...onHost.filter((f) => f.startsWith('known_hosts'))].sort());
    expect(events.filter((e) => e.type === 'warning')).toEqual([]);
  });
});

describe('model stack: the image-without-sshd path and the insecure opt-in', () => {
  let engine: Engine;
  let dir: string;
  const project = uniqueName('msssh');

  beforeAll(async () => {
    engine = await connectTestEngine();
    dir = await mkdtemp(path.join(tmpdir(), 'ms-nossh-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    expect(await leftovers(`${TEST_LABEL}=${project}`)).toEqual([]);
  });

  it('installs sshd at start in an image that has none, key login works; the password works only with the loud opt-in', async () => {
    const key = path.join(dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const events: StackEvent[] = [];
    const stack = defineModelStack(
      {
        name: project,
        workingDir: dir,
        image: TF_STANDIN, // like the real TF image: no sshd
        // apt-get installs sshd at start: under a loaded suite that can take minutes, so Docker's
        // start period covers as long as the wait's deadline does (past it, failed checks count).
        models: [{ name: 'intent', healthcheck: { startPeriodSeconds: 240 } }],
        ports: { jupyter: 0, ssh: 0 },
        ssh: { authorizedKeys: [(await readFile(`${key}.pub`, 'utf8')).trim()], insecureRootPassword: 'seed-password-123' },
        labels: { [TEST_LABEL]: project },
      },
      { engine, onEvent: (e) => events.push(e) },
    );
    try {
      await stack.up({ waitTimeoutMs: 240_000 });
      expect(events.some((e) => e.type === 'warning' && /insecure opt-in/.test(e.message))).toBe(true);
      const [intent] = (await stack.endpoints()).models;
      const logs: string[] = [];
      await stack.logs({ onLine: (l) => logs.push(l.text) });
      expect(logs).toContain('modelstack-bootstrap: this image has no sshd; installing openssh-server');

      const byKey = await ssh(dir, intent!.ssh!, ['-i', key, '-o', 'BatchMode=yes'], 'echo key-ok');
      expect(byKey).toMatchObject({ code: 0, stdout: 'key-ok\n' });

      const askpass = path.join(dir, 'askpass.sh');
      await writeFile(askpass, '#!/bin/sh\necho seed-password-123\n');
      await chmod(askpass, 0o700);
      const byPassword = await ssh(dir, intent!.ssh!, ['-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password'], 'echo password-ok', {
        SSH_ASKPASS: askpass,
        SSH_ASKPASS_REQUIRE: 'force',
        DISPLAY: ':0',
      });
      expect(byPassword).toMatchObject({ code: 0, stdout: 'password-ok\n' });
      const inspect = await docker('inspect', `${project}-intent-1`);
      expect(inspect).not.toContain('seed-password-123');
    } finally {
      await stack.down();
    }
    // apt-get inside the container: ~10 s alone, minutes when the whole suite loads the machine.
  }, 300_000);
});

describe('model stack: TF Serving models', () => {
  let engine: Engine;
  let dir: string;
  const project = uniqueName('msserve');

  beforeAll(async () => {
    engine = await connectTestEngine();
    dir = await mkdtemp(path.join(tmpdir(), 'ms-serving-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    expect(await leftovers(`${TEST_LABEL}=${project}`)).toEqual([]);
  });

  const make = (models: Parameters<typeof defineModelStack>[0]['models']) => {
    return defineModelStack({ name: project, workingDir: dir, servingImage: SERVING, models, ports: { rest: 0, grpc: 0 }, labels: { [TEST_LABEL]: project } }, { engine });
  };

  it('a model that reports AVAILABLE becomes ready; its REST status is reachable', async () => {
    await writeFile(path.join(await mkdirp(path.join(dir, 'ner-model', '1')), 'saved_model.pb'), 'stand-in');
    const stack = make([{ name: 'ner', flavour: 'serving', modelDir: './ner-model' }]);
    try {
      await stack.up({ waitTimeoutMs: 60_000 });
      const [ner] = (await stack.endpoints()).models;
      const res = await httpGet(ner!.serving!.rest);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).model_version_status[0].state).toBe('AVAILABLE');
      expect(ner!.internal.url).toBe('http://ner:8501');
    } finally {
      await stack.down();
    }
  });

  it('a model that never becomes AVAILABLE fails the wait, saying so', async () => {
    await mkdirp(path.join(dir, 'empty-model'));
    const stack = make([
      { name: 'broken', flavour: 'serving', modelDir: './empty-model', healthcheck: { intervalSeconds: 0.5, retries: 2, startPeriodSeconds: 0, timeoutSeconds: 2 } },
    ]);
    try {
      const err = (await stack.up({ waitTimeoutMs: 60_000 }).catch((e: unknown) => e)) as ContainerFailedError;
      expect(err).toBeInstanceOf(ContainerFailedError);
      expect(err.failure.kind).toBe('unhealthy');
      expect(err.message).toMatch(/service "broken" .* became unhealthy \(last health probe: model broken is not AVAILABLE: .*LOADING/);
    } finally {
      await stack.down();
    }
  });
});

async function mkdirp(p: string): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(p, { recursive: true });
  return p;
}
