/**
 * The swarm lab itself (scripts/swarm-lab.sh), seen through our Engine on the
 * manager: three nodes Ready; a dnsrr service with a host-mode port puts one
 * task on each node and each node answers at its bridge address with the task
 * swarm placed there; a worker whose engine dies is seen Down, and Ready again
 * once it is started. If this file fails, the swarm tests cannot be trusted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, uniqueName } from '../../helpers/engine.js';
import { type SwarmLab, swarmLab } from '../../helpers/swarm.js';

/** Polls `probe` until it returns a value (not undefined), or fails naming `what` after `timeoutMs`. */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('swarm lab', () => {
  let lab: SwarmLab;
  let engine: Engine;
  const run = uniqueName('swl');
  const labels = { [TEST_LABEL]: run };
  const killed = new Set<number>();

  /** Node hostname → state, as the manager sees them. */
  const nodeStates = async (): Promise<Map<string, string>> =>
    new Map((await engine.docker.listNodes()).map((n) => [n.Description?.Hostname ?? '?', n.Status?.State ?? '?']));

  beforeAll(async () => {
    lab = await swarmLab();
    engine = await Engine.connect({ host: lab.managerHost });
  });

  afterAll(async () => {
    // A node a failed test left dead is started again: the next file needs all three.
    for (const n of killed) await lab.nodeStart(n);
    for (const s of await engine.docker.listServices({ filters: { label: [`${TEST_LABEL}=${run}`] } })) await engine.docker.getService(s.ID).remove();
    expect(await engine.docker.listServices({ filters: { label: [`${TEST_LABEL}=${run}`] } })).toEqual([]);
  });

  it('has three nodes, all Ready and Active, node 1 the leading manager', async () => {
    const nodes = (await engine.docker.listNodes()).map((n) => ({
      name: n.Description?.Hostname,
      state: n.Status?.State,
      availability: n.Spec?.Availability,
      role: n.Spec?.Role,
      leader: n.ManagerStatus?.Leader ?? false,
    }));
    nodes.sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(nodes).toEqual(
      lab.nodes.map((node, i) => ({ name: node.name, state: 'ready', availability: 'active', role: i === 0 ? 'manager' : 'worker', leader: i === 0 })),
    );
  });

  it('spreads a dnsrr service with a host-mode port 1/1/1, and each node answers from the host with its own task', async () => {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const service = await engine.docker.createService({
      Name: `${run}-web`,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: BUSYBOX,
          Labels: labels,
          Init: true,
          // The container's hostname is its short id: the page names the task that serves it.
          Command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'],
        },
        RestartPolicy: { Condition: 'any', Delay: 0 },
      },
      Mode: { Replicated: { Replicas: 3 } },
      EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: port, PublishMode: 'host' }] },
    });
    const nodeNames = new Map((await engine.docker.listNodes()).map((n) => [n.ID, n.Description?.Hostname ?? '?']));
    // node name → short id of the container of its running task
    const placed = await until('3 running tasks', 30_000, async () => {
      const tasks = await engine.docker.listTasks({ filters: { service: [service.id], 'desired-state': ['running'] } });
      const running = tasks.filter((t) => t.Status?.State === 'running');
      if (running.length < 3) return undefined;
      return new Map(running.map((t) => [nodeNames.get(t.NodeID ?? '') ?? '?', String(t.Status?.ContainerStatus?.ContainerID).slice(0, 12)]));
    });
    expect([...placed.keys()].sort()).toEqual(lab.nodes.map((n) => n.name));

    for (const node of lab.nodes) {
      const { status, body } = await lab.httpGet(`http://${node.address}:${port}/`);
      expect({ node: node.name, status, body: body.trim() }).toEqual({ node: node.name, status: 200, body: placed.get(node.name) });
    }

    await engine.docker.getService(service.id).remove();
    // Swarm removes the tasks' containers on every node, asynchronously.
    for (const node of lab.nodes) {
      const onNode = Engine.create({ host: node.host });
      await until(`the service's container gone from ${node.name}`, 20_000, async () =>
        (await onNode.docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${run}`] } })).length === 0 ? true : undefined,
      );
    }
  });

  it('sees a worker whose engine died as Down, and Ready again once it is started', async () => {
    const victim = lab.nodes.length;
    const name = lab.nodes[victim - 1]!.name;
    killed.add(victim);
    let began = Date.now();
    await lab.nodeKill(victim);
    await until(`${name} marked down`, 20_000, async () => ((await nodeStates()).get(name) === 'down' ? true : undefined));
    const downAfterMs = Date.now() - began;

    began = Date.now();
    await lab.nodeStart(victim);
    killed.delete(victim);
    expect((await nodeStates()).get(name)).toBe('ready');
    // 1 s dispatcher heartbeat: a lost node is Down within a few heartbeats, not Docker's default ~15 s.
    expect(downAfterMs).toBeLessThan(10_000);
    console.info(`swarm lab: ${name} down ${downAfterMs} ms after its engine was killed, Ready ${Date.now() - began} ms after start`);
  });
});
