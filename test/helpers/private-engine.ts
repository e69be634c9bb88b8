/**
 * A private Docker engine for one test file (scripts/private-engine.sh): a
 * dockerd of its own that the test may pause (SIGSTOP), resume and stop —
 * by the pid the script started, never by name — and relaunch it after a
 * stop. `stop()` removes all of it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Engine } from '../../src/index.js';

const run = promisify(execFile);
const SCRIPT = new URL('../../scripts/private-engine.sh', import.meta.url).pathname;

export interface PrivateEngine {
  /** `unix:///run/modelstack/private-<name>/docker.sock` */
  host: string;
  /** The dockerd's pid (the only process this helper signals). */
  pid: number;
  engine: Engine;
  pause(): void;
  resume(): void;
  /** SIGTERM: the engine shuts down (and stops its containers). */
  terminate(): void;
  /** After `terminate()`: once that dockerd has exited, the same engine again (same data, its containers stopped). */
  relaunch(): Promise<void>;
  /** Stops the dockerd and removes its namespace and folders. */
  stop(): Promise<void>;
}

/** Starts private engine `name` (1-8 of [a-z0-9]) with the busybox test image loaded. */
export async function startPrivateEngine(name: string): Promise<PrivateEngine> {
  const { stdout } = await run('bash', [SCRIPT, 'start', name], { timeout: 120_000 });
  const host = /^DOCKER_HOST=(.+)$/m.exec(stdout)?.[1];
  const pid = Number(/^PID=(\d+)$/m.exec(stdout)?.[1]);
  if (!host || !pid) throw new Error(`private-engine.sh start ${name} printed no DOCKER_HOST/PID:\n${stdout}`);
  const engine = await Engine.connect({ host });
  let current = pid;
  return {
    host,
    get pid() {
      return current;
    },
    engine,
    pause: () => process.kill(current, 'SIGSTOP'),
    resume: () => process.kill(current, 'SIGCONT'),
    terminate: () => process.kill(current, 'SIGTERM'),
    relaunch: async () => {
      const deadline = Date.now() + 60_000;
      while (existsSync(`/proc/${current}`)) {
        if (Date.now() > deadline) throw new Error(`private engine ${name}: dockerd ${current} still runs 60 s after it was told to stop`);
        await sleep(100);
      }
      const { stdout: out } = await run('bash', [SCRIPT, 'relaunch', name], { timeout: 120_000 });
      const again = Number(/^PID=(\d+)$/m.exec(out)?.[1]);
      if (!again) throw new Error(`private-engine.sh relaunch ${name} printed no PID:\n${out}`);
      current = again;
    },
    stop: async () => {
      await run('bash', [SCRIPT, 'stop', name], { timeout: 120_000 });
    },
  };
}
