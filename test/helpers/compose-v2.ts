/**
 * The reference implementation, Docker Compose v2.26.1 (Debian's build, a
 * standalone binary), for tests that compare modelstack with it.
 *
 * The binary is found at `MODELSTACK_COMPOSE_V2`, else where
 * `scripts/install-test-tools.sh` unpacks it. It honours `DOCKER_HOST` like
 * the docker CLI, so a run against the second engine needs nothing more.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** Where `scripts/install-test-tools.sh` unpacks Debian's docker-compose 2.26.1. */
export const DEFAULT_COMPOSE_V2 = '/opt/modelstack/docker-compose-2.26/usr/libexec/docker/cli-plugins/docker-compose';

/** Path of the Compose v2 binary; throws an error saying how to get it when it is not there. */
export function composeV2Path(): string {
  const path = process.env['MODELSTACK_COMPOSE_V2'] || DEFAULT_COMPOSE_V2;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `Docker Compose v2 not found at ${path} (set MODELSTACK_COMPOSE_V2 to its path, or run scripts/install-test-tools.sh to unpack Debian's docker-compose 2.26.1 there)`,
    );
  }
  return path;
}

export interface ComposeV2Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ComposeV2Options {
  cwd: string;
  /**
   * The whole environment of the run (PATH and DOCKER_HOST are added from
   * this process): nothing else leaks in, so both tools see the same variables.
   */
  env?: Record<string, string>;
}

/** Runs `docker-compose <args>`; never rejects on a non-zero exit (the result says). */
export function composeV2(args: string[], options: ComposeV2Options): Promise<ComposeV2Result> {
  const bin = composeV2Path();
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    ...(process.env['DOCKER_HOST'] ? { DOCKER_HOST: process.env['DOCKER_HOST'] } : {}),
    ...options.env,
  };
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `docker-compose <args>` and returns stdout; rejects with its stderr on failure. */
export async function composeV2Ok(args: string[], options: ComposeV2Options): Promise<string> {
  const r = await composeV2(args, options);
  if (r.code !== 0) throw new Error(`docker-compose ${args.join(' ')} exited with ${r.code}:\n${r.stderr}`);
  return r.stdout;
}
