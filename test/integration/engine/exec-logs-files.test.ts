/**
 * Logs (stdout/stderr demultiplexed, tail, follow), exec (exit code and
 * output), and copying files into a container.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, ExecError, type LogLine, waitUntilReady } from '../../../src/index.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';

describe('logs, exec, files', () => {
  let engine: Engine;
  const run = uniqueName();
  const label = `${TEST_LABEL}=${run}`;
  let sleeper: string;

  beforeAll(async () => {
    engine = await connectTestEngine();
    sleeper = await engine.containers.create({ image: BUSYBOX, init: true, command: ['sleep', '300'], labels: { [TEST_LABEL]: run } });
    await engine.containers.start(sleeper);
  });
  afterAll(async () => {
    await removeLabelled(engine, label);
    expect(await leftovers(label)).toEqual([]);
  });

  it('separates stdout from stderr and keeps the order within each', async () => {
    const id = await engine.containers.create({
      image: BUSYBOX,
      command: ['sh', '-c', 'echo out-1; echo err-1 >&2; echo out-2; printf "no newline" >&2'],
      labels: { [TEST_LABEL]: run },
    });
    await engine.containers.start(id);
    await waitUntilReady(engine, id, { condition: 'completed', timeoutMs: 10_000 });
    const lines = await engine.containers.logs(id);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['out-1', 'out-2']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['err-1', 'no newline']);
    expect((await engine.containers.logs(id, { tail: 1 })).length).toBe(1);
  });

  it('reads logs of a TTY container (not multiplexed)', async () => {
    const id = await engine.containers.create({ image: BUSYBOX, tty: true, command: ['sh', '-c', 'echo from-tty'], labels: { [TEST_LABEL]: run } });
    await engine.containers.start(id);
    await waitUntilReady(engine, id, { condition: 'completed', timeoutMs: 10_000 });
    expect((await engine.containers.logs(id)).map((l) => l.text)).toEqual(['from-tty']);
  });

  it('follows logs until aborted', async () => {
    const id = await engine.containers.create({
      image: BUSYBOX,
      init: true,
      command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.1; done'],
      labels: { [TEST_LABEL]: run },
    });
    await engine.containers.start(id);
    const seen: LogLine[] = [];
    const controller = new AbortController();
    await engine.containers.followLogs(id, {
      signal: controller.signal,
      onLine: (l) => {
        seen.push(l);
        if (seen.length === 3) controller.abort();
      },
    });
    expect(seen.slice(0, 3).map((l) => l.text)).toEqual(['tick 1', 'tick 2', 'tick 3']);
  });

  it('follow ends by itself when the container exits', async () => {
    const id = await engine.containers.create({ image: BUSYBOX, command: ['sh', '-c', 'sleep 0.3; echo bye'], labels: { [TEST_LABEL]: run } });
    await engine.containers.start(id);
    const seen: string[] = [];
    await engine.containers.followLogs(id, { onLine: (l) => seen.push(l.text) });
    expect(seen).toEqual(['bye']);
  });

  it('exec returns exit code, stdout and stderr', async () => {
    const result = await engine.containers.exec(sleeper, ['sh', '-c', 'echo "$GREETING from $(pwd)"; echo oops >&2; exit 42'], {
      env: { GREETING: 'hi' },
      workingDir: '/tmp',
    });
    expect(result).toEqual({ exitCode: 42, stdout: 'hi from /tmp\n', stderr: 'oops\n' });
    expect((await engine.containers.exec(sleeper, ['id', '-u'], { user: '65534' })).stdout.trim()).toBe('65534');
  });

  it('exec of a missing binary reports the engine reason', async () => {
    const result = await engine.containers.exec(sleeper, ['/no/such/binary']).catch((e: unknown) => e);
    // The engine either refuses the exec or runs it and returns 126/127.
    if (result instanceof Error) expect(result).toBeInstanceOf(ExecError);
    else expect([126, 127]).toContain((result as { exitCode: number }).exitCode);
  });

  it('exec in a stopped container fails with ExecError naming it', async () => {
    const id = await engine.containers.create({ image: BUSYBOX, command: ['true'], labels: { [TEST_LABEL]: run } });
    const err = await engine.containers.exec(id, ['true']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as Error).message).toMatch(/is not running/);
  });

  it('copies files and folders in with their modes and owners, before start', async () => {
    const id = await engine.containers.create({
      image: BUSYBOX,
      command: ['sh', '-c', 'stat -c "%a %u %n" /root/.ssh /root/.ssh/authorized_keys /etc/motd; cat /root/.ssh/authorized_keys'],
      labels: { [TEST_LABEL]: run },
    });
    await engine.containers.putFiles(id, [
      { type: 'directory', path: '/root/.ssh', mode: 0o700 },
      { path: '/root/.ssh/authorized_keys', content: 'ssh-ed25519 AAAA test@modelstack\n', mode: 0o600 },
      { path: '/etc/motd', content: Buffer.from('welcome\n'), mode: 0o644, uid: 65534, gid: 65534 },
    ]);
    await engine.containers.start(id);
    await waitUntilReady(engine, id, { condition: 'completed', timeoutMs: 10_000 });
    const out = (await engine.containers.logs(id)).map((l) => l.text);
    expect(out).toEqual(['700 0 /root/.ssh', '600 0 /root/.ssh/authorized_keys', '644 65534 /etc/motd', 'ssh-ed25519 AAAA test@modelstack']);
  });
});
