/**
 * The benchmark's compose files and names, and the final check that nothing
 * the benchmark created is left on the engine.
 *
 * Every service carries `org.modelstack.bench=<run id>` and every project
 * name starts with the run id, so the check (and the cleanup) can find
 * exactly what this run made and nothing else.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const BENCH_LABEL = 'org.modelstack.bench';
export const IMAGE = 'modelstack-test/busybox:latest';
export const HTTPD = ['sh', '-c', 'echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'];
export const HEALTH_TEST = ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/'];

const run = promisify(execFile);

/** A run id that is a valid project-name prefix for both tools: `msb` + base36 time + random. */
export function newRunId(): string {
  return `msb${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
}

export function serviceName(i: number, n: number): string {
  return `s${String(i + 1).padStart(String(n).length, '0')}`;
}

/**
 * Writes `<dir>/compose-<n>-<interval>s.yml`: n busybox web servers with a
 * healthcheck every `intervalS` seconds (1 for the size figures, 30 for the
 * seed-like stack), a loopback port chosen by the daemon, init as PID 1
 * (busybox httpd ignores SIGTERM; without init every stop costs the 10 s
 * timeout).
 */
export async function writeComposeFile(dir: string, n: number, runId: string, intervalS = 1): Promise<string> {
  const lines = ['services:'];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  ${serviceName(i, n)}:`,
      `    image: ${IMAGE}`,
      '    init: true',
      `    command: ${JSON.stringify(HTTPD)}`,
      '    healthcheck:',
      `      test: ${JSON.stringify(HEALTH_TEST)}`,
      `      interval: ${intervalS}s`,
      // Generous timeout and retries: on a loaded 2-core machine an exec can
      // take seconds, and an "unhealthy" flip would measure the load, not the tools.
      '      timeout: 10s',
      '      retries: 10',
      '    ports: ["127.0.0.1::8080"]',
      '    labels:',
      `      ${BENCH_LABEL}: "${runId}"`,
    );
  }
  const file = join(dir, `compose-${n}-${intervalS}s.yml`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** What is left of a run on the engine: containers with the label or the name prefix, networks with the name prefix. */
export async function leftovers(runId: string): Promise<{ containers: string[]; networks: string[] }> {
  const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
  const byLabel = await run('docker', ['ps', '-a', '--filter', `label=${BENCH_LABEL}=${runId}`, '--format', '{{.ID}} {{.Names}}']);
  const byName = await run('docker', ['ps', '-a', '--filter', `name=${runId}`, '--format', '{{.ID}} {{.Names}}']);
  const networks = await run('docker', ['network', 'ls', '--filter', `name=${runId}`, '--format', '{{.ID}} {{.Name}}']);
  return {
    containers: [...new Set([...lines(byLabel.stdout), ...lines(byName.stdout)])],
    networks: lines(networks.stdout),
  };
}

/** Force-removes leftovers of this run (only ids found by {@link leftovers}, so only what this run made). */
export async function removeLeftovers(left: { containers: string[]; networks: string[] }): Promise<void> {
  const ids = (rows: string[]) => rows.map((r) => r.split(' ')[0]!).filter(Boolean);
  if (left.containers.length) await run('docker', ['rm', '-f', ...ids(left.containers)]).catch(() => undefined);
  if (left.networks.length) await run('docker', ['network', 'rm', ...ids(left.networks)]).catch(() => undefined);
}
