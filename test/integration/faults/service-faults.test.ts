/**
 * Fault matrix: a service that cannot come up. Each fault, REPEATS times:
 * `up --wait` fails with an error that names the service and the cause, in
 * a time printed per fault; `down` then leaves nothing; and once the fault is
 * fixed, a second `up` of the same project converges. Docker Compose v2 runs
 * `up -d --wait` on the same file each time, for comparison: its detections
 * and times are printed beside ours (not asserted: it is the reference).
 *
 * The 10-of-10 detection loops of the fastest deaths (OOM, exit, crash loop
 * right after start) are in test/integration/engine/readiness.test.ts; the
 * engine freezing or stopping in engine-frozen.test.ts; Ctrl-C in
 * ctrl-c.test.ts; down during up and concurrent up in races.test.ts.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, Stack } from '../../../src/index.js';
import { loadProject } from '../../../src/compose/load.js';
import { composeV2 } from '../../helpers/compose-v2.js';
import { connectTestEngine, testRuns } from '../../helpers/engine.js';
import { type ServiceOptions, composeFile, projectFolder, projectState } from './fixtures.js';

const REPEATS = 3;
const GOOD: ServiceOptions = { command: 'exec sleep 3600' };

/** `port`: taken on 127.0.0.1 (a listener of this test); `closedPort`: nothing listens there. */
interface Ports {
  port: number;
  closedPort: number;
}

interface Fault {
  name: string;
  bad: (ctx: Ports) => ServiceOptions;
  /** What the error must say (besides naming service "bad"). */
  cause: (ctx: Ports) => RegExp;
}

const FAULTS: Fault[] = [
  { name: 'crash (exit 3)', bad: () => ({ command: 'echo "fatal: weights not found" >&2; sleep 0.05; exit 3' }), cause: () => /exited with code 3[\s\S]*fatal: weights not found/ },
  {
    name: 'OOM kill (8 MB limit)',
    bad: () => ({ command: 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=64', extra: ['mem_limit: 8m', 'memswap_limit: 8m'] }),
    cause: () => /OOM|out of memory/i,
  },
  { name: 'unhealthy', bad: () => ({ healthcheck: 'echo model not loaded; exit 1' }), cause: () => /unhealthy[\s\S]*model not loaded/ },
  { name: 'restart loop (restart: always)', bad: () => ({ command: 'sleep 0.05; exit 1', extra: ['restart: always'] }), cause: () => /restart/ },
  { name: 'host port taken', bad: ({ port }) => ({ extra: [`ports: ["127.0.0.1:${port}:8080"]`] }), cause: ({ port }) => new RegExp(`127\\.0\\.0\\.1:${port}`) },
  { name: 'image missing', bad: () => ({ extra: ['image: modelstack-test/no-such-image:missing', 'pull_policy: never'] }), cause: () => /modelstack-test\/no-such-image:missing/ },
  {
    name: 'registry down',
    bad: ({ closedPort }) => ({ extra: [`image: 127.0.0.1:${closedPort}/modelstack-test/busybox:latest`] }),
    cause: ({ closedPort }) => new RegExp(`pulling 127\\.0\\.0\\.1:${closedPort}/modelstack-test/busybox:latest failed: .*connection refused`),
  },
];

describe('fault: a service cannot come up', () => {
  let engine: Engine;
  let blocker: ReturnType<typeof createServer>;
  let port: number;
  let closedPort: number;
  const runs = testRuns('msflt');
  const folders: Array<{ remove(): void }> = [];

  beforeAll(async () => {
    engine = await connectTestEngine();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => {
    blocker?.close();
    expect(await runs.removeAll(engine)).toEqual([]);
    for (const f of folders) f.remove();
  });

  for (const fault of FAULTS) {
    it(`${fault.name}: up fails naming service and cause (${REPEATS} of ${REPEATS}); down leaves nothing; fixed, up converges`, async () => {
      const times: number[] = [];
      const v2: Array<{ detected: boolean; ms: number }> = [];
      for (let i = 0; i < REPEATS; i++) {
        const run = runs.next();
        const bad = fault.bad({ port, closedPort });
        // An image of its own replaces the fixture's image line (a second image key would be a duplicate key).
        const services = { ok: GOOD, bad: { ...bad, extra: (bad.extra ?? []).filter((l) => !l.startsWith('image:')) } };
        let text = composeFile(run, services);
        const image = (bad.extra ?? []).find((l) => l.startsWith('image:'));
        if (image) text = text.replace(/(  bad:\n    )image: \S+/, `$1${image}`);
        const f = projectFolder(text);
        folders.push(f);
        const stack = new Stack(await loadProject({ cwd: f.dir, projectName: run, env: {} }), { engine });
        const began = Date.now();
        const err = await stack.up({ waitTimeoutMs: 60_000 }).then(
          () => undefined,
          (e: Error) => e,
        );
        times.push(Date.now() - began);
        expect(err, 'up must fail').toBeInstanceOf(Error);
        expect(err!.message).toMatch(/"bad"/);
        expect(err!.message).toMatch(fault.cause({ port, closedPort }));
        expect(err!.message).not.toMatch(/[0-9a-f]{64}/); // names, not ids

        await stack.down({ timeoutSeconds: 1 });
        expect(await projectState(engine, run)).toEqual({ containers: [], networks: [], lock: false });

        // The reference on the same file (its own project): did it fail, and when?
        const v2Project = `${run}-v2`;
        const v2Began = Date.now();
        const v2Up = await composeV2(['-p', v2Project, 'up', '-d', '--wait', '--wait-timeout', '30'], { cwd: f.dir, env: {} });
        v2.push({ detected: v2Up.code !== 0, ms: Date.now() - v2Began });
        expect((await composeV2(['-p', v2Project, 'down', '-t', '1'], { cwd: f.dir, env: {} })).code).toBe(0);
        expect(await projectState(engine, v2Project)).toEqual({ containers: [], networks: [], lock: false });

        // Fixed: the same project comes up.
        writeFileSync(join(f.dir, 'compose.yaml'), composeFile(run, { ok: GOOD, bad: GOOD }));
        const fixed = new Stack(await loadProject({ cwd: f.dir, projectName: run, env: {} }), { engine });
        await fixed.up({ waitTimeoutMs: 60_000 });
        expect((await projectState(engine, run)).containers.map((c) => c.running)).toEqual([true, true]);
        await fixed.down({ timeoutSeconds: 1 });
        expect(await projectState(engine, run)).toEqual({ containers: [], networks: [], lock: false });
      }
      const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      console.log(
        `${fault.name}: detected ${REPEATS}/${REPEATS}, reported after ${times.map(secs).join(', ')}; ` +
          `Compose v2 up --wait failed ${v2.filter((r) => r.detected).length}/${REPEATS}, after ${v2.map((r) => secs(r.ms)).join(', ')}`,
      );
    }, 300_000);
  }
});
