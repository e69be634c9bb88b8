/**
 * Benchmark of issue 10: deploy → every task running, for N single-replica
 * services on the 3-node swarm of scripts/swarm-lab.sh, modelstack (CLI
 * and library) against `docker stack deploy` followed by polling, in one
 * run, so every ratio compares numbers measured side by side under the
 * same load. The reference is docker 20.10 (`/usr/bin/docker`): its `stack
 * deploy` returns once the services are created, so "all running" comes
 * from the poll. With --detach-false, docker's own wait (`stack deploy
 * --detach=false`, docker 23.0 and later; the docker on PATH) is an extra
 * column.
 *
 *   node --import tsx bench/swarm-deploy.ts [--n 10] [--cycles 5] [--poll-ms 100] [--no-build] [--detach-false] [--json-file F]
 *
 * Per cycle (the tool order rotates between cycles, so no tool always goes
 * first or last), for each tool, on a stack name of its own:
 *   deploy   timed until the command returns; the same poll for every tool,
 *            started with the command (`docker service ls --filter
 *            label=com.docker.stack.namespace=NAME --format '{{.Replicas}}'`
 *            every --poll-ms, until every service shows n/n); and, after
 *            the fact, the engine's own timestamps: when the manager created
 *            the first and last service, and when the last task reported
 *            running — the truth no client can beat;
 *   no-op    the same deploy of the unchanged file again, timed until it
 *            returns; then a check that no task was replaced;
 *   rm       timed until the command returns, then until nothing of the
 *            stack is left: no service, no network on the manager, no
 *            container on any node (so cycles do not overlap).
 * The library's first deploy is also traced (every engine request and
 * Stack event on one clock, lib/trace.ts) to say where its time goes.
 *
 * Every stack is named `<run id>-c<cycle>-<tool>` and every service and
 * container carries `org.modelstack.bench=<run id>`; the run removes every
 * stack it deployed and ends by checking that nothing of it is left. It
 * never touches another stack.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { SwarmService } from '../src/engine/swarm-client.js';
import { BENCH_LABEL, IMAGE, newRunId, serviceName } from './lib/fixture.js';
import { median, secs, table } from './lib/stats.js';
import { type Trace, traceEngine } from './lib/trace.js';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * modelstack as the benchmark uses it: the compiled package (dist/, the
 * same code the CLI runs), imported at run time — see {@link prepareDist}.
 */
interface Modelstack {
  Engine: typeof import('../src/index.js').Engine;
  Stack: typeof import('../src/index.js').Stack;
  loadProject: typeof import('../src/index.js').loadProject;
  SwarmBackend: typeof import('../src/backends/swarm/swarm-backend.js').SwarmBackend;
}
type Engine = import('../src/index.js').Engine;
const NAMESPACE = 'com.docker.stack.namespace';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10' },
    cycles: { type: 'string', default: '5' },
    'poll-ms': { type: 'string', default: '100' },
    'timeout-s': { type: 'string', default: '300' },
    docker: { type: 'string', default: '/usr/bin/docker' },
    'detach-false': { type: 'boolean', default: false },
    'docker-wait': { type: 'string', default: 'docker' },
    'no-build': { type: 'boolean', default: false },
    'json-file': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  process.stdout.write(`usage: node --import tsx bench/swarm-deploy.ts [--n 10] [--cycles 5] [--poll-ms 100] [--no-build] [--json-file F]
  --docker PATH        the reference docker CLI, deploy + poll (default /usr/bin/docker, 20.10)
  --detach-false       extra column: docker stack deploy --detach=false, if --docker-wait has it (it waits
                       ~5 s per service for stability, one service after another: slow, and it makes the run long)
  --docker-wait PATH   the docker CLI for that column (default: docker on PATH)
  --no-build           use dist/ as it is (default: npm run build first)
  --timeout-s S        give up on a deploy or rm after S seconds (default 300)
The lab (manager and node sockets) comes from bash scripts/swarm-lab.sh env.
`);
  process.exit(0);
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${flag}: expected a positive integer, got "${text}"\n`);
    process.exit(2);
  }
  return n;
}

const N = positiveInt(args.n!, '--n');
const CYCLES = positiveInt(args.cycles!, '--cycles');
const POLL_MS = positiveInt(args['poll-ms']!, '--poll-ms');
const TIMEOUT_MS = positiveInt(args['timeout-s']!, '--timeout-s') * 1000;
const log = (line: string) => process.stderr.write(`${line}\n`);
const now = () => performance.now();

/** `docker`: the reference (deploy, then poll); `dockerWait`: `--detach=false`; `cli`, `library`: modelstack. */
type ToolName = 'docker' | 'dockerWait' | 'cli' | 'library';
const TITLE: Record<ToolName, string> = { docker: 'docker', dockerWait: 'docker --detach=false', cli: 'CLI', library: 'library' };

interface Lab {
  manager: string;
  nodes: string[];
}

/** One tool's cycle; durations in seconds from the start of the command. */
interface Sample {
  tool: ToolName;
  cycle: number;
  stack: string;
  /** The deploy command (or `up()`) returned. */
  deployReturned: number;
  /** The poll first saw every service n/n. */
  deployRunningPolled: number;
  /** Engine timestamps (manager clock, the same host): first and last service created, last task reported running. */
  firstServiceCreated: number;
  lastServiceCreated: number;
  lastTaskRunning: number;
  noopReturned: number;
  /** Tasks (any state) after the first deploy: N unless some failed and were replaced (a loaded node). */
  tasksAfterDeploy: number;
  /** Tasks (any state) after the no-op deploy; tasksAfterDeploy when it replaced none. */
  tasksAfterNoop: number;
  rmReturned: number;
  /** No service, network or container of the stack is left anywhere. */
  rmGone: number;
  /** Library only: loadProject of the file. */
  load?: number;
  /** CLI only: `--version` (process start and imports, no engine). */
  processStart?: number;
  /** When the cycle started: 1-minute load average, CPU pressure (PSI avg10, %), services on the swarm that are not this run's. */
  load1: number;
  cpuPressure: number;
  foreignServices: number;
  /** Library only: where the first deploy's time went (ms after up() was called). */
  profile?: Profile;
}

interface RequestRow {
  kind: string;
  calls: number;
  from: number;
  to: number;
  meanMs: number;
  maxMs: number;
}

interface Profile {
  requests: RequestRow[];
  /** ms after up() was called. */
  firstCreateSent: number;
  lastCreateDone: number;
  lastServiceRunningEvent: number;
  /** Rounds of the wait (task lists per service, on average). */
  waitRoundsPerService: number;
}

/** Runs a command; rejects with its output when it fails. */
function runCommand(cmd: string, argv: string[], options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; cwd?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd ?? ROOT, env: options.env ?? process.env, ...(options.signal ? { signal: options.signal } : {}) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise({ stdout: out, stderr: err });
      else reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code}:\n${err || out}`));
    });
  });
}

async function findLab(): Promise<Lab> {
  const { stdout } = await runCommand('bash', ['scripts/swarm-lab.sh', 'env']);
  const env = Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
  const manager = env['DOCKER_HOST'];
  const nodes = env['MODELSTACK_SWARM_NODE_HOSTS']?.split(',').filter(Boolean) ?? [];
  if (!manager || !nodes.length) throw new Error(`bash scripts/swarm-lab.sh env printed no DOCKER_HOST / MODELSTACK_SWARM_NODE_HOSTS:\n${stdout}`);
  return { manager, nodes };
}

/** N single-replica busybox services that sleep, dnsrr (no IPVS here), no published port; init so rm does not wait the 10 s grace. */
function composeFile(runId: string): string {
  const lines = ['version: "3.8"', 'services:'];
  for (let i = 0; i < N; i++) {
    lines.push(
      `  ${serviceName(i, N)}:`,
      `    image: ${IMAGE}`,
      '    init: true',
      '    command: ["sleep", "3600"]',
      `    labels: { ${BENCH_LABEL}: "${runId}" }`,
      '    deploy:',
      '      replicas: 1',
      '      endpoint_mode: dnsrr',
      `      labels: { ${BENCH_LABEL}: "${runId}" }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function cpuPressure(): Promise<number> {
  try {
    return Number(/avg10=([\d.]+)/.exec(await readFile('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN);
  } catch {
    return Number.NaN;
  }
}

/** ISO time with nanoseconds → ms since the epoch. */
const epochMs = (iso: string | undefined) => (iso ? Date.parse(iso.replace(/(\.\d{3})\d*/, '$1')) : Number.NaN);

class Bench {
  readonly live = new Set<string>();
  private readonly manager: Engine;
  private readonly nodes: Engine[];

  constructor(
    readonly lab: Lab,
    readonly runId: string,
    readonly file: string,
    readonly docker: string,
    readonly dist: { root: string },
    readonly ms: Modelstack,
  ) {
    this.manager = ms.Engine.create({ host: lab.manager });
    this.nodes = lab.nodes.map((host) => ms.Engine.create({ host }));
  }

  private dockerArgs(...rest: string[]): string[] {
    return ['-H', this.lab.manager, ...rest];
  }

  private get cliMain(): string {
    return join(this.dist.root, 'bin/modelstack.mjs');
  }

  private get cliEnv(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_HOST: this.lab.manager };
  }

  async checkImages(): Promise<void> {
    for (const [i, node] of this.nodes.entries()) {
      if (!(await node.images.inspect(IMAGE))) throw new Error(`image ${IMAGE} is missing on ${this.lab.nodes[i]}; load it: bash scripts/swarm-lab.sh load ${IMAGE}`);
    }
  }

  async cycleLoad(): Promise<Pick<Sample, 'load1' | 'cpuPressure' | 'foreignServices'>> {
    const services = (await this.manager.swarm.listServices([])) as SwarmService[];
    const foreignServices = services.filter((s) => !(s.Spec.Labels?.[NAMESPACE] ?? '').startsWith(this.runId)).length;
    return { load1: loadavg()[0]!, cpuPressure: await cpuPressure(), foreignServices };
  }

  /** Resolves with `now()` of the first `docker service ls` in which all N services of `stack` show n/n. */
  async pollRunning(stack: string, signal: AbortSignal): Promise<number> {
    const deadline = now() + TIMEOUT_MS;
    for (;;) {
      signal.throwIfAborted();
      const { stdout } = await runCommand(this.docker, this.dockerArgs('service', 'ls', '--filter', `label=${NAMESPACE}=${stack}`, '--format', '{{.Replicas}}'), { signal });
      const at = now();
      const replicas = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      const full = replicas.filter((r) => {
        const m = /^(\d+)\/(\d+)/.exec(r);
        return m && m[1] === m[2] && m[2] !== '0';
      });
      if (replicas.length === N && full.length === N) return at;
      if (at > deadline) throw new Error(`${stack}: not all ${N} services running after ${TIMEOUT_MS / 1000} s (${replicas.join(' ')})`);
      await sleep(POLL_MS, undefined, { signal });
    }
  }

  /** Runs `deploy` while the poll watches from the same moment; both must finish. */
  async deployPolled(stack: string, deploy: () => Promise<void>): Promise<{ t0: number; wall0: number; returned: number; running: number }> {
    const stop = new AbortController();
    const wall0 = Date.now();
    const t0 = now();
    const poll = this.pollRunning(stack, stop.signal).then(
      (at) => ({ at }),
      (error: unknown) => ({ error }),
    );
    let returned: number;
    try {
      await deploy();
      returned = now();
    } catch (err) {
      stop.abort();
      await poll;
      throw err;
    }
    const polled = await poll;
    if ('error' in polled) throw polled.error;
    return { t0, wall0, returned: (returned - t0) / 1000, running: (polled.at - t0) / 1000 };
  }

  /** The manager's own account of a deploy: service creation times and when the last task reported running (s after wall0). */
  async engineTimes(stack: string, wall0: number): Promise<{ firstCreated: number; lastCreated: number; lastRunning: number; tasks: number }> {
    const services = (await this.manager.swarm.listServices([`${NAMESPACE}=${stack}`])) as Array<SwarmService & { CreatedAt?: string }>;
    const tasks = services.length ? await this.manager.swarm.listTasks({ service: services.map((s) => s.ID) }) : [];
    const created = services.map((s) => epochMs(s.CreatedAt));
    const running = tasks.filter((t) => t.Status.State === 'running').map((t) => epochMs(t.Status.Timestamp));
    const rel = (ms: number) => (ms - wall0) / 1000;
    return { firstCreated: rel(Math.min(...created)), lastCreated: rel(Math.max(...created)), lastRunning: rel(Math.max(...running)), tasks: tasks.length };
  }

  /** Resolves once no service, network (manager) or container (any node) of `stack` is left. */
  async waitGone(stack: string): Promise<void> {
    const label = [`${NAMESPACE}=${stack}`];
    const deadline = now() + TIMEOUT_MS;
    for (;;) {
      const [services, networks, ...containers] = await Promise.all([
        this.manager.swarm.listServices(label),
        this.manager.networks.list(label),
        ...this.nodes.map((n) => n.containers.list(label, { all: true })),
      ]);
      const left = services.length + networks.length + containers.reduce((a, c) => a + c.length, 0);
      if (left === 0) return;
      if (now() > deadline) throw new Error(`${stack}: ${services.length} services, ${networks.length} networks, ${left - services.length - networks.length} containers still there ${TIMEOUT_MS / 1000} s after rm`);
      await sleep(POLL_MS);
    }
  }

  /** Removes `stack` with the reference docker CLI and waits until it is gone (cleanup path). */
  async remove(stack: string): Promise<void> {
    await runCommand(this.docker, this.dockerArgs('stack', 'rm', stack));
    await this.waitGone(stack);
    this.live.delete(stack);
  }

  async measure(tool: ToolName, cycle: number, dockerWait: string): Promise<Sample> {
    const stack = `${this.runId}-c${cycle}-${tool.toLowerCase()}`;
    const load = await this.cycleLoad();
    this.live.add(stack);
    let deploy: () => Promise<void>;
    let rmStack: () => Promise<void>;
    const extra: Partial<Sample> = {};
    let trace: Trace | undefined;
    let firstUp = true;
    let upStart = 0;
    if (tool === 'library') {
      const tl0 = now();
      const project = await this.ms.loadProject({ files: [this.file], projectName: stack, env: {} });
      extra.load = (now() - tl0) / 1000;
      const engine = this.ms.Engine.create({ host: this.lab.manager });
      trace = traceEngine(engine);
      const s = new this.ms.Stack(project, { engine, backend: new this.ms.SwarmBackend(), onEvent: trace.onEvent });
      deploy = async () => {
        if (firstUp) upStart = now();
        await s.up();
      };
      rmStack = async () => {
        await s.down();
      };
    } else if (tool === 'cli') {
      const tv = now();
      await runCommand(process.execPath, [this.cliMain, '--version'], { env: this.cliEnv });
      extra.processStart = (now() - tv) / 1000;
      deploy = async () => void (await runCommand(process.execPath, [this.cliMain, 'stack', 'deploy', '-c', this.file, stack], { env: this.cliEnv }));
      rmStack = async () => void (await runCommand(process.execPath, [this.cliMain, 'stack', 'rm', stack], { env: this.cliEnv }));
    } else {
      const bin = tool === 'docker' ? this.docker : dockerWait;
      const wait = tool === 'dockerWait' ? ['--detach=false'] : [];
      deploy = async () => void (await runCommand(bin, this.dockerArgs('stack', 'deploy', ...wait, '-c', this.file, stack)));
      rmStack = async () => void (await runCommand(bin, this.dockerArgs('stack', 'rm', stack)));
    }

    const first = await this.deployPolled(stack, deploy);
    firstUp = false;
    const truth = await this.engineTimes(stack, first.wall0);
    if (trace) extra.profile = profile(trace, upStart, now());

    const tn = now();
    await deploy();
    const noopReturned = (now() - tn) / 1000;
    const afterNoop = await this.engineTimes(stack, first.wall0);
    if (truth.tasks !== N) log(`warning: ${stack}: ${truth.tasks} tasks after the first deploy (expected ${N}: some failed and were replaced)`);
    if (afterNoop.tasks !== truth.tasks) log(`warning: ${stack}: ${afterNoop.tasks} tasks after the no-op deploy, ${truth.tasks} before: it replaced some`);

    const tr = now();
    await rmStack();
    const rmReturned = (now() - tr) / 1000;
    await this.waitGone(stack);
    const rmGone = (now() - tr) / 1000;
    this.live.delete(stack);

    return {
      tool,
      cycle,
      stack,
      deployReturned: first.returned,
      deployRunningPolled: first.running,
      firstServiceCreated: truth.firstCreated,
      lastServiceCreated: truth.lastCreated,
      lastTaskRunning: truth.lastRunning,
      noopReturned,
      tasksAfterDeploy: truth.tasks,
      tasksAfterNoop: afterNoop.tasks,
      rmReturned,
      rmGone,
      ...load,
      ...extra,
    };
  }

  /** Stacks of this run still on the swarm, by service, network or container. */
  async leftovers(): Promise<string[]> {
    const mine = (labels: Record<string, string> | undefined) => labels?.[NAMESPACE]?.startsWith(this.runId) || labels?.[BENCH_LABEL] === this.runId;
    const stacks = new Set<string>();
    for (const s of (await this.manager.swarm.listServices([])) as SwarmService[]) if (mine(s.Spec.Labels)) stacks.add(s.Spec.Labels?.[NAMESPACE] ?? s.Spec.Name);
    for (const n of await this.manager.networks.list()) if (mine(n.Labels)) stacks.add(n.Labels?.[NAMESPACE] ?? n.Name);
    for (const node of this.nodes) for (const c of await node.containers.list([`${BENCH_LABEL}=${this.runId}`], { all: true })) stacks.add(c.Labels?.[NAMESPACE] ?? c.Names[0] ?? c.Id);
    return [...stacks];
  }
}

/** Where the library's deploy went, from its traced requests and events (ms after up() was called). */
function profile(trace: Trace, t0: number, t1: number): Profile {
  const kindOf = (method: string, path: string): string => {
    if (path === '/_ping' || path === '/version') return 'ping/version';
    if (path === '/info' || path === '/swarm') return 'swarm check (info)';
    if (path === '/services' && method === 'GET') return 'services list';
    if (path === '/services/create') return 'service create';
    if (path === '/tasks') return 'tasks list';
    if (path === '/nodes') return 'nodes list';
    if (path === '/networks' && method === 'GET') return 'networks list';
    if (path === '/networks/create') return 'network create';
    if (path === '/secrets' || path === '/configs') return 'secrets/configs list';
    return `${method} ${path}`;
  };
  const reqs = trace.requests.filter((r) => r.start >= t0 && r.start <= t1);
  const byKind = new Map<string, typeof reqs>();
  for (const r of reqs) byKind.set(kindOf(r.method, r.path), [...(byKind.get(kindOf(r.method, r.path)) ?? []), r]);
  const rows: RequestRow[] = [...byKind].map(([kind, rs]) => {
    const lat = rs.map((r) => (r.end ?? t1) - r.start);
    return {
      kind,
      calls: rs.length,
      from: Math.min(...rs.map((r) => r.start)) - t0,
      to: Math.max(...rs.map((r) => r.end ?? t1)) - t0,
      meanMs: lat.reduce((a, b) => a + b, 0) / lat.length,
      maxMs: Math.max(...lat),
    };
  });
  rows.sort((a, b) => a.from - b.from);
  const creates = byKind.get('service create') ?? [];
  const running = trace.events.filter((e) => e.type === 'service.running' && e.at >= t0 && e.at <= t1);
  return {
    requests: rows,
    firstCreateSent: creates.length ? Math.min(...creates.map((r) => r.start)) - t0 : Number.NaN,
    lastCreateDone: creates.length ? Math.max(...creates.map((r) => r.end ?? t1)) - t0 : Number.NaN,
    lastServiceRunningEvent: running.length ? Math.max(...running.map((e) => e.at)) - t0 : Number.NaN,
    waitRoundsPerService: (byKind.get('tasks list')?.length ?? 0) / N,
  };
}

/**
 * The built package (`npm run build`): the CLI runs as `node
 * dist/bin/modelstack.mjs` (the package's bundled `bin`), and the library is
 * imported from dist/, so both contestants run the same code. The run uses
 * a snapshot of dist/ (with package.json beside it, as installed) under
 * .tmp/ (git-ignored), so a rebuild by someone else during the run cannot
 * change the code measured. The copy's CLI must reach the engine before
 * anything is measured.
 */
async function prepareDist(lab: Lab): Promise<{ root: string }> {
  if (!args['no-build']) {
    log('building: npm run build');
    await runCommand('npm', ['run', 'build']);
  }
  const copy = join(ROOT, '.tmp/bench-swarm-dist');
  await rm(copy, { recursive: true, force: true });
  await mkdir(copy, { recursive: true });
  await cp(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
  await cp(join(ROOT, 'package.json'), join(copy, 'package.json'));
  const root = join(copy, 'dist');
  try {
    await runCommand(process.execPath, [join(root, 'bin/modelstack.mjs'), 'stack', 'services', 'msb-no-such-stack'], { env: { ...process.env, DOCKER_HOST: lab.manager } });
  } catch (err) {
    throw new Error(`the built CLI fails: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { root };
}

async function importModelstack(root: string): Promise<Modelstack> {
  const index = (await import(pathToFileURL(join(root, 'index.js')).href)) as Omit<Modelstack, 'SwarmBackend'>;
  const swarm = (await import(pathToFileURL(join(root, 'backends/swarm/swarm-backend.js')).href)) as Pick<Modelstack, 'SwarmBackend'>;
  return { Engine: index.Engine, Stack: index.Stack, loadProject: index.loadProject, SwarmBackend: swarm.SwarmBackend };
}

/** Whether `bin stack deploy` has --detach (docker 23+: it then waits unless detached). */
async function hasDetach(bin: string): Promise<string | undefined> {
  try {
    const help = await runCommand(bin, ['stack', 'deploy', '--help']);
    if (!/--detach/.test(help.stdout)) return undefined;
    return (await runCommand(bin, ['version', '--format', '{{.Client.Version}}'])).stdout.trim();
  } catch {
    return undefined;
  }
}

type Figure = 'deployReturned' | 'deployRunningPolled' | 'lastTaskRunning' | 'firstServiceCreated' | 'lastServiceCreated' | 'noopReturned' | 'rmReturned' | 'rmGone' | 'load' | 'processStart';
const ROWS: Array<[Figure, string]> = [
  ['deployReturned', 'deploy → command returned'],
  ['deployRunningPolled', 'deploy → all running (polled)'],
  ['lastTaskRunning', 'deploy → last task running (engine)'],
  ['firstServiceCreated', 'deploy → first service created (engine)'],
  ['lastServiceCreated', 'deploy → last service created (engine)'],
  ['noopReturned', 'no-op redeploy → returned'],
  ['rmReturned', 'rm → command returned'],
  ['rmGone', 'rm → nothing left on any node'],
  ['processStart', 'CLI --version (process start)'],
  ['load', 'loadProject (library)'],
];

function render(samples: Sample[], tools: ToolName[], meta: Record<string, string>): string {
  const values = (tool: ToolName, f: Figure) => samples.filter((s) => s.tool === tool).map((s) => s[f]).filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
  const med = (tool: ToolName, f: Figure) => median(values(tool, f));
  const cell = (tool: ToolName, f: Figure) => {
    const v = values(tool, f);
    return v.length ? `${secs(median(v))} (${secs(Math.min(...v))}–${secs(Math.max(...v))})` : '—';
  };
  const ratio = (tool: ToolName, f: Figure, ref: Figure = f) => {
    const r = med(tool, f) / med('docker', ref);
    return Number.isNaN(r) ? '—' : r.toFixed(2);
  };
  const mine = tools.filter((t) => t === 'cli' || t === 'library');
  const header = ['median s (min–max)', ...tools.map((t) => TITLE[t]), ...mine.map((t) => `${TITLE[t]}/docker`)];
  const rows = ROWS.map(([f, label]) => [label, ...tools.map((t) => cell(t, f)), ...mine.map((t) => (t === 'cli' || f !== 'processStart' ? ratio(t, f) : '—'))]);
  // What a caller waits for "all running": modelstack's deploy returns then; docker's needs the poll.
  rows.splice(2, 0, ['deploy → all running, as a caller waits¹', ...tools.map((t) => cell(t, t === 'docker' ? 'deployRunningPolled' : 'deployReturned')), ...mine.map((t) => ratio(t, 'deployReturned', 'deployRunningPolled'))]);
  const loads = samples.map((s) => s.load1);
  const psi = samples.map((s) => s.cpuPressure).filter((v) => !Number.isNaN(v));
  const foreign = samples.map((s) => s.foreignServices);
  const perCycle = [...new Set(samples.map((s) => s.cycle))].map((c) => {
    const at = samples.filter((s) => s.cycle === c);
    return `cycle ${c + 1}: ${at.map((s) => `${TITLE[s.tool]} ${s.load1.toFixed(1)}/${Number.isNaN(s.cpuPressure) ? '—' : s.cpuPressure.toFixed(0)}%`).join(', ')}`;
  });
  const lib = samples.filter((s) => s.profile);
  const out = [
    `modelstack vs docker stack deploy — ${meta['title']}`,
    `median seconds of ${new Set(samples.map((s) => s.cycle)).size} cycles (min–max); ratio = modelstack / docker from the medians (< 1: modelstack faster); poll: docker service ls every ${POLL_MS} ms from the start of each deploy`,
    '',
    table(header, rows),
    '',
    "¹ modelstack (CLI and library) returns when every task runs; docker 20.10's deploy returns once the services exist, so its figure is the poll's.",
    `at cycle starts: load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (${cpus().length} cores), CPU pressure (PSI avg10) ${psi.length ? `${Math.min(...psi).toFixed(0)}–${Math.max(...psi).toFixed(0)}%` : '—'}, other services on the swarm ${Math.min(...foreign)}–${Math.max(...foreign)}`,
    `load average / CPU pressure per tool and cycle: ${perCycle.join('; ')}`,
  ];
  const retried = samples.filter((s) => s.tasksAfterDeploy !== N);
  if (retried.length) out.push(`first deploy left more than ${N} tasks (failed ones replaced) in: ${retried.map((s) => `${s.stack} (${s.tasksAfterDeploy})`).join(', ')}`);
  const noopReplaced = samples.filter((s) => s.tasksAfterNoop !== s.tasksAfterDeploy);
  if (noopReplaced.length) out.push(`no-op redeploy replaced tasks in: ${noopReplaced.map((s) => `${s.stack} (${s.tasksAfterDeploy} → ${s.tasksAfterNoop} tasks)`).join(', ')}`);
  if (lib.length) {
    const p = (f: (x: Profile) => number) => median(lib.map((s) => f(s.profile!)));
    out.push(
      '',
      `library deploy, where the time goes (medians of ${lib.length} cycles, ms after up() was called):`,
      `  first service create sent ${p((x) => x.firstCreateSent).toFixed(0)}, last create answered ${p((x) => x.lastCreateDone).toFixed(0)}, last service.running event ${p((x) => x.lastServiceRunningEvent).toFixed(0)}; wait rounds per service ${p((x) => x.waitRoundsPerService).toFixed(1)}`,
    );
    const kinds = [...new Set(lib.flatMap((s) => s.profile!.requests.map((r) => r.kind)))];
    const reqRows = kinds.map((kind) => {
      const rs = lib.map((s) => s.profile!.requests.find((r) => r.kind === kind)).filter((r): r is RequestRow => r !== undefined);
      return [kind, String(median(rs.map((r) => r.calls))), median(rs.map((r) => r.from)).toFixed(0), median(rs.map((r) => r.to)).toFixed(0), median(rs.map((r) => r.meanMs)).toFixed(0), median(rs.map((r) => r.maxMs)).toFixed(0)];
    });
    out.push(table(['request (library deploy)', 'calls', 'from ms', 'to ms', 'mean ms', 'max ms'], reqRows).replace(/^/gm, '  '));
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<number> {
  const runId = newRunId();
  const lab = await findLab();
  const dist = await prepareDist(lab);
  const ms = await importModelstack(dist.root);
  const dockerVersion = (await runCommand(args.docker!, ['-H', lab.manager, 'version', '--format', '{{.Client.Version}} / engine {{.Server.Version}}'])).stdout.trim();
  const waitVersion = args['detach-false'] ? await hasDetach(args['docker-wait']!) : undefined;
  if (args['detach-false'] && !waitVersion) log(`${args['docker-wait']} stack deploy has no --detach: no --detach=false column`);
  const tools: ToolName[] = ['docker', ...(waitVersion ? ['dockerWait' as const] : []), 'cli', 'library'];
  const dir = await mkdtemp(join(tmpdir(), 'modelstack-swarm-bench-'));
  const file = join(dir, 'stack.yml');
  await writeFile(file, composeFile(runId));
  const bench = new Bench(lab, runId, file, args.docker!, dist, ms);
  await bench.checkImages();
  const rev = (await runCommand('git', ['rev-parse', '--short', 'HEAD'])).stdout.trim();
  const dirty = (await runCommand('git', ['status', '--porcelain', 'src'])).stdout.trim() ? ' + uncommitted src changes' : '';
  log(`run ${runId}: N=${N}, ${CYCLES} cycles, tools ${tools.map((t) => TITLE[t]).join(', ')}; docker ${dockerVersion}${waitVersion ? `; --detach=false: docker ${waitVersion}` : ''}; modelstack ${rev}${dirty}`);

  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: finishing this step, then removing what this run deployed (Ctrl-C again exits at once, leaving it behind)');
  });

  const samples: Sample[] = [];
  let failed: unknown;
  try {
    for (let cycle = 0; cycle < CYCLES && !interrupted; cycle++) {
      const order = tools.map((_, i) => tools[(i + cycle) % tools.length]!);
      for (const tool of order) {
        if (interrupted) break;
        const s = await bench.measure(tool, cycle, args['docker-wait']!);
        samples.push(s);
        log(
          `cycle ${cycle + 1}/${CYCLES} ${TITLE[tool].padEnd(21)} returned ${secs(s.deployReturned)}  running(polled) ${secs(s.deployRunningPolled)}  last task running ${secs(s.lastTaskRunning)}  ` +
            `creates ${secs(s.firstServiceCreated)}–${secs(s.lastServiceCreated)}  no-op ${secs(s.noopReturned)}  rm ${secs(s.rmReturned)}/${secs(s.rmGone)}  (load ${s.load1.toFixed(1)}, cpu pressure ${s.cpuPressure.toFixed(0)}%, other services ${s.foreignServices})`,
        );
      }
    }
  } catch (err) {
    failed = err;
  } finally {
    for (const stack of [...bench.live]) {
      log(`cleanup: removing ${stack}`);
      await bench.remove(stack).catch((err: unknown) => log(`cleanup of ${stack} failed: ${String(err)}`));
    }
    await rm(dir, { recursive: true, force: true });
  }

  const left = await bench.leftovers();
  if (left.length) {
    log(`\n!!! LEFTOVERS of run ${runId}: ${left.join(', ')}; removing them`);
    for (const stack of left) await bench.remove(stack).catch((err: unknown) => log(`!!! could not remove ${stack}: ${String(err)}`));
  }
  if (failed) {
    log(`benchmark failed: ${failed instanceof Error ? (failed.stack ?? failed.message) : String(failed)}`);
    return 1;
  }
  const title = `N=${N} single-replica services (busybox sleep, dnsrr), 3-node swarm (engine ${dockerVersion.split('engine ')[1] ?? '?'}), docker CLI ${dockerVersion.split(' ')[0]}${waitVersion ? ` (--detach=false: ${waitVersion})` : ''}, modelstack ${rev}${dirty}, run ${runId}, ${new Date().toISOString()}`;
  if (args['json-file']) await writeFile(args['json-file'], `${JSON.stringify({ runId, n: N, cycles: CYCLES, pollMs: POLL_MS, tools, title, samples }, null, 2)}\n`);
  process.stdout.write(render(samples, tools, { title }));
  return left.length ? 1 : 0;
}

process.exitCode = await main();
