/**
 * `modelstack build` and `up --build` against the real engine, from the
 * build context of the engine tests (test/fixtures/build-context: a build
 * argument GREETING written to /greeting.txt):
 * - `build` builds the services that have `build:` (not the others), tagged
 *   as `up` uses them, labelled with the project;
 * - `up` uses a present image as it is; `up --build` builds it again first
 *   (a changed build argument shows in the new container).
 * Images are tagged with the run id and removed at the end.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, leftovers, testRuns } from '../../helpers/engine.js';
import { cli, projectDir, testLabels } from './harness.js';

const CONTEXT = resolve(import.meta.dirname, '../../fixtures/build-context');

describe('modelstack build and up --build', () => {
  let engine: Engine;
  const runs = testRuns('msbld');
  const images: string[] = [];
  const dirs: Array<{ remove(): void }> = [];

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    expect(await runs.removeAll(engine)).toEqual([]);
    for (const image of images) await engine.images.remove(image, { force: true });
    for (const d of dirs) d.remove();
  });

  it('build builds only the services with build:, as up tags them; up --build rebuilds a present image, up alone keeps it', async () => {
    const run = runs.next();
    const image = `modelstack-test/${run}-model:1`;
    images.push(image);
    const folder = projectDir({
      'compose.yaml': [
        'services:',
        '  model:',
        `    image: ${image}`,
        '    build:',
        `      context: ${CONTEXT}`,
        '      args:',
        '        GREETING: ${GREETING:-hola}',
        '    init: true',
        '    command: ["sh", "-c", "cat /greeting.txt; exec sleep 3600"]',
        testLabels(run, '    ').trimEnd(),
        '  plain:',
        `    image: ${BUSYBOX}`,
        '    command: ["sleep", "3600"]',
        testLabels(run, '    ').trimEnd(),
        'networks:',
        '  default:',
        testLabels(run, '    ').trimEnd(),
        '',
      ].join('\n'),
    });
    dirs.push(folder);
    const ms = (args: string[], env: Record<string, string> = {}) => cli(['-p', run, '--progress', 'plain', ...args], { cwd: folder.dir, env });

    expect(await engine.images.inspect(image)).toBeUndefined();
    const build = await ms(['build']);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stderr).toContain(`Image ${image}  Built`);
    expect(build.stderr).not.toContain(`Image ${BUSYBOX}`);
    const built = await engine.images.inspect(image);
    expect(built?.Config.Labels?.['com.docker.compose.project']).toBe(run);

    const greeting = async () => {
      const logs = await cli(['-p', run, 'logs', '--no-log-prefix', 'model'], { cwd: folder.dir });
      return logs.stdout.trim();
    };
    expect((await ms(['up', '-d', '--wait'])).code).toBe(0);
    expect(await greeting()).toBe('hola');
    // A changed build argument: up keeps the present image; up --build builds it again and recreates the container.
    const kept = await ms(['up', '-d', '--wait'], { GREETING: 'ciao' });
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).not.toContain('Building');
    expect(await greeting()).toBe('hola');
    const rebuilt = await ms(['up', '-d', '--wait', '--build'], { GREETING: 'ciao' });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).toContain(`Image ${image}  Built`);
    expect((await engine.images.inspect(image))?.Id).not.toBe(built?.Id);
    expect(await greeting()).toBe('ciao');

    expect((await cli(['-p', run, 'down', '-t', '1'], { cwd: folder.dir })).code).toBe(0);
    expect(await leftovers(`${TEST_LABEL}=${run}`)).toEqual([]);
  });

  it('a named service without build: builds nothing; an unknown service is an error naming it', async () => {
    const run = runs.next();
    const folder = projectDir({ 'compose.yaml': `services:\n  plain:\n    image: ${BUSYBOX}\n` });
    dirs.push(folder);
    const none = await cli(['-p', run, 'build', 'plain'], { cwd: folder.dir });
    expect(none.code, none.stderr).toBe(0);
    const unknown = await cli(['-p', run, 'build', 'nope'], { cwd: folder.dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no such service: "?nope"?/i);
  });
});
