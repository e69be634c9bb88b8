/**
 * modelstack in a test harness: bring a stack up for the duration of a
 * scope, read the daemon-assigned port back, call the service, and let
 * `await using` take it all down — even if the body throws.
 *
 *   node --import tsx examples/test-harness/run.ts
 *
 * `ephemeral: true` labels the stack with this process as its owner: if the
 * process is killed before the scope ends, the next ephemeral stack started on
 * this machine removes it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack, loadProject } from '../../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = await loadProject({ files: [path.join(here, 'compose.yaml')], projectName: `harness-${process.pid}` });

{
  await using stack = new Stack(project, { ephemeral: true });
  const started = Date.now();
  // The healthcheck's interval is 30 s: Docker's first verdict comes 30 s after the start.
  // `probe: true` runs the healthcheck command right after the start instead, so the
  // stack is ready as soon as the model answers (docs/readiness.md).
  await stack.up({ waitTimeoutMs: 60_000, probe: true });
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const { hostIp, hostPort } = await stack.port('model', 8080);
  const res = await fetch(`http://${hostIp}:${hostPort}/predict`);
  console.log(`GET /predict -> ${res.status} ${await res.text()}`.trim());
}
console.log('stack removed');
