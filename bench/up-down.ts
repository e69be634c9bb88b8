/**
 * Benchmark of issue 4: modelstack (library and CLI) against Docker Compose
 * v2, the reference (every ratio is modelstack / v2), optionally with
 * Debian's docker-compose 1.29 beside it, on N busybox web servers with a
 * 1 s healthcheck, in one run, so every ratio compares numbers measured side
 * by side under the same engine load.
 *
 *   npm run bench -- [--runs 3] [--sizes 1,10,25|none] [--seed] [--v1] [--json] [--json-file F]
 *                    [--profile] [--sweep 4,8,16,32] [--floor] [--poll-ms 100] [--no-cli]
 *
 * Per stack and run (tool order rotates between runs to spread cache
 * effects): `up --wait` by Docker's verdict with Docker polled alongside, a
 * no-op up, down; for modelstack then `up --wait --probe` from scratch
 * again; for the library also the load of the file and a phase breakdown
 * of its up, measured from the outside (engine requests + Stack events, see
 * lib/trace.ts). `--seed` adds the seed-like stack (N=3, 30 s healthcheck).
 * Per run also the commands that never touch the engine (`--help`,
 * `--version`, `config`). Progress goes to stderr; the table (or JSON with
 * --json) to stdout. Everything created carries the run id; the run ends by
 * checking that none of it is left.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../src/index.js';
import { IMAGE, leftovers, newRunId, removeLeftovers, writeComposeFile } from './lib/fixture.js';
import { median, ms, secs, table } from './lib/stats.js';
import {
  type BenchStack,
  type CommandTool,
  type CommandToolName,
  type Context,
  type OfflineFigure,
  type RssFigure,
  type Sample,
  type Tool,
  findComposeV1,
  findComposeV2,
  findGnuTime,
  measureCommandTool,
  measureFloor,
  measureLibrary,
  measureOffline,
  prepareCli,
} from './lib/tools.js';
import type { UpProfile } from './lib/trace.js';

const ROOT = resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '1,10,25' },
    seed: { type: 'boolean', default: false },
    v1: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'json-file': { type: 'string' },
    'poll-ms': { type: 'string', default: '100' },
    'timeout-s': { type: 'string', default: '180' },
    profile: { type: 'boolean', default: false },
    sweep: { type: 'string' },
    floor: { type: 'boolean', default: false },
    'no-cli': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  process.stdout.write(`usage: npm run bench -- [--runs K] [--sizes 1,10,25|none] [--seed] [--v1] [--json] [--poll-ms 100]
  --sizes none     no size stacks (with --seed: only the seed-like stack)
  --seed           also the seed-like stack: N=3, 30 s healthcheck (each Docker-verdict up takes ~30 s)
  --v1             also Debian's docker-compose 1.29 (docker-compose on PATH), as an extra column
  --profile        also run, at the largest size: a parallelism sweep and the raw-API floor
  --sweep 4,8,16   parallelism values for the sweep (implies it)
  --floor          raw-API floor at every size (create + start all in parallel, no modelstack)
  --no-cli         skip modelstack's CLI even if it supports up --wait
  --json-file F    also write the JSON report (with every sample) to F
  --timeout-s S    give up waiting for Docker's healthy verdict after S seconds (default 180)
Compose v2 is found at MODELSTACK_COMPOSE_V2, else where scripts/install-test-tools.sh unpacks it.
`);
  process.exit(0);
}

const runs = positiveInt(args.runs!, '--runs');
const sizes = args.sizes === 'none' ? [] : args.sizes!.split(',').map((s) => positiveInt(s, '--sizes'));
if (!sizes.length && !args.seed) {
  process.stderr.write('--sizes none: nothing to measure without --seed\n');
  process.exit(2);
}
const sweep = args.sweep ? args.sweep.split(',').map((s) => positiveInt(s, '--sweep')) : args.profile ? [2, 4, 8, 16, 32] : [];
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The seed article's stack, in busybox: three services whose healthcheck runs every 30 s. */
const SEED = { n: 3, intervalS: 30 };

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${flag}: expected positive integers, got "${text}"\n`);
    process.exit(2);
  }
  return n;
}

const title = (key: string, n: number) => (key === 'seed' ? `seed-like: N=${n}, 30 s healthcheck` : `N=${n}`);

async function main(): Promise<number> {
  const runId = newRunId();
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    log('interrupted: stopping, then cleaning up (press Ctrl-C again to exit at once, leaving containers behind)');
    controller.abort(new Error('interrupted'));
  });

  const observer = await Engine.connect();
  const ctx: Context = {
    runId,
    observer,
    pollMs: positiveInt(args['poll-ms']!, '--poll-ms'),
    timeoutMs: positiveInt(args['timeout-s']!, '--timeout-s') * 1000,
    signal: controller.signal,
    gnuTime: await findGnuTime(controller.signal),
    live: new Map(),
    log,
  };
  if (!(await observer.images.inspect(IMAGE))) throw new Error(`image ${IMAGE} is missing; build it first (npm run pretest builds the test images)`);
  const engineInfo = await observer.ping();
  const commandTools = new Map<CommandToolName, CommandTool>([['v2', await findComposeV2(controller.signal)]]);
  if (args.v1) commandTools.set('v1', await findComposeV1(controller.signal));
  const cli = args['no-cli'] ? undefined : await prepareCli(ROOT, controller.signal, log);
  if (cli) commandTools.set('cli', cli);
  const tools: Tool[] = ['v2', 'library', ...(cli ? ['cli' as const] : []), ...(args.v1 ? ['v1' as const] : [])];
  log(
    `run ${runId}: sizes ${sizes.join(',') || 'none'}${args.seed ? ' + seed-like' : ''}, ${runs} runs, tools ${tools.join(', ')}` +
      (cli ? (cli.probe ? '' : ' (the CLI has no --probe: no probe figure for it)') : args['no-cli'] ? ' (CLI skipped: --no-cli)' : ' (CLI skipped: it has no up --wait / down, or does not build)') +
      (ctx.gnuTime ? '' : ' (no GNU time: no RSS figures)'),
  );

  const dir = await mkdtemp(join(tmpdir(), 'modelstack-bench-'));
  const samples: Sample[] = [];
  const offline = new Map<CommandToolName, Array<Partial<Record<OfflineFigure, number>>>>();
  let configOf = '';
  let failed: unknown;
  try {
    const stacks: BenchStack[] = [];
    for (const n of sizes) stacks.push({ key: `n${n}`, n, file: await writeComposeFile(dir, n, runId) });
    if (args.seed) stacks.push({ key: 'seed', n: SEED.n, file: await writeComposeFile(dir, SEED.n, runId, SEED.intervalS) });
    for (const stack of stacks) {
      for (let run = 0; run < runs; run++) {
        // Rotate the order so no tool always goes first (cold caches) or last.
        const order = tools.map((_, i) => tools[(i + run) % tools.length]!);
        for (const tool of order) {
          const project = `${runId}-${stack.key}-r${run}-${tool}`;
          const s = tool === 'library' ? await measureLibrary(ctx, stack, project, run) : await measureCommandTool(ctx, commandTools.get(tool)!, ROOT, stack, project, run);
          samples.push(s);
          log(`${title(stack.key, stack.n)} run ${run + 1}/${runs} ${tool.padEnd(7)} up --wait ${secs(s.healthy)}  --probe ${secs(s.probe)}  running ${secs(s.running)}  docker-healthy ${secs(s.dockerHealthy)}  no-op ${secs(s.noop)}  down ${secs(s.down)}  (foreign containers: ${s.foreign}, cpu pressure ${s.cpuPressure.toFixed(0)}%, load ${s.load1.toFixed(1)})`);
        }
      }
    }
    // `config` of the largest file: parsing and printing N services.
    const biggest = stacks.reduce((a, b) => (b.n > a.n ? b : a));
    configOf = title(biggest.key, biggest.n);
    for (let run = 0; run < runs; run++) {
      for (const tool of commandTools.values()) offline.set(tool.name, [...(offline.get(tool.name) ?? []), await measureOffline(ctx, tool, biggest.file, ROOT)]);
    }
    const nMax = Math.max(0, ...sizes);
    for (const p of nMax ? sweep : []) {
      const stack = { key: `n${nMax}`, n: nMax, file: await writeComposeFile(dir, nMax, runId) };
      for (let run = 0; run < runs; run++) {
        const s = await measureLibrary(ctx, stack, `${runId}-n${nMax}-p${p}-r${run}`, run, { parallelism: p, minimal: true });
        samples.push(s);
        log(`sweep N=${nMax} parallelism ${p} run ${run + 1}/${runs}: started ${secs(s.up)}  healthy ${secs(s.healthy)}  down ${secs(s.down)}`);
      }
    }
    const floorStacks = stacks.filter((s) => s.key !== 'seed' && (args.floor || (args.profile && s.n === nMax)));
    for (const stack of floorStacks) {
      for (let run = 0; run < runs; run++) {
        const s = await measureFloor(ctx, stack, `${runId}-${stack.key}-floor-r${run}`, run);
        samples.push(s);
        log(`floor N=${stack.n} run ${run + 1}/${runs}: all running ${secs(s.running)}  docker-healthy ${secs(s.healthy)}  down ${secs(s.down)}`);
      }
    }
  } catch (err) {
    failed = err;
  } finally {
    for (const [project, down] of ctx.live) {
      log(`cleanup: bringing down ${project}`);
      await down().catch((err: unknown) => log(`cleanup of ${project} failed: ${String(err)}`));
    }
    await rm(dir, { recursive: true, force: true });
  }

  const left = await leftovers(runId);
  if (left.containers.length || left.networks.length) {
    log(`\n!!! LEFTOVERS of run ${runId} (a bug in the benchmark or in a tool's down):`);
    for (const c of left.containers) log(`!!!   container ${c}`);
    for (const n of left.networks) log(`!!!   network ${n}`);
    await removeLeftovers(left);
    log('!!! removed them (they carry this run id); failing the run.');
  }
  if (failed) {
    log(`benchmark failed: ${failed instanceof Error ? (failed.stack ?? failed.message) : String(failed)}`);
    return 1;
  }

  const versions = Object.fromEntries([...commandTools.values()].map((t) => [t.name, t.version]));
  const offlineMedians = Object.fromEntries(
    [...offline].map(([tool, rows]) => [tool, Object.fromEntries(OFFLINE.map((f) => [f, median(rows.map((r) => r[f]).filter((v): v is number => v !== undefined))] as const).filter(([, v]) => !Number.isNaN(v)))]),
  );
  const report = summarize(samples, { runId, runs, sizes, seed: args.seed!, versions, engine: engineInfo.version, cores: cpus().length, pollMs: ctx.pollMs, offline: offlineMedians, configOf });
  const json = `${JSON.stringify({ ...report, samples }, null, 2)}\n`;
  if (args['json-file']) await writeFile(args['json-file'], json);
  process.stdout.write(args.json ? json : render(report));
  return left.containers.length || left.networks.length ? 1 : 0;
}

type Figure = 'healthy' | 'probe' | 'dockerHealthy' | 'running' | 'noop' | 'noopFresh' | 'down' | 'load';
type Medians = Partial<Record<Figure, number>>;

/** v2's figure each modelstack figure is divided by (the probe and the fresh no-op have no v2 twin: v2's nearest). */
const REFERENCE: Record<Figure, Figure | undefined> = {
  healthy: 'healthy',
  probe: 'healthy',
  dockerHealthy: 'dockerHealthy',
  running: 'running',
  noop: 'noop',
  noopFresh: 'noop',
  down: 'down',
  load: undefined,
};
const FIGURES = Object.keys(REFERENCE) as Figure[];
const OFFLINE: OfflineFigure[] = ['help', 'version', 'config'];
const RSS: RssFigure[] = ['healthy', 'probe', 'noop', 'down'];
const MODELSTACK = ['library', 'cli'] as const;

interface StackReport {
  key: string;
  n: number;
  foreign: { min: number; max: number };
  load1: { min: number; max: number };
  cpuPressure: { min: number; max: number };
  medians: Partial<Record<Tool | 'floor', Medians>>;
  /** modelstack / Compose v2, from the medians above (< 1: modelstack is faster). */
  ratios: Partial<Record<(typeof MODELSTACK)[number], Medians>>;
  /** Median max RSS (MB) of each command tool's commands. */
  rssMb: Partial<Record<CommandToolName, Partial<Record<RssFigure, number>>>>;
  profile?: ProfileReport;
}

interface ProfileReport {
  rows: Array<{ phase: string; from: number; to: number; calls?: number; meanMs?: number; maxMs?: number; inFlight?: number }>;
  totalMs: number;
  idleMs: number;
  probesPerContainer: number;
  createToStartedMs: number;
  startedToHealthyMs: number;
  down: Array<{ kind: string; calls: number; meanMs: number; maxMs: number; from: number; to: number }>;
}

interface Report {
  meta: {
    runId: string;
    runs: number;
    sizes: number[];
    seed: boolean;
    /** Version of each command tool (v2, v1, cli). */
    versions: Partial<Record<CommandToolName, string>>;
    engine: string;
    cores: number;
    pollMs: number;
    /** Median seconds of the commands that never touch the engine, per command tool. */
    offline: Partial<Record<CommandToolName, Partial<Record<OfflineFigure, number>>>>;
    /** Which stack's file `config` printed. */
    configOf: string;
    date: string;
  };
  stacks: StackReport[];
  sweep: Array<{ parallelism: number; n: number; up: number; healthy: number; down: number; createStartInFlight: number; createMeanMs: number; startMeanMs: number }>;
  verdict: { noSlower: boolean; slower: string[] };
}

const medianOf = (values: Array<number | undefined>) => median(values.filter((v): v is number => v !== undefined && !Number.isNaN(v)));
const range = (values: number[]) => ({ min: Math.min(...values), max: Math.max(...values) });

function summarize(samples: Sample[], meta: Omit<Report['meta'], 'date'>): Report {
  const main = samples.filter((s) => s.parallelism === undefined);
  const keys = [...new Set(main.map((s) => s.stack))];
  const stackReports = keys.map((key): StackReport => {
    const at = main.filter((s) => s.stack === key);
    const medians: StackReport['medians'] = {};
    const rssMb: StackReport['rssMb'] = {};
    for (const tool of ['v2', 'library', 'cli', 'v1', 'floor'] as const) {
      const of = at.filter((s) => s.tool === tool);
      if (!of.length) continue;
      medians[tool] = Object.fromEntries(FIGURES.map((f) => [f, medianOf(of.map((s) => s[f]))] as const).filter(([, v]) => !Number.isNaN(v)));
      if (tool !== 'library' && tool !== 'floor') {
        rssMb[tool] = Object.fromEntries(RSS.map((f) => [f, medianOf(of.map((s) => s.rssMb?.[f]))] as const).filter(([, v]) => !Number.isNaN(v)));
      }
    }
    const ratios: StackReport['ratios'] = {};
    const v2 = medians.v2;
    for (const tool of MODELSTACK) {
      const m = medians[tool];
      if (!m || !v2) continue;
      const r: Medians = {};
      for (const f of FIGURES) {
        const ref = REFERENCE[f];
        if (ref && m[f] !== undefined && v2[ref] !== undefined) r[f] = m[f]! / v2[ref]!;
      }
      ratios[tool] = r;
    }
    const libs = at.filter((s) => s.tool === 'library' && s.profile);
    return {
      key,
      n: at[0]!.n,
      foreign: range(at.map((s) => s.foreign)),
      load1: range(at.map((s) => s.load1)),
      cpuPressure: range(at.map((s) => s.cpuPressure)),
      medians,
      ratios,
      rssMb,
      ...(libs.length ? { profile: medianProfile(libs) } : {}),
    };
  });
  const sweep = [...new Set(samples.filter((s) => s.parallelism !== undefined).map((s) => s.parallelism!))].map((p) => {
    const of = samples.filter((s) => s.parallelism === p);
    const row = (name: string) => of.map((s) => s.profile!.rows.find((r) => r.phase === name));
    return {
      parallelism: p,
      n: of[0]!.n,
      up: median(of.map((s) => s.up!)),
      healthy: median(of.map((s) => s.healthy!)),
      down: median(of.map((s) => s.down!)),
      createStartInFlight: median(row('  create + start requests together').map((r) => r?.inFlight ?? NaN)),
      createMeanMs: median(row('  POST /containers/create').map((r) => r?.meanMs ?? NaN)),
      startMeanMs: median(row('  POST /containers/{id}/start').map((r) => r?.meanMs ?? NaN)),
    };
  });
  const slower: string[] = [];
  for (const s of stackReports) {
    for (const [tool, r] of Object.entries(s.ratios)) {
      for (const [f, v] of Object.entries(r)) if (v > 1) slower.push(`${s.key === 'seed' ? 'seed' : `N=${s.n}`} ${tool} ${f} ×${v.toFixed(2)}`);
    }
  }
  const cli = meta.offline.cli;
  const v2 = meta.offline.v2;
  for (const f of OFFLINE) if (cli?.[f] !== undefined && v2?.[f] !== undefined && cli[f]! > v2[f]!) slower.push(`cli ${f} ×${(cli[f]! / v2[f]!).toFixed(2)}`);
  return { meta: { ...meta, date: new Date().toISOString() }, stacks: stackReports, sweep, verdict: { noSlower: slower.length === 0, slower } };
}

/** Per phase, the median over runs of start, end, calls and latencies. */
function medianProfile(samples: Sample[]): ProfileReport {
  const profiles = samples.map((s) => s.profile!) as UpProfile[];
  const phases = profiles[0]!.rows.map((r) => r.phase);
  const pick = (phase: string, key: 'from' | 'to' | 'calls' | 'meanMs' | 'maxMs' | 'inFlight') =>
    median(profiles.map((p) => p.rows.find((r) => r.phase === phase)?.[key]).filter((v): v is number => v !== undefined));
  const rows = phases.map((phase) => ({
    phase,
    from: pick(phase, 'from'),
    to: pick(phase, 'to'),
    ...(profiles[0]!.rows.find((r) => r.phase === phase)?.calls !== undefined
      ? { calls: pick(phase, 'calls'), meanMs: pick(phase, 'meanMs'), maxMs: pick(phase, 'maxMs'), inFlight: pick(phase, 'inFlight') }
      : {}),
  }));
  const downKinds = [...new Set(samples.flatMap((s) => s.downRequests?.map((d) => d.kind) ?? []))];
  const down = downKinds.map((kind) => {
    const ds = samples.map((s) => s.downRequests?.find((d) => d.kind === kind)).filter((d) => d !== undefined);
    return {
      kind,
      calls: median(ds.map((d) => d.calls)),
      meanMs: median(ds.map((d) => d.meanMs)),
      maxMs: median(ds.map((d) => d.maxMs)),
      from: median(ds.map((d) => d.from)),
      to: median(ds.map((d) => d.to)),
    };
  });
  return {
    rows,
    totalMs: median(profiles.map((p) => p.totalMs)),
    idleMs: median(profiles.map((p) => p.idleMs)),
    probesPerContainer: median(profiles.map((p) => p.probesPerContainer)),
    createToStartedMs: median(profiles.map((p) => p.createToStartedMs.median)),
    startedToHealthyMs: median(profiles.map((p) => p.startedToHealthyMs.median)),
    down,
  };
}

const LABELS: Record<Figure, string> = {
  healthy: "up --wait, Docker's verdict (1.29: polled)",
  probe: 'up --wait --probe (v2: its up --wait)',
  dockerHealthy: 'up → Docker says all healthy (polled)',
  running: 'up → all running (polled)',
  noop: 'no-op up --wait',
  noopFresh: 'no-op up, fresh loadProject + Stack',
  down: 'down',
  load: 'loadProject (parse + validate the file)',
};
const OFFLINE_LABELS: Record<OfflineFigure, string> = { help: '--help (process start)', version: '--version', config: 'config' };
const RSS_LABELS: Record<RssFigure, string> = { healthy: 'up -d --wait', probe: 'up -d --wait --probe', noop: 'no-op up', down: 'down' };

/** One table: a figure per row; v2, then each modelstack contestant with its ratio, then 1.29 and the floor when present. */
function figureTable<F extends string>(
  head: string,
  figures: F[],
  label: (f: F) => string,
  value: (tool: Tool | 'floor', f: F) => number | undefined,
  reference: (f: F) => F | undefined,
  columns: Array<Tool | 'floor'>,
  digits: (f: F) => number = () => 2,
): string {
  const name: Record<Tool | 'floor', string> = { v2: 'Compose v2', library: 'library', cli: 'CLI', v1: '1.29', floor: 'raw floor' };
  const header = [head];
  for (const c of columns) header.push(name[c], ...(c === 'library' || c === 'cli' ? ['ratio'] : []));
  const rows = figures
    .filter((f) => columns.some((c) => value(c, f) !== undefined))
    .map((f) => {
      const row = [label(f)];
      const ref = reference(f);
      const v2 = ref === undefined ? undefined : value('v2', ref);
      for (const c of columns) {
        const v = c === 'v2' ? v2 : value(c, f);
        row.push(secs(v, digits(f)));
        if (c === 'library' || c === 'cli') row.push(v !== undefined && v2 !== undefined ? secs(v / v2) : '—');
      }
      return row;
    });
  return table(header, rows);
}

/** The size stack with the most services (not the seed-like one). */
function largestSize(report: Report): StackReport | undefined {
  return report.stacks.filter((s) => s.key !== 'seed').reduce<StackReport | undefined>((a, b) => (a && a.n >= b.n ? a : b), undefined);
}

function render(report: Report): string {
  const { meta } = report;
  const out: string[] = [];
  const versions = `Docker Compose ${meta.versions.v2} (reference)${meta.versions.v1 ? `, docker-compose ${meta.versions.v1}` : ''}`;
  out.push(
    `modelstack vs ${versions} — engine ${meta.engine}, ${meta.cores} cores, run ${meta.runId}, ${meta.date}`,
    `median seconds of ${meta.runs} runs; ratio = modelstack / Compose v2 (< 1: modelstack faster); Docker polled every ${meta.pollMs} ms from the start of each up (adds up to one interval)`,
    '',
  );
  for (const s of report.stacks) {
    const columns = (['v2', 'library', 'cli', 'v1', 'floor'] as const).filter((c) => s.medians[c]);
    out.push(
      figureTable(title(s.key, s.n), FIGURES, (f) => LABELS[f], (tool, f) => s.medians[tool]?.[f], (f) => REFERENCE[f], columns, (f) => (f === 'load' ? 3 : 2)),
      `at cycle starts: other agents' running containers ${s.foreign.min}–${s.foreign.max}; CPU pressure (PSI avg10) ${s.cpuPressure.min.toFixed(0)}–${s.cpuPressure.max.toFixed(0)}%; load average ${s.load1.min.toFixed(1)}–${s.load1.max.toFixed(1)} (${meta.cores} cores)`,
      '',
    );
  }
  const commandColumns = (['v2', 'cli', 'v1'] as const).filter((c) => meta.offline[c]);
  out.push(figureTable(`without the engine (config: ${meta.configOf} file)`, OFFLINE, (f) => OFFLINE_LABELS[f], (tool, f) => meta.offline[tool as CommandToolName]?.[f], (f) => f, commandColumns, () => 3));
  if (meta.offline.cli && meta.offline.cli.version === undefined) out.push('(the CLI has no --version yet: no figure for it)');
  out.push('');
  const largest = largestSize(report) ?? report.stacks.at(-1)!;
  if (Object.values(largest.rssMb).some((r) => Object.keys(r).length)) {
    out.push(
      figureTable(`max RSS, MB, ${title(largest.key, largest.n)}`, RSS, (f) => RSS_LABELS[f], (tool, f) => largest.rssMb[tool as CommandToolName]?.[f], (f) => (f === 'probe' ? 'healthy' : f), commandColumns, () => 0),
      '',
    );
  }
  out.push(
    report.verdict.noSlower
      ? 'verdict: modelstack is no slower than Compose v2 on every figure'
      : `verdict: modelstack is SLOWER than Compose v2 on: ${report.verdict.slower.join('; ')}`,
    '',
  );

  const biggest = largestSize(report);
  if (biggest?.profile) {
    const p = biggest.profile;
    out.push(`where modelstack's up goes, N=${biggest.n} (median of runs; ms after up() was called; calls: mean/max latency, mean in flight)`);
    out.push(
      table(
        ['phase', 'from', 'to', 'span', 'calls', 'mean', 'max', 'in flight'],
        p.rows.map((r) => [r.phase, ms(r.from), ms(r.to), ms(r.to - r.from), r.calls === undefined ? '' : String(r.calls), ms(r.meanMs), ms(r.maxMs), r.inFlight === undefined ? '' : r.inFlight.toFixed(1)]),
      ),
      `total ${ms(p.totalMs)} ms; no request in flight for ${ms(p.idleMs)} ms; per container: creating → started ${ms(p.createToStartedMs)} ms, started → healthy ${ms(p.startedToHealthyMs)} ms (median); exec probes per container ${p.probesPerContainer.toFixed(2)}`,
      '',
      `modelstack down, N=${biggest.n}: requests by kind`,
      table(['request', 'from', 'to', 'calls', 'mean', 'max'], p.down.map((d) => [d.kind, ms(d.from), ms(d.to), String(d.calls), ms(d.meanMs), ms(d.maxMs)])),
      '',
    );
  }
  if (report.sweep.length) {
    out.push(`parallelism sweep (StackOptions.parallelism), N=${report.sweep[0]!.n}, median of ${meta.runs} runs`);
    out.push(
      table(
        ['parallelism', 'all started', 'all healthy', 'down', 'create mean ms', 'start mean ms', 'create+start in flight'],
        report.sweep.map((r) => [String(r.parallelism), secs(r.up), secs(r.healthy), secs(r.down), ms(r.createMeanMs), ms(r.startMeanMs), r.createStartInFlight.toFixed(1)]),
      ),
      '',
    );
  }
  return `${out.join('\n')}\n`;
}

process.exitCode = await main();
