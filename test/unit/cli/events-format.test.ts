/**
 * `events` output from fixed events: Compose v2.26's text line (Go's
 * `2006-01-02 15:04:05.000000` in the local zone) and its `--json` object
 * (keys sorted, RFC 3339 time with the fraction's trailing zeros dropped).
 */
import { describe, expect, it } from 'vitest';
import { eventJson, eventText } from '../../../src/cli/commands/events.js';
import type { ContainerRuntimeEvent } from '../../../src/stack/backend.js';

const at = Date.UTC(2026, 11, 2, 0, 45, 1); // 2026-12-02 00:45:01 UTC
const event = (time: number): ContainerRuntimeEvent => ({
  time,
  service: 'web',
  id: 'f'.repeat(64),
  action: 'health_status: healthy',
  attributes: { name: 'shop-web-1', image: 'busybox', 'org.example.tier': 'front' },
});

describe('events output', () => {
  it.each([
    { name: 'UTC, microseconds', time: at + 123.5, zone: 'UTC', text: '2026-12-02 00:45:01.123500', json: '2026-12-02T00:45:01.1235Z' },
    { name: 'a whole second: no fraction in JSON', time: at, zone: 'UTC', text: '2026-12-02 00:45:01.000000', json: '2026-12-02T00:45:01Z' },
    { name: 'another zone: local time and its offset', time: at + 7.25, zone: 'Europe/Paris', text: '2026-12-02 01:45:01.007250', json: '2026-12-02T01:45:01.00725+01:00' },
    { name: 'west of UTC, the day before', time: at + 999.999, zone: 'America/New_York', text: '2026-12-01 19:45:01.999999', json: '2026-12-01T19:45:01.999999-05:00' },
  ])('$name', ({ time, zone, text, json }) => {
    expect(eventText(event(time), zone)).toBe(`${text} container health_status: healthy ${'f'.repeat(64)} (image=busybox, name=shop-web-1, org.example.tier=front)`);
    expect(eventJson(event(time), zone)).toBe(
      `{"action":"health_status: healthy","attributes":{"image":"busybox","name":"shop-web-1","org.example.tier":"front"},"id":"${'f'.repeat(64)}","service":"web","time":"${json}","type":"container"}`,
    );
  });
});
