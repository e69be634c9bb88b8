/**
 * A real registry for pull tests: Debian's `docker-registry` on
 * 127.0.0.1:5000 with throw-away storage, and the busybox test image pushed
 * into it. Started by the test file that needs it, stopped by it (by pid).
 *
 * Layers are also served through a throttled path (127.0.0.1:5001, a few MB/s,
 * like a registry across a network): on loopback a layer arrives in a few
 * milliseconds, and engines from 25 on rate-limit progress messages to one
 * per 100 ms, so a loopback pull may report no `Downloading` step at all.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { type Server, type Socket, createConnection, createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUSYBOX, docker } from './engine.js';

export const REGISTRY = '127.0.0.1:5000';
/** The same registry behind a throttle (see the top of this file). */
export const SLOW_REGISTRY = '127.0.0.1:5001';
const SLOW_BYTES_PER_SECOND = 4 * 1024 * 1024;

export interface TestRegistry {
  /** The busybox image as pushed: `127.0.0.1:5000/modelstack-test/busybox:latest`. */
  busybox: string;
  /**
   * busybox plus a 2 MB layer of random bytes that exists nowhere else
   * locally, so pulling it really downloads and extracts a layer; named
   * through the throttled path, so the download takes about half a second.
   */
  layered: string;
  stop(): Promise<void>;
}

async function answers(): Promise<boolean> {
  try {
    const res = await fetch(`http://${REGISTRY}/v2/`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function startRegistry(): Promise<TestRegistry> {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  if (!(await answers())) {
    dir = await mkdtemp(path.join(tmpdir(), 'ms-registry-'));
    const config = path.join(dir, 'config.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'log: { level: error }',
        'storage:',
        `  filesystem: { rootdirectory: ${path.join(dir, 'data')} }`,
        '  delete: { enabled: true }',
        'http:',
        `  addr: ${REGISTRY}`,
        '',
      ].join('\n'),
    );
    child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    const spawned = child;
    const exited = new Promise<never>((_, reject) =>
      spawned.once('exit', (code) => reject(new Error(`docker-registry exited (${code}); is Debian's docker-registry installed?`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 15_000;
    while (!(await Promise.race([answers(), exited]))) {
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${REGISTRY} within 15 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const busybox = `${REGISTRY}/modelstack-test/busybox:latest`;
  await docker('tag', BUSYBOX, busybox);
  await docker('push', busybox);
  await docker('rmi', busybox);
  const pushed = `${REGISTRY}/modelstack-test/busybox-layered:latest`;
  await dockerWithStdin(['build', '-q', '-t', pushed, '-'], `FROM ${BUSYBOX}\nRUN head -c 2000000 /dev/urandom > /payload\n`);
  await docker('push', pushed);
  await docker('rmi', pushed);
  const throttle = await throttledProxy(SLOW_REGISTRY, REGISTRY, SLOW_BYTES_PER_SECOND);
  const layered = `${SLOW_REGISTRY}/modelstack-test/busybox-layered:latest`;
  return {
    busybox,
    layered,
    async stop() {
      await docker('rmi', busybox).catch(() => undefined);
      await docker('rmi', layered).catch(() => undefined);
      await throttle.close();
      if (child && child.exitCode === null) {
        const c = child;
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        });
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function dockerWithStdin(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', args, (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(input);
  });
}

/** A TCP proxy on `listen` to `target` that sends the answers at `bytesPerSecond`. */
async function throttledProxy(listen: string, target: string, bytesPerSecond: number): Promise<{ close(): Promise<void> }> {
  const [host, port] = listen.split(':') as [string, string];
  const [targetHost, targetPort] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: Number(targetPort) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      upstream.pause();
      client.write(chunk);
      setTimeout(() => upstream.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), host, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
