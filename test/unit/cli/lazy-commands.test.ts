/**
 * The CLI loads only the command it runs: `--help`, `--version`, `version`
 * and `config` never import the engine client (dockerode, with ssh2 and
 * gRPC) or the logger, and the help's summaries of the commands it did not
 * load agree with what their modules register. Load time itself is a figure
 * of the benchmark (bench/up-down.ts), not of the tests.
 */
import { join } from 'node:path';
import { Help } from 'commander';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CliIo } from '../../../src/cli/context.js';
import { writeProject } from '../compose/temp-project.js';

/** The packages whose import is watched: the engine client, the logger, the compose loader's parser and schema. */
const WATCHED = ['dockerode', 'pino', 'yaml', 'zod'];
/** Watched packages imported since the last reset (each mock records its package, then hands over the real one). */
const loaded = new Set<string>();

const project = writeProject({ 'compose.yaml': 'services:\n  web:\n    image: modelstack-test/busybox:latest\n' });

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { runCli } = await import('../../../src/cli/program.js');
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTty: false, env: { HOME: project }, cwd: project };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

beforeEach(() => {
  // A fresh module registry and fresh mocks per test: what a run imports is what it loaded.
  vi.resetModules();
  loaded.clear();
  for (const pkg of WATCHED) {
    vi.doMock(pkg, async (original) => {
      loaded.add(pkg);
      return original();
    });
  }
});

describe('commands that need no engine load no engine', () => {
  it.each([[['--help']], [['help']], [['--version']], [['-v']], [['version']], [['version', '--short']]])('%j loads neither the engine, the logger nor the compose loader', async (argv) => {
    const { code } = await run(argv);
    expect(code).toBe(0);
    expect([...loaded]).toEqual([]);
  });

  it('config loads the compose loader only', async () => {
    const { code, stdout } = await run(['-f', join(project, 'compose.yaml'), 'config']);
    expect(code).toBe(0);
    expect(stdout).toContain('image: modelstack-test/busybox:latest');
    expect([...loaded].sort()).toEqual(['yaml', 'zod']);
  });

  it('a command that talks to the engine does load it (so the checks above can fail)', async () => {
    const { code, stdout } = await run(['-p', 'lazy-test', 'down', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: modelstack down');
    expect(loaded).toContain('dockerode');
  });
});

describe('version', () => {
  it('prints modelstack version X.Y.Z from package.json, as Compose prints its own', async () => {
    const { version } = (await import('../../../package.json', { with: { type: 'json' } })).default as { version: string };
    expect((await run(['--version'])).stdout).toBe(`modelstack version ${version}\n`);
    expect((await run(['version'])).stdout).toBe(`modelstack version ${version}\n`);
    expect((await run(['version', '--short'])).stdout).toBe(`${version}\n`);
    expect(JSON.parse((await run(['version', '--format', 'json'])).stdout)).toEqual({ version });
  });

  it('--version before a command wins, as with commander, and a command after it is not loaded', async () => {
    const { code, stdout } = await run(['--version', 'up']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^modelstack version /);
    expect([...loaded]).toEqual([]);
  });
});

describe('the help lists every command without loading it', () => {
  it('its summaries are what the modules register', async () => {
    const { COMMANDS, buildProgram } = await import('../../../src/cli/program.js');
    const io: CliIo = { stdout: () => {}, stderr: () => {}, isTty: false, env: {}, cwd: project };
    const program = await buildProgram(io);
    const help = new Help();
    const summaries = COMMANDS.flatMap((m) => m.commands);
    for (const s of summaries) {
      const command = program.commands.find((c) => c.name() === s.name);
      expect(command, s.name).toBeDefined();
      expect({ name: s.name, term: help.subcommandTerm(command!), description: command!.description(), alias: command!.alias() }).toEqual({
        name: s.name,
        term: s.term,
        description: s.description,
        alias: s.alias,
      });
    }
    // Every command a module registers has a summary.
    expect(program.commands.map((c) => c.name()).filter((n) => n !== 'version')).toEqual(summaries.map((s) => s.name));
  });

  it('an unknown command is still a usage error', async () => {
    const { code, stderr } = await run(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'frobnicate'");
    expect([...loaded]).toEqual([]);
  });
});
