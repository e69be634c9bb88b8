/**
 * `logs --since/--until` values, read as the Docker CLI reads them
 * (docker/docker api/types/time GetTimestamp): a Go duration before now, an
 * RFC 3339 date or date-time (local without a zone), or Unix seconds.
 */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseLogTime } from '../../../src/cli/arguments.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0, 500); // 2026-12-01T12:00:00.5Z
const nowS = Math.floor(NOW / 1000);

describe('parseLogTime', () => {
  it.each([
    ['10m', nowS - 600],
    ['1h30m', nowS - 5400],
    ['2.5s', Math.floor((NOW - 2500) / 1000)],
    ['1500ms', Math.floor((NOW - 1500) / 1000)],
    ['-5s', Math.floor((NOW + 5000) / 1000)],
    ['0s', nowS],
    ['2026-12-01T11:00:00Z', Date.UTC(2026, 11, 1, 11) / 1000],
    ['2026-12-01T11:00:00.25Z', Date.UTC(2026, 11, 1, 11, 0, 0, 250) / 1000],
    ['2026-12-01T11:00:00+01:00', Date.UTC(2026, 11, 1, 10) / 1000],
    ['2026-12-01T11:30z', Date.UTC(2026, 11, 1, 11, 30) / 1000],
    ['2026-12-01T11:30', new Date(2026, 11, 1, 11, 30).getTime() / 1000],
    ['2026-12-01T11', new Date(2026, 11, 1, 11).getTime() / 1000],
    ['2026-12-01', new Date(2026, 11, 1).getTime() / 1000],
    ['0', 0],
    ['1764590000', 1764590000],
    ['1764590000.123456789', 1764590000.123456789],
  ])('%s', (value, expected) => {
    expect(parseLogTime(value, NOW)).toBe(expected);
  });

  it.each(['yesterday', '10 minutes', '2026-13-45', '2026-12-01T25:00Z', '12:00', '1.2.3', '', '10d'])('refuses %j as a usage error naming it', (value) => {
    expect(() => parseLogTime(value, NOW)).toThrow(InvalidArgumentError);
    expect(() => parseLogTime(value, NOW)).toThrow(JSON.stringify(value));
  });
});
