/**
 * The root of every error modelstack throws on purpose.
 *
 * Each layer defines its own subclasses next to its code (spec errors in
 * `compose/errors.ts`, engine errors in `engine/errors.ts`, ...). All of them
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

/**
 * What an aborted operation rejects with: the signal's reason when it is an
 * Error (a caller's own `abort(new Error('user pressed Ctrl-C'))`, or the
 * `TimeoutError` of `AbortSignal.timeout`), else an `AbortError` — so
 * {@link isAbortError} recognises it and a non-Error reason is never
 * mistaken for the cause of a failure.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(reason === undefined ? 'This operation was aborted' : `aborted: ${String(reason)}`, 'AbortError');
}

/** Resolves after `ms`; rejects with {@link abortReason} as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
