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
  /** Healthy once this shell test passes (checked every second). */
  healthcheck?: string;
  extra?: string[];
}

/** A compose file with `services` (name → options), everything labelled `run`. */
export function composeFile(run: string, services: Record<string, ServiceOptions>): string {
  const lines = ['services:'];
  for (const [name, s] of Object.entries(services)) {
    lines.push(`  ${name}:`, `    image: ${BUSYBOX}`, '    init: true', `    command: ["sh", "-c", ${JSON.stringify(s.command ?? 'exec sleep 3600')}]`);
    if (s.healthcheck) lines.push('    healthcheck:', `      test: ["CMD-SHELL", ${JSON.stringify(s.healthcheck)}]`, '      interval: 1s', '      timeout: 3s', '      retries: 3');
    for (const l of s.extra ?? []) lines.push(`    ${l}`);
    lines.push('    labels:', `      ${TEST_LABEL}: ${run}`);
  }
  lines.push('networks:', '  default:', '    labels:', `      ${TEST_LABEL}: ${run}`, '');
  return lines.join('\n');
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
