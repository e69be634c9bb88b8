/**
 * A private Docker engine for one test file (scripts/private-engine.sh): a
 * dockerd of its own that the test may pause (SIGSTOP), resume and stop —
 * by the pid the script started, never by name. `stop()` removes all of it.
 */
import { execFile } from 'node:child_process';
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
  return {
    host,
    pid,
    engine,
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    terminate: () => process.kill(pid, 'SIGTERM'),
    stop: async () => {
      await run('bash', [SCRIPT, 'stop', name], { timeout: 120_000 });
    },
  };
}
