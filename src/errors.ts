/**
 * The root of every error modelstack throws on purpose.
 *
 * Each layer defines its own subclasses next to its code (spec errors in
 * `spec/errors.ts`, engine errors in `engine/errors.ts`, ...). All of them
 * carry a stable `code` a caller can switch on, a message a person can act on
 * (what failed, for which file/service, why, what to do), and the underlying
 * error as `cause`.
 */
export class ModelstackError extends Error {
  /** Stable, machine-readable identifier (e.g. `ENGINE_UNREACHABLE`). */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `err` is one of ours (any layer). */
export function isModelstackError(err: unknown): err is ModelstackError {
  return err instanceof ModelstackError;
}

/** Best-effort message of an unknown thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * True for rejections caused by an AbortSignal: a caller's abort
 * (`AbortError`, `ABORT_ERR`) or an `AbortSignal.timeout` (`TimeoutError`).
 */
export function isAbortError(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.code === 'ABORT_ERR';
}
