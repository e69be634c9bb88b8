/**
 * The Swarm backend on a real 3-node swarm (scripts/swarm-lab.sh): a compose
 * file deployed with replicas spread across the nodes, reachable on each
 * node; a second deploy changes nothing; one changed env var rolls only that
 * service, with the field named; a changed secret rolls its service; a
 * service that cannot be placed fails at once naming the constraint; a node
 * whose daemon dies is reported and its tasks come back on the others; the
 * Docker CLI sees what we deployed; rm leaves nothing on any node.
 *
 * No IPVS in this kernel: services use dnsrr and host-mode ports.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwarmBackend, SwarmTaskFailedError } from '../../../src/backends/swarm/swarm-backend.js';
import { Engine, type StackEvent, loadProject } from '../../../src/index.js';
import type { SwarmPlan } from '../../../src/plan/swarm-plan.js';
import { Stack } from '../../../src/stack/stack.js';
import { BUSYBOX, uniqueName } from '../../helpers/engine.js';
import { type SwarmLab, swarmLab } from '../../helpers/swarm.js';

const run = promisify(execFile);

describe('a stack on a 3-node swarm', { timeout: 240_000 }, () => {
  let lab: SwarmLab;
  let engine: Engine;
  const stackName = uniqueName('mssw').replace('-', '');
  const dir = mkdtempSync(join(tmpdir(), 'ms-swarm-'));
  const docker = async (...args: string[]) => (await run('docker', ['-H', lab.managerHost, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;

  /** The stack's compose file: web (3 replicas, host-mode port, healthcheck, a secret) and worker. */
  const write = (opts: { level?: string; secret?: string; constraint?: string } = {}) => {
    writeFileSync(join(dir, 'token.txt'), opts.secret ?? 'first-secret');
    writeFileSync(
      join(dir, 'compose.yaml'),
      `services:
  web:
    image: ${BUSYBOX}
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo \\"$$(hostname) $$LEVEL $$(cat /run/secrets/token)\\" > /www/index.html && exec httpd -f -p 8080 -h /www"]
    environment:
      LEVEL: ${opts.level ?? 'info'}
    ports:
      - { target: 8080, published: 18081, mode: host }
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]
      interval: 1s
      retries: 10
    secrets: [token]
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      update_config: { parallelism: 1, delay: 1s, monitor: 1s }
      placement:
        max_replicas_per_node: 1
    labels: { org.modelstack.test: ${stackName} }
  worker:
    image: ${BUSYBOX}
    init: true
    command: ["sleep", "3600"]
    depends_on: [web]
    deploy: { endpoint_mode: dnsrr${opts.constraint ? `, placement: { constraints: ["${opts.constraint}"] }` : ''} }
    labels: { org.modelstack.test: ${stackName} }
secrets:
  token:
    file: ./token.txt
`,
    );
  };
  const open = async (events: StackEvent[] = []): Promise<Stack<SwarmPlan>> =>
    new Stack(await loadProject({ files: [join(dir, 'compose.yaml')], projectName: stackName, env: {} }), { engine, backend: new SwarmBackend(), onEvent: (e) => events.push(e) });
  const running = async (s: Stack<SwarmPlan>, service: string) => (await s.ps()).filter((t) => t.service === service && t.state === 'running');

  beforeAll(async () => {
    lab = await swarmLab();
    await lab.load([BUSYBOX]);
    engine = await Engine.connect({ host: lab.managerHost });
  });
  afterAll(async () => {
    // Whatever a failed test left: the stack's own rm.
    if (engine) await (await open()).down().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys: replicas spread across the nodes, each answering on its node; the Docker CLI sees the stack', async () => {
    write();
    const events: StackEvent[] = [];
    const stack = await open(events);
    const { plan } = await stack.up({ waitTimeoutMs: 180_000 });
    expect(plan.entries.map((e) => `${e.service}:${e.action}`)).toEqual(['web:create', 'worker:create']);
    // What a swarm cannot express is said, by key.
    expect(events.some((e) => e.type === 'warning' && e.service === 'worker' && /^depends_on: /.test(e.message))).toBe(true);
    const web = await running(stack, 'web');
    expect(web).toHaveLength(3);
    expect(new Set(web.map((t) => t.node)).size).toBe(3);
    for (const node of lab.nodes) {
      const { status, body } = await lab.httpGet(`http://${node.address}:18081/`);
      expect(status).toBe(200);
      expect(body.trim()).toMatch(/^\S+ info first-secret$/);
    }
    // Task events say where each task went.
    expect(events.filter((e) => e.type === 'task.state' && e.state === 'running' && e.service === 'web').map((e) => (e as { node?: string }).node).sort()).toEqual(lab.nodes.map((n) => n.name).sort());
    // docker stack and docker service see the stack modelstack deployed.
    expect((await docker('stack', 'ls', '--format', '{{.Name}}')).split('\n')).toContain(stackName);
    expect((await docker('service', 'ls', '--filter', `label=com.docker.stack.namespace=${stackName}`, '--format', '{{.Name}} {{.Replicas}}')).trim().split('\n').sort()).toEqual([
      `${stackName}_web 3/3 (max 1 per node)`,
      `${stackName}_worker 1/1`,
    ]);
    expect((await docker('stack', 'ps', stackName, '--filter', 'desired-state=running', '--format', '{{.Name}}')).trim().split('\n')).toHaveLength(4);
  });

  it('a second deploy of the unchanged file changes nothing', async () => {
    const events: StackEvent[] = [];
    const { plan } = await (await open(events)).up({ waitTimeoutMs: 120_000 });
    expect(plan.entries.map((e) => `${e.service}:${e.action}`)).toEqual(['web:keep', 'worker:keep']);
    expect(events.filter((e) => e.type.startsWith('service.') && e.type !== 'service.running')).toEqual([]);
  });

  it('one changed env var rolls only that service, one task at a time, and says which field', async () => {
    write({ level: 'debug' });
    const events: StackEvent[] = [];
    const stack = await open(events);
    const { plan } = await stack.up({ waitTimeoutMs: 180_000 });
    expect(plan.entries).toEqual([
      { service: 'web', action: 'update', reason: 'spec changed: TaskTemplate.ContainerSpec.Env[0]' },
      { service: 'worker', action: 'keep', reason: 'up to date' },
    ]);
    for (const node of lab.nodes) expect((await lab.httpGet(`http://${node.address}:18081/`)).body).toMatch(/ debug first-secret/);
    // One at a time: each new web task ran before the next old one was replaced, so the new tasks
    // reached running at three different moments, in order.
    const newRunning = events.filter((e): e is Extract<StackEvent, { type: 'task.state' }> => e.type === 'task.state' && e.service === 'web' && e.state === 'running');
    expect(new Set(newRunning.map((e) => e.task)).size).toBeGreaterThanOrEqual(3);
    expect(events.some((e) => e.type === 'service.updating' && e.service === 'worker')).toBe(false);
  });

  it('a changed secret is a new Swarm secret: its service rolls to it, the old one is removed', async () => {
    const secretsBefore = (await docker('secret', 'ls', '--filter', `label=com.docker.stack.namespace=${stackName}`, '--format', '{{.Name}}')).trim().split('\n');
    write({ level: 'debug', secret: 'rotated-secret' });
    const { plan } = await (await open()).up({ waitTimeoutMs: 180_000 });
    expect(plan.entries.find((e) => e.service === 'web')).toMatchObject({ action: 'update', reason: expect.stringMatching(/TaskTemplate\.ContainerSpec\.Secrets/) });
    for (const node of lab.nodes) expect((await lab.httpGet(`http://${node.address}:18081/`)).body).toMatch(/ rotated-secret$/m);
    const secretsAfter = (await docker('secret', 'ls', '--filter', `label=com.docker.stack.namespace=${stackName}`, '--format', '{{.Name}}')).trim().split('\n');
    expect(secretsAfter).toHaveLength(1);
    expect(secretsBefore).not.toContain(secretsAfter[0]);
  });

  it('a service no node can take fails the deploy at once, naming the constraint', async () => {
    write({ level: 'debug', secret: 'rotated-secret', constraint: 'node.labels.gpu==a100' });
    const started = Date.now();
    const err = (await (await open()).up({ waitTimeoutMs: 120_000 }).catch((e: unknown) => e)) as SwarmTaskFailedError;
    expect(err).toBeInstanceOf(SwarmTaskFailedError);
    expect(err.service).toBe('worker');
    expect(err.state).toBe('pending');
    expect(err.message).toMatch(/no suitable node \(scheduling constraints not satisfied/);
    // At once: not at the deadline.
    expect(Date.now() - started).toBeLessThan(60_000);
    write({ level: 'debug', secret: 'rotated-secret' });
    await (await open()).up({ waitTimeoutMs: 180_000 });
  });

  it('a node whose daemon dies is reported, and its task comes back on another node', async () => {
    const stack = await open();
    const victim = lab.nodes[2]!;
    const workerBefore = (await running(stack, 'worker'))[0]!;
    // Put the worker where the node will die, if it is not there already: a constraint, then lift it.
    if (workerBefore.node !== victim.name) {
      write({ level: 'debug', secret: 'rotated-secret', constraint: `node.hostname==${victim.name}` });
      await (await open()).up({ waitTimeoutMs: 180_000 });
      write({ level: 'debug', secret: 'rotated-secret' });
      await (await open()).up({ waitTimeoutMs: 180_000 });
    }
    expect((await running(stack, 'worker'))[0]!.node).toBe(victim.name);
    await lab.nodeKill(3);
    try {
      // The manager notices by missed heartbeats (a few seconds); until then nothing can know.
      for (const deadline = Date.now() + 60_000; (await docker('node', 'inspect', victim.name, '--format', '{{.Status.State}}')).trim() === 'ready'; ) {
        if (Date.now() > deadline) throw new Error(`the manager still sees ${victim.name} ready 60 s after its daemon was killed`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const events: StackEvent[] = [];
      // The wait of a deploy sees the node go down and the task come back elsewhere. (web keeps
      // 2 of 3 tasks: one per node, and only two nodes are left — Swarm's rule, not ours.)
      await (await open(events)).up({ services: ['worker'], waitTimeoutMs: 120_000 });
      expect(events.some((e) => e.type === 'node.state' && e.node === victim.name && e.state !== 'ready')).toBe(true);
      const worker = await running(stack, 'worker');
      expect(worker).toHaveLength(1);
      expect(worker[0]!.node).not.toBe(victim.name);
      // Reachable by its service name again, from a web task on another node (dnsrr: the name is the task's address).
      const fromNode = lab.nodes.find((n) => n.name !== victim.name && n.name !== worker[0]!.node) ?? lab.nodes[0]!;
      const web = (await run('docker', ['-H', fromNode.host, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${stackName}_web`])).stdout.trim().split('\n')[0]!;
      expect(web).not.toBe('');
      await run('docker', ['-H', fromNode.host, 'exec', web, 'ping', '-c', '1', '-W', '5', 'worker']);
    } finally {
      await lab.nodeStart(3);
    }
  });

  it('rm removes the services, networks and secrets of the stack, and nothing is left on any node', async () => {
    const stack = await open();
    await stack.down();
    const label = `label=com.docker.stack.namespace=${stackName}`;
    expect((await docker('service', 'ls', '--filter', label, '-q')).trim()).toBe('');
    expect((await docker('network', 'ls', '--filter', label, '-q')).trim()).toBe('');
    expect((await docker('secret', 'ls', '--filter', label, '-q')).trim()).toBe('');
    // Each node stops its tasks' containers shortly after the service is gone.
    for (const node of lab.nodes) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const left = (await run('docker', ['-H', node.host, 'ps', '-aq', '--filter', `label=com.docker.stack.namespace=${stackName}`])).stdout.trim();
        if (!left) break;
        if (Date.now() > deadline) throw new Error(`containers of ${stackName} still on ${node.name}: ${left}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });
});
