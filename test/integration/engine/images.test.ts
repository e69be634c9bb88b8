/**
 * Images against a real registry (Debian's docker-registry on 127.0.0.1:5000):
 * pull with typed progress, pull policies, clear errors, builds from a
 * context folder, and a project's pull (Stack.pull, `modelstack pull`)
 * beside `docker compose pull`.
 */
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Engine,
  ImageBuildError,
  ImageNotFoundError,
  ImagePullError,
  type PullProgress,
  type ServicePull,
  Stack,
  type StackEvent,
  loadProject,
} from '../../../src/index.js';
import { composeV2 } from '../../helpers/compose-v2.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, docker, dockerInspect, uniqueName } from '../../helpers/engine.js';
import { cli, projectDir } from '../cli/harness.js';
import { REGISTRY, type TestRegistry, startRegistry } from '../../helpers/registry.js';

describe('images', () => {
  let engine: Engine;
  let registry: TestRegistry;
  const run = uniqueName();
  const built: string[] = [];

  beforeAll(async () => {
    engine = await connectTestEngine();
    registry = await startRegistry();
  });
  afterAll(async () => {
    for (const tag of built) await engine.images.remove(tag, { force: true });
    await engine.images.remove(registry.busybox, { force: true });
    await engine.images.remove(registry.layered, { force: true });
    await registry.stop();
  });

  it('pulls the busybox image from the registry', async () => {
    expect(await engine.images.inspect(registry.busybox)).toBeUndefined();
    const image = await engine.images.ensure(registry.busybox, { policy: 'missing' });
    expect(image.RepoTags).toContain(registry.busybox);
  });

  it('reports per-layer progress with bytes while a layer downloads', async () => {
    expect(await engine.images.inspect(registry.layered)).toBeUndefined();
    const events: PullProgress[] = [];
    await engine.images.ensure(registry.layered, { policy: 'missing', onProgress: (p) => events.push(p) });
    expect(events.every((e) => e.image === registry.layered)).toBe(true);
    const layers = new Set(events.filter((e) => e.layer).map((e) => e.layer));
    expect(layers.size).toBeGreaterThanOrEqual(2); // the shared base layer and the new one
    expect(events.some((e) => e.status === 'Already exists')).toBe(true);
    const downloading = events.filter((e) => e.status === 'Downloading');
    expect(downloading.length).toBeGreaterThan(0);
    for (const e of downloading) {
      expect(e.total).toBeGreaterThan(0);
      expect(e.current).toBeGreaterThan(0);
      expect(e.current!).toBeLessThanOrEqual(e.total!);
    }
    expect(events.some((e) => e.status === 'Pull complete')).toBe(true);
  });

  it('policy "missing" does not pull a present image; "always" does', async () => {
    const events: PullProgress[] = [];
    await engine.images.ensure(registry.busybox, { policy: 'missing', onProgress: (p) => events.push(p) });
    expect(events).toEqual([]);
    await engine.images.ensure(registry.busybox, { policy: 'always', onProgress: (p) => events.push(p) });
    expect(events.some((e) => /up to date|Digest/i.test(e.status))).toBe(true);
  });

  it('pulling an image the registry does not have fails naming it', async () => {
    const ref = `${REGISTRY}/modelstack-test/${run}-missing:1.0`;
    const err = await engine.images.ensure(ref, { policy: 'missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageNotFoundError);
    expect((err as Error).message).toContain(ref);
    expect((err as Error).message).toMatch(/not found|manifest unknown/);
  });

  it('an unreachable registry fails with the reason', async () => {
    // 127.0.0.1:9 (discard) refuses connections: no traffic leaves the machine.
    const ref = '127.0.0.1:9/modelstack-test/busybox:latest';
    const err = await engine.images.pull(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as Error).message).toMatch(/pulling 127\.0\.0\.1:9\/modelstack-test\/busybox:latest failed: .*(refused|connect)/);
  });

  it('policy "never" with a missing image fails without touching the network', async () => {
    // A registry address that counts connections: it must see none.
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const ref = `127.0.0.1:${port}/modelstack-test/${run}-never:1.0`;
      const err = await engine.images.ensure(ref, { policy: 'never' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImageNotFoundError);
      expect((err as Error).message).toContain(ref);
      expect((err as Error).message).toMatch(/pull policy is "never"/);
      // Control: the same ref with "missing" does reach the address.
      await engine.images.ensure(ref, { policy: 'missing' }).catch(() => undefined);
      expect(connections).toBeGreaterThan(0);
      const afterControl = connections;
      await engine.images.ensure(ref, { policy: 'never' }).catch(() => undefined);
      expect(connections).toBe(afterControl);
    } finally {
      server.close();
    }
  });

  it('policy "never" with a present image returns it', async () => {
    const image = await engine.images.ensure(BUSYBOX, { policy: 'never' });
    expect(image.RepoTags).toContain(BUSYBOX);
  });

  it('builds from a context folder, honouring .dockerignore and build args', async () => {
    const tag = `modelstack-test/${run}-built:1`;
    built.push(tag);
    const lines: string[] = [];
    const id = await engine.images.build({
      context: 'test/fixtures/build-context',
      tag,
      args: { GREETING: 'bonjour' },
      labels: { [TEST_LABEL]: run },
      onOutput: (l) => lines.push(l),
    });
    expect(id).toMatch(/^sha256:/);
    const info = await dockerInspect(tag, 'image');
    expect(info.Config.Labels[TEST_LABEL]).toBe(run);
    expect(lines.some((l) => /Step \d+\/\d+/.test(l) || /COPY/.test(l))).toBe(true);
    const c = await engine.containers.create({ image: tag, command: ['sh', '-c', 'cat /model.txt /greeting.txt; ls /secret.key 2>&1 || true'], labels: { [TEST_LABEL]: run } });
    try {
      await engine.containers.start(c);
      const { waitUntilReady } = await import('../../../src/index.js');
      await waitUntilReady(engine, c, { condition: 'completed', timeoutMs: 10_000 });
      const out = (await engine.containers.logs(c)).map((l) => l.text);
      expect(out).toEqual(expect.arrayContaining(['intent-model-v1', 'bonjour']));
      expect(out.some((l) => /secret\.key.*No such file/.test(l))).toBe(true);
    } finally {
      await engine.containers.remove(c, { force: true });
    }
  });

  // Stack.pull and `modelstack pull` decide what to pull as `docker compose pull` (v2.26.1) does, on the same file.
  it('pull: what it pulls, skips and dedupes is what docker compose pull does; a failed pull fails both (exit 1 here), --ignore-pull-failures passes', async () => {
    const folder = projectDir({});
    mkdirSync(join(folder.dir, 'ctx'));
    writeFileSync(join(folder.dir, 'ctx', 'Dockerfile'), `FROM ${BUSYBOX}\n`);
    const pinned = `modelstack-test/${run}-pinned:1.0`;
    await docker('tag', BUSYBOX, pinned);
    built.push(pinned);
    const file = (extra = '') =>
      [
        'services:',
        `  a: { image: "${registry.busybox}" }`,
        `  b: { image: "${registry.busybox}", depends_on: [a] }`,
        `  never: { image: "${REGISTRY}/modelstack-test/${run}-absent:1.0", pull_policy: never }`,
        '  built: { build: ./ctx }',
        `  pinned: { image: "${pinned}", pull_policy: missing }`,
        extra,
        '',
      ].join('\n');
    writeFileSync(join(folder.dir, 'compose.yaml'), file());
    try {
      const project = `${run}-pull`;
      const stack = new Stack(await loadProject({ cwd: folder.dir, projectName: project }), { engine });
      const events: StackEvent[] = [];
      stack.on((e) => events.push(e));
      await engine.images.remove(registry.busybox, { force: true });
      const ours = await stack.pull();
      expect(await engine.images.inspect(registry.busybox)).toBeDefined();
      const outcome = (rs: ServicePull[]) => Object.fromEntries(rs.map((r) => [r.service, r.outcome]));
      expect(outcome(ours)).toEqual({ a: 'pulled', b: 'skipped', never: 'skipped', built: 'skipped', pinned: 'skipped' });
      expect(ours.find((r) => r.service === 'b')?.reason).toBe('already pulled for service "a"');
      expect(events.filter((e) => e.type === 'image.pulled').map((e) => (e as { image: string }).image)).toEqual([registry.busybox]);

      // Compose on the same file: the same services skipped (which of a and b pulls is its map's order).
      const theirs = await composeV2(['-p', project, '--progress', 'plain', 'pull'], { cwd: folder.dir });
      expect(theirs.code, theirs.stderr).toBe(0);
      const said = Object.fromEntries(
        [...theirs.stderr.matchAll(/^ (\S+) (Skipped|Pulled)\b/gm)].filter((m) => Object.hasOwn(outcome(ours), m[1]!)).map((m) => [m[1], m[2] === 'Pulled' ? 'pulled' : 'skipped']),
      );
      expect([said['a'], said['b']].sort()).toEqual(['pulled', 'skipped']);
      expect({ ...said, a: 'x', b: 'x' }).toEqual({ ...outcome(ours), a: 'x', b: 'x' });

      // A tag "latest" is pulled under `missing` too, in both; only the named service without --include-deps.
      expect(outcome(await stack.pull(['b'], { policy: 'missing' }))).toEqual({ b: 'pulled' });
      expect(outcome(await stack.pull(['b'], { includeDeps: true }))).toEqual({ a: 'pulled', b: 'skipped' });
      expect((await composeV2(['-p', project, '--progress', 'plain', 'pull', '--policy', 'missing', 'b'], { cwd: folder.dir })).stderr).toMatch(/^ b Pulled/m);

      // An image the registry does not have: both fail; --ignore-pull-failures: both pass.
      writeFileSync(join(folder.dir, 'compose.yaml'), file(`  gone: { image: "${REGISTRY}/modelstack-test/${run}-gone:1.0" }`));
      const failed = await cli(['-p', project, '--progress', 'plain', 'pull'], { cwd: folder.dir });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(new RegExp(`modelstack-test/${run}-gone:1.0.*needed by service "gone"`));
      expect((await composeV2(['-p', project, 'pull'], { cwd: folder.dir })).code).not.toBe(0);
      const ignored = await cli(['-p', project, '--progress', 'plain', 'pull', '--ignore-pull-failures'], { cwd: folder.dir });
      expect(ignored.code, ignored.stderr).toBe(0);
      expect(ignored.stderr).toMatch(new RegExp(`Image ${REGISTRY}/modelstack-test/${run}-gone:1.0  Error`));
      expect((await composeV2(['-p', project, 'pull', '--ignore-pull-failures'], { cwd: folder.dir })).code).toBe(0);
    } finally {
      folder.remove();
    }
  });

  it('a failing build reports the step output', async () => {
    const tag = `modelstack-test/${run}-broken:1`;
    built.push(tag);
    const err = await engine.images.build({ context: 'test/fixtures/build-context', tag, dockerfile: 'Dockerfile.broken' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageBuildError);
    expect((err as ImageBuildError).reason).toMatch(/returned a non-zero code: 7/);
    expect((err as ImageBuildError).output).toContain('compiling model');
  });
});
