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
import { FAULTS, GOOD, composeFile, faultFile, projectFolder, projectState } from './fixtures.js';

const REPEATS = 3;
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
        const f = projectFolder(faultFile(run, fault, { port, closedPort }));
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
