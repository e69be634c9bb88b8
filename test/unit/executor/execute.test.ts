/**
 * The executor over small operation graphs: order, bounded parallelism,
 * the first failure stops the rest, tolerated failures, the caller's abort,
 * results handed on, and graphs it refuses.
 */
import { describe, expect, it } from 'vitest';
import { ExecutionStopped, InvalidOperationGraphError, type OperationNode, execute } from '../../../src/executor/execute.js';
import { sleep } from '../../../src/errors.js';

interface Op extends OperationNode {
  /** ms the operation takes */
  ms?: number;
  fail?: string;
}

/** Runs the graph, recording when each operation started and ended (in a shared step counter). */
async function trace(ops: Op[], options: { parallelism?: number; signal?: AbortSignal; abortAt?: { controller: AbortController; ms: number } } = {}) {
  const log: string[] = [];
  let running = 0;
  let peak = 0;
  const seen: Record<string, boolean> = {};
  const tolerated: string[] = [];
  const outcome = await execute(ops, {
    parallelism: options.parallelism ?? 8,
    ...(options.signal ? { signal: options.signal } : {}),
    onTolerated: (op, err) => tolerated.push(`${op.id}: ${(err as Error).message}`),
    async run(op, { results, signal }) {
      seen[op.id] = true;
      if (!op.unbounded) peak = Math.max(peak, ++running);
      log.push(`start ${op.id}`);
      try {
        await sleep(op.ms ?? 5, signal);
        if (op.fail) throw new Error(op.fail);
        log.push(`end ${op.id}`);
        return `${op.id}(${op.after.map((a) => results.get(a)).join(',')})`;
      } finally {
        if (!op.unbounded) running--;
      }
    },
  }).then(
    (results): { results?: Record<string, unknown>; error?: unknown } => ({ results: Object.fromEntries(results) }),
    (error: unknown): { results?: Record<string, unknown>; error?: unknown } => ({ error }),
  );
  return { log, peak, seen, tolerated, ...outcome };
}

describe('execute', () => {
  it('runs an operation after the ones it comes after, and independent ones side by side', async () => {
    const { log, results } = await trace([
      { id: 'net', after: [], ms: 10 },
      { id: 'a', after: ['net'], ms: 20 },
      { id: 'b', after: ['net'], ms: 20 },
      { id: 'c', after: ['a', 'b'] },
    ]);
    expect(log.indexOf('start a')).toBeGreaterThan(log.indexOf('end net'));
    // a and b overlap: both started before either ended.
    expect(Math.max(log.indexOf('start a'), log.indexOf('start b'))).toBeLessThan(Math.min(log.indexOf('end a'), log.indexOf('end b')));
    expect(log.indexOf('start c')).toBeGreaterThan(Math.max(log.indexOf('end a'), log.indexOf('end b')));
    expect(results).toEqual({ net: 'net()', a: 'a(net())', b: 'b(net())', c: 'c(a(net()),b(net()))' });
  });

  it('one signal for every operation and each of its calls: no MaxListenersExceededWarning however many listen', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const ops = Array.from({ length: 40 }, (_, i) => ({ id: `op${i}`, after: [] as string[] }));
      await execute(ops, {
        parallelism: 40,
        run: async (_op, { signal }) => {
          // As the engine transport does: a listener per request, three requests per operation.
          const listeners = [0, 1, 2].map(() => () => undefined);
          for (const l of listeners) signal.addEventListener('abort', l);
          await sleep(5);
          for (const l of listeners) signal.removeEventListener('abort', l);
        },
      });
      await sleep(10); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('keeps to the parallelism limit; unbounded operations take no slot', async () => {
    const ops: Op[] = [...Array(6)].map((_, i) => ({ id: `c${i}`, after: [], ms: 15 }));
    ops.push({ id: 'wait', after: [], unbounded: true, ms: 60 });
    const { peak, results } = await trace(ops, { parallelism: 2 });
    expect(peak).toBe(2);
    expect(Object.keys(results!)).toHaveLength(7);
  });

  it('the first failure stops the rest: what comes after it never runs, what is in flight sees the abort, nothing starts later', async () => {
    const { error, seen, log } = await trace(
      [
        { id: 'a', after: [], ms: 5, fail: 'service "a" exited with code 3' },
        { id: 'after-a', after: ['a'] },
        { id: 'slow', after: [], ms: 1000 },
        { id: 'queued', after: [], ms: 5 },
      ],
      { parallelism: 2 },
    );
    expect((error as Error).message).toBe('service "a" exited with code 3');
    expect(seen['after-a']).toBeUndefined();
    expect(seen['queued']).toBeUndefined();
    expect(log).not.toContain('end slow');
  });

  it('a tolerated failure is reported, and what comes after it goes on', async () => {
    const { results, tolerated } = await trace([
      { id: 'optional-dep', after: [], fail: 'not healthy', tolerate: true },
      { id: 'dependent', after: ['optional-dep'] },
    ]);
    expect(tolerated).toEqual(['optional-dep: not healthy']);
    expect(results).toEqual({ dependent: 'dependent()' });
  });

  it("the caller's abort: operations in flight end with its reason, nothing starts afterwards", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user pressed Ctrl-C')), 20);
    const { error, seen } = await trace(
      [
        { id: 'a', after: [], ms: 1000 },
        { id: 'b', after: ['a'] },
      ],
      { signal: controller.signal },
    );
    expect((error as Error).message).toBe('user pressed Ctrl-C');
    expect(seen['b']).toBeUndefined();
  });

  it('the error is the cause, never the abort it caused', async () => {
    const { error } = await trace([
      { id: 'a', after: [], ms: 10, fail: 'port 8080 is already allocated' },
      { id: 'b', after: [], ms: 500 },
    ]);
    expect(error).not.toBeInstanceOf(ExecutionStopped);
    expect((error as Error).message).toBe('port 8080 is already allocated');
  });

  it.each([
    ['a duplicate id', [{ id: 'a', after: [] }, { id: 'a', after: [] }], /"a" is used twice/],
    ['an unknown predecessor', [{ id: 'a', after: ['ghost'] }], /comes after "ghost", which is not in the plan/],
    ['a cycle', [{ id: 'a', after: ['b'] }, { id: 'b', after: ['a'] }], /cycle: a -> b -> a/],
  ])('refuses %s', async (_what, ops, message) => {
    await expect(execute(ops as Op[], { parallelism: 1, run: async () => undefined })).rejects.toThrow(InvalidOperationGraphError);
    await expect(execute(ops as Op[], { parallelism: 1, run: async () => undefined })).rejects.toThrow(message);
  });
});
