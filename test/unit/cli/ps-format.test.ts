/**
 * `ps` output from fixed data: Compose's table layout and JSON keys, and
 * the small formatters behind them (age, command, ports).
 */
import { describe, expect, it } from 'vitest';
import { displayablePorts, ellipsis, goTimeString, humanDuration, psJson, psTable } from '../../../src/cli/commands/ps.js';
import type { ContainerStatus } from '../../../src/stack/stack.js';

const NOW = 1_700_000_100_000; // ms
const web: ContainerStatus = {
  id: 'a'.repeat(64),
  name: 'shop-web-1',
  service: 'web',
  number: 1,
  image: 'modelstack-test/busybox:latest',
  command: "sh -c 'mkdir -p /www && exec httpd -f -p 8080 -h /www'",
  state: 'running',
  health: 'healthy',
  exitCode: 0,
  status: 'Up 5 seconds (healthy)',
  created: 1_700_000_090,
  publishers: [
    { url: '127.0.0.1', targetPort: 8080, publishedPort: 49153, protocol: 'tcp' },
    { url: '::1', targetPort: 22, publishedPort: 49154, protocol: 'tcp' },
  ],
  exposed: [{ targetPort: 7000, protocol: 'tcp' }],
  labels: { 'com.docker.compose.project': 'shop', tier: 'front' },
  networks: ['shop_default', 'shop_back'],
  mounts: [
    { type: 'volume', name: 'shop_averyveryverylongname', source: '/var/lib/docker/volumes/shop_averyveryverylongname/_data', destination: '/data', driver: 'local' },
    { type: 'bind', source: '/srv/shop', destination: '/host' },
  ],
};
const job: ContainerStatus = {
  ...web,
  id: 'b'.repeat(64),
  name: 'shop-migrate-1',
  service: 'migrate',
  command: 'true',
  state: 'exited',
  health: '',
  exitCode: 3,
  status: 'Exited (3) 2 minutes ago',
  created: 1_700_000_100 - 3 * 3600,
  publishers: [],
  exposed: [],
  labels: {},
  networks: [],
  mounts: [],
};

describe('ps --format table', () => {
  it("lays out Compose's columns with Docker's tabwriter spacing", () => {
    expect(psTable([web, job], NOW)).toBe(
      [
        'NAME             IMAGE                            COMMAND                  SERVICE   CREATED          STATUS                     PORTS',
        'shop-web-1       modelstack-test/busybox:latest   "sh -c \'mkdir -p /ww…"   web       10 seconds ago   Up 5 seconds (healthy)     7000/tcp, ::1:49154->22/tcp, 127.0.0.1:49153->8080/tcp',
        'shop-migrate-1   modelstack-test/busybox:latest   "true"                   migrate   3 hours ago      Exited (3) 2 minutes ago',
        '',
      ].join('\n'),
    );
  });

  it('prints only the header for an empty project', () => {
    expect(psTable([], NOW)).toBe('NAME      IMAGE     COMMAND   SERVICE   CREATED   STATUS    PORTS\n');
  });
});

describe('ps --format json', () => {
  it("has Compose v2.26's keys, in its order, formatted as docker ps formats them", () => {
    const json = psJson(web, 'shop', NOW);
    expect(Object.keys(json)).toEqual(['Command', 'CreatedAt', 'ExitCode', 'Health', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Name', 'Names', 'Networks', 'Ports', 'Project', 'Publishers', 'RunningFor', 'Service', 'Size', 'State', 'Status']);
    expect(json).toEqual({
      Command: '"sh -c \'mkdir -p /ww…"',
      CreatedAt: goTimeString(web.created),
      ExitCode: 0,
      Health: 'healthy',
      ID: 'aaaaaaaaaaaa',
      Image: 'modelstack-test/busybox:latest',
      Labels: 'com.docker.compose.project=shop,tier=front',
      LocalVolumes: '1',
      Mounts: 'shop_averyvery…,/srv/shop',
      Name: 'shop-web-1',
      Names: 'shop-web-1',
      Networks: 'shop_default,shop_back',
      Ports: '7000/tcp, ::1:49154->22/tcp, 127.0.0.1:49153->8080/tcp',
      Project: 'shop',
      Publishers: [
        { URL: '::1', TargetPort: 22, PublishedPort: 49154, Protocol: 'tcp' },
        { URL: '', TargetPort: 7000, PublishedPort: 0, Protocol: 'tcp' },
        { URL: '127.0.0.1', TargetPort: 8080, PublishedPort: 49153, Protocol: 'tcp' },
      ],
      RunningFor: '10 seconds ago',
      Service: 'web',
      Size: '0B',
      State: 'running',
      Status: 'Up 5 seconds (healthy)',
    });
    expect(psJson(job, 'shop', NOW)).toMatchObject({ State: 'exited', ExitCode: 3, Health: '', Publishers: null, Ports: '', Mounts: '', LocalVolumes: '0', RunningFor: '3 hours ago' });
  });

  it.each([
    [1_796_144_387, 'UTC', '2026-12-01 16:59:47 +0000 UTC'],
    [1_796_144_387, 'America/New_York', '2026-12-01 11:59:47 -0500 EST'],
    [1_796_144_387, 'Asia/Kolkata', '2026-12-01 22:29:47 +0530 GMT+5:30'],
  ])("CreatedAt is Go's time.String(): %d in %s is %s", (seconds, zone, text) => {
    expect(goTimeString(seconds, zone)).toBe(text);
  });
});

describe('formatters', () => {
  it.each([
    [0.4, 'Less than a second'],
    [1, '1 second'],
    [59, '59 seconds'],
    [60, 'About a minute'],
    [119, 'About a minute'],
    [120, '2 minutes'],
    [3599, '59 minutes'],
    [3600, 'About an hour'],
    [5400, '2 hours'],
    [47 * 3600, '47 hours'],
    [48 * 3600, '2 days'],
    [14 * 86400, '2 weeks'],
    [60 * 86400, '2 months'],
    [730 * 86400, '2 years'],
  ])('humanDuration(%d s) = %s', (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });

  it('cuts long commands to 20 characters with an ellipsis', () => {
    expect(ellipsis('12345678901234567890', 20)).toBe('12345678901234567890');
    expect(ellipsis('123456789012345678901', 20)).toBe('1234567890123456789…');
  });

  const port = (url: string, targetPort: number, publishedPort: number, protocol = 'tcp') => ({ url, targetPort, publishedPort, protocol });
  it.each([
    ['nothing', [], [], ''],
    ['an exposed port', [[53, 'udp']], [], '53/udp'],
    ['a run of exposed ports, grouped', [[7000, 'tcp'], [7001, 'tcp'], [7002, 'tcp'], [7005, 'tcp']], [], '7000-7002/tcp, 7005/tcp'],
    ['published on the same number, grouped by address', [], [port('0.0.0.0', 80, 80), port('0.0.0.0', 81, 81)], '0.0.0.0:80-81->80-81/tcp'],
    ['published elsewhere, after the groups, IPv6 unbracketed', [[7000, 'tcp']], [port('::', 9000, 32771, 'udp'), port('0.0.0.0', 9000, 32771, 'udp'), port('127.0.0.1', 8080, 32939)], '7000/tcp, 127.0.0.1:32939->8080/tcp, 0.0.0.0:32771->9000/udp, :::32771->9000/udp'],
  ] as Array<[string, Array<[number, string]>, ReturnType<typeof port>[], string]>)("Docker's PORTS column: %s", (_, exposed, publishers, text) => {
    expect(displayablePorts({ exposed: exposed.map(([targetPort, protocol]) => ({ targetPort, protocol })), publishers })).toBe(text);
  });
});
