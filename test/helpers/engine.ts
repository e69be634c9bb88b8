/**
 * Test access to the real engine: a connected Engine, a label every test
 * resource carries, an independent `docker inspect` (the CLI, not our code),
 * and cleanup that removes exactly what the calling test made.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Engine } from '../../src/index.js';

const run = promisify(execFile);

/** Label key on every resource a test creates. */
export const TEST_LABEL = 'org.modelstack.test';

export const BUSYBOX = 'modelstack-test/busybox:latest';
export const TF_STANDIN = 'modelstack-test/tf-jupyter:standin';
export const TF_STANDIN_SSH = 'modelstack-test/tf-jupyter:standin-ssh';

/** A fresh id for one test file's resources: `ms-<8 hex>`. */
export function uniqueName(prefix = 'ms'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function connectTestEngine(): Promise<Engine> {
  return Engine.connect();
}

/** `docker inspect <id>` through the CLI: an independent view of what the engine holds. */
export async function dockerInspect<T = Record<string, any>>(id: string, kind: 'container' | 'network' | 'volume' | 'image' = 'container'): Promise<T> {
  const { stdout } = await run('docker', [kind, 'inspect', id], { maxBuffer: 16 * 1024 * 1024 });
  const parsed = JSON.parse(stdout) as T[];
  if (!parsed[0]) throw new Error(`docker ${kind} inspect ${id}: nothing`);
  return parsed[0];
}

/** Runs the docker CLI and returns stdout. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Everything (containers, networks, volumes) still carrying `label`, as seen by the CLI. */
export async function leftovers(label: string): Promise<string[]> {
  const out: string[] = [];
  for (const [kind, fmt] of [
    ['ps', '{{.Names}}'],
    ['network', '{{.Name}}'],
    ['volume', '{{.Name}}'],
  ] as const) {
    const args = kind === 'ps' ? ['ps', '-a', '--filter', `label=${label}`, '--format', fmt] : [kind, 'ls', '--filter', `label=${label}`, '--format', fmt];
    const lines = (await docker(...args)).split('\n').filter(Boolean);
    out.push(...lines.map((l) => `${kind === 'ps' ? 'container' : kind} ${l}`));
  }
  return out;
}

/** Removes containers, then networks, then volumes carrying `label` (test cleanup). */
export async function removeLabelled(engine: Engine, label: string): Promise<void> {
  for (const c of await engine.containers.list([label])) await engine.containers.remove(c.Id, { force: true, volumes: true });
  for (const n of await engine.networks.list([label])) await engine.networks.remove(n.Id);
  for (const v of await engine.volumes.list([label])) await engine.volumes.remove(v.Name);
}

/** HTTP GET to a published port on 127.0.0.1; returns status and body. */
export async function httpGet(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`tests only talk to 127.0.0.1, not ${url}`);
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/**
 * Run ids for one test file: `next()` gives a fresh one (also the label
 * value of everything that run creates); `removeAll()` removes what each run
 * left and returns what still remains (expected: nothing).
 */
export function testRuns(prefix: string): { next(): string; removeAll(engine: Engine): Promise<string[]> } {
  const runs: string[] = [];
  return {
    next() {
      const run = uniqueName(prefix);
      runs.push(run);
      return run;
    },
    async removeAll(engine) {
      const remaining: string[] = [];
      for (const run of runs) {
        await removeLabelled(engine, `${TEST_LABEL}=${run}`);
        remaining.push(...(await leftovers(`${TEST_LABEL}=${run}`)));
      }
      return remaining;
    },
  };
}
