/**
 * Fault matrix: commands of one project that race (issue 12, items 4 and 5).
 *
 * - `down` 0.3 s into an `up` of 10 services: `down` takes the project lock
 *   that `up` holds from observing to its last wait (lock.ts), so it waits
 *   for that `up` and then removes all it made. After both return nothing of
 *   the project exists — no container, network or lock — every time.
 * - Two `up`s of one project at once: the second waits for the first and
 *   keeps its containers; both succeed. Never "container name … is already
 *   in use", never a duplicate container or network.
 *
 * Each is repeated (RUNS) inside the test; a second `up` afterwards converges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, Stack } from '../../../src/index.js';
import { loadProject } from '../../../src/compose/load.js';
import type { StackEvent } from '../../../src/stack/events.js';
import { connectTestEngine, testRuns } from '../../helpers/engine.js';
import { composeFile, manyServices, projectFolder, projectState } from './fixtures.js';

const SERVICES = 10;
const RUNS = 10;

describe('fault: commands of one project race', () => {
  let engine: Engine;
  const runs = testRuns('msrace');
  const folders: Array<{ remove(): void }> = [];
  const newStack = async (events?: StackEvent[]) => {
    const run = runs.next();
    const f = projectFolder(composeFile(run, manyServices(SERVICES)));
    folders.push(f);
    const project = await loadProject({ cwd: f.dir, projectName: run, env: {} });
    return { run, project, stack: () => new Stack(project, { engine, ...(events ? { onEvent: (e: StackEvent) => events.push(e) } : {}) }) };
  };

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    expect(await runs.removeAll(engine)).toEqual([]);
    for (const f of folders) f.remove();
  });

  it(`down 0.3 s into an up of ${SERVICES} services, ${RUNS} times: after both return nothing of the project exists`, async () => {
    const outcomes: string[] = [];
    let downWaited = 0;
    for (let i = 0; i < RUNS; i++) {
      const downEvents: StackEvent[] = [];
      const { run, project, stack } = await newStack();
      const up = stack()
        .up({ waitTimeoutMs: 120_000 })
        .then(() => ({ ok: true, error: '', at: Date.now() }), (err: Error) => ({ ok: false, error: err.message, at: Date.now() }));
      await new Promise((r) => setTimeout(r, 300));
      const down = new Stack(project, { engine, onEvent: (e) => downEvents.push(e) }).down({ timeoutSeconds: 1 }).then(() => Date.now());
      const [u, downAt] = await Promise.all([up, down]);
      if (downEvents.some((e) => e.type === 'warning' && /waiting for the up of project/.test(e.message))) downWaited++;
      outcomes.push(u.ok ? 'up ok' : `up failed: ${u.error.split('\n')[0]}`);
      expect({ run: i, state: await projectState(engine, run) }).toEqual({ run: i, state: { containers: [], networks: [], lock: false } });
      // The down that waited returned after the up did.
      if (u.ok) expect(downAt).toBeGreaterThanOrEqual(u.at);
    }
    console.log(`down during up: ${RUNS}/${RUNS} left nothing; down waited for the up ${downWaited} times; ${outcomes.join(', ')}`);
    // And the project comes up again.
    const { run, stack } = await newStack();
    await stack().up({ waitTimeoutMs: 120_000 });
    expect((await projectState(engine, run)).containers.filter((c) => c.running)).toHaveLength(SERVICES);
    await stack().down({ timeoutSeconds: 1 });
  }, 600_000);

  it(`two ups of one project at once, ${RUNS} times: both succeed (the second keeps the first's containers), one set of containers, one network`, async () => {
    const report: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const events: StackEvent[] = [];
      const { run, stack } = await newStack(events);
      const results = await Promise.allSettled([stack().up({ waitTimeoutMs: 120_000 }), stack().up({ waitTimeoutMs: 120_000 })]);
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
      for (const e of errors) {
        expect(e).not.toMatch(/already in use/);
        expect(e).toMatch(/another modelstack up of project .* is running/);
      }
      const state = await projectState(engine, run);
      expect(state.containers.map((c) => c.name)).toEqual(Array.from({ length: SERVICES }, (_, k) => `${run}-s${k + 1}-1`).sort());
      expect(state.containers.every((c) => c.running)).toBe(true);
      expect(state.networks).toEqual([`${run}_default`]);
      expect(state.lock).toBe(false);
      const created = events.filter((e) => e.type === 'container.created').length;
      expect(created).toBe(SERVICES);
      report.push(errors.length ? `one failed: ${errors[0]!.split('\n')[0]}` : 'both ok');
      await stack().down({ timeoutSeconds: 1 });
      expect(await projectState(engine, run)).toEqual({ containers: [], networks: [], lock: false });
    }
    console.log(`concurrent up: ${report.join(', ')}`);
  }, 600_000);
});
