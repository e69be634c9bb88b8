/**
 * Running the CLI in-process against the real engine: `runCli` with a
 * capturing io, a fake Ctrl-C, compose files written into temp folders,
 * and a busybox project whose every resource carries the test label.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../../src/cli/context.js';
import { runCli } from '../../../src/cli/program.js';
import { BUSYBOX, TEST_LABEL } from '../../helpers/engine.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** What the command reads on stdin (a pipe that ends after it); none without it. */
  stdin?: string;
}

/** A CLI run in flight: its output so far, and a Ctrl-C. */
export interface RunningCli {
  done: Promise<CliResult>;
  stdout(): string;
  stderr(): string;
  /** Presses Ctrl-C; false when the command is not listening for it at this moment. */
  interrupt(): boolean;
}

/** Starts `modelstack <argv>` in-process with captured output. */
export function startCli(argv: string[], options: CliRunOptions): RunningCli {
  let stdout = '';
  let stderr = '';
  let listener: (() => void) | undefined;
  const io: CliIo = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    isTty: false,
    // The engine under test (scripts/test.sh runs the suite once per engine).
    env: { HOME: options.cwd, PATH: process.env['PATH'], ...(process.env['DOCKER_HOST'] ? { DOCKER_HOST: process.env['DOCKER_HOST'] } : {}), ...options.env },
    cwd: options.cwd,
    ...(options.stdin !== undefined ? { stdin: Readable.from([Buffer.from(options.stdin)]) } : {}),
    onInterrupt(l) {
      listener = l;
      return () => {
        if (listener === l) listener = undefined;
      };
    },
  };
  const done = runCli(argv, io).then((code) => ({ code, stdout, stderr }));
  return {
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    interrupt: () => {
      if (!listener) return false;
      listener();
      return true;
    },
  };
}

/** Runs `modelstack <argv>` to the end. */
export function cli(argv: string[], options: CliRunOptions): Promise<CliResult> {
  return startCli(argv, options).done;
}

/** Polls `check` every `intervalMs` until it is true; fails after `timeoutMs` with `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A temp folder holding `files`; `remove()` deletes it. */
export function projectDir(files: Record<string, string>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'modelstack-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `labels: {org.modelstack.test: <run>}` for a service, network or volume. */
export function testLabels(run: string, indent: string): string {
  return `${indent}labels:\n${indent}  ${TEST_LABEL}: ${run}\n`;
}

/**
 * Two services, readable by Debian's docker-compose 1.29 too:
 * - `web`: busybox httpd on 8080 (published without a host address), a 1 s
 *   healthcheck, `MODEL_MODE` from the environment, one line on stdout and
 *   one on stderr at start;
 * - `worker`: prints `one`, `two` on stdout and `oops` on stderr, then
 *   sleeps; starts once web is healthy; mounts the named volume `data`.
 * Both with `init: true` (busybox as PID 1 ignores SIGTERM).
 */
export function webAndWorker(run: string): string {
  return [
    'services:',
    '  web:',
    `    image: ${BUSYBOX}`,
    '    init: true',
    `    command: ["sh", "-c", "echo web says hello; echo web warns >&2; mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]`,
    '    ports: ["8080"]',
    '    environment:',
    '      MODEL_MODE: ${MODEL_MODE:-a}',
    '    healthcheck:',
    '      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]',
    '      interval: 1s',
    '      timeout: 3s',
    '      retries: 3',
    testLabels(run, '    ').trimEnd(),
    '  worker:',
    `    image: ${BUSYBOX}`,
    '    init: true',
    '    command: ["sh", "-c", "echo one; echo two; sleep 1; echo oops >&2; exec sleep 3600"]',
    '    depends_on:',
    '      web:',
    '        condition: service_healthy',
    '    volumes: ["data:/data"]',
    testLabels(run, '    ').trimEnd(),
    'networks:',
    '  default:',
    testLabels(run, '    ').trimEnd(),
    'volumes:',
    '  data:',
    testLabels(run, '    ').trimEnd(),
    '',
  ].join('\n');
}

/** `ps --format json` output, parsed (one object per line). */
export function parsePs(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
}
