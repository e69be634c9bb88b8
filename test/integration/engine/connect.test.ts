/**
 * Connecting: a clear error naming the address when no engine answers, and
 * no hang — against a closed socket and a TCP port that never answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, EngineUnreachableError } from '../../../src/engine/index.js';

describe('Engine.connect', () => {
  it('answers from the real engine', async () => {
    const engine = await Engine.connect();
    const info = await engine.ping();
    expect(info.apiVersion).toMatch(/^1\.\d+$/);
    expect(engine.address).toMatch(/^(unix|tcp|http|https):\/\//);
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
