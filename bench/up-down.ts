/**
 * Benchmark of issue 4: modelstack against Debian's docker-compose 1.29 on
 * N busybox web servers with a 1 s healthcheck, in one run, so every ratio
 * compares numbers measured side by side under the same engine load.
 *
 *   npm run bench -- [--runs 3] [--sizes 1,10,25] [--json] [--json-file F]
 *                    [--profile] [--sweep 4,8,16,32] [--floor] [--poll-ms 100] [--no-cli]
 *
 * Per size and run (tool order alternates between runs to spread cache
 * effects): up → all healthy, a no-op up, down; for modelstack also the load
 * of the file and a phase breakdown of its up, measured from the outside
 * (engine requests + Stack events, see lib/trace.ts). Progress goes to
 * stderr; the table (or JSON with --json) to stdout. Everything created
 * carries the run id; the run ends by checking that none of it is left.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify, parseArgs } from 'node:util';
import { Engine } from '../src/index.js';
import { IMAGE, leftovers, newRunId, removeLeftovers, writeComposeFile } from './lib/fixture.js';
import { median, ms, secs, table } from './lib/stats.js';
import {
  type Context,
  type Sample,
  type Tool,
  measureCli,
  measureCompose,
  measureFloor,
  measureLibrary,
  measureStartup,
  prepareCli,
} from './lib/tools.js';
import type { UpProfile } from './lib/trace.js';

const ROOT = resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '1,10,25' },
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
  process.stdout.write(`usage: npm run bench -- [--runs K] [--sizes 1,10,25] [--json] [--poll-ms 100]
  --profile        also run, at the largest size: a parallelism sweep and the raw-API floor
  --sweep 4,8,16   parallelism values for the sweep (implies it)
  --floor          raw-API floor at every size (create + start all in parallel, no modelstack)
  --no-cli         skip modelstack's CLI even if it supports up --wait
  --json-file F    also write the JSON report (with every sample) to F
  --timeout-s S    give up waiting for Docker's healthy verdict after S seconds (default 180)
`);
  process.exit(0);
}

const runs = positiveInt(args.runs!, '--runs');
const sizes = args.sizes!.split(',').map((s) => positiveInt(s, '--sizes'));
const sweep = args.sweep ? args.sweep.split(',').map((s) => positiveInt(s, '--sweep')) : args.profile ? [2, 4, 8, 16, 32] : [];
const floorSizes = args.floor ? sizes : args.profile ? [Math.max(...sizes)] : [];
const log = (line: string) => process.stderr.write(`${line}\n`);
const exec = promisify(execFile);

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${flag}: expected positive integers, got "${text}"\n`);
    process.exit(2);
  }
  return n;
}

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
    live: new Map(),
    log,
  };
  if (!(await observer.images.inspect(IMAGE))) throw new Error(`image ${IMAGE} is missing; build it first (npm run pretest builds the test images)`);
  const composeVersion = (await exec('docker-compose', ['version', '--short'])).stdout.trim();
  const engineInfo = await observer.ping();
  const cli = args['no-cli'] ? undefined : await prepareCli(ROOT, controller.signal, log);
  const withCli = cli !== undefined;
  const tools: Tool[] = withCli ? ['compose', 'library', 'cli'] : ['compose', 'library'];
  log(`run ${runId}: sizes ${sizes.join(',')}, ${runs} runs, tools ${tools.join(', ')}${withCli ? '' : args['no-cli'] ? ' (CLI skipped: --no-cli)' : ' (CLI skipped: it has no up --wait / down, or does not build)'}`);

  const dir = await mkdtemp(join(tmpdir(), 'modelstack-bench-'));
  const samples: Sample[] = [];
  const startup = { compose: [] as number[], cli: [] as number[] };
  let failed: unknown;
  try {
    for (const n of sizes) {
      const file = await writeComposeFile(dir, n, runId);
      for (let run = 0; run < runs; run++) {
        // Rotate the order so no tool always goes first (cold caches) or last.
        const order = tools.map((_, i) => tools[(i + run) % tools.length]!);
        for (const tool of order) {
          const project = `${runId}-n${n}-r${run}-${tool}`;
          const s =
            tool === 'compose'
              ? await measureCompose(ctx, file, project, n, run)
              : tool === 'library'
                ? await measureLibrary(ctx, file, project, n, run)
                : await measureCli(ctx, cli!, ROOT, file, project, n, run);
          samples.push(s);
          log(`N=${n} run ${run + 1}/${runs} ${tool.padEnd(7)} up ${secs(s.up)}  healthy ${secs(s.healthy)}  docker-healthy ${secs(s.dockerHealthy)}  no-op ${secs(s.noop)}  down ${secs(s.down)}  (foreign containers: ${s.foreign}, cpu pressure ${s.cpuPressure.toFixed(0)}%, load ${s.load1.toFixed(1)})`);
        }
      }
    }
    for (let run = 0; run < runs; run++) {
      startup.compose.push(await measureStartup('docker-compose', ['--help'], controller.signal, ROOT));
      if (cli) startup.cli.push(await measureStartup(process.execPath, [...cli, '--help'], controller.signal, ROOT));
    }
    const nMax = Math.max(...sizes);
    for (const p of sweep) {
      const file = await writeComposeFile(dir, nMax, runId);
      for (let run = 0; run < runs; run++) {
        const s = await measureLibrary(ctx, file, `${runId}-n${nMax}-p${p}-r${run}`, nMax, run, { parallelism: p, minimal: true });
        samples.push(s);
        log(`sweep N=${nMax} parallelism ${p} run ${run + 1}/${runs}: started ${secs(s.up)}  healthy ${secs(s.healthy)}  down ${secs(s.down)}`);
      }
    }
    for (const n of floorSizes) {
      for (let run = 0; run < runs; run++) {
        const s = await measureFloor(ctx, `${runId}-n${n}-floor-r${run}`, n, run);
        samples.push(s);
        log(`floor N=${n} run ${run + 1}/${runs}: up ${secs(s.up)}  docker-healthy ${secs(s.healthy)}  down ${secs(s.down)}`);
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

  const report = summarize(samples, { runId, runs, sizes, composeVersion, engine: engineInfo.version, cores: cpus().length, pollMs: ctx.pollMs, startup: { compose: median(startup.compose), cli: median(startup.cli) } });
  const json = `${JSON.stringify({ ...report, samples }, null, 2)}\n`;
  if (args['json-file']) await writeFile(args['json-file'], json);
  process.stdout.write(args.json ? json : render(report));
  return left.containers.length || left.networks.length ? 1 : 0;
}

type Figure = 'up' | 'healthy' | 'dockerHealthy' | 'noop' | 'noopFresh' | 'down' | 'load';

interface SizeReport {
  n: number;
  foreign: { min: number; max: number };
  load1: { min: number; max: number };
  cpuPressure: { min: number; max: number };
  medians: Partial<Record<Tool | 'floor', Partial<Record<Figure, number>>>>;
  /** modelstack / compose, from the medians above (< 1: modelstack is faster). */
  ratios: Partial<Record<'library' | 'cli', Partial<Record<Figure, number>>>>;
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
  meta: { runId: string; runs: number; sizes: number[]; composeVersion: string; engine: string; cores: number; pollMs: number; startup: { compose: number; cli: number }; date: string };
  sizes: SizeReport[];
  sweep: Array<{ parallelism: number; n: number; up: number; healthy: number; down: number; createStartInFlight: number; createMeanMs: number; startMeanMs: number }>;
  verdict: { noSlower: boolean; slower: string[] };
}

const FIGURES: Figure[] = ['up', 'healthy', 'dockerHealthy', 'noop', 'noopFresh', 'down', 'load'];

function summarize(samples: Sample[], meta: Omit<Report['meta'], 'date'>): Report {
  const main = samples.filter((s) => s.parallelism === undefined);
  const sizeReports = meta.sizes.map((n): SizeReport => {
    const at = main.filter((s) => s.n === n);
    const medians: SizeReport['medians'] = {};
    for (const tool of ['compose', 'library', 'cli', 'floor'] as const) {
      const of = at.filter((s) => s.tool === tool);
      if (!of.length) continue;
      medians[tool] = Object.fromEntries(
        FIGURES.map((f) => [f, median(of.map((s) => s[f]).filter((v): v is number => v !== undefined))] as const).filter(([, v]) => !Number.isNaN(v)),
      );
    }
    const ratios: SizeReport['ratios'] = {};
    for (const tool of ['library', 'cli'] as const) {
      const m = medians[tool];
      const c = medians.compose;
      if (!m || !c) continue;
      const r: Partial<Record<Figure, number>> = {};
      for (const f of ['up', 'healthy', 'dockerHealthy', 'noop', 'down'] as const) if (m[f] !== undefined && c[f] !== undefined) r[f] = m[f]! / c[f]!;
      if (m.noopFresh !== undefined && c.noop !== undefined) r.noopFresh = m.noopFresh / c.noop;
      ratios[tool] = r;
    }
    const foreign = at.map((s) => s.foreign);
    const load1 = at.map((s) => s.load1);
    const pressure = at.map((s) => s.cpuPressure);
    const libs = at.filter((s) => s.tool === 'library' && s.profile);
    return { n, foreign: { min: Math.min(...foreign), max: Math.max(...foreign) }, load1: { min: Math.min(...load1), max: Math.max(...load1) }, cpuPressure: { min: Math.min(...pressure), max: Math.max(...pressure) }, medians, ratios, ...(libs.length ? { profile: medianProfile(libs) } : {}) };
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
  for (const s of sizeReports) {
    for (const [tool, r] of Object.entries(s.ratios)) {
      for (const [f, v] of Object.entries(r)) if (v > 1) slower.push(`N=${s.n} ${tool} ${f} ×${v.toFixed(2)}`);
    }
  }
  return { meta: { ...meta, date: new Date().toISOString() }, sizes: sizeReports, sweep, verdict: { noSlower: slower.length === 0, slower } };
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
  up: 'up (compose: command; modelstack: all started)',
  healthy: 'up → all healthy (as each tool decides)',
  dockerHealthy: "up → Docker's healthcheck: all healthy (polled)",
  noop: 'no-op up',
  noopFresh: 'no-op up, fresh loadProject + Stack + connect',
  down: 'down',
  load: 'loadProject (parse + validate the file)',
};

function render(report: Report): string {
  const { meta } = report;
  const out: string[] = [];
  out.push(
    `modelstack vs docker-compose ${meta.composeVersion} — engine ${meta.engine}, ${meta.cores} cores, run ${meta.runId}, ${meta.date}`,
    `median seconds of ${meta.runs} runs; ratio = modelstack / compose (< 1: modelstack faster); health polled every ${meta.pollMs} ms (adds up to one interval)`,
    '',
  );
  for (const s of report.sizes) {
    const hasCli = Boolean(s.medians.cli);
    const header = ['N=' + s.n, 'compose', 'modelstack', 'ratio', ...(hasCli ? ['CLI', 'ratio'] : []), ...(s.medians.floor ? ['raw floor'] : [])];
    const rows = FIGURES.filter((f) => s.medians.library?.[f] !== undefined || s.medians.compose?.[f] !== undefined).map((f) => [
      LABELS[f],
      secs(s.medians.compose?.[f]),
      secs(s.medians.library?.[f], f === 'load' ? 3 : 2),
      secs(s.ratios.library?.[f]),
      ...(hasCli ? [secs(s.medians.cli?.[f]), secs(s.ratios.cli?.[f])] : []),
      ...(s.medians.floor ? [secs(s.medians.floor[f])] : []),
    ]);
    out.push(table(header, rows), `at cycle starts: other agents' running containers ${s.foreign.min}–${s.foreign.max}; CPU pressure (PSI avg10) ${s.cpuPressure.min.toFixed(0)}–${s.cpuPressure.max.toFixed(0)}%; load average ${s.load1.min.toFixed(1)}–${s.load1.max.toFixed(1)} (${report.meta.cores} cores)`, '');
  }
  out.push(
    `process startup, included in every command figure (median '--help'): docker-compose ${secs(meta.startup.compose)} s` +
      (Number.isNaN(meta.startup.cli) ? '' : `, modelstack CLI (compiled, node) ${secs(meta.startup.cli)} s`),
    '',
  );
  out.push(
    report.verdict.noSlower
      ? 'verdict: modelstack is no slower than docker-compose on every figure'
      : `verdict: modelstack is SLOWER on: ${report.verdict.slower.join('; ')}`,
    '',
  );

  const biggest = report.sizes[report.sizes.length - 1];
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
