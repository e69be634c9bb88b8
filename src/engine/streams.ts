/**
 * Reading the engine's streamed answers: one way to read a stream to its end
 * under an AbortSignal, and the decoders of the engine's two stream formats:
 * newline-delimited JSON (pull, build, events) and the 8-byte-header
 * multiplexed stdout/stderr framing (logs and exec of containers without a
 * TTY).
 */
import { abortReason } from '../errors.js';

/** A stream as dockerode hands it out: readable, and destroyable to drop the connection. */
export type EngineStream = NodeJS.ReadableStream & { destroy(error?: Error): void };

/**
 * Reads `stream` to its end, passing each chunk to `onData`. Resolves when
 * the stream ends (or closes); rejects with its error, or with what `onData`
 * returned to stop it. When `signal` aborts, the connection is dropped and the
 * promise rejects with the signal's reason. Every listener is removed on
 * every path.
 */
export function readStream(stream: EngineStream, onData: (chunk: Buffer) => Error | void, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onChunk);
      stream.removeListener('end', onEnd);
      stream.removeListener('close', onEnd);
      stream.removeListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        // Destroying may still emit an error nobody listens to.
        stream.on('error', () => {});
        stream.destroy();
        reject(err);
      } else {
        resolve();
      }
    };
    const onChunk = (chunk: Buffer) => {
      const stop = onData(chunk);
      if (stop) finish(stop);
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(err);
    const onAbort = () => finish(abortReason(signal!));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onChunk);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
  });
}

/**
 * Splits a byte stream into JSON objects, one per line, calling `onObject`
 * for each. Lines that are not JSON are passed to `onText` (the engine
 * sometimes writes plain text on errors). Returns a function that flushes the
 * last partial line.
 */
export function jsonLineDecoder(
  onObject: (obj: Record<string, unknown>) => void,
  onText: (line: string) => void = () => {},
): { write(chunk: Buffer | string): void; end(): void } {
  let pending = '';
  const emit = (line: string) => {
    const trimmed = line.trim();
    if (!trimmed) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      onText(trimmed);
      return;
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) onObject(parsed as Record<string, unknown>);
    else onText(trimmed);
  };
  return {
    write(chunk) {
      pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        emit(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    },
    end() {
      emit(pending);
      pending = '';
    },
  };
}

/** Which stream a chunk of container output came from. */
export type OutputStream = 'stdout' | 'stderr';

/**
 * Decodes Docker's multiplexed framing incrementally: each frame is
 * `[stream, 0, 0, 0, size(4 bytes BE)]` + payload. Stream 1 is stdout, 2 is
 * stderr (0, stdin, is treated as stdout). Returns `write` for each chunk.
 */
export function demuxDecoder(onChunk: (stream: OutputStream, data: Buffer) => void): { write(chunk: Buffer): void } {
  let buffer: Buffer = Buffer.alloc(0);
  return {
    write(chunk) {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      while (buffer.length >= 8) {
        const size = buffer.readUInt32BE(4);
        if (buffer.length < 8 + size) break;
        const kind = buffer[0];
        onChunk(kind === 2 ? 'stderr' : 'stdout', buffer.subarray(8, 8 + size));
        buffer = buffer.subarray(8 + size);
      }
    },
  };
}

/** Demultiplexes a complete buffer into its stdout and stderr text. */
export function demuxBuffer(data: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  demuxDecoder((stream, chunk) => (stream === 'stderr' ? err : out).push(chunk)).write(data);
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
