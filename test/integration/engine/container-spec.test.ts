/**
 * Every field of ContainerSpec reaches the engine: create a container with
 * ours, read it back with the docker CLI (not our code), compare.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import type { ContainerSpec } from '../../../src/plan/container-spec.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, dockerInspect, leftovers, removeLabelled, uniqueName } from '../../helpers/engine.js';

describe('ContainerSpec → docker inspect', () => {
  let engine: Engine;
  const run = uniqueName();
  const label = `${TEST_LABEL}=${run}`;
  let hostDir: string;
  let inspected: Record<string, any>;
  let containerId: string;

  beforeAll(async () => {
    engine = await connectTestEngine();
    hostDir = await mkdtemp(path.join(tmpdir(), 'ms-bind-'));
    const network = `${run}_net`;
    const second = `${run}_second`;
    await engine.networks.create({ name: network, labels: { [TEST_LABEL]: run } });
    await engine.networks.create({ name: second, labels: { [TEST_LABEL]: run } });
    await engine.volumes.create({ name: `${run}_data`, labels: { [TEST_LABEL]: run } });

    const spec: ContainerSpec = {
      name: `${run}-everything`,
      image: BUSYBOX,
      entrypoint: ['/bin/sh', '-c'],
      command: ['exec httpd -f -p 8080'],
      env: { MODEL_NAME: 'intent', EMPTY: '' },
      labels: { [TEST_LABEL]: run, 'com.example.role': 'model' },
      workingDir: '/www',
      user: '65534:65534',
      hostname: 'intent-host',
      mounts: [
        { type: 'bind', source: hostDir, target: '/tf/notebooks' },
        { type: 'bind', source: hostDir, target: '/ro', readOnly: true },
        { type: 'volume', source: `${run}_data`, target: '/data', noCopy: true },
        { type: 'tmpfs', target: '/scratch', sizeBytes: 64 * 1024 * 1024, mode: 0o1777 },
      ],
      ports: [
        { containerPort: 8080, hostPort: 0 },
        { containerPort: 8080, hostIp: '127.0.0.1', hostPort: 0 },
        { containerPort: 5353, protocol: 'udp' },
      ],
      expose: ['9000'],
      networks: [
        { name: network, aliases: ['intent', 'intent-model'] },
        { name: second, aliases: ['intent-2'] },
      ],
      nanoCpus: 1.5e9,
      memoryBytes: 256 * 1024 * 1024,
      memoryReservationBytes: 128 * 1024 * 1024,
      pidsLimit: 100,
      shmSizeBytes: 32 * 1024 * 1024,
      healthcheck: { test: ['CMD-SHELL', 'wget -q -O /dev/null http://localhost:8080/ || exit 1'], intervalNs: 90e9, timeoutNs: 10e9, startPeriodNs: 5e9, retries: 3 },
      restart: { name: 'on-failure', maximumRetryCount: 5 },
      init: true,
      stopSignal: 'SIGINT',
      stopTimeoutSeconds: 7,
      capDrop: ['NET_RAW'],
      extraHosts: ['models.internal:10.0.0.7'],
      ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
      // GPUs: the request must arrive even on a machine without GPUs (we only create, not start).
      deviceRequests: [{ driver: 'nvidia', count: -1, capabilities: [['gpu']] }],
    };
    containerId = await engine.containers.create(spec);
    inspected = await dockerInspect(containerId);
  });

  afterAll(async () => {
    await removeLabelled(engine, label);
    await rm(hostDir, { recursive: true, force: true });
    expect(await leftovers(label)).toEqual([]);
  });

  it('keeps image, command, entrypoint, env, labels, working dir, user, hostname', () => {
    expect(inspected.Config.Image).toBe(BUSYBOX);
    expect(inspected.Config.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(inspected.Config.Cmd).toEqual(['exec httpd -f -p 8080']);
    expect(inspected.Config.Env).toEqual(expect.arrayContaining(['MODEL_NAME=intent', 'EMPTY=']));
    expect(inspected.Config.Labels).toMatchObject({ [TEST_LABEL]: run, 'com.example.role': 'model' });
    expect(inspected.Config.WorkingDir).toBe('/www');
    expect(inspected.Config.User).toBe('65534:65534');
    expect(inspected.Config.Hostname).toBe('intent-host');
    expect(inspected.Name).toBe(`/${run}-everything`);
  });

  it('mounts binds (rw and ro), a named volume and a sized tmpfs', () => {
    const mounts = inspected.HostConfig.Mounts as Array<Record<string, any>>;
    expect(mounts).toEqual([
      expect.objectContaining({ Type: 'bind', Source: hostDir, Target: '/tf/notebooks' }),
      expect.objectContaining({ Type: 'bind', Source: hostDir, Target: '/ro', ReadOnly: true }),
      expect.objectContaining({ Type: 'volume', Source: `${run}_data`, Target: '/data', VolumeOptions: expect.objectContaining({ NoCopy: true }) }),
      expect.objectContaining({ Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 67108864, Mode: 0o1777 } }),
    ]);
    expect(mounts[0]!.ReadOnly ?? false).toBe(false);
  });

  it('binds published ports to 127.0.0.1 unless told otherwise, daemon-assigned when no host port', () => {
    const bindings = inspected.HostConfig.PortBindings as Record<string, Array<{ HostIp: string; HostPort: string }>>;
    expect(bindings['8080/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: '' },
      { HostIp: '127.0.0.1', HostPort: '' },
    ]);
    expect(bindings['5353/udp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '' }]);
    expect(Object.keys(inspected.Config.ExposedPorts).sort()).toEqual(['5353/udp', '8080/tcp', '9000/tcp']);
  });

  it('joins both networks with their aliases', () => {
    const nets = inspected.NetworkSettings.Networks as Record<string, { Aliases: string[] | null }>;
    expect(Object.keys(nets).sort()).toEqual([`${run}_net`, `${run}_second`].sort());
    expect(nets[`${run}_net`]!.Aliases).toEqual(expect.arrayContaining(['intent', 'intent-model']));
    expect(nets[`${run}_second`]!.Aliases).toEqual(expect.arrayContaining(['intent-2']));
    expect(inspected.HostConfig.NetworkMode).toBe(`${run}_net`);
  });

  it('applies CPU (nano-CPUs), memory (bytes), pids and shm limits', () => {
    expect(inspected.HostConfig.NanoCpus).toBe(1_500_000_000);
    expect(inspected.HostConfig.Memory).toBe(268_435_456);
    expect(inspected.HostConfig.MemoryReservation).toBe(134_217_728);
    expect(inspected.HostConfig.PidsLimit).toBe(100);
    expect(inspected.HostConfig.ShmSize).toBe(33_554_432);
  });

  it('converts healthcheck durations to nanoseconds', () => {
    expect(inspected.Config.Healthcheck).toEqual({
      Test: ['CMD-SHELL', 'wget -q -O /dev/null http://localhost:8080/ || exit 1'],
      Interval: 90_000_000_000,
      Timeout: 10_000_000_000,
      StartPeriod: 5_000_000_000,
      Retries: 3,
    });
  });

  it('sets restart policy, init, stop signal and grace period, caps, hosts, ulimits, GPU requests', () => {
    expect(inspected.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 5 });
    expect(inspected.HostConfig.Init).toBe(true);
    expect(inspected.Config.StopSignal).toBe('SIGINT');
    expect(inspected.Config.StopTimeout).toBe(7);
    expect(inspected.HostConfig.CapDrop).toEqual(['NET_RAW']);
    expect(inspected.HostConfig.ExtraHosts).toEqual(['models.internal:10.0.0.7']);
    expect(inspected.HostConfig.Ulimits).toEqual([{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
    expect(inspected.HostConfig.DeviceRequests).toEqual([
      expect.objectContaining({ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }),
    ]);
  });

  it.each([
    [{ name: 'always' }, { Name: 'always', MaximumRetryCount: 0 }],
    [{ name: 'unless-stopped' }, { Name: 'unless-stopped', MaximumRetryCount: 0 }],
    [{ name: 'no' }, { Name: 'no', MaximumRetryCount: 0 }],
    [{ name: 'on-failure' }, { Name: 'on-failure', MaximumRetryCount: 0 }],
  ] as const)('restart policy %j arrives as %j', async (restart, expected) => {
    const id = await engine.containers.create({ image: BUSYBOX, labels: { [TEST_LABEL]: run }, restart: restart as ContainerSpec['restart'] });
    const info = await dockerInspect(id);
    expect(info.HostConfig.RestartPolicy).toEqual(expected);
  });

  it('removes a half-made container when joining an extra network fails', async () => {
    const name = `${run}-half`;
    await expect(
      engine.containers.create({
        name,
        image: BUSYBOX,
        labels: { [TEST_LABEL]: run },
        // A fixed IP on a network without a configured subnet: the engine refuses the connect.
        networks: [{ name: `${run}_net` }, { name: `${run}_second`, ipv4Address: '10.99.0.5' }],
      }),
    ).rejects.toThrow(/user configured subnets/);
    expect(await engine.containers.inspect(name)).toBeUndefined();
  });
});
