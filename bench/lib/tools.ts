/**
 * The contestants, each measured the same way on the same compose file:
 * Docker Compose v2 (the reference: every ratio is modelstack / v2),
 * optionally Debian's docker-compose 1.29, modelstack as a library
 * (`Stack`), modelstack's CLI (when it has `up --wait` and `down`), and a
 * raw-API floor (create + start every container in parallel, nothing else).
 * The two Compose binaries and the CLI are one kind of contestant, a
 * {@link CommandTool}: the same commands, timed the same way.
 *
 * "Docker says healthy" is observed identically for every contestant: one
 * label-filtered container list (`GET /containers/json`, the data behind
 * `docker ps`) every `pollMs`, started together with the tool's `up`, until
 * every container's status says `(healthy)`. Polling adds up to one
 * interval (plus one list call) to that figure, for every contestant alike.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine, Stack, loadProject } from '../../src/index.js';
import { composeV2Path } from '../../test/helpers/compose-v2.js';
import { BENCH_LABEL, HEALTH_TEST, HTTPD, IMAGE, serviceName } from './fixture.js';
import { secs } from './stats.js';
import { type UpProfile, profileUp, requestSummary, traceEngine } from './trace.js';

/** `v2`: Docker Compose v2 (the reference); `v1`: docker-compose 1.29; `cli`: modelstack's compiled CLI. */
export type CommandToolName = 'v2' | 'v1' | 'cli';
export type Tool = CommandToolName | 'library';

/** The commands whose max RSS is recorded (GNU time), by figure. */
export type RssFigure = 'healthy' | 'probe' | 'noop' | 'down';

/** One measured cycle (seconds). */
export interface Sample {
  tool: Tool | 'floor';
  /** Which compose file: `n<N>` (1 s healthcheck) or `seed` (30 s healthcheck). */
  stack: string;
  n: number;
  run: number;
  /**
   * `up --wait` by Docker's verdict: v2 and CLI `up -d --wait`, library
   * `up({ wait: true })`; 1.29 (no `--wait`) and floor: polled, as
   * `dockerHealthy`.
   */
  healthy?: number;
  /** modelstack only, a second cycle: CLI `up -d --wait --probe`, library `up({ probe: true })` (ready when its own exec of the healthcheck passes). */
  probe?: number;
  /** Until the poll first sees every container running. */
  running?: number;
  /** Until the poll first sees Docker's healthcheck report every container healthy. */
  dockerHealthy?: number;
  /** Library and floor only (parallelism sweep): until every container is started, from the library's events. */
  up?: number;
  /** Second `up --wait` with nothing to do. */
  noop?: number;
  /** Library only: loadProject + new Stack (own engine connection) + up, with nothing to do. */
  noopFresh?: number;
  down?: number;
  /** Library only: loadProject of the file. */
  load?: number;
  /** Command tools only: max RSS of the process (MB, GNU time), by command. */
  rssMb?: Partial<Record<RssFigure, number>>;
  /** Running containers on the engine that are not this benchmark's, when the cycle started. */
  foreign: number;
  /** 1-minute load average of the machine when the cycle started (lags: it still counts the previous cycle). */
  load1: number;
  /** Share of the last 10 s in which some runnable task waited for a CPU (/proc/pressure/cpu avg10, %), when the cycle started; NaN where PSI is unavailable. */
  cpuPressure: number;
  parallelism?: number;
  /** Library only: phase breakdown of the first `up`. */
  profile?: UpProfile;
  /** Library only: requests of `down` by kind. */
  downRequests?: ReturnType<typeof requestSummary>;
}

/** A compose file every contestant brings up in turn. */
export interface BenchStack {
  /** `n<N>` or `seed`. */
  key: string;
  file: string;
  n: number;
}

export interface Context {
  runId: string;
  /** Untraced engine connection for polling and counting. */
  observer: Engine;
  pollMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** GNU time, to learn each command's max RSS; undefined when absent (RSS then unknown). */
  gnuTime: string | undefined;
  /** Projects that may be up, for cleanup: project name → how to bring it down. */
  live: Map<string, () => Promise<void>>;
  log(line: string): void;
}

const now = () => performance.now();
const seconds = (from: number, to: number) => (to - from) / 1000;

/** Runs a command; rejects with its output when it fails. */
export function runCommand(cmd: string, args: string[], signal: AbortSignal, cwd?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal, ...(cwd ? { cwd } : {}) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout: out, stderr: err });
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${err || out}`));
    });
  });
}

const RSS_MARK = 'modelstack-bench-max-rss-kb=';

/** GNU time (`-f %M` = max RSS in KB), if this machine has it. */
export async function findGnuTime(signal: AbortSignal): Promise<string | undefined> {
  const path = '/usr/bin/time';
  if (!existsSync(path)) return undefined;
  try {
    const { stderr } = await runCommand(path, ['-f', `${RSS_MARK}%M`, 'true'], signal);
    return stderr.includes(RSS_MARK) ? path : undefined;
  } catch {
    return undefined; // BSD or busybox time: no -f
  }
}

/**
 * Runs a contestant's command, through GNU time when there is one (the
 * same few milliseconds for every command tool); resolves with the
 * process's max RSS in MB (NaN without GNU time).
 */
async function runMeasured(ctx: Context, argv: string[], cwd: string): Promise<number> {
  if (!ctx.gnuTime) {
    await runCommand(argv[0]!, argv.slice(1), ctx.signal, cwd);
    return Number.NaN;
  }
  const { stderr } = await runCommand(ctx.gnuTime, ['-f', `${RSS_MARK}%M`, ...argv], ctx.signal, cwd);
  const kb = Number(stderr.slice(stderr.lastIndexOf(RSS_MARK) + RSS_MARK.length).trim());
  return kb / 1024;
}

interface Polled {
  /** `performance.now()` of the first list in which every container runs. */
  running: number;
  /** `performance.now()` of the first list in which Docker says every container is healthy. */
  healthy: number;
}

/** Polls until every container of `label` is healthy per Docker. */
async function pollDocker(ctx: Context, label: string, n: number, signal: AbortSignal): Promise<Polled> {
  const deadline = now() + ctx.timeoutMs;
  const warned = new Set<string>();
  let running: number | undefined;
  for (;;) {
    signal.throwIfAborted();
    const list = await ctx.observer.containers.list([label]);
    const at = now();
    if (running === undefined && list.filter((c) => c.State === 'running').length >= n) running = at;
    if (list.filter((c) => c.Status.includes('(healthy)')).length >= n) return { running: running ?? at, healthy: at };
    const dead = list.find((c) => c.State === 'exited' || c.State === 'dead');
    if (dead) throw new Error(`container ${dead.Names[0]} is ${dead.Status}`);
    // "unhealthy" can turn healthy again at the next passing check: keep polling, but say so.
    for (const c of list) {
      if (c.Status.includes('(unhealthy)') && !warned.has(c.Id)) {
        warned.add(c.Id);
        ctx.log(`warning: ${c.Names[0]} reported unhealthy (engine overloaded?); still waiting for healthy`);
      }
    }
    if (at > deadline) throw new Error(`${label}: not all ${n} containers healthy after ${ctx.timeoutMs} ms (${list.map((c) => c.Status).join(', ')})`);
    await sleep(ctx.pollMs, undefined, { signal });
  }
}

/**
 * Runs a tool's `up` while the poll watches Docker from the same moment;
 * resolves when both are done. The poll starts with the command (not after
 * it) so that "all running" and "Docker says all healthy" are measured
 * alike whether the tool's `up` waits or not.
 */
async function pollDuring<T>(ctx: Context, label: string, n: number, command: () => Promise<T>): Promise<Polled & { value: T }> {
  const stop = new AbortController();
  // Settled at once, so a poll failing while the command runs is never an unhandled rejection.
  const polled = pollDocker(ctx, label, n, AbortSignal.any([ctx.signal, stop.signal])).then(
    (times) => ({ times }),
    (error: unknown) => ({ error }),
  );
  try {
    const value = await command();
    const result = await polled;
    if ('error' in result) throw result.error;
    return { value, ...result.times };
  } finally {
    stop.abort();
    await polled;
  }
}

/** Running containers that are not ours (other agents' load on the same engine), and the machine's load average. */
export async function foreignLoad(ctx: Context): Promise<{ foreign: number; load1: number; cpuPressure: number }> {
  const list = await ctx.observer.containers.list([], { all: false });
  const foreign = list.filter((c) => c.Labels?.[BENCH_LABEL] !== ctx.runId && !c.Names.some((name) => name.includes(ctx.runId))).length;
  return { foreign, load1: loadavg()[0]!, cpuPressure: await cpuPressure() };
}

async function cpuPressure(): Promise<number> {
  try {
    return Number(/avg10=([\d.]+)/.exec(await readFile('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN);
  } catch {
    return Number.NaN;
  }
}

const projectLabel = (p: string) => `com.docker.compose.project=${p}`;

/** A command-line contestant: a Compose binary or modelstack's compiled CLI, driven with the same commands. */
export interface CommandTool {
  name: CommandToolName;
  /** What runs it: the binary, or node and the CLI's entry point. */
  argv: string[];
  version: string;
  /** `up --wait` returns on Docker's healthy verdict; without it (1.29) the benchmark's poll gives the healthy figure. */
  wait: boolean;
  /** `up --wait --probe` exists (modelstack): timed in a second cycle. */
  probe: boolean;
  /** `--version` exists. */
  versionFlag: boolean;
}

/** Docker Compose v2 at `MODELSTACK_COMPOSE_V2` or where scripts/install-test-tools.sh puts it; throws saying how to get it. */
export async function findComposeV2(signal: AbortSignal): Promise<CommandTool> {
  const path = composeV2Path();
  const version = (await runCommand(path, ['version', '--short'], signal)).stdout.trim();
  return { name: 'v2', argv: [path], version, wait: true, probe: false, versionFlag: true };
}

/** Debian's docker-compose 1.29 on PATH; throws when `docker-compose` is missing or is not 1.x. */
export async function findComposeV1(signal: AbortSignal): Promise<CommandTool> {
  const version = (await runCommand('docker-compose', ['version', '--short'], signal)).stdout.trim();
  if (!version.startsWith('1.')) throw new Error(`--v1: docker-compose on PATH is ${version}, not 1.x`);
  return { name: 'v1', argv: ['docker-compose'], version, wait: false, probe: false, versionFlag: true };
}

/**
 * One cycle of a command tool: `up -d --wait` (1.29: `up -d`, then the poll
 * until healthy) with the poll running alongside, the same `up` again with
 * nothing to do, `down`; for modelstack then `up -d --wait --probe` from
 * scratch again, and `down` (untimed).
 */
export async function measureCommandTool(ctx: Context, tool: CommandTool, cwd: string, stack: BenchStack, project: string, run: number): Promise<Sample> {
  const command = (...args: string[]) => runMeasured(ctx, [...tool.argv, '-f', stack.file, '-p', project, ...args], cwd);
  const up = tool.wait ? ['up', '-d', '--wait'] : ['up', '-d'];
  const engineLoad = await foreignLoad(ctx);
  ctx.live.set(project, () => command('down').then(() => undefined));
  const rssMb: Sample['rssMb'] = {};
  const t0 = now();
  let tReturned = 0;
  const polled = await pollDuring(ctx, projectLabel(project), stack.n, async () => {
    rssMb.healthy = await command(...up);
    tReturned = now();
  });
  const t2 = now();
  rssMb.noop = await command(...up);
  const t3 = now();
  rssMb.down = await command('down');
  const t4 = now();
  const sample: Sample = {
    tool: tool.name,
    stack: stack.key,
    n: stack.n,
    run,
    ...engineLoad,
    healthy: seconds(t0, tool.wait ? tReturned : polled.healthy),
    running: seconds(t0, polled.running),
    dockerHealthy: seconds(t0, polled.healthy),
    noop: seconds(t2, t3),
    down: seconds(t3, t4),
    rssMb,
  };
  if (tool.probe) {
    const t5 = now();
    rssMb.probe = await command(...up, '--probe');
    sample.probe = seconds(t5, now());
    await command('down');
  }
  ctx.live.delete(project);
  return sample;
}

export interface LibraryOptions {
  parallelism?: number;
  /** Only up (with wait) and down: for the parallelism sweep. */
  minimal?: boolean;
}

/**
 * One cycle of the library: loadProject (timed apart); `up({ wait: true })`
 * with the poll alongside; a no-op up, and one from a fresh Stack; down;
 * then `up({ probe: true })` from scratch again and `down` (untimed).
 * The first up is profiled (lib/trace.ts).
 */
export async function measureLibrary(ctx: Context, bench: BenchStack, project: string, run: number, options: LibraryOptions = {}): Promise<Sample> {
  const engineLoad = await foreignLoad(ctx);
  const tl0 = now();
  const model = await loadProject({ files: [bench.file], projectName: project });
  const tl1 = now();

  ctx.live.set(project, async () => {
    await Stack.forProject(project).down({ removeOrphans: true });
  });
  const t0 = now();
  // Engine.create + ping is exactly what Stack.connect does; creating it here lets us trace its requests.
  const engine = Engine.create();
  const trace = traceEngine(engine);
  await engine.ping();
  const stack = new Stack(model, { engine, onEvent: trace.onEvent, ...(options.parallelism ? { parallelism: options.parallelism } : {}) });
  let t1 = 0;
  const polled = await pollDuring(ctx, projectLabel(project), bench.n, async () => {
    await stack.up({ wait: true, signal: ctx.signal });
    t1 = now();
  });
  const lastStarted = Math.max(...trace.events.filter((e) => e.type === 'container.started' && e.at >= t0).map((e) => e.at));
  const profile = profileUp(trace, t0, t1);

  const sample: Sample = {
    tool: 'library',
    stack: bench.key,
    n: bench.n,
    run,
    ...engineLoad,
    load: seconds(tl0, tl1),
    up: seconds(t0, lastStarted),
    healthy: seconds(t0, t1),
    running: seconds(t0, polled.running),
    dockerHealthy: seconds(t0, polled.healthy),
    profile,
  };
  if (options.parallelism) sample.parallelism = options.parallelism;
  if (!options.minimal) {
    const t2 = now();
    await stack.up({ wait: true, signal: ctx.signal });
    const t3 = now();
    const fresh = new Stack(await loadProject({ files: [bench.file], projectName: project }));
    await fresh.up({ wait: true, signal: ctx.signal });
    const t4 = now();
    sample.noop = seconds(t2, t3);
    sample.noopFresh = seconds(t3, t4);
  }
  const td0 = now();
  await stack.down();
  const td1 = now();
  sample.down = seconds(td0, td1);
  sample.downRequests = requestSummary(trace, td0, td1);
  if (!options.minimal) {
    const tp0 = now();
    await stack.up({ wait: true, probe: true, signal: ctx.signal });
    sample.probe = seconds(tp0, now());
    await stack.down();
  }
  ctx.live.delete(project);
  return sample;
}

/** Where the benchmark builds the CLI: inside node_modules (ignored by git, and the CLI's few external imports resolve from there). */
export const CLI_BUILD_DIR = 'node_modules/.cache/modelstack-bench/dist';

/**
 * Builds the CLI once as `npm run build` builds the package's `bin`
 * (scripts/bundle-cli.mjs: one bundled file and a chunk per command, into
 * {@link CLI_BUILD_DIR}) and returns it as a contestant, or undefined when it
 * lacks `up --wait` or `down` (it was written while this benchmark was).
 * Running it through tsx instead would add ~2.5 s of transpiling to every
 * command.
 */
export async function prepareCli(root: string, signal: AbortSignal, log: (line: string) => void): Promise<CommandTool | undefined> {
  const t0 = now();
  try {
    await runCommand(process.execPath, [join(root, 'scripts/bundle-cli.mjs'), '--outdir', join(root, CLI_BUILD_DIR, 'bin')], signal, root);
  } catch (err) {
    log(`CLI build failed: ${String(err).split('\n').slice(0, 3).join(' ')}`);
  }
  const entry = join(root, CLI_BUILD_DIR, 'bin/modelstack.mjs');
  if (!existsSync(entry)) return undefined;
  // `--version` reads the package.json nearest the CLI, as in an installed package.
  copyFileSync(join(root, 'package.json'), join(root, CLI_BUILD_DIR, '..', 'package.json'));
  log(`built the CLI in ${secs((now() - t0) / 1000)} s`);
  const argv = [process.execPath, entry];
  const run = (...args: string[]) => runCommand(argv[0]!, [...argv.slice(1), ...args], signal, root);
  let up: string;
  try {
    up = (await run('up', '--help')).stdout;
    await run('down', '--help');
  } catch {
    return undefined;
  }
  if (!/--wait\b/.test(up) || !/-d\b|--detach\b/.test(up)) return undefined;
  const version = await run('--version').then((r) => r.stdout.trim(), () => undefined);
  return { name: 'cli', argv, version: version ?? 'working tree', wait: true, probe: /--probe\b/.test(up), versionFlag: version !== undefined && version !== '' };
}

/** The commands that never touch the engine, timed per tool: process start (`--help`, `--version`) and `config` of a compose file. */
export type OfflineFigure = 'help' | 'version' | 'config';

/** Seconds of each offline command of `tool` (absent: the tool has no such command, or it failed; said on the log once per tool). */
export async function measureOffline(ctx: Context, tool: CommandTool, file: string, cwd: string): Promise<Partial<Record<OfflineFigure, number>>> {
  const commands: Array<[OfflineFigure, string[]]> = [
    ['help', ['--help']],
    ...(tool.versionFlag ? [['version', ['--version']] as [OfflineFigure, string[]]] : []),
    ['config', ['-f', file, 'config']],
  ];
  const out: Partial<Record<OfflineFigure, number>> = {};
  for (const [figure, args] of commands) {
    const t0 = now();
    try {
      await runCommand(tool.argv[0]!, [...tool.argv.slice(1), ...args], ctx.signal, cwd);
      out[figure] = seconds(t0, now());
    } catch (err) {
      ctx.signal.throwIfAborted();
      ctx.log(`${tool.name} ${args.join(' ')} failed, no '${figure}' figure: ${String(err).split('\n').slice(0, 2).join(' ')}`);
    }
  }
  return out;
}

/**
 * The engine's floor: one network, then every container created and
 * started in parallel by dockerode directly (no observe, no plan, no lock,
 * no concurrency limit), Docker's healthcheck polled; down = stop + remove
 * all in parallel, then the network.
 */
export async function measureFloor(ctx: Context, bench: BenchStack, project: string, run: number): Promise<Sample> {
  const docker = ctx.observer.docker;
  const label = `${BENCH_LABEL}.project=${project}`;
  const labels = { [BENCH_LABEL]: ctx.runId, [`${BENCH_LABEL}.project`]: project };
  const engineLoad = await foreignLoad(ctx);
  const networkName = `${project}_default`;
  const ids: string[] = [];
  ctx.live.set(project, async () => {
    await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
    await docker.getNetwork(networkName).remove().catch(() => undefined);
  });
  const t0 = now();
  let t1 = 0;
  const polled = await pollDuring(ctx, label, bench.n, async () => {
    await docker.createNetwork({ Name: networkName, CheckDuplicate: true, Labels: labels });
    await Promise.all(
      Array.from({ length: bench.n }, async (_, i) => {
        const c = await docker.createContainer({
          name: `${project}-${serviceName(i, bench.n)}`,
          Image: IMAGE,
          Cmd: HTTPD,
          Labels: labels,
          ExposedPorts: { '8080/tcp': {} },
          Healthcheck: { Test: HEALTH_TEST, Interval: 1e9, Timeout: 10e9, Retries: 10 },
          HostConfig: { Init: true, NetworkMode: networkName, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
        });
        ids.push(c.id);
        await c.start();
      }),
    );
    t1 = now();
  });
  const t2 = now();
  await Promise.all(ids.map(async (id) => {
    await docker.getContainer(id).stop();
    await docker.getContainer(id).remove();
  }));
  await docker.getNetwork(networkName).remove();
  const t3 = now();
  ctx.live.delete(project);
  const healthy = seconds(t0, polled.healthy);
  return { tool: 'floor', stack: bench.key, n: bench.n, run, ...engineLoad, up: seconds(t0, t1), running: seconds(t0, polled.running), healthy, dockerHealthy: healthy, down: seconds(t2, t3) };
}
