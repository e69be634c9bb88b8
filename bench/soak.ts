/**
 * Soak: many `up --wait` / `down` cycles of one stack in one process, to see
 * whether memory, handles or file descriptors grow with the cycles (issue 12:
 * "soak cycles leaked nothing" — this keeps measuring it). Not part of the
 * test suite: it runs for minutes to hours.
 *
 *   node --import tsx bench/soak.ts [--cycles 50] [--services 10] [--every 5] [--json]
 *
 * Every `--every` cycles (and after the first and the last) it prints one row:
 * cycle, rss and heap used (MB, after a GC when node runs with
 * --expose-gc), active handles and requests by type
 * (process.getActiveResourcesInfo), open file descriptors (/proc/self/fd),
 * and the cycle's up and down times. At the end it compares the last row with
 * the first after warm-up and exits 1 when heap, handles or descriptors grew
 * beyond a small slack, or when anything of the run is left on the engine.
 * Everything it creates carries the run id (bench/lib/fixture.ts); Ctrl-C
 * takes the stack down before exiting.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine, Stack } from '../src/index.js';
import { loadProject } from '../src/compose/load.js';
import { leftovers, newRunId, removeLeftovers, writeComposeFile } from './lib/fixture.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '50' },
    services: { type: 'string', default: '10' },
    every: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const cycles = Number(values.cycles);
const services = Number(values.services);
const every = Math.max(1, Number(values.every));

interface Row {
  cycle: number;
  rssMb: number;
  heapMb: number;
  handles: number;
  byType: Record<string, number>;
  fds: number;
  upS: number;
  downS: number;
}

async function sample(cycle: number, upS: number, downS: number): Promise<Row> {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const resources = process.getActiveResourcesInfo();
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r] = (byType[r] ?? 0) + 1;
  return {
    cycle,
    rssMb: m.rss / 2 ** 20,
    heapMb: m.heapUsed / 2 ** 20,
    handles: resources.length,
    byType,
    fds: (await readdir('/proc/self/fd')).length,
    upS,
    downS,
  };
}

function print(r: Row): void {
  if (values.json) return void process.stdout.write(`${JSON.stringify(r)}\n`);
  const types = Object.entries(r.byType).map(([k, v]) => `${k}:${v}`).join(' ');
  process.stdout.write(
    `${String(r.cycle).padStart(5)}  rss ${r.rssMb.toFixed(1).padStart(6)} MB  heap ${r.heapMb.toFixed(1).padStart(6)} MB  handles ${String(r.handles).padStart(3)} (${types})  fds ${String(r.fds).padStart(3)}  up ${r.upS.toFixed(2)} s  down ${r.downS.toFixed(2)} s\n`,
  );
}

const runId = newRunId();
const dir = await mkdtemp(join(tmpdir(), 'modelstack-soak-'));
const engine = await Engine.connect();
const project = await loadProject({ files: [await writeComposeFile(dir, services, runId)], projectName: `${runId}-soak`, env: {} });
const stack = new Stack(project, { engine });
let stopping = false;
process.on('SIGINT', () => {
  stopping = true;
  process.stderr.write('soak: interrupted; finishing this cycle and taking the stack down\n');
});

const rows: Row[] = [];
let failed = false;
try {
  if (!values.json) process.stdout.write(`soak: ${cycles} cycles of up --wait/down, ${services} busybox services, run ${runId}\n`);
  for (let cycle = 1; cycle <= cycles && !stopping; cycle++) {
    const t0 = performance.now();
    await stack.up({ waitTimeoutMs: 120_000 });
    const t1 = performance.now();
    await stack.down({ timeoutSeconds: 1 });
    const t2 = performance.now();
    if (cycle === 1 || cycle % every === 0 || cycle === cycles) {
      const row = await sample(cycle, (t1 - t0) / 1000, (t2 - t1) / 1000);
      rows.push(row);
      print(row);
    }
  }
} catch (err) {
  failed = true;
  process.stderr.write(`soak: ${(err as Error).message}\n`);
} finally {
  await stack.down({ timeoutSeconds: 1 }).catch(() => undefined);
  const left = await leftovers(runId);
  if (left.containers.length || left.networks.length) {
    failed = true;
    process.stderr.write(`soak: LEFT ON THE ENGINE: ${[...left.containers, ...left.networks].join(', ')} (removing)\n`);
    await removeLeftovers(left);
  }
  await rm(dir, { recursive: true, force: true });
}

// Growth: the last row against the first after warm-up (the second row), with slack for noise.
const base = rows[1] ?? rows[0];
const last = rows.at(-1);
if (base && last && last !== base) {
  const growth = { heapMb: last.heapMb - base.heapMb, handles: last.handles - base.handles, fds: last.fds - base.fds };
  const leaking = growth.heapMb > 10 || growth.handles > 2 || growth.fds > 2;
  process.stderr.write(`soak: from cycle ${base.cycle} to ${last.cycle}: heap ${growth.heapMb >= 0 ? '+' : ''}${growth.heapMb.toFixed(1)} MB, handles ${growth.handles >= 0 ? '+' : ''}${growth.handles}, fds ${growth.fds >= 0 ? '+' : ''}${growth.fds}${leaking ? ' — GROWING' : ' — flat'}\n`);
  if (leaking) failed = true;
}
process.exitCode = failed ? 1 : 0;
