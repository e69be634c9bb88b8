/**
 * modelstack and `docker stack` on the same stacks (3-node swarm lab): a
 * stack `docker stack deploy` made is seen by modelstack's ps, converged by
 * its deploy (updated once to carry modelstack's spec, then kept), and
 * removed by its rm, leaving nothing `docker stack ls` would show.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, Stack, SwarmBackend, type SwarmPlan, loadProject } from '../../../src/index.js';
import { BUSYBOX, uniqueName } from '../../helpers/engine.js';
import { type SwarmLab, swarmLab } from '../../helpers/swarm.js';

const run = promisify(execFile);

describe('a stack docker stack deploy made', { timeout: 180_000 }, () => {
  let lab: SwarmLab;
  let engine: Engine;
  const name = uniqueName('msdk').replace('-', '');
  const dir = mkdtempSync(join(tmpdir(), 'ms-swarm-interop-'));
  const file = join(dir, 'compose.yaml');
  const docker = async (...args: string[]) => (await run('docker', ['-H', lab.managerHost, ...args])).stdout;
  const open = async (): Promise<Stack<SwarmPlan>> => new Stack(await loadProject({ files: [file], projectName: name, env: {} }), { engine, backend: new SwarmBackend() });

  beforeAll(async () => {
    lab = await swarmLab();
    await lab.load([BUSYBOX]);
    engine = await Engine.connect({ host: lab.managerHost });
    writeFileSync(
      file,
      `version: "3.8"
services:
  api:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    environment: { LEVEL: info }
    deploy: { replicas: 2, endpoint_mode: dnsrr }
  worker:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    deploy: { endpoint_mode: dnsrr }
`,
    );
    await docker('stack', 'deploy', '-c', file, name);
  });
  afterAll(async () => {
    if (lab) await docker('stack', 'rm', name).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('modelstack ps sees its tasks', async () => {
    const stack = await open();
    for (const deadline = Date.now() + 60_000; ; ) {
      const running = (await stack.ps()).filter((t) => t.state === 'running');
      if (running.length === 3) {
        expect(running.map((t) => t.service).sort()).toEqual(['api', 'api', 'worker']);
        break;
      }
      if (Date.now() > deadline) throw new Error(`tasks of ${name} not running after 60 s: ${JSON.stringify(await stack.ps())}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  it('modelstack deploy takes it over once (and says so), then keeps it', async () => {
    const { plan } = await (await open()).up({ waitTimeoutMs: 120_000 });
    expect(plan.entries).toEqual([
      { service: 'api', action: 'update', reason: "deployed by another tool: takes modelstack's spec once" },
      { service: 'worker', action: 'update', reason: "deployed by another tool: takes modelstack's spec once" },
    ]);
    const again = await (await open()).up({ waitTimeoutMs: 120_000 });
    expect(again.plan.entries.map((e) => e.action)).toEqual(['keep', 'keep']);
    // Still docker's stack: same names, same namespace label.
    expect((await docker('stack', 'services', name, '--format', '{{.Name}} {{.Replicas}}')).trim().split('\n').sort()).toEqual([`${name}_api 2/2`, `${name}_worker 1/1`]);
  });

  it('modelstack rm removes it: docker stack ls no longer shows it', async () => {
    await (await open()).down();
    expect((await docker('stack', 'ls', '--format', '{{.Name}}')).split('\n')).not.toContain(name);
    expect((await docker('network', 'ls', '--filter', `label=com.docker.stack.namespace=${name}`, '-q')).trim()).toBe('');
  });
});
