/**
 * The seed's customer-service platform: intent, sentiment and NER models,
 * each in its own TensorFlow Jupyter container on one project network,
 * published on 127.0.0.1 only, with CPU/memory limits and a healthcheck.
 *
 *   node --import tsx examples/customer-service/up.ts      # up, print endpoints
 *   node --import tsx examples/customer-service/down.ts    # remove it all
 *
 * Uses tensorflow/tensorflow:2.9.0-jupyter when it is present or can be
 * pulled; otherwise says so and uses the offline stand-in image.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Engine, Stack } from '../../src/index.js';
import { customerServiceProject, TF_IMAGE, STANDIN_IMAGE } from './project.js';

const engine = await Engine.connect();
let image = TF_IMAGE;
try {
  await engine.images.ensure(TF_IMAGE, { policy: 'missing' });
} catch (err) {
  console.log(`${TF_IMAGE} is not available here (${(err as Error).message.split('\n')[0]}).`);
  console.log(`Using the offline stand-in ${STANDIN_IMAGE} instead (build it with scripts/build-test-images.sh).`);
  image = STANDIN_IMAGE;
}

const project = customerServiceProject(image);
for (const s of Object.values(project.services)) {
  for (const v of s.volumes ?? []) if (v.type === 'bind') await mkdir(v.source, { recursive: true });
}
const stack = new Stack(project, {
  engine,
  onEvent: (e) => {
    if ('container' in e && e.container && /created|healthy|ready|failed/.test(e.type)) console.log(`  ${e.type.padEnd(20)} ${e.container}`);
  },
});
console.log(`Bringing up ${Object.keys(project.services).join(', ')} (project ${project.name})...`);
await stack.up({ waitTimeoutMs: 180_000 });

console.log('\nEndpoints:');
for (const name of Object.keys(project.services)) {
  const { hostIp, hostPort } = await stack.port(name, 8888);
  const [c] = await engine.containers.list([`com.docker.compose.project=${project.name}`, `com.docker.compose.service=${name}`]);
  // Jupyter prints its generated token on start; read it back from the logs.
  const logs = c ? await engine.containers.logs(c.Id) : [];
  const token = logs.map((l) => /[?&]token=([0-9a-f]+)/.exec(l.text)?.[1]).find(Boolean);
  const code = project.services[name]!.volumes?.find((v) => v.type === 'bind');
  const folder = code?.type === 'bind' ? path.relative(process.cwd(), code.source) : '-';
  console.log(`  ${name.padEnd(10)} http://${hostIp}:${hostPort}/${token ? `?token=${token}` : ''}   code: ${folder}`);
}
console.log(`\nTake it down with: npm run demo:down`);
