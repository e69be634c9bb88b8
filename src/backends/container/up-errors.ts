/**
 * The errors of `up` on a Docker engine: a dependency that failed its
 * condition, a deadline the engine did not answer in, an engine that went
 * away while `up` ran.
 */
import { ModelstackError, messageOf } from '../../errors.js';

/** A dependency did not meet its `depends_on` condition. */
export class DependencyFailedError extends ModelstackError {
  constructor(readonly service: string, readonly dependency: string, readonly condition: string, cause: unknown) {
    super(
      'DEPENDENCY_FAILED',
      `${messageOf(cause)}\n(service "${service}" was not started: it depends on "${dependency}" with condition ${condition})`,
      { cause },
    );
  }
}

/** `up` did not finish before its deadline, and the engine call named here had not answered. */
export class UpTimeoutError extends ModelstackError {
  constructor(readonly timeoutMs: number, readonly operation: string) {
    super(
      'UP_TIMEOUT',
      `up did not finish within its deadline of ${timeoutMs / 1000}s: the engine did not answer ${operation}; is it running and responsive? (raise --wait-timeout if it is only slow)`,
    );
  }
}

/**
 * The engine went away while `up` ran (it was stopped or crashed). Its
 * shutdown stops the containers too, and a wait then sees them exit (143,
 * 137): that is the engine's doing, not the service's, and this says so.
 */
export class EngineStoppedError extends ModelstackError {
  constructor(readonly address: string, cause: unknown) {
    super(
      'ENGINE_STOPPED',
      `the Docker engine at ${address} stopped while up ran (what up saw last: ${messageOf(cause).split('\n')[0]}); start the engine again, then run up again`,
      { cause },
    );
  }
}
