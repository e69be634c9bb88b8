/**
 * The examples, run as examples/README.md says (real processes, `node
 * --import tsx FILE` from the repository root) against the engine under
 * test: they must work, not only type-check.
 *
 * - test-harness/run.ts: a stack for the length of a scope; it must answer,
 *   then leave nothing behind.
 * - customer-service/up.ts and down.ts (`npm run demo`, `npm run demo:down`):
 *   the three models and the gateway up with their endpoints printed, then
 *   removed. Its project name and host ports are fixed (the demo's), so the
 *   test refuses to run over a demo someone left up rather than remove it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { connectTestEngine } from '../../helpers/engine.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

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
    try {
      const up = await runExample('examples/customer-service/up.ts');
      expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
      for (const model of ['intent', 'sentiment', 'ner']) {
        expect(up.stdout).toMatch(new RegExp(`^  ${model}\\n    jupyter   http://127\\.0\\.0\\.1:\\d+/\\S*\\n    ssh       ssh .+ -i examples/customer-service/\\.demo/id_ecdsa\\n`, 'm'));
      }
      expect(up.stdout).toMatch(/^Gateway http:\/\/127\.0\.0\.1:\d+\S* \(send: Authorization: Bearer \S+\)$/m);
      expect((await engine.containers.list(['com.docker.compose.project=customer-service'], { all: false })).length).toBe(4);
    } finally {
      const down = await runExample('examples/customer-service/down.ts');
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toMatch(/^customer-service: removed 4 containers and 1 network\(s\)/m);
    }
    expect(await projectObjects('customer-service')).toEqual([]);
  });
});
