/**
 * What every orchestrator operation gets from its Stack: the engine, the
 * project, a logger, the event sink, the concurrency limit, and the labels
 * that mark ephemeral stacks.
 */
import type pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import { isAbortError, isModelstackError } from '../errors.js';
import type { Project } from '../compose/model.js';
import type { StackEvent, WithoutTime } from './events.js';

export interface StackContext {
  engine: Engine;
  project: Project;
  logger: Logger;
  emit(event: WithoutTime<StackEvent>): void;
  limit: ReturnType<typeof pLimit>;
  /** Engine operations in flight at once (the executor's bound). */
  parallelism: number;
  /** Host address for ports without `host_ip`. */
  defaultHostIp: string;
  /** Labels added to every container, network and volume (owner and ephemeral marks). */
  extraLabels: Record<string, string>;
}

/**
 * Waits for every promise (so nothing is still in flight when we return) and
 * throws the first failure that is not a mere consequence of an abort; the
 * others are attached as `otherErrors`.
 */
export async function settleAll<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failures.length) {
    const causal = failures.find((f) => !isAbortError(f)) ?? failures[0];
    const rest = failures.filter((f) => f !== causal);
    if (rest.length && causal instanceof Error) Object.assign(causal, { otherErrors: rest });
    throw causal;
  }
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}


export function codeOf(err: unknown): { code?: string } {
  return isModelstackError(err) ? { code: err.code } : {};
}
