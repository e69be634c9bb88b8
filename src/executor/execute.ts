/**
 * The executor: runs a plan's operations over their dependency graph and
 * decides nothing. Each operation starts as soon as every operation it comes
 * after has succeeded, with bounded parallelism; the first failure stops the
 * rest (operations in flight see the abort, none starts afterwards) and is
 * the error `execute` throws. An operation marked `tolerate` may fail with a
 * warning: what comes after it goes on.
 *
 * What an operation does is the backend's business (`run`); the executor
 * only knows ids, order, limits, signals and failures — so every backend
 * (containers, Swarm) shares it.
 */
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { abortReason, isAbortError, messageOf } from '../errors.js';

/** What the executor needs to know of an operation. */
export interface OperationNode {
  /** Unique within one plan. */
  readonly id: string;
  /** Operations that must have succeeded first. */
  readonly after: readonly string[];
  /** A failure is reported (`onTolerated`) instead of stopping the rest. */
  readonly tolerate?: boolean;
  /** Holds no slot of the parallelism limit (waits: they mostly wait). */
  readonly unbounded?: boolean;
}

export interface ExecuteOptions<Op extends OperationNode, R> {
  /** Carries out one operation; `results` holds what the operations it comes after returned. */
  run(op: Op, context: { results: ReadonlyMap<string, R>; signal: AbortSignal }): Promise<R>;
  /** How many bounded operations run at once. */
  parallelism: number;
  /** Stops the execution: nothing starts afterwards, operations in flight see it. */
  signal?: AbortSignal;
  /** A tolerated operation failed; what comes after it goes on. */
  onTolerated?(op: Op, error: unknown): void;
}

/** The rest of an execution stopped because of another operation's failure (an AbortError: it never hides the cause). */
export class ExecutionStopped extends Error {
  override name = 'AbortError';
  constructor(readonly failure: unknown) {
    super(`stopped because another operation failed: ${messageOf(failure).split('\n')[0]}`, { cause: failure });
  }
}

/** An operation list that is not a graph the executor can walk (a bug of the planner, not of the user's input). */
export class InvalidOperationGraphError extends Error {}

/**
 * Runs `operations`; resolves with every successful operation's result by id,
 * or rejects with the first failure that is not a consequence of an abort
 * (others are attached as `otherErrors`). Waits for every operation it
 * started, so nothing is still in flight when it returns.
 */
export async function execute<Op extends OperationNode, R>(operations: readonly Op[], options: ExecuteOptions<Op, R>): Promise<Map<string, R>> {
  const byId = checkGraph(operations);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  // Every operation, and every engine call of each, listens on this one signal.
  setMaxListeners(0, signal);
  const results = new Map<string, R>();
  const settled = new Map<string, Promise<'ok' | 'tolerated'>>();
  const failures: unknown[] = [];
  const slots = pLimit(options.parallelism);

  const start = (op: Op): Promise<'ok' | 'tolerated'> => {
    let p = settled.get(op.id);
    if (p) return p;
    p = (async () => {
      // An `after` that failed (not tolerated) rejects, and so does this one, without running.
      await Promise.all(op.after.map((id) => start(byId.get(id)!)));
      const runIt = async () => {
        if (signal.aborted) throw abortReason(signal);
        try {
          return await options.run(op, { results, signal });
        } catch (err) {
          // Stop the rest before this slot frees, so no queued operation starts after a failure.
          if (!op.tolerate && !signal.aborted) stop.abort(new ExecutionStopped(err));
          throw err;
        }
      };
      try {
        results.set(op.id, await (op.unbounded ? runIt() : slots(runIt)));
        return 'ok' as const;
      } catch (err) {
        if (op.tolerate && !signal.aborted) {
          options.onTolerated?.(op, err);
          return 'tolerated' as const;
        }
        failures.push(err);
        throw err;
      }
    })();
    settled.set(op.id, p);
    return p;
  };

  const all = await Promise.allSettled(operations.map(start));
  if (all.some((r) => r.status === 'rejected')) {
    // The cause, not the aborts it made; a caller's own abort when that is all there is.
    const causal = failures.find((f) => !isAbortError(f)) ?? (options.signal?.aborted ? abortReason(options.signal) : failures[0]);
    const rest = failures.filter((f) => f !== causal && !(f instanceof ExecutionStopped));
    if (rest.length && causal instanceof Error) Object.assign(causal, { otherErrors: rest });
    throw causal;
  }
  return results;
}

/** Ids unique, every `after` known, no cycle. */
function checkGraph<Op extends OperationNode>(operations: readonly Op[]): Map<string, Op> {
  const byId = new Map<string, Op>();
  for (const op of operations) {
    if (byId.has(op.id)) throw new InvalidOperationGraphError(`operation id "${op.id}" is used twice`);
    byId.set(op.id, op);
  }
  for (const op of operations) {
    for (const dep of op.after) if (!byId.has(dep)) throw new InvalidOperationGraphError(`operation "${op.id}" comes after "${dep}", which is not in the plan`);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (op: Op, path: string[]) => {
    if (state.get(op.id) === 'done') return;
    if (state.get(op.id) === 'visiting') throw new InvalidOperationGraphError(`operations form a cycle: ${[...path, op.id].join(' -> ')}`);
    state.set(op.id, 'visiting');
    for (const dep of op.after) visit(byId.get(dep)!, [...path, op.id]);
    state.set(op.id, 'done');
  };
  for (const op of operations) visit(op, []);
  return byId;
}
