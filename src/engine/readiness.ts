/**
 * Waiting until a container is ready: running, healthy, or completed
 * successfully — driven by the engine's event stream, never by polling.
 *
 * Order matters: the event subscription is open before the first inspect, so
 * a change between "look" and "listen" cannot be missed. Every event is only
 * a trigger to inspect again; the verdict always comes from the inspected
 * state. A deadline always fires — every engine call the wait makes runs
 * under it, so a frozen engine cannot hold the wait; an AbortSignal ends the
 * wait at once; the subscription, timers, listener and probe loop are
 * released on every path.
 *
 * "Healthy" is Docker's verdict (what Compose's `--wait` and
 * `service_healthy` mean). With `probe: true` the healthcheck command also
 * runs by exec right after start (with a short backoff), and its first
 * success counts as healthy while Docker may still say `starting`: the
 * earliest moment a service answers, as an explicit opt-in. Docker's own
 * `unhealthy` verdict still fails the wait either way.
 *
 * "Running" means seen running once its start has settled: the container
 * has run for `settleMs` since it started without dying or being restarted,
 * so a process that crashes, exits or is OOM-killed right after start fails
 * the wait instead of passing one lucky inspect. On a loaded machine (or a
 * slow engine) everything, a crash included, comes later: the settle time
 * grows with the engine's answer time (ten times the slowest inspect of the
 * wait), so what "right after start" means follows the machine.
 */
import type Dockerode from 'dockerode';
import type { ReadyCondition } from '../plan/operations.js';
import type { Engine } from './engine.js';
import type { EngineEvent } from './event-client.js';
import type { EventHub } from './event-hub.js';
import { containerName } from './container-client.js';
import { sleep } from '../errors.js';
import { type ContainerFailure, ContainerFailedError, WaitTimeoutError } from './errors.js';

export type { ReadyCondition };

/** How long a container must have run, since it started, to count as running (ms). */
export const DEFAULT_SETTLE_MS = 500;
/** The log lines quoted in an error may take this long; the wait's deadline has passed when a timeout quotes them. */
const LOG_TAIL_TIMEOUT_MS = 2000;
/** The settle time is at least this many times the engine's slowest answer to the wait's inspects. */
const SETTLE_PER_INSPECT = 10;

export interface WaitOptions {
  condition: ReadyCondition;
  /** Deadline in ms; required, because no wait may be unbounded. */
  timeoutMs: number;
  /** The deadline a timeout error names, when this wait has only the rest of a longer one (`up --wait-timeout`). Default `timeoutMs`. */
  reportedTimeoutMs?: number;
  signal?: AbortSignal;
  /** Service name for messages. */
  service?: string;
  /** Container name for messages until the first inspect (default: the id). */
  containerName?: string;
  /**
   * Also run the healthcheck command by exec right after start, and count its
   * first success as healthy (Docker may still say `starting` then). Default
   * false: healthy means Docker says healthy.
   */
  probe?: boolean;
  /**
   * How long a container must have run since it started to count as running
   * (default {@link DEFAULT_SETTLE_MS}); at least ten times the slowest
   * inspect of the wait, so a loaded machine gets a longer settle.
   */
  settleMs?: number;
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
  /** Docker's health status when the wait ended (`starting` when our probe was first). */
  health?: string;
  exitCode?: number;
  /**
   * What proved readiness: the container state (running, or exited 0),
   * Docker's healthcheck, or our own probe (`probe: true`; Docker's `health`
   * may still be `starting`).
   */
  readyBy: 'state' | 'healthcheck' | 'probe';
  elapsedMs: number;
}

const TRIGGERS = /^(start|die|oom|kill|stop|restart|pause|unpause|destroy|health_status)/;

interface LastDeath {
  exitCode?: number;
  oom?: boolean;
  /** Someone asked the engine to kill or stop the container (a SIGKILL then is not the kernel's). */
  killRequested?: boolean;
}

type Verdict =
  | { kind: 'ready'; by: ReadyState['readyBy'] }
  | { kind: 'failed'; failure: ContainerFailure }
  /** `recheckInMs`: nothing the engine will announce, only time, can change the verdict (a start settling). */
  | { kind: 'waiting'; describe: string; startProbe: boolean; recheckInMs?: number };

/**
 * Waits until container `id` meets `options.condition`, or fails with
 * {@link ContainerFailedError} (died, OOM-killed, unhealthy, restarted,
 * removed), {@link WaitTimeoutError}, or the signal's reason.
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
  let probeOk = false;
  let lastProbeOutput: string | undefined;
  const probeController = new AbortController();
  let probing = false;

  // Every engine call of the wait (inspect, log tail, probe) runs under the
  // deadline and the caller's signal: a frozen engine cannot outlast either.
  const deadlineController = new AbortController();
  const deadline = deadlineController.signal;
  const deadlineTimer = setTimeout(() => deadlineController.abort(new Error(`deadline of ${options.timeoutMs} ms`)), options.timeoutMs);
  const callSignal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const onDeadlineOrAbort = () => trigger();
  callSignal.addEventListener('abort', onDeadlineOrAbort, { once: true });
  let recheck: NodeJS.Timeout | undefined;

  const onEvent = (e: EngineEvent) => {
    if (e.action === 'die') lastDeath.exitCode = Number(e.attributes.exitCode ?? NaN);
    if (e.action === 'oom') lastDeath.oom = true;
    if (e.action === 'kill' || e.action === 'stop') lastDeath.killRequested = true;
    if (TRIGGERS.test(e.action)) trigger();
  };
  const onEnd = (err: Error | undefined) => {
    streamError = err ?? new Error('the engine closed the event stream');
    trigger();
  };
  // A shared hub (opened by the caller before the container started) or a stream of our own.
  const release: Array<() => void> = [];
  let info: Dockerode.ContainerInspectInfo | undefined;
  let condition: Exclude<ReadyCondition, 'ready'> = options.condition === 'ready' ? 'running' : options.condition;
  let name = options.containerName ?? id;
  const service = () => options.service;
  // After the deadline: a short bound of its own, so a frozen engine adds little to it.
  const logTail = () => engine.containers.logTail(id, options.logLines ?? 10, { signal: AbortSignal.timeout(LOG_TAIL_TIMEOUT_MS) });
  try {
    if (options.events) {
      release.push(options.events.watch(id, onEvent), options.events.onEnd(onEnd));
    } else {
      const subscription = await engine.events.subscribe({ filters: { type: ['container'], container: [id] }, onEvent, onEnd, signal: callSignal });
      release.push(() => subscription.close());
    }
    let baselineRestarts: number | undefined = options.restartsBefore;
    let slowestInspectMs = 0;
    let lastDescription = 'not inspected yet';
    for (;;) {
      if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      dirty = false;
      options.signal?.throwIfAborted();
      if (deadline.aborted) {
        throw new WaitTimeoutError(name, service(), describeCondition(condition), options.reportedTimeoutMs ?? options.timeoutMs, lastDescription, await logTail());
      }

      const asked = Date.now();
      try {
        info = await engine.containers.inspect(id, { signal: callSignal });
        slowestInspectMs = Math.max(slowestInspectMs, Date.now() - asked);
      } catch (err) {
        if (callSignal.aborted) continue; // the deadline or the caller's abort, reported above
        throw err;
      }
      baselineRestarts ??= info?.RestartCount ?? 0;
      condition = resolveCondition(options.condition, info);
      const verdict = evaluate(info, options.condition, condition, {
        baselineRestarts,
        probeOk,
        lastDeath,
        settleMs: Math.max(options.settleMs ?? DEFAULT_SETTLE_MS, SETTLE_PER_INSPECT * slowestInspectMs),
        now: Date.now(),
      });
      if (info) name = containerName(info);

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
        throw new ContainerFailedError(name, service(), verdict.failure, describeCondition(condition), await logTail());
      }
      lastDescription = verdict.describe + (lastProbeOutput ? `; last probe: ${lastProbeOutput}` : '');
      if (streamError) throw engine.translate(`watch container ${name}`, streamError);
      if (verdict.recheckInMs !== undefined) {
        clearTimeout(recheck);
        recheck = setTimeout(trigger, verdict.recheckInMs);
      }
      if (verdict.startProbe && !probing && options.probe && info) {
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
    clearTimeout(recheck);
    clearTimeout(deadlineTimer);
    callSignal.removeEventListener('abort', onDeadlineOrAbort);
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

interface EvaluationContext {
  baselineRestarts: number;
  probeOk: boolean;
  lastDeath: LastDeath;
  settleMs: number;
  now: number;
}

/** The verdict on one inspected state. Pure: exported for table tests. */
export function evaluate(
  info: Dockerode.ContainerInspectInfo | undefined,
  asked: ReadyCondition,
  condition: Exclude<ReadyCondition, 'ready'>,
  ctx: EvaluationContext,
): Verdict {
  if (!info) return { kind: 'failed', failure: { kind: 'removed' } };
  const s = info.State;
  const exitCode = s.ExitCode ?? 0;
  const reported = s.OOMKilled || ctx.lastDeath.oom === true;
  const oomKill = (code: number): ContainerFailure | undefined => {
    if (reported) return { kind: 'oom-killed', exitCode: code };
    // The engine may lose an OOM kill (26.1 on cgroup v1, now and then): a
    // SIGKILL nobody asked for, under a memory limit, is the kernel's.
    const limited = (info.HostConfig?.Memory ?? 0) > 0;
    if (code === 137 && limited && !ctx.lastDeath.killRequested) return { kind: 'oom-killed', exitCode: code, inferred: true };
    return undefined;
  };
  if (s.Restarting || (info.RestartCount ?? 0) > ctx.baselineRestarts) {
    const crashCode = s.Running && Number.isFinite(ctx.lastDeath.exitCode) ? ctx.lastDeath.exitCode! : exitCode;
    const oom = oomKill(crashCode);
    if (oom) return { kind: 'failed', failure: oom };
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
    case 'dead': {
      const oom = oomKill(exitCode);
      if (oom) return { kind: 'failed', failure: oom };
      // A one-shot container that finished well is done, for `completed` and for `up --wait`.
      if ((condition === 'completed' || asked === 'ready') && exitCode === 0) return { kind: 'ready', by: 'state' };
      return { kind: 'failed', failure: { kind: 'exited', exitCode } };
    }
    case 'running':
      break;
    default:
      return { kind: 'waiting', describe: s.Status, startProbe: false };
  }
  if (condition === 'completed') return { kind: 'waiting', describe: 'running (waiting for it to exit)', startProbe: false };
  const health = s.Health;
  if (condition === 'healthy') {
    if (!hasHealthcheck(info) || !health) return { kind: 'failed', failure: { kind: 'no-healthcheck' } };
    if (health.Status === 'unhealthy') {
      const last = health.Log?.[health.Log.length - 1];
      return { kind: 'failed', failure: { kind: 'unhealthy', probeOutput: last?.Output } };
    }
    // Docker's verdict needs no settling: it ran its check after the start.
    if (health.Status === 'healthy') return { kind: 'ready', by: 'healthcheck' };
    if (!ctx.probeOk) return { kind: 'waiting', describe: `running, health: ${health.Status}`, startProbe: true };
  }
  // Running (or probed healthy): only once the start has settled.
  const ranMs = ctx.now - Date.parse(s.StartedAt);
  const left = Number.isFinite(ranMs) ? Math.min(ctx.settleMs, Math.max(0, ctx.settleMs - ranMs)) : ctx.settleMs;
  if (left > 0) {
    return { kind: 'waiting', describe: `running for less than ${ctx.settleMs} ms (settling)`, startProbe: false, recheckInMs: left };
  }
  return { kind: 'ready', by: condition === 'healthy' ? 'probe' : 'state' };
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
    try {
      await sleep(delay, signal);
    } catch {
      return; // the wait is over
    }
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
