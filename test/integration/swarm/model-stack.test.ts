/**
 * The seed's model stack on the 3-node swarm lab (scripts/swarm-lab.sh), on
 * the offline stand-in images: three Jupyter models with key-only SSH and the
 * gateway as Swarm services, their ports published in host mode on the node
 * that runs each task. `endpoints()` reports that node's address; Jupyter
 * answers there with the token read from the swarm; the gateway reaches the
 * models by service name across nodes; a second definition changes nothing
 * (generated secrets are kept) and says plainly that a swarm never gives a
 * secret back; rm leaves nothing on any node.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, ModelstackError, type ModelStack, type ModelStackOptions, type StackEndpoints, type StackEvent, SwarmBackend, type SwarmPlan, defineModelStack } from '../../../src/index.js';
import { TEST_LABEL, TF_STANDIN_SSH, uniqueName } from '../../helpers/engine.js';
import { type SwarmLab, swarmLab } from '../../helpers/swarm.js';

const run = promisify(execFile);
const NGINX = 'modelstack-test/nginx:standin';

describe('the model stack on a 3-node swarm', { timeout: 300_000 }, () => {
  let lab: SwarmLab;
  let engine: Engine;
  let dir: string;
  let options: ModelStackOptions;
  let stack: ModelStack<SwarmPlan>;
  let endpoints: StackEndpoints;
  const name = uniqueName('mssm').replace('-', '');
  const events: StackEvent[] = [];
  const define = (onEvent?: (e: StackEvent) => void) => defineModelStack(options, { engine, backend: new SwarmBackend(), ...(onEvent ? { onEvent } : {}) });
  const docker = async (...args: string[]) => (await run('docker', ['-H', lab.managerHost, ...args])).stdout;

  beforeAll(async () => {
    lab = await swarmLab();
    await lab.load([TF_STANDIN_SSH, NGINX]);
    engine = await Engine.connect({ host: lab.managerHost });
    dir = await mkdtemp(path.join(tmpdir(), 'ms-swarm-models-'));
    const key = path.join(dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'swarm@modelstack', '-f', key]);
    // Bind mounts are paths on whichever node runs the task: the lab's nodes share this filesystem.
    for (const m of ['intent', 'sentiment', 'ner']) await mkdir(path.join(dir, m));
    options = {
      name,
      workingDir: dir,
      image: TF_STANDIN_SSH,
      models: [{ name: 'intent' }, { name: 'sentiment' }, { name: 'ner' }],
      ports: { jupyter: 18888, ssh: 12222 },
      ssh: { authorizedKeys: `${key}.pub` },
      gateway: { enabled: true, image: NGINX, port: 18080 },
      labels: { [TEST_LABEL]: name },
    };
    stack = define((e) => events.push(e));
    await stack.up({ waitTimeoutMs: 240_000 });
    endpoints = await stack.endpoints();
  }, 300_000);

  afterAll(async () => {
    if (engine) await define().down().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('each model is a service whose task runs on a node, and its endpoints are that node\'s address', async () => {
    const tasks = (await stack.ps()).filter((t) => t.state === 'running');
    expect(tasks.map((t) => t.service).sort()).toEqual(['gateway', 'intent', 'ner', 'sentiment']);
    const addressOf = new Map(lab.nodes.map((n) => [n.name, n.address]));
    for (const m of endpoints.models) {
      const task = tasks.find((t) => t.service === m.name)!;
      expect(m.jupyter!.host).toBe(addressOf.get(task.node!));
      expect(m.ssh!.host).toBe(addressOf.get(task.node!));
    }
    // Spread: the scheduler puts the four tasks on more than one node.
    expect(new Set(tasks.map((t) => t.node)).size).toBeGreaterThan(1);
    // What a swarm cannot do is said by key: it publishes on every address of a node.
    expect(events.some((e) => e.type === 'warning' && e.service === 'intent' && /^ports\[0\]\.host_ip: /.test(e.message))).toBe(true);
  });

  it('Jupyter answers on its node with the token (and refuses without); the gateway reaches every model by service name', async () => {
    for (const m of endpoints.models) {
      const { host, port, token } = m.jupyter!;
      expect(token).toMatch(/^[0-9a-f]{48}$/);
      expect((await lab.httpGet(`http://${host}:${port}/api/status?token=${token}`)).status).toBe(200);
      expect((await lab.httpGet(`http://${host}:${port}/api/status`)).status).toBe(403);
    }
    const gateway = endpoints.gateway!;
    for (const m of endpoints.models) {
      const url = `${m.gateway!.url}api/status?token=${m.jupyter!.token}`;
      expect((await lab.httpGet(url, { headers: { authorization: `Bearer ${gateway.token}` } })).status).toBe(200);
      expect((await lab.httpGet(url)).status).toBe(401);
    }
  });

  it('SSH logs in with the key on the node that runs the model, the host key pinned from the swarm config', async () => {
    const intent = endpoints.models[0]!.ssh!;
    const known = path.join(dir, 'known_hosts');
    await (await import('node:fs/promises')).writeFile(known, `${intent.knownHosts}\n`);
    const { stdout } = await run('ssh', ['-p', String(intent.port), '-i', path.join(dir, 'id_ed25519'), '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'StrictHostKeyChecking=yes', `root@${intent.host}`, 'cat /proc/1/environ | tr "\\0" "\\n" | grep ^MODEL_NAME=']);
    expect(stdout.trim()).toBe('MODEL_NAME=intent');
  });

  it('a second definition of the same options changes nothing, and says a swarm never gives a generated secret back', async () => {
    const again = define();
    const { plan } = await again.up({ waitTimeoutMs: 120_000 });
    expect(plan.entries.map((e) => `${e.service}:${e.action}`).sort()).toEqual(['gateway:keep', 'intent:keep', 'ner:keep', 'sentiment:keep']);
    const err = await again.endpoints().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelstackError);
    expect((err as ModelstackError).code).toBe('SECRET_NOT_READABLE');
    expect((err as Error).message).toMatch(/never gives a secret back; set the value in the project/);
    // The definition that deployed it still knows.
    expect((await stack.endpoints()).models.map((m) => m.jupyter!.token)).toEqual(endpoints.models.map((m) => m.jupyter!.token));
  });

  it('rm removes the services, network, secrets and configs, and nothing is left on any node', async () => {
    await stack.down();
    const label = `label=com.docker.stack.namespace=${name}`;
    for (const kind of ['service', 'network', 'secret', 'config']) expect((await docker(kind, 'ls', '--filter', label, '-q')).trim()).toBe('');
    for (const node of lab.nodes) {
      for (const deadline = Date.now() + 60_000; ; ) {
        const left = (await run('docker', ['-H', node.host, 'ps', '-aq', '--filter', `label=com.docker.stack.namespace=${name}`])).stdout.trim();
        if (!left) break;
        if (Date.now() > deadline) throw new Error(`containers of ${name} still on ${node.name}: ${left}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });
});
