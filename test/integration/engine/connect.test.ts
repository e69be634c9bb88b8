/**
 * Connecting: the API version is negotiated (the engine's, capped at ours)
 * and every call speaks it; a clear error naming the address when no engine
 * answers, and no hang — against a closed socket and a TCP port that never
 * answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, type Socket, createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, EngineUnreachableError, MAX_API_VERSION } from '../../../src/index.js';
import { compareApiVersions } from '../../../src/plan/engine-requirements.js';

describe('Engine.connect', () => {
  it('answers from the real engine', async () => {
    const engine = await Engine.connect();
    const info = await engine.ping();
    expect(info.apiVersion).toMatch(/^1\.\d+$/);
    expect(engine.address).toMatch(/^(unix|tcp|http|https):\/\//);
  });

  it('negotiates the API version (the older of the engine\'s and ours) and speaks it on every call', async () => {
    // A socket in front of the real engine that writes down each request line.
    const dir = await mkdtemp(path.join(tmpdir(), 'ms-apiver-'));
    const socket = path.join(dir, 'docker.sock');
    const target = (process.env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
    const requests: string[] = [];
    const open = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = createConnection(target);
      open.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        for (const m of chunk.toString('latin1').matchAll(/^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP/gm)) requests.push(`${m[1]} ${m[2]}`);
      });
      client.pipe(upstream).pipe(client);
      for (const s of [client, upstream]) s.on('error', () => {}).on('close', () => open.delete(s));
    });
    await new Promise<void>((resolve) => proxy.listen(socket, resolve));
    try {
      const engine = await Engine.connect({ env: { DOCKER_HOST: `unix://${socket}` } });
      const info = engine.info!;
      const expected = compareApiVersions(info.apiVersion, MAX_API_VERSION) < 0 ? info.apiVersion : MAX_API_VERSION;
      expect(info.negotiatedApiVersion).toBe(expected);
      await engine.containers.list(['org.modelstack.test=none']);
      await engine.networks.inspect('none');
      expect(requests[0]).toBe('GET /version');
      expect(requests.slice(1)).toEqual([
        expect.stringMatching(new RegExp(`^GET /v${expected.replace('.', '\\.')}/containers/json\\?`)),
        `GET /v${expected}/networks/none`,
      ]);
    } finally {
      for (const s of open) s.destroy();
      await new Promise((r) => proxy.close(r));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('DOCKER_HOST at a socket nobody listens on: a clear error naming it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ms-nosock-'));
    const socket = path.join(dir, 'docker.sock');
    try {
      const err = await Engine.connect({ env: { DOCKER_HOST: `unix://${socket}` } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineUnreachableError);
      expect((err as Error).message).toContain(`no Docker engine answers at unix://${socket}`);
      expect((err as Error).message).toMatch(/DOCKER_HOST/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a socket file whose listener closed: same clear error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ms-closed-'));
    const socket = path.join(dir, 'docker.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      const err = await Engine.connect({ host: `unix://${socket}` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineUnreachableError);
      expect((err as EngineUnreachableError).address).toBe(`unix://${socket}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an address that accepts but never answers: the ping deadline fires', async () => {
    const held: Socket[] = [];
    const server = createServer((s) => void held.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const err = await Engine.connect({ host: `tcp://127.0.0.1:${port}`, pingTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineUnreachableError);
      expect((err as Error).message).toContain(`tcp://127.0.0.1:${port}`);
      expect((err as Error).message).toMatch(/no answer within 300 ms/);
    } finally {
      for (const s of held) s.destroy();
      server.close();
    }
  });
});
