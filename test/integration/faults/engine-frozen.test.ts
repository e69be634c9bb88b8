/**
 * Fault matrix: the engine freezes (SIGSTOP) or stops (SIGTERM) in the middle
 * of `up`. On a private engine of this file's own (scripts/private-engine.sh),
 * the only one a test may pause or stop.
 *
 * - Frozen: `up --wait --wait-timeout 15` must end at its deadline, with an
 *   error naming it (issue 12 measured > 341 s; Compose v2 stopped at 15.9 s).
 *   Once the engine resumes, `down` leaves nothing and a second `up` converges.
 * - Stopped: the error says the engine stopped — not "service exited with
 *   code 143", which is what its shutdown does to the containers. Once the
 *   engine is back (relaunched over the same data), `down` leaves nothing
 *   and a second `up` converges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateEngine, startPrivateEngine } from '../../helpers/private-engine.js';
import { uniqueName } from '../../helpers/engine.js';
import { composeFile, manyServices, projectFolder, projectState, runToEnd, startRun } from './fixtures.js';

const DEADLINE_S = 15;
/**
 * What may come on top of the deadline: a bounded log tail and the lock's
 * release. Measured from the command's first event (up's deadline starts a
 * little before it; the command's own start under a loaded machine can take
 * seconds, and is not up's).
 */
const MARGIN_S = 5;

describe('fault: the engine freezes or stops mid-up', () => {
  let engine: PrivateEngine;
  /** Pauses the engine at the first event of `up` that `when` accepts, and resumes it once `up` has ended. */
  const frozenUntilDone = async (up: ReturnType<typeof startRun>, when: Parameters<ReturnType<typeof startRun>['waitForEvent']>[0]) => {
    await up.waitForEvent(when);
    engine.pause();
    const pausedAt = Date.now();
    try {
      return { result: await up.done, pausedAt };
    } finally {
      engine.resume();
    }
  };
  const folders: Array<{ remove(): void }> = [];
  const project = (compose: (run: string) => string) => {
    const run = uniqueName('msfrz');
    const f = projectFolder(compose(run));
    folders.push(f);
    return { run, dir: f.dir };
  };

  beforeAll(async () => {
    engine = await startPrivateEngine(`f${process.pid % 100000}`);
  }, 180_000);
  afterAll(async () => {
    try {
      engine?.resume();
    } catch {
      // already gone
    }
    await engine?.stop();
    for (const f of folders) f.remove();
  }, 120_000);

  it(`frozen (SIGSTOP) during the waits: up --wait --wait-timeout ${DEADLINE_S} ends at its deadline, naming it; down then leaves nothing, a second up converges`, async () => {
    // Healthy after 3 s: the engine is paused while up waits.
    const { run, dir } = project((r) => composeFile(r, manyServices(3, { command: 'sleep 3; touch /tmp/ok; exec sleep 3600', healthcheck: 'test -f /tmp/ok' })));
    const up = startRun(['-p', run, '--progress', 'json', 'up', '--wait', '--wait-timeout', String(DEADLINE_S)], dir, engine.host);
    const { result, pausedAt } = await frozenUntilDone(up, (e) => e.type === 'container.waiting');
    const fromStart = (result.exitedAt - up.startedAt) / 1000;
    const fromFirstEvent = (result.exitedAt - up.events()[0]!.time) / 1000;
    console.log(`frozen engine: up exited ${fromStart.toFixed(1)} s after the command started, ${fromFirstEvent.toFixed(1)} s after its first event, ${((result.exitedAt - pausedAt) / 1000).toFixed(1)} s after the pause`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`deadline of ${DEADLINE_S}s`));
    expect(fromStart).toBeGreaterThanOrEqual(DEADLINE_S - 1);
    expect(fromFirstEvent).toBeLessThan(DEADLINE_S + MARGIN_S);

    const down = await runToEnd(['-p', run, 'down', '-t', '1'], dir, engine.host);
    expect(down.code).toBe(0);
    expect(await projectState(engine.engine, run)).toEqual({ containers: [], networks: [], lock: false });
    const again = await runToEnd(['-p', run, 'up', '--wait', '--wait-timeout', '60'], dir, engine.host);
    expect(again.stderr).not.toMatch(/Error/);
    expect(again.code).toBe(0);
    expect((await projectState(engine.engine, run)).containers.map((c) => c.running)).toEqual([true, true, true]);
    expect((await runToEnd(['-p', run, 'down', '-t', '1'], dir, engine.host)).code).toBe(0);
  }, 180_000);

  it('frozen before any container exists (creating the network): up still ends at its deadline', async () => {
    const { run, dir } = project((r) => composeFile(r, manyServices(2)));
    // Paused as soon as the up process prints its first event (it is past connecting then).
    const up = startRun(['-p', run, '--progress', 'json', 'up', '--wait', '--wait-timeout', String(DEADLINE_S)], dir, engine.host);
    const { result } = await frozenUntilDone(up, () => true);
    const fromStart = (result.exitedAt - up.startedAt) / 1000;
    const fromFirstEvent = (result.exitedAt - up.events()[0]!.time) / 1000;
    console.log(`frozen engine (early): up exited ${fromStart.toFixed(1)} s after the command started, ${fromFirstEvent.toFixed(1)} s after its first event`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`deadline of ${DEADLINE_S}s`));
    expect(fromFirstEvent).toBeLessThan(DEADLINE_S + MARGIN_S);
    expect((await runToEnd(['-p', run, 'down', '-t', '1'], dir, engine.host)).code).toBe(0);
    expect(await projectState(engine.engine, run)).toEqual({ containers: [], networks: [], lock: false });
  }, 180_000);

  it('stopped (SIGTERM) during the waits: the error says the engine stopped, not that a service exited with 143; once it is back, down leaves nothing, a second up converges', async () => {
    const { run, dir } = project((r) => composeFile(r, manyServices(3, { command: 'sleep 30; touch /tmp/ok; exec sleep 3600', healthcheck: 'test -f /tmp/ok' })));
    const up = startRun(['-p', run, '--progress', 'json', 'up', '--wait', '--wait-timeout', '60'], dir, engine.host);
    await up.waitForEvent((e) => e.type === 'container.waiting');
    engine.terminate();
    const result = await up.done;
    expect(result.code).toBe(1);
    const last = result.stderr.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(/the Docker engine at unix:\/\/\S+ stopped while up ran/);
    expect(last).not.toMatch(/service "s\d" .*exited with code 143/);

    await engine.relaunch();
    expect((await projectState(engine.engine, run)).containers.length).toBeGreaterThan(0); // what the stop left, stopped
    expect((await runToEnd(['-p', run, 'down', '-t', '1'], dir, engine.host)).code).toBe(0);
    expect(await projectState(engine.engine, run)).toEqual({ containers: [], networks: [], lock: false });
    const fixed = project((r) => composeFile(r, manyServices(2)));
    const again = await runToEnd(['-p', run, 'up', '--wait', '--wait-timeout', '60'], fixed.dir, engine.host);
    expect(again.code).toBe(0);
    expect((await projectState(engine.engine, run)).containers.map((c) => c.running)).toEqual([true, true]);
    expect((await runToEnd(['-p', run, 'down', '-t', '1'], fixed.dir, engine.host)).code).toBe(0);
  }, 240_000);
});
