/**
 * The engine layer's pure parts: spec → create body, address parsing,
 * image references, restart policies, error-message parsing, stream decoding.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocatedPort } from '../../../src/engine/container-client.js';
import { toCreateOptions } from '../../../src/engine/container-spec.js';
import { parseRestartPolicy } from '../../../src/plan/container-spec.js';
import { resolveAddress } from '../../../src/engine/engine.js';
import { parseImageReference } from '../../../src/engine/image-client.js';
import { probeCommand } from '../../../src/engine/readiness.js';
import { demuxBuffer, jsonLineDecoder } from '../../../src/engine/streams.js';

describe('toCreateOptions', () => {
  it.each([
    {
      name: 'a port without host port or address: loopback, daemon-assigned',
      spec: { image: 'x', ports: [{ containerPort: 8888 }] },
      expected: { ExposedPorts: { '8888/tcp': {} }, HostConfig: { PortBindings: { '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } } },
    },
    {
      name: 'fixed host port, explicit address, udp',
      spec: { image: 'x', ports: [{ containerPort: 53, protocol: 'udp' as const, hostIp: '0.0.0.0', hostPort: 5353 }] },
      expected: { HostConfig: { PortBindings: { '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }] } } },
    },
    {
      name: 'host port range',
      spec: { image: 'x', ports: [{ containerPort: 80, hostPort: '8000-8010' }] },
      expected: { HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8000-8010' }] } } },
    },
    {
      name: 'first network at create time with aliases',
      spec: { image: 'x', networks: [{ name: 'p_default', aliases: ['web'] }, { name: 'p_back' }] },
      expected: { HostConfig: { NetworkMode: 'p_default' }, NetworkingConfig: { EndpointsConfig: { p_default: { Aliases: ['web'] } } } },
    },
    {
      name: 'network_mode wins over networks',
      spec: { image: 'x', networkMode: 'host', networks: [{ name: 'p_default' }] },
      expected: { HostConfig: { NetworkMode: 'host' } },
    },
    {
      name: 'GPU request for all devices',
      spec: { image: 'x', deviceRequests: [{ capabilities: [['gpu']] }] },
      expected: { HostConfig: { DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']], Options: {} }] } },
    },
    {
      name: 'GPU request by device id has no count',
      spec: { image: 'x', deviceRequests: [{ deviceIds: ['0', '1'], capabilities: [['gpu']] }] },
      expected: { HostConfig: { DeviceRequests: [{ Driver: '', DeviceIDs: ['0', '1'], Capabilities: [['gpu']], Options: {} }] } },
    },
    {
      name: 'env map to KEY=VALUE list',
      spec: { image: 'x', env: { A: '1', B: '' } },
      expected: { Env: ['A=1', 'B='] },
    },
    {
      name: 'healthcheck durations stay nanoseconds',
      spec: { image: 'x', healthcheck: { test: ['NONE'] } },
      expected: { Healthcheck: { Test: ['NONE'] } },
    },
    {
      name: 'explicitly empty entrypoint is kept (resets the image entrypoint)',
      spec: { image: 'x', entrypoint: [] },
      expected: { Entrypoint: [] },
    },
  ])('$name', ({ spec, expected }) => {
    const body = toCreateOptions(spec);
    expect(body).toMatchObject(expected);
    if (spec.networkMode) expect(body.NetworkingConfig).toBeUndefined();
  });

  it('leaves unset fields out so the engine applies its defaults', () => {
    const body = toCreateOptions({ image: 'x' });
    expect(body).toEqual({ Image: 'x', AttachStdin: false, AttachStdout: false, AttachStderr: false, HostConfig: {} });
  });
});

describe('parseRestartPolicy', () => {
  it.each([
    ['no', { name: 'no' }],
    ['always', { name: 'always' }],
    ['unless-stopped', { name: 'unless-stopped' }],
    ['on-failure', { name: 'on-failure' }],
    ['on-failure:5', { name: 'on-failure', maximumRetryCount: 5 }],
    ['on-failure:x', undefined],
    ['sometimes', undefined],
  ])('%s', (input, expected) => expect(parseRestartPolicy(input)).toEqual(expected));
});

describe('resolveAddress', () => {
  it.each([
    [undefined, 'unix:///var/run/docker.sock', { socketPath: '/var/run/docker.sock' }],
    ['unix:///tmp/d.sock', 'unix:///tmp/d.sock', { socketPath: '/tmp/d.sock' }],
    ['tcp://127.0.0.1:2375', 'tcp://127.0.0.1:2375', { host: '127.0.0.1', port: '2375', protocol: 'http' }],
    ['https://docker.example:2376', 'https://docker.example:2376', { host: 'docker.example', port: '2376', protocol: 'https' }],
    ['127.0.0.1:2375', 'tcp://127.0.0.1:2375', { host: '127.0.0.1', port: '2375', protocol: 'http' }],
  ])('%s', (host, address, options) => {
    const r = resolveAddress(host);
    expect(r.address).toBe(address);
    expect(r.dockerOptions).toEqual(options);
  });

  it('TLS with DOCKER_TLS_VERIFY reads the client certificate from DOCKER_CERT_PATH', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ms-certs-'));
    try {
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(dir, f), `${f} bytes`);
      const r = resolveAddress('tcp://docker.example:2376', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
      expect(r.address).toBe('tcp://docker.example:2376');
      expect(r.dockerOptions).toMatchObject({ protocol: 'https', host: 'docker.example', port: '2376' });
      expect(String((r.dockerOptions as { cert: Buffer }).cert)).toBe('cert.pem bytes');
      expect(() => resolveAddress('tcp://docker.example:2376', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(dir, 'missing') })).toThrow(
        /TLS is on but .*missing\/ca\.pem cannot be read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseImageReference', () => {
  it.each([
    ['busybox', { repository: 'busybox' }],
    ['tensorflow/tensorflow:2.9.0-jupyter', { repository: 'tensorflow/tensorflow', tag: '2.9.0-jupyter' }],
    ['127.0.0.1:5000/ns/img', { repository: '127.0.0.1:5000/ns/img' }],
    ['127.0.0.1:5000/ns/img:1.0', { repository: '127.0.0.1:5000/ns/img', tag: '1.0' }],
    ['img@sha256:abc', { repository: 'img', digest: 'sha256:abc' }],
    ['img:1@sha256:abc', { repository: 'img', tag: '1', digest: 'sha256:abc' }],
  ])('%s', (ref, expected) => expect(parseImageReference(ref)).toEqual(expected));
});

describe('allocatedPort', () => {
  it.each([
    [
      'driver failed programming external connectivity on endpoint p-web-1 (abc): Bind for 127.0.0.1:8080 failed: port is already allocated',
      '127.0.0.1:8080',
    ],
    ['driver failed programming external connectivity on endpoint x (y): Error starting userland proxy: listen tcp4 127.0.0.1:2222: bind: address already in use', '127.0.0.1:2222'],
    ['no such image', undefined],
  ])('%s', (message, expected) => expect(allocatedPort(message)).toBe(expected));
});

describe('probeCommand', () => {
  it.each([
    [['CMD', 'curl', '-f', 'http://localhost'], ['curl', '-f', 'http://localhost']],
    [['CMD-SHELL', 'curl -f http://localhost || exit 1'], ['/bin/sh', '-c', 'curl -f http://localhost || exit 1']],
    [['NONE'], undefined],
    [['CMD'], undefined],
  ])('%j', (test, expected) => expect(probeCommand(test)).toEqual(expected));
});

describe('stream decoding', () => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('demultiplexes frames into stdout and stderr', () => {
    const data = Buffer.concat([frame(1, 'a\n'), frame(2, 'e\n'), frame(1, 'b\n')]);
    expect(demuxBuffer(data)).toEqual({ stdout: 'a\nb\n', stderr: 'e\n' });
  });

  it('ignores a trailing partial frame', () => {
    const data = Buffer.concat([frame(1, 'a\n'), frame(1, 'bcd').subarray(0, 9)]);
    expect(demuxBuffer(data)).toEqual({ stdout: 'a\n', stderr: '' });
  });

  it('splits JSON lines across chunk boundaries and passes non-JSON through', () => {
    const objects: unknown[] = [];
    const texts: string[] = [];
    const d = jsonLineDecoder((o) => objects.push(o), (t) => texts.push(t));
    d.write('{"status":"Pulling"}\n{"sta');
    d.write('tus":"Done"}\nplain text\n');
    d.write('{"error":"boom"}');
    d.end();
    expect(objects).toEqual([{ status: 'Pulling' }, { status: 'Done' }, { error: 'boom' }]);
    expect(texts).toEqual(['plain text']);
  });
});
