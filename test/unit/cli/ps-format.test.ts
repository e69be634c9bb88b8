/**
 * `ps` output from fixed data: Compose's table layout and JSON keys, and
 * the small formatters behind them (age, command, ports).
 */
import { describe, expect, it } from 'vitest';
import { ellipsis, formatPorts, humanDuration, psJson, psTable } from '../../../src/cli/commands/ps.js';
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
};

describe('ps --format table', () => {
  it("lays out Compose's columns with Docker's tabwriter spacing", () => {
    expect(psTable([web, job], NOW)).toBe(
      [
        'NAME             IMAGE                            COMMAND                  SERVICE   CREATED          STATUS                     PORTS',
        'shop-web-1       modelstack-test/busybox:latest   "sh -c \'mkdir -p /ww…"   web       10 seconds ago   Up 5 seconds (healthy)     [::1]:49154->22/tcp, 127.0.0.1:49153->8080/tcp',
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
  it("has Compose's keys, in Compose's casing", () => {
    const json = psJson(web, 'shop');
    expect(Object.keys(json)).toEqual(['ID', 'Name', 'Image', 'Command', 'Project', 'Service', 'Created', 'State', 'Status', 'Health', 'ExitCode', 'Publishers']);
    expect(json).toMatchObject({
      Name: 'shop-web-1',
      Project: 'shop',
      Service: 'web',
      State: 'running',
      Health: 'healthy',
      ExitCode: 0,
      Created: 1_700_000_090,
      Command: web.command, // not cut, not quoted
      Publishers: [
        { URL: '127.0.0.1', TargetPort: 8080, PublishedPort: 49153, Protocol: 'tcp' },
        { URL: '::1', TargetPort: 22, PublishedPort: 49154, Protocol: 'tcp' },
      ],
    });
    expect(psJson(job, 'shop')).toMatchObject({ State: 'exited', ExitCode: 3, Health: '', Publishers: [] });
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

  it('prints unpublished ports without a host part, each port once', () => {
    expect(formatPorts([{ url: '', targetPort: 53, publishedPort: 0, protocol: 'udp' }])).toBe('53/udp');
    const twice = { url: '127.0.0.1', targetPort: 80, publishedPort: 8080, protocol: 'tcp' };
    expect(formatPorts([twice, twice])).toBe('127.0.0.1:8080->80/tcp');
  });
});
