/**
 * The command line itself, without an engine: which arguments parse, which
 * are usage errors (exit 2, one clear line), and failures found before any
 * engine call (exit 1) — unknown services, no compose file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/context.js';
import { runCli } from '../../../src/cli/program.js';
import { writeProject } from '../compose/temp-project.js';

async function run(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTty: false, env: { HOME: cwd }, cwd };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const project = writeProject({ 'compose.yaml': 'services:\n  web:\n    image: modelstack-test/busybox:latest\n' });
const empty = mkdtempSync(join(tmpdir(), 'modelstack-cli-empty-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('help', () => {
  it('lists every command and exits 0', async () => {
    const { code, stdout } = await run(['--help'], project);
    expect(code).toBe(0);
    for (const command of ['up', 'down', 'ps', 'logs', 'exec', 'port', 'start', 'stop', 'restart', 'config']) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(stdout).toContain('--progress <mode>');
  });

  it('says exec is interactive on a terminal', async () => {
    const { code, stdout } = await run(['exec', '--help'], project);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: modelstack exec [options] SERVICE COMMAND [ARGS...]');
    expect(stdout.replace(/\s+/g, ' ')).toContain('(interactive on a terminal)');
    expect(stdout.replace(/\s+/g, ' ')).toContain('-T, --no-TTY no pseudo-terminal, even when stdin is a terminal');
  });
});

describe('usage errors exit with 2 and say what is wrong', () => {
  it.each([
    [['--progress', 'fancy', 'ps'], 'unknown --progress "fancy"; use auto, tty, plain, json, quiet'],
    [['up', '--force-recreate', '--no-recreate'], '--force-recreate and --no-recreate cannot be used together'],
    [['up', '--pull', 'sometimes'], "option '--pull <policy>' argument 'sometimes' is invalid. expected one of: always, missing, never."],
    [['up', '--wait-timeout', '1.5'], "option '--wait-timeout <seconds>' argument '1.5' is invalid. expected a whole number of seconds (0 or more)."],
    [['down', '-t', 'soon'], "option '-t, --timeout <seconds>' argument 'soon' is invalid."],
    [['stop', '-t', '-1'], "option '-t, --timeout <seconds>' argument '-1' is invalid."],
    [['ps', '--format', 'xml'], "option '--format <format>' argument 'xml' is invalid. expected one of: table, json."],
    [['logs', '--tail', 'many'], 'expected a number of lines or "all".'],
    [['port', 'web', '70000'], "value '70000' is invalid for argument 'private_port'. expected a port number (1-65535)."],
    [['port', 'web', '8080', '--protocol', 'sctp'], 'expected one of: tcp, udp.'],
    [['port', 'web'], "missing required argument 'private_port'"],
    [['exec', 'web'], "missing required argument 'command'"],
    [['exec', '--index', '0', 'web', 'true'], 'expected a container number (1 or more).'],
    [['exec', '-e', '=x', 'web', 'true'], '-e "=x": expected KEY=VALUE or KEY'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['down', '--nope'], "unknown option '--nope'"],
  ])('%j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv, project);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    // One form for every error, the parser's own included.
    expect(stderr).toMatch(/^modelstack: /);
    expect(stderr).not.toMatch(/^error: /m);
  });

  it('a global option after the command gets a hint to move it', async () => {
    const { code, stderr } = await run(['ps', '-f', 'compose.yaml'], project);
    expect(code).toBe(2);
    expect(stderr).toContain('modelstack: -f is a global option: put it before the command');
  });

  it.each([['ps'], ['down'], ['logs'], ['stop'], ['exec', 'web', 'true'], ['port', 'web', '80']])(
    'without a compose file or -p, %j asks for one of them',
    async (...argv) => {
      const { code, stderr } = await run(argv, empty);
      expect(code).toBe(2);
      expect(stderr).toBe(`modelstack: no compose file found in ${empty} or its parent folders, and no project name; pass -f FILE, or -p NAME to act on a running stack\n`);
    },
  );
});

describe('failures found before any engine call exit with 1', () => {
  it.each([
    [['up', 'nosuch']],
    [['up', '--dry-run', 'web', 'nosuch']],
    [['logs', '-f', 'nosuch']],
    [['port', 'nosuch', '80']],
    [['stop', 'nosuch']],
    // Everything after SERVICE belongs to the command: -la and -u are not ours.
    [['exec', 'nosuch', 'ls', '-la']],
    [['exec', '-u', 'root', 'nosuch', 'env', '-u', 'HOME']],
  ])('unknown service: %j', async (argv) => {
    const { code, stdout, stderr } = await run(argv, project);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('modelstack: no such service: "nosuch"; the project\'s services: web\n');
  });

  it('up needs a compose file even with -p', async () => {
    const { code, stderr } = await run(['-p', 'named', 'up', '-d'], empty);
    expect(code).toBe(1);
    expect(stderr).toContain('no compose file found');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an invalid -p is reported with the fix', async () => {
    const { code, stderr } = await run(['-p', 'My App', 'ps'], empty);
    expect(code).toBe(1);
    expect(stderr).toContain('use "myapp" instead');
  });
});
