/**
 * The package as npm installs it (issue 13): `npm pack` (its `prepack`
 * builds), the tarball unpacked into a consumer project's node_modules, then
 * - what it ships: the built library, the bundled bin, the sources its
 *   source maps point at, no stale build output;
 * - a strict TypeScript consumer (`strict`, `skipLibCheck: false`) that
 *   imports the public API type-checks against the shipped `.d.ts`;
 * - the same consumer runs under plain node (ESM, the `exports` map), and
 *   the bin prints its version.
 *
 * No registry: the consumer lives under this checkout's node_modules/.cache,
 * so the package's dependencies resolve from the checkout's node_modules as
 * they would from the consumer's own.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A consumer of the public API: types only it could get wrong, and one call that runs without an engine. */
const CONSUMER = `
import { loadProject, serializeProject, Stack, defineModelStack, isModelstackError, type StackEvent, type UpPlan, type ContainerStatus } from 'modelstack';

const project = await loadProject({ cwd: process.argv[2] ?? '.', env: {} });
const names: string[] = Object.keys(project.services);
const onEvent = (e: StackEvent): void => void e.type;
const plan: UpPlan | undefined = undefined;
const status: ContainerStatus | undefined = undefined;
const stack: Stack = new Stack(project, { onEvent });
void [plan, status, stack, defineModelStack, isModelstackError];
process.stdout.write(JSON.stringify({ names, yaml: serializeProject(project).includes('modelstack-test/busybox') }));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    noEmit: false,
    outDir: 'out',
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
  },
  files: ['index.ts'],
};

describe('the package as npm installs it', () => {
  let packDir: string;
  let consumer: string;
  let files: string[];

  beforeAll(async () => {
    packDir = mkdtempSync(join(tmpdir(), 'modelstack-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = info!.files.map((f) => f.path);
    mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
    consumer = mkdtempSync(join(ROOT, 'node_modules/.cache/modelstack-consumer-'));
    const installed = join(consumer, 'node_modules/modelstack');
    mkdirSync(installed, { recursive: true });
    await run('tar', ['-xzf', join(packDir, info!.filename), '-C', installed, '--strip-components=1']);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(join(consumer, 'index.ts'), CONSUMER);
    writeFileSync(join(consumer, 'compose.yaml'), 'services:\n  web:\n    image: modelstack-test/busybox:latest\n');
  }, 300_000);

  afterAll(() => {
    rmSync(packDir, { recursive: true, force: true });
    rmSync(consumer, { recursive: true, force: true });
  });

  it('ships the library, the bundled bin, its docs and changelog, and nothing of the build that src/ no longer has', () => {
    for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/bin/modelstack.mjs', 'dist/bin/THIRD-PARTY-LICENSES.txt', 'docs/cli.md']) expect(files).toContain(f);
    const stale = files.filter((f) => /^dist\/.*\.d\.ts$/.test(f) && !f.startsWith('dist/bin/')).filter((f) => !files.includes(`src/${f.slice('dist/'.length, -'.d.ts'.length)}.ts`));
    expect(stale).toEqual([]);
    expect(files.filter((f) => /^(test|bench|scripts|node_modules)\//.test(f))).toEqual([]);
  });

  it('every source map points at a file the package ships', () => {
    const missing: string[] = [];
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(consumer, 'node_modules/modelstack', map), 'utf8')) as { sources: string[] };
      for (const s of sources) {
        const target = join(dirname(map), s);
        if (!files.includes(target)) missing.push(`${map} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('a strict TypeScript consumer (skipLibCheck off) type-checks against the shipped declarations, and runs under plain node', async () => {
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', consumer]).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(tsc).toBe('');
    const { stdout } = await run(process.execPath, [join(consumer, 'out/index.js'), consumer], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual({ names: ['web'], yaml: true });
  }, 120_000);

  it('its bin runs from the installed package', async () => {
    const bin = join(consumer, 'node_modules/modelstack/dist/bin/modelstack.mjs');
    expect(existsSync(bin)).toBe(true);
    const { stdout } = await run(process.execPath, [bin, '--version'], { cwd: consumer });
    expect(stdout).toBe(`modelstack version ${VERSION}\n`);
  });
});
