/**
 * readyFromList (backends/container/observe.ts): what one label-filtered
 * list proves about readiness, so a no-op `up --wait` can skip the
 * per-container wait. Every case it cannot decide must stay undefined (the
 * wait decides). (Kept beside the CLI tests because the no-op `up` of the
 * CLI is what it serves.)
 */
import { describe, expect, it } from 'vitest';
import { readyFromList } from '../../../src/backends/container/observe.js';
import type { ObservedContainer } from '../../../src/plan/observed.js';
import type { ReadyCondition } from '../../../src/plan/operations.js';

const container = (state: string, status: string): ObservedContainer => ({
  id: 'c1',
  name: 'p-web-1',
  service: 'web',
  number: 1,
  state,
  status,
  imageId: 'sha256:1',
  image: 'busybox',
  command: 'httpd',
  dependsOn: [],
  networks: [],
  labels: {},
  created: 0,
  oneoff: false,
});

describe('readyFromList', () => {
  it.each<[string, string, ReadyCondition, string | undefined]>([
    // state, status, condition → readyBy (undefined: only a wait can tell)
    ['running', 'Up 5 minutes (healthy)', 'healthy', 'healthcheck'],
    ['running', 'Up 5 minutes (healthy)', 'ready', 'healthcheck'],
    ['running', 'Up Less than a second (healthy)', 'healthy', 'healthcheck'],
    ['running', 'Up 5 minutes (healthy)', 'running', 'state'],
    ['running', 'Up 3 seconds (health: starting)', 'ready', undefined],
    ['running', 'Up 3 seconds (health: starting)', 'healthy', undefined],
    ['running', 'Up 3 seconds (health: starting)', 'running', 'state'],
    ['running', 'Up 2 minutes (unhealthy)', 'ready', undefined],
    ['running', 'Up 2 minutes (unhealthy)', 'healthy', undefined],
    ['running', 'Up 2 minutes', 'ready', 'state'],
    ['running', 'Up About an hour', 'running', 'state'],
    ['running', 'Up 2 minutes', 'healthy', undefined], // no healthcheck: the wait fails with its reason
    ['running', 'Up Less than a second', 'ready', undefined], // not settled
    ['running', 'Up 1 second', 'running', undefined],
    ['running', 'Up 2 seconds', 'running', 'state'],
    ['paused', 'Up 2 minutes (Paused)', 'running', undefined],
    ['running', 'Up 2 minutes (Paused)', 'ready', undefined],
    ['restarting', 'Restarting (1) 2 seconds ago', 'ready', undefined],
    ['exited', 'Exited (0) 3 minutes ago', 'completed', 'state'],
    ['exited', 'Exited (1) 3 minutes ago', 'completed', undefined],
    ['exited', 'Exited (0) 3 minutes ago', 'ready', undefined],
    ['running', 'Up 2 minutes', 'completed', undefined],
    ['created', 'Created', 'ready', undefined],
    ['dead', 'Dead', 'ready', undefined],
  ])('%s, %j, %s → %s', (state, status, condition, readyBy) => {
    expect(readyFromList(container(state, status), condition)?.readyBy).toBe(readyBy);
  });

  it('says what a wait would have said', () => {
    expect(readyFromList(container('running', 'Up 5 minutes (healthy)'), 'ready')).toEqual({
      id: 'c1',
      name: 'p-web-1',
      status: 'running',
      health: 'healthy',
      readyBy: 'healthcheck',
      elapsedMs: 0,
    });
    expect(readyFromList(container('exited', 'Exited (0) 1 second ago'), 'completed')).toMatchObject({ status: 'exited', exitCode: 0, readyBy: 'state' });
  });
});
