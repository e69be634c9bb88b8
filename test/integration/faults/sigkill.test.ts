/**
 * Fault matrix: the `up` process is SIGKILLed mid-rollout (no cleanup code
 * runs), then the project is taken down and brought up again. `down` leaves
 * nothing — no container, no network, no lock container (the killed up may
 * have held the project lock) — and the second `up` converges. A real child
 * process (test/helpers/cli-process.ts): only a process can be SIGKILLed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { startCliProcess } from '../../helpers/cli-process.js';
import { connectTestEngine, testRuns } from '../../helpers/engine.js';
import { composeFile, manyServices, projectFolder, projectState, runToEnd } from './fixtures.js';

const SERVICES = 10;
/** Killed at these events of the rollout. */
const POINTS = ['network.created', 'container.created', 'container.started'] as const;

describe('fault: up is SIGKILLed mid-rollout', () => {
  let engine: Engine;
  const runs = testRuns('mskil');
  const folders: Array<{ remove(): void }> = [];

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    expect(await runs.removeAll(engine)).toEqual([]);
    for (const f of folders) f.remove();
  });

  for (const point of POINTS) {
    it(`killed at the first ${point}: down leaves nothing (lock included), a second up converges`, async () => {
      const run = runs.next();
      const f = projectFolder(composeFile(run, manyServices(SERVICES)));
      folders.push(f);
      const up = startCliProcess(['-p', run, '--progress', 'json', 'up', '-d', '--wait', '--wait-timeout', '120'], { cwd: f.dir });
      await up.waitForEvent((e) => e.type === point, 120_000);
      up.child.kill('SIGKILL');
      const killed = await up.done;
      expect(killed.signal).toBe('SIGKILL');
      const after = await projectState(engine, run);
      console.log(`SIGKILL at ${point}: ${after.containers.length} containers, ${after.networks.length} networks, lock ${after.lock ? 'left' : 'gone'}`);

      const down = await runToEnd(['-p', run, 'down', '-t', '1'], f.dir);
      expect(down.code).toBe(0);
      expect(await projectState(engine, run)).toEqual({ containers: [], networks: [], lock: false });
      const again = await runToEnd(['-p', run, 'up', '-d', '--wait', '--wait-timeout', '120'], f.dir);
      expect(again.code).toBe(0);
      expect((await projectState(engine, run)).containers.filter((c) => c.running)).toHaveLength(SERVICES);
      expect((await runToEnd(['-p', run, 'down', '-t', '1'], f.dir)).code).toBe(0);
      expect(await projectState(engine, run)).toEqual({ containers: [], networks: [], lock: false });
    }, 300_000);
  }
});
