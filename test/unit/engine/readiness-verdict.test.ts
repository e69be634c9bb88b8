/**
 * The verdict on one inspected state (`evaluate`), as a table: Docker's
 * health against the probe, a start that has not settled, one-shots, restarts
 * and OOM kills — reported by the engine, or inferred when it lost them.
 */
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { type ReadyCondition, evaluate } from '../../../src/engine/readiness.js';

const NOW = Date.parse('2026-12-01T10:00:10.000Z');

interface StateCase {
  name: string;
  state?: Partial<Omit<Dockerode.ContainerInspectInfo['State'], 'Health'>> & { Health?: { Status: string; Log?: Array<{ Output: string }> } };
  asked: ReadyCondition;
  healthcheck?: boolean;
  memory?: number;
  restartCount?: number;
  startedMsAgo?: number;
  probeOk?: boolean;
  lastDeath?: { exitCode?: number; oom?: boolean; killRequested?: boolean };
  expected: unknown;
}

const running = { Status: 'running', Running: true, Restarting: false, OOMKilled: false, ExitCode: 0 };
const exited = (code: number, oom = false) => ({ Status: 'exited', Running: false, Restarting: false, OOMKilled: oom, ExitCode: code });

const cases: StateCase[] = [
  { name: 'running long enough: ready by state', state: running, asked: 'running', startedMsAgo: 5000, expected: { kind: 'ready', by: 'state' } },
  { name: 'running, not settled: wait for the rest of the settle time', state: running, asked: 'running', startedMsAgo: 200, expected: { kind: 'waiting', recheckInMs: 300 } },
  { name: '"ready" without a healthcheck means running', state: running, asked: 'ready', startedMsAgo: 5000, expected: { kind: 'ready', by: 'state' } },
  { name: 'Docker says healthy', state: { ...running, Health: { Status: 'healthy' } }, healthcheck: true, asked: 'ready', startedMsAgo: 100, expected: { kind: 'ready', by: 'healthcheck' } },
  { name: 'starting: wait (and probe, if asked)', state: { ...running, Health: { Status: 'starting' } }, healthcheck: true, asked: 'healthy', startedMsAgo: 5000, expected: { kind: 'waiting', startProbe: true } },
  { name: 'starting but the probe passed: ready by probe', state: { ...running, Health: { Status: 'starting' } }, healthcheck: true, asked: 'healthy', startedMsAgo: 5000, probeOk: true, expected: { kind: 'ready', by: 'probe' } },
  { name: 'the probe passed but the start has not settled', state: { ...running, Health: { Status: 'starting' } }, healthcheck: true, asked: 'healthy', startedMsAgo: 100, probeOk: true, expected: { kind: 'waiting', recheckInMs: 400 } },
  { name: 'unhealthy fails, even after a probe passed', state: { ...running, Health: { Status: 'unhealthy', Log: [{ Output: 'no model' }] } }, healthcheck: true, asked: 'healthy', probeOk: true, expected: { kind: 'failed', failure: { kind: 'unhealthy', probeOutput: 'no model' } } },
  { name: 'healthy without a healthcheck cannot be', state: running, asked: 'healthy', expected: { kind: 'failed', failure: { kind: 'no-healthcheck' } } },
  { name: 'exit 0 is done for "ready" (a one-shot)', state: exited(0), asked: 'ready', expected: { kind: 'ready', by: 'state' } },
  { name: 'exit 0 is done for "completed"', state: exited(0), asked: 'completed', expected: { kind: 'ready', by: 'state' } },
  { name: 'exit 0 is a failure for "running"', state: exited(0), asked: 'running', expected: { kind: 'failed', failure: { kind: 'exited', exitCode: 0 } } },
  { name: 'exit 3 fails', state: exited(3), asked: 'ready', expected: { kind: 'failed', failure: { kind: 'exited', exitCode: 3 } } },
  { name: 'OOMKilled from the engine', state: exited(137, true), asked: 'ready', memory: 8 << 20, expected: { kind: 'failed', failure: { kind: 'oom-killed', exitCode: 137 } } },
  { name: 'an oom event, though inspect lost it', state: exited(137), asked: 'ready', memory: 8 << 20, lastDeath: { oom: true }, expected: { kind: 'failed', failure: { kind: 'oom-killed', exitCode: 137 } } },
  { name: 'a SIGKILL nobody asked for under a memory limit: inferred OOM', state: exited(137), asked: 'ready', memory: 8 << 20, expected: { kind: 'failed', failure: { kind: 'oom-killed', exitCode: 137, inferred: true } } },
  { name: 'a SIGKILL someone asked for is an exit', state: exited(137), asked: 'ready', memory: 8 << 20, lastDeath: { killRequested: true }, expected: { kind: 'failed', failure: { kind: 'exited', exitCode: 137 } } },
  { name: 'a SIGKILL without a memory limit is an exit', state: exited(137), asked: 'ready', expected: { kind: 'failed', failure: { kind: 'exited', exitCode: 137 } } },
  { name: 'restarting: a crash, with the code of the crash', state: { ...exited(1), Status: 'restarting', Restarting: true }, asked: 'ready', restartCount: 1, lastDeath: { exitCode: 1 }, expected: { kind: 'failed', failure: { kind: 'restarted', exitCode: 1, restartCount: 1 } } },
  { name: 'running again after a restart: still a crash', state: running, asked: 'ready', restartCount: 2, startedMsAgo: 5000, lastDeath: { exitCode: 4 }, expected: { kind: 'failed', failure: { kind: 'restarted', exitCode: 4, restartCount: 2 } } },
  { name: 'created, not started: wait', state: { ...running, Status: 'created', Running: false }, asked: 'ready', expected: { kind: 'waiting', startProbe: false } },
];

describe('evaluate', () => {
  it.each(cases)('$name', (c) => {
    const info = {
      State: { StartedAt: new Date(NOW - (c.startedMsAgo ?? 0)).toISOString(), ...c.state },
      RestartCount: c.restartCount ?? 0,
      Config: c.healthcheck ? { Healthcheck: { Test: ['CMD', 'true'] } } : {},
      HostConfig: { Memory: c.memory ?? 0 },
    } as unknown as Dockerode.ContainerInspectInfo;
    const condition = c.asked === 'ready' ? (c.healthcheck ? 'healthy' : 'running') : c.asked;
    const verdict = evaluate(info, c.asked, condition, { baselineRestarts: 0, probeOk: c.probeOk ?? false, lastDeath: c.lastDeath ?? {}, settleMs: 500, now: NOW });
    expect(verdict).toMatchObject(c.expected as object);
  });

  it('a container that is gone has been removed', () => {
    expect(evaluate(undefined, 'ready', 'running', { baselineRestarts: 0, probeOk: false, lastDeath: {}, settleMs: 500, now: NOW })).toEqual({ kind: 'failed', failure: { kind: 'removed' } });
  });
});
