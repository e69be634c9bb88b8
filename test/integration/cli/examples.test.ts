/**
 * The examples, run as examples/README.md says (real processes, `node
 * --import tsx FILE` from the repository root) against the engine under
 * test: they must work, not only type-check.
 *
 * - test-harness/run.ts: a stack for the length of a scope; it must answer,
 *   then leave nothing behind.
 * - customer-service/up.ts and down.ts (`npm run demo`, `npm run demo:down`):
 *   the three models and the gateway up with their endpoints printed (with
 *   its gateway port taken, so Docker chooses one), the printed ssh command
 *   working as printed, then all removed. Its project name is fixed (the
 *   demo's), so the test refuses to run over a demo someone left up rather
 *   than remove it.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { connectTestEngine } from '../../helpers/engine.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

interface ExampleRun {
  code: number | null;
  pid: number;
  stdout: string;
  stderr: string;
}

/** `node --import tsx <file>` from the repository root, with this process's environment (its DOCKER_HOST: the engine under test). */
function runExample(file: string): Promise<ExampleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, pid: child.pid!, stdout, stderr }));
  });
}

describe('the examples run as examples/README.md says', { timeout: 300_000 }, () => {
  let engine: Engine;
  const projectObjects = async (project: string) => [
    ...(await engine.containers.list([`com.docker.compose.project=${project}`])).map((c) => c.Names[0]),
    ...(await engine.networks.list([`com.docker.compose.project=${project}`])).map((n) => n.Name),
  ];

  beforeAll(async () => {
    engine = await connectTestEngine();
  });

  it('test-harness/run.ts: the model answers inside the scope, and nothing of its stack is left after it', async () => {
    const run = await runExample('examples/test-harness/run.ts');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ready in \d+\.\d s$/m);
    expect(run.stdout).toMatch(/^GET \/predict -> 200 \{"label":"positive"\}$/m);
    expect(run.stdout).toMatch(/^stack removed$/m);
    expect(await projectObjects(`harness-${run.pid}`)).toEqual([]);
  });

  it('customer-service (npm run demo, npm run demo:down): three models and the gateway up with their endpoints, then all of it removed', async () => {
    const before = await projectObjects('customer-service');
    if (before.length) throw new Error(`a customer-service demo is up on this engine (${before.join(', ')}); take it down (npm run demo:down) and run the test again`);
    // The demo's gateway port is taken here: Docker must choose another, and the demo must say so.
    const blocker = createServer();
    const blocked = await new Promise<boolean>((resolve) => {
      blocker.once('error', () => resolve(false));
      blocker.listen(8080, '127.0.0.1', () => resolve(true));
    });
    try {
      const up = await runExample('examples/customer-service/up.ts');
      blocker.close();
      expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
      expect(up.stdout).toContain('127.0.0.1:8080 in use here: Docker chooses the gateway port instead.');
      const ssh: string[] = [];
      for (const model of ['intent', 'sentiment', 'ner']) {
        const m = new RegExp(`^  ${model}\\n    jupyter   http://127\\.0\\.0\\.1:\\d+/\\S*\\n    ssh       (ssh -o UserKnownHostsFile=examples/customer-service/\\.demo/known_hosts -i examples/customer-service/\\.demo/id_ecdsa -p \\d+ root@127\\.0\\.0\\.1)\\n`, 'm').exec(up.stdout);
        expect(m, model).not.toBeNull();
        ssh.push(m![1]!);
      }
      const gateway = /^Gateway http:\/\/127\.0\.0\.1:(\d+)\/ \(send: Authorization: Bearer \S+\)$/m.exec(up.stdout);
      expect(gateway).not.toBeNull();
      if (blocked) expect(gateway![1]).not.toBe('8080');
      expect((await engine.containers.list(['com.docker.compose.project=customer-service'], { all: false })).length).toBe(4);
      // The printed ssh command works as printed: the key is accepted and the host key checks out (no prompt in batch mode).
      const [command, ...args] = ssh[0]!.split(' ');
      const { stdout } = await run(command!, ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', ...args, 'echo', 'in-model'], { cwd: ROOT, timeout: 30_000 });
      expect(stdout.trim()).toBe('in-model');
    } finally {
      blocker.close();
      const down = await runExample('examples/customer-service/down.ts');
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toMatch(/^customer-service: removed 4 containers and 1 network\(s\)/m);
    }
    expect(await projectObjects('customer-service')).toEqual([]);
  });
});
