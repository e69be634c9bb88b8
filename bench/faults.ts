/**
 * The fault matrix, counted: each scenario `--runs` times (default 10) for
 * modelstack's bundled CLI and for Docker Compose v2, as real processes on
 * the same compose file, each run under a project of its own. It prints,
 * per scenario and tool, how many runs had the right outcome, the time the
 * scenario is about, and whether the tool's own `down` then left nothing.
 * Issue 12 asks for these figures beside Compose v2's; the tests in
 * test/integration/faults assert our side (3 runs each), this counts both.
 * Not part of the test suite: it runs for about an hour (`--only` picks
 * scenarios by a part of their name).
 *
 *   npm run bench:faults -- [--runs 10] [--frozen-runs 10] [--only NAME,...] [--json-file F]
 *
 * Scenarios (what "right" means; what the time is):
 * - the service faults of test/integration/faults/fixtures.ts (crash, OOM,
 *   unhealthy, restart loop, port taken, image missing, registry down):
 *   `up -d --wait --wait-timeout 30` fails; spawn → exit.
 * - Ctrl-C during an `up -d --wait` of 10 services at three points, told by
 *   the project's containers (a fixed delay would find the Go binary deep in
 *   its rollout and the Node one still starting): its first container
 *   exists; all 10 exist; all 10 run and the waits are on (services healthy
 *   after 5 s). Right: nothing of the project is created or started after
 *   the process exited (what the engine still did for it, 1 s later);
 *   SIGINT → process exit. Also reported: containers at the interrupt and
 *   at exit.
 * - SIGKILL once the first container exists, then `up -d --wait` again: the
 *   second up succeeds with exactly 10 containers and one network; its time.
 * - `down` at the same point: once both have ended, nothing of the project
 *   is left; down's time.
 * - two `up -d --wait` of one project at once: both succeed, exactly 10
 *   containers and one network; until both ended.
 * - on a private engine (scripts/private-engine.sh), during `up -d --wait`
 *   of 3 services healthy after 3 s (30 s when stopped):
 *   - frozen (SIGSTOP) at the first container's create, or once all three
 *     run and the waits are on, with `--wait-timeout 15`: the command ends
 *     by itself within the deadline plus 5 s (it is killed at 40 s);
 *     spawn → exit.
 *   - stopped (SIGTERM) once the waits are on: the command ends by itself
 *     with an error (ours: saying the engine stopped); SIGTERM → exit. The
 *     engine is relaunched over the same data before the `down` check.
 *
 * Everything carries the test label with the run's name and is removed at
 * the end, also after Ctrl-C or a failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Engine } from '../src/index.js';
import { TEST_LABEL, removeLabelled, leftovers, uniqueName } from '../test/helpers/engine.js';
import { type PrivateEngine, startPrivateEngine } from '../test/helpers/private-engine.js';
import { FAULTS, type FaultPorts, composeFile, faultFile, manyServices, projectFolder, projectState } from '../test/integration/faults/fixtures.js';
import { median, secs, table } from './lib/stats.js';
import { type CommandTool, findComposeV2, prepareCli } from './lib/tools.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    'frozen-runs': { type: 'string', default: '10' },
    only: { type: 'string' },
    'json-file': { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const FROZEN_RUNS = Number(values['frozen-runs']);
const only = values.only?.split(',').map((s) => s.trim().toLowerCase());
const ROOT = new URL('../', import.meta.url).pathname;
const SERVICES = 10;
const FROZEN_DEADLINE_S = 15;
/** A command still running this long after the engine froze or stopped is counted hung and killed. */
const FROZEN_KILL_MS = 40_000;

interface RunOutcome {
  ok: boolean;
  seconds: number;
  /** The tool's `down` afterwards left no container, network (or lock container) of the project. */
  clean: boolean;
  extra?: Record<string, number>;
  /** Why not ok, or what the tool said, for the log. */
  note?: string;
}

interface Scenario {
  name: string;
  ok: string;
  time: string;
  runs: number;
  /** The compose file of a run (everything in it carries the test label `run`). */
  file(run: string): string;
  /** One run of `tool` under project `project`, in a folder `dir` holding the file; the runner then checks the tool's own `down`. */
  once(tool: CommandTool, project: string, dir: string): Promise<Omit<RunOutcome, 'clean'>>;
  /** The engine this scenario uses (default: the main one). */
  engine?: () => PrivateEngine;
}

interface Proc {
  child: ChildProcess;
  startedAt: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; exitedAt: number; stderr: string }>;
}

const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('interrupted')));

let dockerHost = process.env['DOCKER_HOST'] ?? '';
let observer: Engine;

/** `tool <args>` in `cwd`, against the current engine, with only PATH and DOCKER_HOST from this process. */
function start(tool: CommandTool, args: string[], cwd: string): Proc {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', NO_COLOR: '1' };
  if (dockerHost) env['DOCKER_HOST'] = dockerHost;
  const child = spawn(tool.argv[0]!, [...tool.argv.slice(1), ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const startedAt = performance.now();
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  // Timed at 'exit'; resolved at 'close', once stderr is read to its end too.
  let exitedAt = 0;
  child.once('exit', () => (exitedAt = performance.now()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; exitedAt: number; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, exitedAt, stderr })),
  );
  return { child, startedAt, done };
}

async function runToEnd(tool: CommandTool, args: string[], cwd: string) {
  const p = start(tool, args, cwd);
  const r = await p.done;
  return { ...r, seconds: (r.exitedAt - p.startedAt) / 1000 };
}

/** The tool's own `down`, then whether anything of the project is left. */
async function downIsClean(tool: CommandTool, project: string, cwd: string): Promise<boolean> {
  await runToEnd(tool, ['-p', project, 'down', '-t', '1'], cwd);
  const left = await projectState(observer, project);
  return left.containers.length === 0 && left.networks.length === 0 && !left.lock;
}

/** A project folder for one run, removed when the run is over. */
async function inFolder<T>(text: string, body: (dir: string) => Promise<T>): Promise<T> {
  const f = projectFolder(text);
  try {
    return await body(f.dir);
  } finally {
    f.remove();
  }
}

/** Resolves true once the project's containers (polled every 20 ms) satisfy `seen`, false when `until` settles first. */
async function projectReaches(project: string, until: Promise<unknown>, seen: (containers: Array<{ State: string }>) => boolean): Promise<boolean> {
  let ended = false;
  void until.then(() => (ended = true));
  while (!ended) {
    if (seen(await observer.containers.list([`com.docker.compose.project=${project}`], { all: true }))) return true;
    await sleep(20);
  }
  return false;
}

function serviceFault(fault: (typeof FAULTS)[number], ports: FaultPorts): Scenario {
  return {
    name: fault.name,
    ok: 'up --wait failed',
    time: 'spawn → exit',
    runs: RUNS,
    file: (run) => faultFile(run, fault, ports),
    once: async (tool, project, dir) => {
      const up = await runToEnd(tool, ['-p', project, 'up', '-d', '--wait', '--wait-timeout', '30'], dir);
      const failed = up.code !== 0;
      // Our own message must name the service and the cause; Compose's is its own.
      const named = tool.name !== 'cli' || (/"bad"/.test(up.stderr) && fault.cause(ports).test(up.stderr));
      return {
        ok: failed && named,
        seconds: up.seconds,
        ...(failed && named ? {} : { note: `exit ${up.code}${failed ? ', cause not named' : ''}: ${up.stderr.trim().split('\n').slice(-2).join(' | ')}` }),
      };
    },
  };
}

/** Where in the rollout of 10 services an interrupt comes: the project's containers (polled every 20 ms) tell. */
const POINTS = {
  'first container': (cs: Array<{ State: string }>) => cs.length > 0,
  'all created': (cs: Array<{ State: string }>) => cs.length >= SERVICES,
  'the waits': (cs: Array<{ State: string }>) => cs.length >= SERVICES && cs.every((c) => c.State === 'running'),
} as const;
type Point = keyof typeof POINTS;

/**
 * `up -d --wait` of 10 services, sent `signal` once the project reaches
 * `point` (a fixed delay would catch the Go binary deep in its rollout and
 * the Node one still starting). `atSignal`: the project's containers then.
 */
async function interrupted(tool: CommandTool, project: string, dir: string, signal: NodeJS.Signals, point: Point = 'first container') {
  const up = start(tool, ['-p', project, 'up', '-d', '--wait'], dir);
  const mid = await projectReaches(project, up.done, POINTS[point]);
  const atSignal = (await observer.containers.list([`com.docker.compose.project=${project}`], { all: true })).length;
  const sentAt = performance.now();
  up.child.kill(signal);
  const r = await up.done;
  return { ...r, mid, atSignal, afterSignal: (r.exitedAt - sentAt) / 1000 };
}

function ctrlC(point: Point): Scenario {
  return {
    name: `Ctrl-C at ${point}`,
    ok: 'nothing appears after exit',
    time: 'SIGINT → exit',
    runs: RUNS,
    // The waits only last if the services take a while to be healthy (and are not unhealthy before: the start period).
    file: (run) =>
      composeFile(run, manyServices(SERVICES, point === 'the waits' ? { command: 'sleep 5; touch /tmp/ok; exec sleep 3600', healthcheck: 'test -f /tmp/ok', startPeriod: '30s' } : {})),
    once: async (tool, project, dir) => {
      const r = await interrupted(tool, project, dir, 'SIGINT', point);
      const atExit = await projectState(observer, project);
      await sleep(1000); // what the engine was still doing for the tool shows by now
      const later = await projectState(observer, project);
      const started = (s: typeof later) => s.containers.filter((c) => c.startedAt !== undefined).length;
      const orphaned = later.containers.length - atExit.containers.length + (started(later) - started(atExit));
      const ok = r.mid && orphaned === 0;
      return {
        ok,
        seconds: r.afterSignal,
        extra: { 'at SIGINT': r.atSignal, 'at exit': atExit.containers.length, 'started at exit': started(atExit), 'created or started after exit': orphaned },
        ...(ok ? {} : { note: r.mid ? `${orphaned} containers created or started after the process exited` : `ended by itself before ${point} (exit ${r.code}): ${r.stderr.trim().split('\n').at(-1) ?? ''}` }),
      };
    },
  };
}

const sigkill: Scenario = {
  name: 'SIGKILL mid-rollout, up again',
  ok: 'second up: 10 containers, 1 network',
  time: 'second up',
  runs: RUNS,
  file: (run) => composeFile(run, manyServices(SERVICES)),
  once: async (tool, project, dir) => {
    await interrupted(tool, project, dir, 'SIGKILL');
    const again = await runToEnd(tool, ['-p', project, 'up', '-d', '--wait'], dir);
    const state = await projectState(observer, project);
    const ok = again.code === 0 && state.containers.length === SERVICES && state.containers.every((c) => c.running) && state.networks.length === 1;
    return {
      ok,
      seconds: again.seconds,
      ...(ok ? {} : { note: `exit ${again.code}, ${state.containers.length} containers, ${state.networks.length} networks: ${again.stderr.trim().split('\n').slice(-1)[0] ?? ''}` }),
    };
  },
};

const downDuringUp: Scenario = {
  name: 'down mid-rollout',
  ok: 'nothing left once both ended',
  time: 'down',
  runs: RUNS,
  file: (run) => composeFile(run, manyServices(SERVICES)),
  once: async (tool, project, dir) => {
    const up = start(tool, ['-p', project, 'up', '-d', '--wait'], dir);
    await projectReaches(project, up.done, POINTS['first container']);
    const down = await runToEnd(tool, ['-p', project, 'down', '-t', '1'], dir);
    await up.done;
    await sleep(1000);
    const state = await projectState(observer, project);
    const leftover = state.containers.length + state.networks.length + (state.lock ? 1 : 0);
    return {
      ok: leftover === 0,
      seconds: down.seconds,
      extra: { leftover },
      ...(leftover ? { note: `left ${state.containers.length} containers, ${state.networks.length} networks${state.lock ? ', the lock' : ''}` } : {}),
    };
  },
};

const concurrentUp: Scenario = {
  name: 'two ups at once',
  ok: 'both succeed, 10 containers, 1 network',
  time: 'until both ended',
  runs: RUNS,
  file: (run) => composeFile(run, manyServices(SERVICES)),
  once: async (tool, project, dir) => {
    const t0 = performance.now();
    const [a, b] = await Promise.all([runToEnd(tool, ['-p', project, 'up', '-d', '--wait'], dir), runToEnd(tool, ['-p', project, 'up', '-d', '--wait'], dir)]);
    const seconds = (performance.now() - t0) / 1000;
    const state = await projectState(observer, project);
    const ok = a.code === 0 && b.code === 0 && state.containers.length === SERVICES && state.networks.length === 1;
    const failed = [a, b].find((x) => x.code !== 0);
    return {
      ok,
      seconds,
      ...(ok ? {} : { note: `exits ${a.code}/${b.code}, ${state.containers.length} containers, ${state.networks.length} networks: ${failed?.stderr.trim().split('\n').slice(-1)[0] ?? ''}` }),
    };
  },
};

/** The engine is frozen at its first container (`create`) or once all three run and the waits are on (`wait`, as issue 12 measured). */
function frozenEngine(engine: () => PrivateEngine, at: 'create' | 'wait'): Scenario {
  return {
    name: `engine frozen at ${at === 'create' ? 'the first create' : 'the waits'}, --wait-timeout ${FROZEN_DEADLINE_S}`,
    ok: `ended by itself within ${FROZEN_DEADLINE_S + 5} s`,
    time: 'spawn → exit',
    runs: FROZEN_RUNS,
    engine,
    file: (run) => composeFile(run, manyServices(3, { command: 'sleep 3; touch /tmp/ok; exec sleep 3600', healthcheck: 'test -f /tmp/ok' })),
    once: async (tool, project, dir) => {
      const up = start(tool, ['-p', project, 'up', '-d', '--wait', '--wait-timeout', String(FROZEN_DEADLINE_S)], dir);
      const paused = await projectReaches(project, up.done, at === 'create' ? (cs) => cs.length > 0 : (cs) => cs.length === 3 && cs.every((c) => c.State === 'running'));
      if (paused) engine().pause();
      const killer = setTimeout(() => up.child.kill('SIGKILL'), FROZEN_KILL_MS);
      let r;
      try {
        r = await up.done;
      } finally {
        clearTimeout(killer);
        if (paused) engine().resume();
      }
      const seconds = (r.exitedAt - up.startedAt) / 1000;
      const ok = paused && r.signal === null && seconds <= FROZEN_DEADLINE_S + 5;
      return {
        ok,
        seconds,
        ...(ok ? {} : { note: paused ? `exit ${r.code ?? r.signal} after ${secs(seconds)} s` : 'ended before its first container existed' }),
      };
    },
  };
}

/**
 * The engine stops (SIGTERM, as `systemctl stop docker` does) once the 3
 * services run and the waits are on. Right: the command ends by itself with
 * an error (ours must say the engine stopped, not that a service exited with
 * 143); the time is SIGTERM → exit. The engine is then relaunched over the
 * same data, so the tool's own `down` can be checked as in every scenario.
 */
function engineStopped(engine: () => PrivateEngine): Scenario {
  return {
    name: 'engine stopped during the waits',
    ok: 'ended by itself with an error naming it',
    time: 'SIGTERM → exit',
    runs: FROZEN_RUNS,
    engine,
    file: (run) => composeFile(run, manyServices(3, { command: 'sleep 30; touch /tmp/ok; exec sleep 3600', healthcheck: 'test -f /tmp/ok' })),
    once: async (tool, project, dir) => {
      const up = start(tool, ['-p', project, 'up', '-d', '--wait', '--wait-timeout', '60'], dir);
      const waiting = await projectReaches(project, up.done, (cs) => cs.length === 3 && cs.every((c) => c.State === 'running'));
      const sentAt = performance.now();
      if (waiting) engine().terminate();
      const killer = setTimeout(() => up.child.kill('SIGKILL'), FROZEN_KILL_MS);
      let r;
      try {
        r = await up.done;
      } finally {
        clearTimeout(killer);
        if (waiting) await engine().relaunch();
      }
      const last = r.stderr.trimEnd().split('\n').at(-1) ?? '';
      const named = tool.name !== 'cli' || (/engine .*stopped while up ran/.test(last) && !/exited with code 143/.test(last));
      const ok = waiting && r.signal === null && r.code !== 0 && named;
      return {
        ok,
        seconds: (r.exitedAt - sentAt) / 1000,
        note: !waiting ? 'ended before the waits' : r.signal ? `killed after ${FROZEN_KILL_MS / 1000} s` : `exit ${r.code}: ${last}`,
      };
    },
  };
}

interface Result {
  scenario: string;
  tool: string;
  runs: RunOutcome[];
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const signal = controller.signal;
  const cli = await prepareCli(ROOT, signal, log);
  if (!cli) throw new Error('the CLI did not build (see above)');
  const v2 = await findComposeV2(signal);
  const tools = [cli, v2];
  observer = await Engine.connect(dockerHost ? { host: dockerHost } : {});
  const mainHost = dockerHost;

  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const ports: FaultPorts = { port: (blocker.address() as AddressInfo).port, closedPort: (probe.address() as AddressInfo).port };
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  let privateEngine: PrivateEngine | undefined;
  const scenarios: Scenario[] = [
    ...FAULTS.map((f) => serviceFault(f, ports)),
    ...(Object.keys(POINTS) as Point[]).map(ctrlC),
    sigkill,
    downDuringUp,
    concurrentUp,
    frozenEngine(() => privateEngine!, 'create'),
    frozenEngine(() => privateEngine!, 'wait'),
    engineStopped(() => privateEngine!),
  ].filter((s) => !only || only.some((o) => s.name.toLowerCase().includes(o)));

  const runNames: string[] = [];
  const results: Result[] = [];
  try {
    for (const scenario of scenarios) {
      if (scenario.engine && !privateEngine) {
        log('starting a private engine for the frozen-engine scenario');
        privateEngine = await startPrivateEngine(`b${process.pid % 100000}`);
      }
      const engineObserver = scenario.engine ? privateEngine!.engine : observer;
      const saved = observer;
      observer = engineObserver;
      dockerHost = scenario.engine ? privateEngine!.host : mainHost;
      try {
        for (const tool of tools) {
          const result: Result = { scenario: scenario.name, tool: tool.name === 'cli' ? 'modelstack' : 'compose v2', runs: [] };
          results.push(result);
          for (let i = 0; i < scenario.runs; i++) {
            signal.throwIfAborted();
            const run = uniqueName('msbf');
            runNames.push(run);
            const project = `${run}-${tool.name}`;
            const outcome: RunOutcome = await inFolder(scenario.file(run), async (dir) => ({
              ...(await scenario.once(tool, project, dir)),
              clean: await downIsClean(tool, project, dir),
            }));
            result.runs.push(outcome);
            log(`${scenario.name} · ${result.tool} · run ${i + 1}: ${outcome.ok ? 'ok' : 'NOT ok'}, ${secs(outcome.seconds)} s${outcome.clean ? '' : ', down left something'}${outcome.note ? ` (${outcome.note})` : ''}`);
          }
        }
      } finally {
        observer = saved;
        dockerHost = mainHost;
      }
    }
  } finally {
    blocker.close();
    for (const run of runNames) await removeLabelled(observer, `${TEST_LABEL}=${run}`).catch(() => undefined);
    const left = (await Promise.all(runNames.map((run) => leftovers(`${TEST_LABEL}=${run}`)))).flat();
    if (left.length) log(`left on the engine: ${left.join(', ')}`);
    await privateEngine?.stop();
  }

  const range = (xs: number[]) => (xs.length ? `${secs(median(xs))} [${secs(Math.min(...xs))}–${secs(Math.max(...xs))}]` : '—');
  const rows = results.map((r) => {
    const scenario = scenarios.find((s) => s.name === r.scenario)!;
    const extras = Object.keys(r.runs[0]?.extra ?? {}).map((k) => `${k} ${median(r.runs.map((x) => x.extra?.[k] ?? Number.NaN))}`);
    return [
      r.tool === 'modelstack' ? r.scenario : '',
      r.tool,
      `${r.runs.filter((x) => x.ok).length}/${r.runs.length} ${scenario.ok}`,
      `${range(r.runs.map((x) => x.seconds))} (${scenario.time})`,
      `${r.runs.filter((x) => x.clean).length}/${r.runs.length}`,
      extras.join(', '),
    ];
  });
  process.stdout.write(`${table(['scenario', 'tool', 'right outcome', 'time s: median [min–max]', 'down clean', 'medians'], rows)}\n`);
  if (values['json-file']) writeFileSync(values['json-file'], JSON.stringify({ at: new Date().toISOString(), runs: RUNS, results }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:faults: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

