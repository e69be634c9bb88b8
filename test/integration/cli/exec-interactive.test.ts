/**
 * `modelstack exec` as people type it (issue 13): the CLI as a real process,
 * under a pseudo-terminal made by util-linux's `script` where a terminal is
 * the point, else with a pipe on stdin.
 *
 * - stdin a terminal: the command gets a pseudo-terminal (`tty` names one),
 *   reads what is typed, sees the terminal's size, gets Ctrl-C as a key, and
 *   its exit code is ours; `-T` runs it without one.
 * - stdin a pipe: what is piped reaches the command and its end closes the
 *   command's stdin (`cat` ends).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, TEST_LABEL, connectTestEngine, removeLabelled, uniqueName } from '../../helpers/engine.js';
import { cli, projectDir, testLabels } from './harness.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const MODELSTACK = `${JSON.stringify(process.execPath)} --import ${JSON.stringify(TSX)} ${JSON.stringify(`${ROOT}src/cli/main.ts`)}`;

interface Finished {
  code: number | null;
  output: string;
}

/**
 * Runs `shellCommand` (sh -c) with `input` written to its stdin, one piece
 * after another once `output` shows `after` (or at once); stdin closes when
 * the process ends, or after the last piece with `closeStdin`.
 */
function runWithInput(shellCommand: string, cwd: string, steps: Array<{ after?: RegExp; delayMs?: number; write: string }>, options: { closeStdin?: boolean; timeoutMs?: number } = {}): Promise<Finished> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: cwd, TERM: 'xterm' };
  if (process.env['DOCKER_HOST']) env['DOCKER_HOST'] = process.env['DOCKER_HOST'];
  const child = spawn('sh', ['-c', shellCommand], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let output = '';
  let next = 0;
  let waiting = false;
  const feed = () => {
    while (!waiting && next < steps.length && (!steps[next]!.after || steps[next]!.after!.test(output))) {
      const step = steps[next]!;
      const write = () => {
        child.stdin.write(step.write);
        next++;
        if (next === steps.length && options.closeStdin) child.stdin.end();
      };
      if (!step.delayMs) {
        write();
        continue;
      }
      waiting = true;
      setTimeout(() => {
        waiting = false;
        write();
        feed();
      }, step.delayMs);
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString('utf8');
    feed();
  });
  child.stderr.on('data', (d: Buffer) => void (output += d.toString('utf8')));
  child.stdin.on('error', () => {});
  feed();
  // script and the CLI under it hold the pipes too: end the whole group.
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, options.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** busybox sh's prompt as root (it then asks the terminal where the cursor is, and draws it again). */
const PROMPT = /\/ # /;

/** `script` gives the command a pseudo-terminal of `rows`×`columns`; -e passes its exit code through. */
function underTerminal(command: string, rows = 30, columns = 100): string {
  return `script -qefc ${JSON.stringify(`stty rows ${rows} cols ${columns}; exec ${command}`)} /dev/null`;
}

describe('exec, interactive', () => {
  const label = uniqueName('ms-exec');
  let project: { dir: string; remove(): void };
  let exec: string;

  beforeAll(async () => {
    project = projectDir({
      'compose.yaml': ['services:', '  web:', `    image: ${BUSYBOX}`, '    init: true', '    command: ["sleep", "3600"]', testLabels(label, '    ').trimEnd(), 'networks:', '  default:', testLabels(label, '    ').trimEnd(), ''].join('\n'),
    });
    const up = await cli(['-p', label, 'up', '-d', '--wait'], { cwd: project.dir });
    expect(up.code, up.stderr).toBe(0);
    exec = `${MODELSTACK} -p ${label} exec`;
  }, 120_000);

  afterAll(async () => {
    await removeLabelled(await connectTestEngine(), `${TEST_LABEL}=${label}`);
    project?.remove();
  });

  it('on a terminal: a shell on a pseudo-terminal of the terminal\'s size, reading what is typed; its exit code is ours', async () => {
    const result = await runWithInput(underTerminal(`${exec} web sh`), project.dir, [{ after: PROMPT, write: 'tty; stty size; echo marker-$((6*7)); exit 7\r' }]);
    expect(result.output).toMatch(/^\/dev\/pts\/\d+\r*$/m);
    expect(result.output).toMatch(/^30 100\r*$/m);
    expect(result.output).toMatch(/^marker-42\r*$/m);
    expect(result.code).toBe(7);
  }, 90_000);

  it('on a terminal, Ctrl-C is a key for the command, not the end of exec', async () => {
    const result = await runWithInput(underTerminal(`${exec} web sh`), project.dir, [
      { after: PROMPT, write: 'sleep 60\r' },
      // Once sleep runs (a key typed while the shell still reads its line is only a byte of input).
      { after: /sleep 60\r*\n/, delayMs: 1000, write: '\u0003' },
      { after: /\^C/, write: 'echo after-$((1+1)); exit 3\r' },
    ]);
    expect(result.output).toMatch(/^after-2\r*$/m);
    expect(result.code).toBe(3);
  }, 90_000);

  it('-T: no pseudo-terminal, even on a terminal', async () => {
    const result = await runWithInput(underTerminal(`${exec} -T web tty`), project.dir, []);
    expect(result.output).toContain('not a tty');
    expect(result.code).toBe(1);
  }, 90_000);

  it('from a pipe: what is piped reaches the command, and its end ends cat', async () => {
    const result = await runWithInput(`${exec} web cat`, project.dir, [{ write: 'hello\nfrom a pipe\n' }], { closeStdin: true });
    expect(result).toEqual({ code: 0, output: 'hello\nfrom a pipe\n' });
  }, 90_000);
});
