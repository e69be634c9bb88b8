/**
 * The seed's customer-service platform, up in one call: intent, sentiment
 * and NER models (TensorFlow Jupyter, key-only SSH, token-protected Jupyter)
 * behind a gateway, then their endpoints.
 *
 *   npm run demo        (or: node --import tsx examples/customer-service/up.ts)
 *   npm run demo:down
 *
 * When tensorflow/tensorflow:2.9.0-jupyter (or nginx) cannot be pulled, it
 * says so and uses the offline stand-in images (scripts/build-test-images.sh);
 * when the host ports of models.yml are taken here, Docker chooses others.
 * The printed ssh commands check the models' host keys (.demo/known_hosts).
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
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

// The host ports of models.yml (8888…, 2222…, 8080) may be taken on this machine: then Docker
// chooses free ones (the endpoints below say which). Not when the demo already runs: it holds them.
const running = await engine.containers.list([`com.docker.compose.project=${options.name}`], { all: false });
if (running.length === 0) {
  const host = options.ports?.hostIp ?? '127.0.0.1';
  const count = options.models.length;
  const groups = [
    { what: 'Jupyter', first: options.ports?.jupyter ?? 8888, count, use: (p: number) => (options.ports = { ...options.ports, jupyter: p }) },
    { what: 'SSH', first: options.ports?.ssh ?? 2222, count, use: (p: number) => (options.ports = { ...options.ports, ssh: p }) },
    { what: 'gateway', first: options.gateway?.port ?? 8080, count: 1, use: (p: number) => (options.gateway = { ...options.gateway, port: p }) },
  ];
  for (const g of groups) {
    if (g.first === 0) continue;
    const ports = Array.from({ length: g.count }, (_, i) => g.first + i);
    const taken = [];
    for (const port of ports) if (!(await isFree(host, port))) taken.push(port);
    if (taken.length) {
      console.log(`${host}:${taken.join(', ')} in use here: Docker chooses the ${g.what} port${g.count > 1 ? 's' : ''} instead.`);
      g.use(0);
    }
  }
}

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
// The models' SSH host keys, so the printed ssh command checks them (no trust-on-first-use prompt).
const knownHostsFile = path.join(here, '.demo', 'known_hosts');
await writeFile(knownHostsFile, models.flatMap((m) => (m.ssh ? [`${m.ssh.knownHosts}\n`] : [])).join(''));
const rel = (file: string) => path.relative(process.cwd(), file);
console.log('\nEndpoints:');
for (const m of models) {
  console.log(`  ${m.name}`);
  console.log(`    jupyter   ${m.jupyter!.url}`);
  console.log(`    ssh       ssh -o UserKnownHostsFile=${rel(knownHostsFile)} -i ${rel(keyFile)} -p ${m.ssh!.port} ${m.ssh!.user}@${m.ssh!.host}`);
  console.log(`    internal  ${m.internal.url}`);
  if (m.gateway) console.log(`    gateway   ${m.gateway.url}`);
}
if (gateway) console.log(`\nGateway ${gateway.url} (send: Authorization: Bearer ${gateway.token})`);
const cli = `npx tsx src/cli/main.ts -p ${stack.project.name}`;
const next = [
  ['npm run demo', 'prints these again (a second run changes nothing)'],
  [`${cli} ps`, 'the containers, as docker compose ps shows them'],
  [`${cli} logs intent`, "a model's log"],
  ['npm run demo:down', 'takes it all down'],
];
const width = Math.max(...next.map(([command]) => command!.length)) + 3;
console.log(`\nNext:\n${next.map(([command, what]) => `  ${command!.padEnd(width)}${what}`).join('\n')}`);

/** Whether nothing listens on host:port here. */
function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
