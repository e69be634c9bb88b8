/**
 * The seed's customer-service platform, up in one call: intent, sentiment
 * and NER models (TensorFlow Jupyter, key-only SSH, token-protected Jupyter)
 * behind a gateway, then their endpoints.
 *
 *   npm run demo        (or: node --import tsx examples/customer-service/up.ts)
 *   npm run demo:down
 *
 * When tensorflow/tensorflow:2.9.0-jupyter (or nginx) cannot be pulled, it
 * says so and uses the offline stand-in images (scripts/build-test-images.sh).
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, defineModelStack, generateHostKey, loadModelsFile } from '../../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const STANDINS: Record<string, string> = {
  'tensorflow/tensorflow:2.9.0-jupyter': 'modelstack-test/tf-jupyter:standin-ssh',
  'nginx:1.27-alpine': 'modelstack-test/nginx:standin',
};

// A demo SSH key (ECDSA, PEM), made here so no ssh-keygen is needed.
const keyFile = path.join(here, '.demo', 'id_ecdsa');
await mkdir(path.dirname(keyFile), { recursive: true });
try {
  await readFile(`${keyFile}.pub`);
} catch {
  const key = generateHostKey();
  await writeFile(keyFile, key.privatePem, { mode: 0o600 });
  await writeFile(`${keyFile}.pub`, `${key.publicLine} demo@modelstack\n`);
}

const options = await loadModelsFile(path.join(here, 'models.yml'));
const engine = await Engine.connect();
const pick = async (image: string): Promise<string> => {
  try {
    await engine.images.ensure(image, { policy: 'missing' });
    return image;
  } catch (err) {
    const standin = STANDINS[image];
    if (!standin) throw err;
    console.log(`${image} cannot be pulled here (${(err as Error).message.split('\n')[0]}).`);
    console.log(`  -> using the offline stand-in ${standin}`);
    return standin;
  }
};
options.image = await pick(options.image ?? 'tensorflow/tensorflow:2.9.0-jupyter');
options.gateway = { ...options.gateway, image: await pick(options.gateway?.image ?? 'nginx:1.27-alpine') };

const stack = defineModelStack(options, {
  engine,
  onEvent: (e) => {
    if (e.type === 'container.created' || e.type === 'container.healthy' || e.type === 'container.ready' || e.type === 'container.kept') {
      console.log(`  ${e.type.padEnd(20)} ${e.container}`);
    } else if (e.type === 'warning' || e.type === 'container.failed') {
      console.log(`  ${e.type}: ${'message' in e ? e.message : e.error}`);
    }
  },
});
console.log(`Bringing up ${Object.keys(stack.project.services).join(', ')} (project ${stack.project.name})...`);
await stack.up({ waitTimeoutMs: 300_000 });

const { models, gateway } = await stack.endpoints();
console.log('\nEndpoints:');
for (const m of models) {
  console.log(`  ${m.name}`);
  console.log(`    jupyter   ${m.jupyter!.url}`);
  console.log(`    ssh       ${m.ssh!.command} -i ${path.relative(process.cwd(), keyFile)}`);
  console.log(`    internal  ${m.internal.url}`);
  if (m.gateway) console.log(`    gateway   ${m.gateway.url}`);
}
if (gateway) console.log(`\nGateway ${gateway.url} (send: Authorization: Bearer ${gateway.token})`);
console.log('\nTake it down with: npm run demo:down');
