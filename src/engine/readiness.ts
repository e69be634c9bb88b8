/**
 * Waiting until a container is ready: running, healthy, or completed
 * successfully — driven by the engine's event stream, never by polling.
 *
 * Order matters: the event subscription is open before the first inspect, so
 * a change between "look" and "listen" cannot be missed. Every event is only
 * a trigger to inspect again; the verdict always comes from the inspected
 * state. A deadline always fires; an AbortSignal ends the wait at once; the
 * subscription, timer, listener and probe loop are released on every path.
 *
 * For `healthy`, the healthcheck command is also run right away by exec
 * (with a short backoff) so a container that answers early is reported ready
 * then, not one healthcheck interval later. Docker's own healthcheck keeps
 * running as configured; an `unhealthy` verdict from it still fails the wait.
 */
import type Dockerode from 'dockerode';
import type { Engine } from './engine.js';
import type { EngineEvent } from './event-client.js';
import type { EventHub } from './event-hub.js';
import { containerName } from './container-client.js';
import { type ContainerFailure, ContainerFailedError, WaitTimeoutError } from './errors.js';

/**
 * What "ready" means:
 * - `running`: the container runs (exiting counts as failure);
 * - `healthy`: its healthcheck passes;
 * - `completed`: it exited with code 0 (one-shot jobs);
 * - `ready`: `healthy` if it has a healthcheck, else `running` (what `up --wait` means).
 */
export type ReadyCondition = 'running' | 'healthy' | 'completed' | 'ready';

export interface WaitOptions {
  condition: ReadyCondition;
  /** Deadline in ms; required, because no wait may be unbounded. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Service name for messages (default: the Compose service label). */
  service?: string;
  /** Run the healthcheck command by exec right after start (default true). */
  probe?: boolean;
  /** Log lines to quote in errors (default 10). */
  logLines?: number;
  /**
   * A shared event stream that covers this container (e.g. one per project),
   * opened before the container started. Without it the wait opens its own.
   */
  events?: EventHub;
  /**
   * Restarts the container had when the caller last started it (0 for one it
   * just created). A higher RestartCount means it crashed since. Default: the
   * count at the wait's first look.
   */
  restartsBefore?: number;
}

/** How the wait ended well. */
export interface ReadyState {
  id: string;
  name: string;
  status: string;
  health?: string;
  exitCode?: number;
  /** What proved readiness: the container state, Docker's healthcheck, or our own probe. */
  readyBy: 'state' | 'healthcheck' | 'probe';
  elapsedMs: number;
}

const TRIGGERS = /^(start|die|oom|kill|stop|restart|pause|unpause|destroy|health_status)/;

interface LastDeath {
  exitCode?: number;
  oom?: boolean;
}

type Verdict =
  | { kind: 'ready'; by: ReadyState['readyBy'] }
  | { kind: 'failed'; failure: ContainerFailure }
  | { kind: 'waiting'; describe: string; startProbe: boolean };

/**
 * Waits until container `id` meets `options.condition`, or fails with
 * {@link ContainerFailedError} (died, OOM-killed, unhealthy, removed),
 * {@link WaitTimeoutError}, or the signal's reason.
 */
export async function waitUntilReady(engine: Engine, id: string, options: WaitOptions): Promise<ReadyState> {
  const started = Date.now();
  options.signal?.throwIfAborted();

  let dirty = true;
  let wake: (() => void) | undefined;
  const trigger = () => {
    dirty = true;
    wake?.();
  };
  let streamError: Error | undefined;
  // A restarted container reports exit code 0 while running again; the die
  // event keeps the code (and the oom event the cause) of the crash.
  const lastDeath: LastDeath = options.events?.lastDeath(id) ?? {};
  let timedOut = false;
  let probeOk = false;
  let lastProbeOutput: string | undefined;
  const probeController = new AbortController();
  let probing = false;

  const onEvent = (e: EngineEvent) => {
    if (e.action === 'die') lastDeath.exitCode = Number(e.attributes.exitCode ?? NaN);
    if (e.action === 'oom') lastDeath.oom = true;
    if (TRIGGERS.test(e.action)) trigger();
  };
  const onEnd = (err: Error | undefined) => {
    streamError = err ?? new Error('the engine closed the event stream');
    trigger();
  };
  // A shared hub (opened by the caller before the container started) or a stream of our own.
  const release: Array<() => void> = [];
  if (options.events) {
    release.push(options.events.watch(id, onEvent), options.events.onEnd(onEnd));
  } else {
    const subscription = await engine.events.subscribe({ filters: { type: ['container'], container: [id] }, onEvent, onEnd });
    release.push(() => subscription.close());
  }
  const timer = setTimeout(() => {
    timedOut = true;
    trigger();
  }, options.timeoutMs);
  const onAbort = () => trigger();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let info: Dockerode.ContainerInspectInfo | undefined;
  let baselineRestarts: number | undefined = options.restartsBefore;
  let lastDescription = 'unknown';
  try {
    for (;;) {
      if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      dirty = false;
      options.signal?.throwIfAborted();

      info = await engine.containers.inspect(id);
      baselineRestarts ??= info?.RestartCount ?? 0;
      const condition = resolveCondition(options.condition, info);
      const verdict = evaluate(info, condition, baselineRestarts, probeOk, lastDeath);
      const name = info ? containerName(info) : id;
      const service = options.service ?? info?.Config.Labels?.['com.docker.compose.service'];

      if (verdict.kind === 'ready') {
        return {
          id,
          name,
          status: info?.State.Status ?? 'unknown',
          ...(info?.State.Health?.Status ? { health: info.State.Health.Status } : {}),
          ...(info?.State.Status === 'exited' ? { exitCode: info.State.ExitCode } : {}),
          readyBy: verdict.by,
          elapsedMs: Date.now() - started,
        };
      }
      if (verdict.kind === 'failed') {
        throw new ContainerFailedError(name, service, verdict.failure, describeCondition(condition), await engine.containers.logTail(id, options.logLines ?? 10));
      }
      lastDescription = verdict.describe + (lastProbeOutput ? `; last probe: ${lastProbeOutput}` : '');
      if (timedOut) {
        throw new WaitTimeoutError(name, service, describeCondition(condition), options.timeoutMs, lastDescription, await engine.containers.logTail(id, options.logLines ?? 10));
      }
      if (streamError) throw engine.translate(`watch container ${name}`, streamError);
      if (verdict.startProbe && !probing && options.probe !== false && info) {
        probing = true;
        void probeLoop(engine, id, info, probeController.signal, (ok, output) => {
          lastProbeOutput = output;
          if (ok) {
            probeOk = true;
            trigger();
          }
        });
      }
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    probeController.abort();
    for (const r of release) r();
  }
}

function resolveCondition(condition: ReadyCondition, info: Dockerode.ContainerInspectInfo | undefined): Exclude<ReadyCondition, 'ready'> {
  if (condition !== 'ready') return condition;
  return hasHealthcheck(info) ? 'healthy' : 'running';
}

function hasHealthcheck(info: Dockerode.ContainerInspectInfo | undefined): boolean {
  const test = info?.Config.Healthcheck?.Test;
  return Boolean(test && test.length > 0 && test[0] !== 'NONE');
}

function evaluate(
  info: Dockerode.ContainerInspectInfo | undefined,
  condition: Exclude<ReadyCondition, 'ready'>,
  baselineRestarts: number,
  probeOk: boolean,
  lastDeath: LastDeath,
): Verdict {
  if (!info) return { kind: 'failed', failure: { kind: 'removed' } };
  const s = info.State;
  const exitCode = s.ExitCode ?? 0;
  if (s.OOMKilled && !s.Running) return { kind: 'failed', failure: { kind: 'oom-killed', exitCode } };
  if (s.Restarting || (info.RestartCount ?? 0) > baselineRestarts) {
    const crashCode = s.Running && Number.isFinite(lastDeath.exitCode) ? lastDeath.exitCode! : exitCode;
    if (s.OOMKilled || lastDeath.oom) return { kind: 'failed', failure: { kind: 'oom-killed', exitCode: crashCode } };
    return { kind: 'failed', failure: { kind: 'restarted', exitCode: crashCode, restartCount: info.RestartCount ?? 0 } };
  }
  switch (s.Status) {
    case 'created':
      return { kind: 'waiting', describe: 'created, not started', startProbe: false };
    case 'paused':
      return { kind: 'waiting', describe: 'paused', startProbe: false };
    case 'removing':
      return { kind: 'failed', failure: { kind: 'removed' } };
    case 'exited':
    case 'dead':
      if (condition === 'completed' && exitCode === 0) return { kind: 'ready', by: 'state' };
      return { kind: 'failed', failure: { kind: 'exited', exitCode } };
    case 'running':
      break;
    default:
      return { kind: 'waiting', describe: s.Status, startProbe: false };
  }
  if (condition === 'running') return { kind: 'ready', by: 'state' };
  if (condition === 'completed') return { kind: 'waiting', describe: 'running (waiting for it to exit)', startProbe: false };
  const health = s.Health;
  if (!hasHealthcheck(info) || !health) return { kind: 'failed', failure: { kind: 'no-healthcheck' } };
  if (health.Status === 'healthy') return { kind: 'ready', by: 'healthcheck' };
  if (health.Status === 'unhealthy') {
    const last = health.Log?.[health.Log.length - 1];
    return { kind: 'failed', failure: { kind: 'unhealthy', probeOutput: last?.Output } };
  }
  if (probeOk) return { kind: 'ready', by: 'probe' };
  return { kind: 'waiting', describe: `running, health: ${health.Status}`, startProbe: true };
}

function describeCondition(condition: Exclude<ReadyCondition, 'ready'>): string {
  switch (condition) {
    case 'running':
      return 'running';
    case 'healthy':
      return 'healthy';
    case 'completed':
      return 'completed successfully (exit 0)';
  }
}

/**
 * Runs the container's healthcheck command by exec until it passes once,
 * backing off from 50 ms to at most 1 s (or the check's own interval).
 */
async function probeLoop(
  engine: Engine,
  id: string,
  info: Dockerode.ContainerInspectInfo,
  signal: AbortSignal,
  report: (ok: boolean, output: string | undefined) => void,
): Promise<void> {
  const cmd = probeCommand(info.Config.Healthcheck?.Test ?? []);
  if (!cmd) return;
  const intervalMs = (info.Config.Healthcheck?.Interval ?? 30e9) / 1e6;
  const timeoutMs = (info.Config.Healthcheck?.Timeout ?? 30e9) / 1e6 || 30_000;
  let delay = 50;
  while (!signal.aborted) {
    try {
      const result = await engine.containers.exec(id, cmd, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
      const output = (result.stdout + result.stderr).trim().split('\n').slice(-1)[0] ?? '';
      report(result.exitCode === 0, output || `exit code ${result.exitCode}`);
      if (result.exitCode === 0) return;
    } catch {
      // Not running yet, gone, or timed out: the event stream reports real failures.
      if (signal.aborted) return;
    }
    await sleep(delay, signal);
    delay = Math.min(delay * 2, 1000, Math.max(intervalMs, 50));
  }
}

/** The exec form of a healthcheck test, as Docker runs it. */
export function probeCommand(test: string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest.length ? rest : undefined;
  if (kind === 'CMD-SHELL') return rest.length ? ['/bin/sh', '-c', rest.join(' ')] : undefined;
  return undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
