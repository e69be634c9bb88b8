/**
 * Compose files and checks the fault tests share: N busybox services that
 * carry the test label (so cleanup finds them), each with `init: true`
 * (busybox as PID 1 ignores SIGTERM) and an optional healthcheck; and the
 * project's containers as `docker inspect` sees them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, TEST_LABEL } from '../../helpers/engine.js';
import type { Engine } from '../../../src/index.js';
import { type CliResult, startCli } from '../cli/harness.js';

export interface ServiceOptions {
  command?: string;
  /** Healthy once this shell test passes (checked every second; 3 failures in a row make it unhealthy). */
  healthcheck?: string;
  /** The healthcheck's `start_period` (failures in it do not count), for a service that takes longer than 3 s to be healthy. */
  startPeriod?: string;
  extra?: string[];
}

/** A compose file with `services` (name → options), everything labelled `run`. */
export function composeFile(run: string, services: Record<string, ServiceOptions>): string {
  const lines = ['services:'];
  for (const [name, s] of Object.entries(services)) {
    lines.push(`  ${name}:`, `    image: ${BUSYBOX}`, '    init: true', `    command: ["sh", "-c", ${JSON.stringify(s.command ?? 'exec sleep 3600')}]`);
    if (s.healthcheck) lines.push('    healthcheck:', `      test: ["CMD-SHELL", ${JSON.stringify(s.healthcheck)}]`, '      interval: 1s', '      timeout: 3s', '      retries: 3', ...(s.startPeriod ? [`      start_period: ${s.startPeriod}`] : []));
    for (const l of s.extra ?? []) lines.push(`    ${l}`);
    lines.push('    labels:', `      ${TEST_LABEL}: ${run}`);
  }
  lines.push('networks:', '  default:', '    labels:', `      ${TEST_LABEL}: ${run}`, '');
  return lines.join('\n');
}

/** A service that runs until stopped: the good half of a fault's file, and the fix. */
export const GOOD: ServiceOptions = { command: 'exec sleep 3600' };

/** `port`: taken on 127.0.0.1 (someone listens there); `closedPort`: nothing listens there. */
export interface FaultPorts {
  port: number;
  closedPort: number;
}

/** A reason a service cannot come up: how service "bad" is written, and what the error must say. */
export interface Fault {
  name: string;
  bad: (ports: FaultPorts) => ServiceOptions;
  /** What the error must say (besides naming service "bad"). */
  cause: (ports: FaultPorts) => RegExp;
}

/** The service faults of the matrix (service-faults.test.ts asserts them; bench/faults.ts counts them for both tools). */
export const FAULTS: Fault[] = [
  // Dies at once: a run long enough to pass the wait's settle would be a lucky inspect, not a crash.
  { name: 'crash (exit 3)', bad: () => ({ command: 'echo "fatal: weights not found" >&2; sleep 0.05; exit 3' }), cause: () => /exited with code 3[\s\S]*fatal: weights not found/ },
  {
    name: 'OOM kill (8 MB limit)',
    bad: () => ({ command: 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=64', extra: ['mem_limit: 8m', 'memswap_limit: 8m'] }),
    cause: () => /OOM|out of memory/i,
  },
  { name: 'unhealthy', bad: () => ({ healthcheck: 'echo model not loaded; exit 1' }), cause: () => /unhealthy[\s\S]*model not loaded/ },
  { name: 'restart loop (restart: always)', bad: () => ({ command: 'sleep 0.05; exit 1', extra: ['restart: always'] }), cause: () => /restart/ },
  { name: 'host port taken', bad: ({ port }) => ({ extra: [`ports: ["127.0.0.1:${port}:8080"]`] }), cause: ({ port }) => new RegExp(`127\\.0\\.0\\.1:${port}`) },
  { name: 'image missing', bad: () => ({ extra: ['image: modelstack-test/no-such-image:missing', 'pull_policy: never'] }), cause: () => /modelstack-test\/no-such-image:missing/ },
  {
    name: 'registry down',
    bad: ({ closedPort }) => ({ extra: [`image: 127.0.0.1:${closedPort}/modelstack-test/busybox:latest`] }),
    cause: ({ closedPort }) => new RegExp(`pulling 127\\.0\\.0\\.1:${closedPort}/modelstack-test/busybox:latest failed: .*connection refused`),
  },
];

/** The compose file of `fault`: services "ok" (GOOD) and "bad"; an image of the fault's own replaces the fixture's image line (a second image key would be a duplicate key). */
export function faultFile(run: string, fault: Fault, ports: FaultPorts): string {
  const bad = fault.bad(ports);
  const image = (bad.extra ?? []).find((l) => l.startsWith('image:'));
  const text = composeFile(run, { ok: GOOD, bad: { ...bad, extra: (bad.extra ?? []).filter((l) => !l.startsWith('image:')) } });
  return image ? text.replace(/(  bad:\n    )image: \S+/, `$1${image}`) : text;
}

/** `n` plain services s1..sn (`sleep`), for rollouts long enough to interrupt. */
export function manyServices(n: number, options: ServiceOptions = {}): Record<string, ServiceOptions> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i + 1}`, options]));
}

/** A temp folder with `compose.yaml`; `remove()` deletes it. */
export function projectFolder(compose: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'modelstack-faults-'));
  writeFileSync(join(dir, 'compose.yaml'), compose);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Everything of `project` on `engine`: its containers (with state and times), networks, and its lock container. */
export async function projectState(engine: Engine, project: string): Promise<{
  containers: Array<{ name: string; created: number; startedAt: number | undefined; running: boolean }>;
  networks: string[];
  lock: boolean;
}> {
  const filter = [`com.docker.compose.project=${project}`];
  const containers = [];
  for (const c of await engine.containers.list(filter)) {
    const info = await engine.containers.inspect(c.Id);
    if (!info) continue;
    const started = Date.parse(info.State.StartedAt);
    containers.push({
      name: info.Name.replace(/^\//, ''),
      created: Date.parse(info.Created),
      startedAt: started > 0 ? started : undefined,
      running: info.State.Running,
    });
  }
  const networks = (await engine.networks.list(filter)).map((n) => n.Name);
  const lock = Boolean(await engine.containers.inspect(`${project}-modelstack-lock`));
  return { containers: containers.sort((a, b) => a.name.localeCompare(b.name)), networks, lock };
}

/** One CLI run in this process (test/integration/cli/harness.ts), with its `--progress json` events and the time each was seen. */
export interface CliRun {
  startedAt: number;
  done: Promise<CliResult & { exitedAt: number }>;
  stderr(): string;
  events(): Array<{ type: string; time: number } & Record<string, any>>;
  /** Resolves once an event matches; rejects when the run ends first or after `timeoutMs`. */
  waitForEvent(match: (e: { type: string } & Record<string, any>) => boolean, timeoutMs?: number): Promise<void>;
  /** Ctrl-C; false when the command is not listening for it. */
  interrupt(): boolean;
}

/** Starts `modelstack <argv>` in `dir` against `dockerHost` (default: this process's engine). */
export function startRun(argv: string[], dir: string, dockerHost?: string): CliRun {
  const startedAt = Date.now();
  const running = startCli(argv, { cwd: dir, ...(dockerHost ? { env: { DOCKER_HOST: dockerHost } } : {}) });
  let ended = false;
  const done = running.done.then((r) => {
    ended = true;
    return { ...r, exitedAt: Date.now() };
  });
  const events = () =>
    running
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { type: string; time: number }];
        } catch {
          return [];
        }
      });
  return {
    startedAt,
    done,
    stderr: running.stderr,
    events,
    interrupt: running.interrupt,
    async waitForEvent(match, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (events().some(match)) return;
        if (ended) throw new Error(`the command ended before the awaited event; stderr:\n${running.stderr()}`);
        if (Date.now() > deadline) throw new Error(`no such event within ${timeoutMs} ms; stderr:\n${running.stderr()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** Runs `modelstack <argv>` to the end. */
export function runToEnd(argv: string[], dir: string, dockerHost?: string): Promise<CliResult & { exitedAt: number }> {
  return startRun(argv, dir, dockerHost).done;
}
