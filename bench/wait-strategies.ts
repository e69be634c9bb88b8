/**
 * Experiment behind a suggestion of the up/down benchmark: how long does it
 * take to learn that N freshly started containers are healthy, by strategy?
 *
 *   node --import tsx bench/wait-strategies.ts [--n 25] [--runs 3] [--poll-ms 100]
 *
 * Each cycle: `stack.up({ wait: false })` (everything created and started,
 * nothing waited for), then one strategy times "all healthy" from the moment
 * up returned, then `down`. Strategies rotate between runs.
 *
 * - per-container: what `up({ wait: true })` does today — one
 *   `waitUntilReady` per container (own event stream, inspect, exec probe);
 * - list-poll: one label-filtered list every poll interval (compose-like;
 *   Docker's healthcheck verdict only);
 * - project-stream: one event stream for the whole project (label filter)
 *   plus one list per relevant event; Docker's verdict only;
 * - project-stream+probe: the same, plus one exec probe loop per container
 *   that is not healthy yet (modelstack's early readiness, with light machinery).
 *
 * Leaves nothing behind: every project is brought down in `finally`, and the
 * run ends by checking for containers/networks carrying its run id.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine, Stack, loadProject, waitUntilReady } from '../src/index.js';
import { HEALTH_TEST, leftovers, newRunId, removeLeftovers, writeComposeFile } from './lib/fixture.js';
import { median, secs, table } from './lib/stats.js';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '25' }, runs: { type: 'string', default: '3' }, 'poll-ms': { type: 'string', default: '100' } },
});
const n = Number(args.n);
const runs = Number(args.runs);
const pollMs = Number(args['poll-ms']);
const TIMEOUT_MS = 180_000;
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Strategy = (engine: Engine, project: string, ids: string[]) => Promise<{ lists?: number; inspects?: number; execs?: number }>;

const projectLabel = (p: string) => `com.docker.compose.project=${p}`;

const strategies: Record<string, Strategy> = {
  'per-container': async (engine, _project, ids) => {
    await Promise.all(ids.map((id) => waitUntilReady(engine, id, { condition: 'ready', timeoutMs: TIMEOUT_MS })));
    return {};
  },
  'list-poll': async (engine, project, ids) => {
    let lists = 0;
    for (;;) {
      const list = await engine.containers.list([projectLabel(project)]);
      lists++;
      if (list.filter((c) => c.Status.includes('(healthy)')).length >= ids.length) return { lists };
      await sleep(pollMs);
    }
  },
  'project-stream': (engine, project, ids) => projectStream(engine, project, ids, false),
  'project-stream+probe': (engine, project, ids) => projectStream(engine, project, ids, true),
};

/** One event stream for the project; a list whenever a container event that can change readiness arrives. */
async function projectStream(engine: Engine, project: string, ids: string[], probe: boolean): Promise<{ lists: number; execs: number }> {
  const pending = new Set(ids);
  let dirty = true;
  let wake: (() => void) | undefined;
  const poke = () => {
    dirty = true;
    wake?.();
  };
  let lists = 0;
  let execs = 0;
  const sub = await engine.events.subscribe({
    filters: { type: ['container'], label: [projectLabel(project)] },
    onEvent: (e) => {
      if (e.action === 'health_status: healthy') pending.delete(e.id);
      if (/^(start|die|oom|health_status)/.test(e.action)) poke();
    },
  });
  const stop = new AbortController();
  const probeLoop = async (id: string) => {
    let delay = 50;
    while (!stop.signal.aborted && pending.has(id)) {
      execs++;
      const r = await engine.containers.exec(id, HEALTH_TEST.slice(1), { signal: stop.signal }).catch(() => undefined);
      if (r?.exitCode === 0) {
        pending.delete(id);
        poke();
        return;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  };
  try {
    let probesStarted = !probe;
    for (;;) {
      if (dirty) {
        dirty = false;
        const list = await engine.containers.list([projectLabel(project)]);
        lists++;
        for (const c of list) if (c.Status.includes('(healthy)')) pending.delete(c.Id);
      }
      if (!pending.size) return { lists, execs };
      if (!probesStarted) {
        probesStarted = true;
        for (const id of pending) void probeLoop(id);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (dirty || !pending.size) resolve();
      });
      wake = undefined;
    }
  } finally {
    stop.abort();
    sub.close();
  }
}

async function main(): Promise<number> {
  const runId = newRunId();
  const dir = await mkdtemp(join(tmpdir(), 'modelstack-wait-'));
  const file = await writeComposeFile(dir, n, runId);
  const names = Object.keys(strategies);
  const results: Record<string, number[]> = Object.fromEntries(names.map((s) => [s, []]));
  const live = new Set<string>();
  let failed: unknown;
  try {
    for (let run = 0; run < runs; run++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + run) % names.length]!;
        const project = `${runId}-w${run}-${i}`;
        const stack = new Stack(await loadProject({ files: [file], projectName: project }));
        live.add(project);
        const up = await stack.up({ wait: false });
        const t0 = performance.now();
        const counts = await strategies[name]!(await stack.connect(), project, up.containers.map((c) => c.id));
        const s = (performance.now() - t0) / 1000;
        results[name]!.push(s);
        log(`run ${run + 1}/${runs} ${name.padEnd(22)} all healthy ${secs(s)} s after up returned  ${JSON.stringify(counts)}`);
        await stack.down();
        live.delete(project);
      }
    }
  } catch (err) {
    failed = err;
  } finally {
    for (const p of live) await Stack.forProject(p).down({ removeOrphans: true }).catch((err: unknown) => log(`cleanup of ${p} failed: ${String(err)}`));
    await rm(dir, { recursive: true, force: true });
  }
  const left = await leftovers(runId);
  if (left.containers.length || left.networks.length) {
    log(`!!! LEFTOVERS of ${runId}: ${[...left.containers, ...left.networks].join(', ')}; removing them and failing`);
    await removeLeftovers(left);
    return 1;
  }
  if (failed) {
    log(`failed: ${failed instanceof Error ? (failed.stack ?? failed.message) : String(failed)}`);
    return 1;
  }
  process.stdout.write(
    `N=${n}: seconds from "all started" (up({ wait: false }) returned) to "all healthy", median of ${runs}\n` +
      table(['strategy', 'median', 'min', 'max'], names.map((s) => [s, secs(median(results[s]!)), secs(Math.min(...results[s]!)), secs(Math.max(...results[s]!))])) +
      '\n',
  );
  return 0;
}

process.exitCode = await main();
