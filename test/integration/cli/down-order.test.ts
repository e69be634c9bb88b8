/**
 * `modelstack down` against the real engine, read from its `--progress
 * json` events: containers of one dependency level stop at the same time,
 * a network goes as soon as its last container is gone (not after every
 * container of the project), and nothing of the project is left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';
import { cli, projectDir, testLabels } from './harness.js';

describe('modelstack down', () => {
  const run = uniqueName('msdown');
  const label = `${TEST_LABEL}=${run}`;
  // busybox as PID 1 (no init) ignores SIGTERM: each stop of `back` and
  // `side` takes their whole 2 s grace period, so what down does meanwhile shows.
  const slow = (name: string, networks: string[], extra: string[] = []) => [
    `  ${name}:`,
    `    image: ${BUSYBOX}`,
    '    command: ["sleep", "3600"]',
    '    stop_grace_period: 2s',
    `    networks: [${networks.join(', ')}]`,
    ...extra,
    testLabels(run, '    ').trimEnd(),
  ];
  const project = projectDir({
    'compose.yaml': [
      'services:',
      '  front:',
      `    image: ${BUSYBOX}`,
      '    init: true',
      '    command: ["sleep", "3600"]',
      '    networks: [front]',
      '    depends_on: [back]',
      testLabels(run, '    ').trimEnd(),
      ...slow('back', ['back']),
      ...slow('side', ['back']),
      'networks:',
      '  front:',
      testLabels(run, '    ').trimEnd(),
      '  back:',
      testLabels(run, '    ').trimEnd(),
      '',
    ].join('\n'),
  });
  let engine: Engine;

  beforeAll(async () => {
    engine = await connectTestEngine();
    const up = await cli(['-p', run, 'up', '-d', '--wait-timeout', '60'], { cwd: project.dir });
    expect(up.code, up.stderr).toBe(0);
  });
  afterAll(async () => {
    await removeLabelled(engine, label);
    project.remove();
  });

  it('stops a level at once and removes a network as soon as its containers are gone', async () => {
    const { code, stderr } = await cli(['-p', run, '--progress', 'json', 'down'], { cwd: project.dir });
    expect(code).toBe(0);
    const events = stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; container?: string; name?: string });
    const at = (type: string, subject: string) => {
      const i = events.findIndex((e) => e.type === type && (e.container === subject || e.name === subject));
      expect(i, `${type} ${subject} in ${stderr}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    // `front` depends on `back`: it goes first; `side` depends on nothing, so it stops together with `front`.
    expect(at('container.removed', `${run}-front-1`)).toBeLessThan(at('container.stopping', `${run}-back-1`));
    expect(at('container.stopping', `${run}-side-1`)).toBeLessThan(at('container.stopped', `${run}-front-1`));
    // The network only `front` used is gone while `back` still takes its 2 s to stop.
    expect(at('network.removed', `${run}_front`)).toBeLessThan(at('container.stopped', `${run}-back-1`));
    // `back`'s network goes once both `back` and `side` are gone.
    expect(at('network.removed', `${run}_back`)).toBeGreaterThan(Math.max(at('container.removed', `${run}-back-1`), at('container.removed', `${run}-side-1`)));
    expect(await leftovers(label)).toEqual([]);
  });
});
