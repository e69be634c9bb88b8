/**
 * The contestants, each measured the same way on the same compose file:
 * docker-compose 1.29 (the binary), modelstack as a library (`Stack`),
 * modelstack's CLI (when it has `up --wait` and `down`), and a raw-API
 * floor (create + start every container in parallel, nothing else).
 *
 * "Docker says healthy" is observed identically for every contestant: one
 * label-filtered container list (`GET /containers/json`, the data behind
 * `docker ps`) every `pollMs`, until every container's status says
 * `(healthy)`. Polling adds up to one interval (plus one list call) to that
 * figure, for every contestant alike.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Engine, Stack, loadProject } from '../../src/index.js';
import { BENCH_LABEL, HEALTH_TEST, HTTPD, IMAGE, serviceName } from './fixture.js';
import { secs } from './stats.js';
import { type UpProfile, profileUp, requestSummary, traceEngine } from './trace.js';

export type Tool = 'compose' | 'library' | 'cli';

/** One measured cycle (seconds). */
export interface Sample {
  tool: Tool | 'floor';
  n: number;
  run: number;
  /** Command duration (compose, cli) / until every container is started (library, floor). */
  up?: number;
  /** Until the tool considers the stack healthy: compose and floor polled, library = `up({ wait: true })` resolved, cli = `up -d --wait` returned. */
  healthy?: number;
  /** Until Docker's own healthcheck reports every container healthy (polled). */
  dockerHealthy?: number;
  /** Second `up` with nothing to do. */
  noop?: number;
  /** Library only: loadProject + new Stack (own engine connection) + up, with nothing to do. */
  noopFresh?: number;
  down?: number;
  /** Library only: loadProject of the file. */
  load?: number;
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

export interface Context {
  runId: string;
  /** Untraced engine connection for polling and counting. */
  observer: Engine;
  pollMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** Projects that may be up, for cleanup: project name → how to bring it down. */
  live: Map<string, () => Promise<void>>;
  log(line: string): void;
}

const now = () => performance.now();
const seconds = (from: number, to: number) => (to - from) / 1000;

/** Runs a command; rejects with its output when it fails. Resolves with stdout. */
export function runCommand(cmd: string, args: string[], signal: AbortSignal, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal, ...(cwd ? { cwd } : {}) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${err || out}`));
    });
  });
}

/** Waits until every container of `label` is healthy per Docker; returns the `performance.now()` of that list. */
export async function pollDockerHealthy(ctx: Context, label: string, n: number): Promise<number> {
  const deadline = now() + ctx.timeoutMs;
  const warned = new Set<string>();
  for (;;) {
    ctx.signal.throwIfAborted();
    const list = await ctx.observer.containers.list([label]);
    const at = now();
    if (list.filter((c) => c.Status.includes('(healthy)')).length >= n) return at;
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
    await new Promise((r) => setTimeout(r, ctx.pollMs));
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

export async function measureCompose(ctx: Context, file: string, project: string, n: number, run: number): Promise<Sample> {
  const dc = (...args: string[]) => runCommand('docker-compose', ['-f', file, '-p', project, ...args], ctx.signal);
  const engineLoad = await foreignLoad(ctx);
  ctx.live.set(project, () => dc('down').then(() => undefined));
  const t0 = now();
  await dc('up', '-d');
  const t1 = now();
  const tHealthy = await pollDockerHealthy(ctx, projectLabel(project), n);
  const t2 = now();
  await dc('up', '-d');
  const t3 = now();
  await dc('down');
  const t4 = now();
  ctx.live.delete(project);
  return { tool: 'compose', n, run, ...engineLoad, up: seconds(t0, t1), healthy: seconds(t0, tHealthy), dockerHealthy: seconds(t0, tHealthy), noop: seconds(t2, t3), down: seconds(t3, t4) };
}

export interface LibraryOptions {
  parallelism?: number;
  /** Only up (with wait) and down: for the parallelism sweep. */
  minimal?: boolean;
}

export async function measureLibrary(ctx: Context, file: string, project: string, n: number, run: number, options: LibraryOptions = {}): Promise<Sample> {
  const engineLoad = await foreignLoad(ctx);
  const tl0 = now();
  const model = await loadProject({ files: [file], projectName: project });
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
  await stack.up({ wait: true, signal: ctx.signal });
  const t1 = now();
  const lastStarted = Math.max(...trace.events.filter((e) => e.type === 'container.started' && e.at >= t0).map((e) => e.at));
  const profile = profileUp(trace, t0, t1);

  const sample: Sample = { tool: 'library', n, run, ...engineLoad, load: seconds(tl0, tl1), up: seconds(t0, lastStarted), healthy: seconds(t0, t1), profile };
  if (options.parallelism) sample.parallelism = options.parallelism;
  if (!options.minimal) {
    sample.dockerHealthy = seconds(t0, await pollDockerHealthy(ctx, projectLabel(project), n));
    const t2 = now();
    await stack.up({ wait: true, signal: ctx.signal });
    const t3 = now();
    const fresh = new Stack(await loadProject({ files: [file], projectName: project }));
    await fresh.up({ wait: true, signal: ctx.signal });
    const t4 = now();
    sample.noop = seconds(t2, t3);
    sample.noopFresh = seconds(t3, t4);
  }
  const td0 = now();
  await stack.down();
  const td1 = now();
  ctx.live.delete(project);
  sample.down = seconds(td0, td1);
  sample.downRequests = requestSummary(trace, td0, td1);
  return sample;
}

/** Where the benchmark compiles the CLI: inside node_modules (ignored by git, and its imports resolve from there). */
export const CLI_BUILD_DIR = 'node_modules/.cache/modelstack-bench/dist';

/**
 * Compiles src/ once (tsc, like `npm run build` but into {@link CLI_BUILD_DIR})
 * and returns the argv that runs the CLI, or undefined when the CLI lacks
 * `up --wait` or `down` (it was written while this benchmark was). Running
 * it through tsx instead would add ~2.5 s of transpiling to every command.
 */
export async function prepareCli(root: string, signal: AbortSignal, log: (line: string) => void): Promise<string[] | undefined> {
  const t0 = now();
  try {
    await runCommand(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', CLI_BUILD_DIR, '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'], signal, root);
  } catch (err) {
    // tsc still emits on type errors; use the output if the entry point exists.
    log(`CLI build reported errors (using its output anyway if present): ${String(err).split('\n').slice(0, 3).join(' ')}`);
  }
  const entry = join(root, CLI_BUILD_DIR, 'cli/main.js');
  if (!existsSync(entry)) return undefined;
  log(`compiled the CLI in ${secs((now() - t0) / 1000)} s`);
  try {
    const up = await runCommand(process.execPath, [entry, 'up', '--help'], signal, root);
    await runCommand(process.execPath, [entry, 'down', '--help'], signal, root);
    return /--wait\b/.test(up) && /-d\b|--detach\b/.test(up) ? [entry] : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds to start a command that does nothing (`--help`): process start, imports, argument parsing. */
export async function measureStartup(cmd: string, args: string[], signal: AbortSignal, cwd: string): Promise<number> {
  const t0 = now();
  await runCommand(cmd, args, signal, cwd);
  return seconds(t0, now());
}

export async function measureCli(ctx: Context, cli: string[], cwd: string, file: string, project: string, n: number, run: number): Promise<Sample> {
  const modelstack = (...args: string[]) => runCommand(process.execPath, [...cli, '-f', file, '-p', project, ...args], ctx.signal, cwd);
  const engineLoad = await foreignLoad(ctx);
  ctx.live.set(project, () => modelstack('down').then(() => undefined));
  const t0 = now();
  await modelstack('up', '-d', '--wait');
  const t1 = now();
  const tDocker = await pollDockerHealthy(ctx, projectLabel(project), n);
  const t2 = now();
  await modelstack('up', '-d', '--wait');
  const t3 = now();
  await modelstack('down');
  const t4 = now();
  ctx.live.delete(project);
  // No 'up' figure: `up -d --wait` returns only when healthy, so it is compared on 'healthy'.
  return { tool: 'cli', n, run, ...engineLoad, healthy: seconds(t0, t1), dockerHealthy: seconds(t0, tDocker), noop: seconds(t2, t3), down: seconds(t3, t4) };
}

/**
 * The engine's floor: one network, then every container created and
 * started in parallel by dockerode directly (no observe, no plan, no lock,
 * no concurrency limit), Docker's healthcheck polled; down = stop + remove
 * all in parallel, then the network.
 */
export async function measureFloor(ctx: Context, project: string, n: number, run: number): Promise<Sample> {
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
  await docker.createNetwork({ Name: networkName, CheckDuplicate: true, Labels: labels });
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const c = await docker.createContainer({
        name: `${project}-${serviceName(i, n)}`,
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
  const t1 = now();
  const tHealthy = await pollDockerHealthy(ctx, label, n);
  const t2 = now();
  await Promise.all(ids.map(async (id) => {
    await docker.getContainer(id).stop();
    await docker.getContainer(id).remove();
  }));
  await docker.getNetwork(networkName).remove();
  const t3 = now();
  ctx.live.delete(project);
  return { tool: 'floor', n, run, ...engineLoad, up: seconds(t0, t1), healthy: seconds(t0, tHealthy), dockerHealthy: seconds(t0, tHealthy), down: seconds(t2, t3) };
}
