/**
 * Interoperability with Docker Compose: Debian's docker-compose 1.29 finds
 * the containers modelstack created (same labels, same names), by
 * `-p NAME ps` on the same file.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { TEST_LABEL, connectTestEngine, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';
import { cli, parsePs, projectDir, webAndWorker } from './harness.js';

const run = promisify(execFile);

describe('docker-compose 1.29 sees what modelstack created', () => {
  const name = uniqueName('mscli');
  const label = `${TEST_LABEL}=${name}`;
  const project = projectDir({ 'compose.yaml': webAndWorker(name) });
  const file = join(project.dir, 'compose.yaml');
  let engine: Engine;

  beforeAll(async () => {
    engine = await connectTestEngine();
  });
  afterAll(async () => {
    await removeLabelled(engine, label);
    expect(await leftovers(label)).toEqual([]);
    project.remove();
  });

  it('docker-compose -f F -p P ps lists the containers of modelstack -f F -p P up -d', async () => {
    const up = await cli(['-f', file, '-p', name, 'up', '-d', '--wait'], { cwd: project.dir });
    expect(up.code).toBe(0);
    const ours = parsePs((await cli(['-f', file, '-p', name, 'ps', '--format', 'json'], { cwd: project.dir })).stdout);

    const compose = (...args: string[]) => run('docker-compose', ['-f', file, '-p', name, ...args], { cwd: project.dir, env: { ...process.env, COMPOSE_INTERACTIVE_NO_CLI: '1' } });
    const { stdout } = await compose('ps');
    const rows = stdout.split('\n').filter((l) => l.startsWith(`${name}-`));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^${name}-web-1 .* Up \\(healthy\\) +127\\.0\\.0\\.1:${ours[0]!['Publishers'][0].PublishedPort}->8080/tcp`));
    expect(rows[1]).toMatch(new RegExp(`^${name}-worker-1 .* Up\\b`));

    const ids = (await compose('ps', '-q')).stdout.split('\n').filter(Boolean).sort();
    // Both print full ids with -q (ps --format json prints the short one, as Compose v2 does).
    const ourIds = (await cli(['-f', file, '-p', name, 'ps', '-q'], { cwd: project.dir })).stdout.split('\n').filter(Boolean).sort();
    expect(ids).toEqual(ourIds);
    expect(ours.map((c) => c['ID']).sort()).toEqual(ourIds.map((id) => id.slice(0, 12)));

    expect((await cli(['-f', file, '-p', name, 'down', '-v', '-t', '1'], { cwd: project.dir })).code).toBe(0);
    expect(await leftovers(label)).toEqual([]);
  });
});
