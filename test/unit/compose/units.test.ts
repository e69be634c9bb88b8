// Expected values follow Go's time.ParseDuration / Duration.String (with the
// d and w units of go-str2duration, which compose-go uses) and
// docker/go-units RAMInBytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ComposeFileError } from '../../../src/compose/errors.js';
import { formatDuration, parseBytes, parseCpus, parseDuration } from '../../../src/compose/units.js';

const S = 1_000_000_000;
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

function expectInvalid(fn: () => unknown, keyPath: string, ...says: string[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ComposeFileError);
  const e = error as ComposeFileError;
  expect(e.code).toBe('INVALID_VALUE');
  expect(e.keyPath).toBe(keyPath);
  expect(e.message.startsWith(`${keyPath}: `)).toBe(true);
  for (const s of says) expect(e.message).toContain(s);
}

describe('parseDuration', () => {
  const cases: { input: string | number; expected: number }[] = [
    { input: '10s', expected: 10 * S },
    { input: '1m30s', expected: 90 * S },
    { input: '1.5s', expected: 1.5 * S },
    { input: '500ms', expected: 500_000_000 },
    { input: '1h', expected: 3600 * S },
    { input: '1h30m', expected: 5400 * S },
    { input: '1.5h', expected: 5400 * S },
    { input: '2us', expected: 2000 },
    { input: '2\u00b5s', expected: 2000 }, // µ MICRO SIGN
    { input: '2\u03bcs', expected: 2000 }, // μ GREEK MU
    { input: '100ns', expected: 100 },
    { input: '1d', expected: 86_400 * S },
    { input: '1w', expected: 7 * 86_400 * S },
    { input: '1h2m3.004005006s', expected: 3_723_004_005_006 },
    { input: '.5s', expected: 0.5 * S },
    { input: '1.s', expected: 1 * S },
    { input: '0.0000000001s', expected: 0 }, // below a nanosecond truncates
    { input: '1m1m', expected: 120 * S }, // repeated units add up, as in Go
    { input: '+5s', expected: 5 * S },
    { input: '-1.5s', expected: -1.5 * S },
    { input: '0', expected: 0 },
    { input: '-0', expected: 0 },
    { input: 0, expected: 0 },
  ];

  it.each(cases)('$input → $expected ns', ({ input, expected }) => {
    expect(parseDuration(input, 'services.web.healthcheck.interval')).toBe(expected);
  });

  const errors: { input: string | number; says: string }[] = [
    { input: '', says: 'invalid duration ""' },
    { input: '10', says: 'missing unit' },
    { input: 10, says: 'needs a unit' }, // compose-go rejects a YAML number too
    { input: 1.5, says: 'needs a unit' },
    { input: '1x', says: 'unknown unit "x"' },
    { input: '1 s', says: 'unknown unit " s"' },
    { input: '1h-5m', says: 'unknown unit "h-"' },
    { input: '1e3s', says: 'unknown unit "e"' },
    { input: 's', says: 'invalid duration "s"' },
    { input: '.s', says: 'invalid duration ".s"' },
    { input: '-', says: 'invalid duration "-"' },
    { input: '200000h', says: 'too large' },
    { input: Number.NaN, says: 'needs a unit' },
  ];

  it.each(errors)('rejects $input', ({ input, says }) => {
    expectInvalid(() => parseDuration(input, 'services.web.stop_grace_period'), 'services.web.stop_grace_period', says, '"1m30s"');
  });

  it('without a key path the message starts with the problem', () => {
    expect(() => parseDuration('soon')).toThrow(/^invalid duration "soon"/);
  });
});

describe('formatDuration', () => {
  const cases: { ns: number; expected: string }[] = [
    { ns: 0, expected: '0s' },
    { ns: 1, expected: '1ns' },
    { ns: 999, expected: '999ns' },
    { ns: 1000, expected: '1\u00b5s' },
    { ns: 1500, expected: '1.5\u00b5s' },
    { ns: 2000, expected: '2\u00b5s' },
    { ns: 1_000_000, expected: '1ms' },
    { ns: 1_234_567, expected: '1.234567ms' },
    { ns: 500_000_000, expected: '500ms' },
    { ns: 1 * S, expected: '1s' },
    { ns: 1.5 * S, expected: '1.5s' },
    { ns: 10 * S, expected: '10s' },
    { ns: 60 * S, expected: '1m0s' },
    { ns: 90 * S, expected: '1m30s' },
    { ns: 3600 * S, expected: '1h0m0s' },
    { ns: 5400 * S, expected: '1h30m0s' },
    { ns: 86_400 * S, expected: '24h0m0s' },
    { ns: 3_723_004_005_006, expected: '1h2m3.004005006s' },
    { ns: -1.5 * S, expected: '-1.5s' },
    { ns: -1, expected: '-1ns' },
    { ns: 100.7, expected: '100ns' },
  ];

  it.each(cases)('$ns ns → $expected', ({ ns, expected }) => {
    expect(formatDuration(ns)).toBe(expected);
  });

  it('parseDuration reads back every formatted duration', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (ns) => {
        expect(parseDuration(formatDuration(ns))).toBe(ns);
      }),
    );
  });
});

describe('parseBytes', () => {
  const cases: { input: string | number; expected: number }[] = [
    { input: '4G', expected: 4 * GiB },
    { input: '4g', expected: 4 * GiB },
    { input: '4gb', expected: 4 * GiB },
    { input: '4GiB', expected: 4 * GiB },
    { input: '4 GB', expected: 4 * GiB }, // one space is allowed
    { input: '512m', expected: 512 * MiB },
    { input: '512M', expected: 512 * MiB },
    { input: '100k', expected: 100 * KiB },
    { input: '100K', expected: 100 * KiB },
    { input: '1t', expected: 1024 * GiB },
    { input: '1p', expected: 1024 * 1024 * GiB },
    { input: '1.5k', expected: 1536 },
    { input: '0.5', expected: 0 }, // fractions of a byte truncate
    { input: '10b', expected: 10 },
    { input: '1024', expected: 1024 },
    { input: 1024, expected: 1024 },
    { input: 0, expected: 0 },
    { input: '-1', expected: -1 }, // unlimited (memswap_limit)
    { input: -1, expected: -1 },
  ];

  it.each(cases)('$input → $expected bytes', ({ input, expected }) => {
    expect(parseBytes(input, 'services.web.mem_limit')).toBe(expected);
  });

  const errors: (string | number)[] = ['', 'four', '4x', '4  G', '4G ', ' 4G', '1.2.3k', '-1k', '1e3', '4kk', 1.5, Number.NaN];

  it.each(errors)('rejects %j', (input) => {
    expectInvalid(() => parseBytes(input, 'services.web.shm_size'), 'services.web.shm_size', 'invalid size', '"512m"');
  });
});

describe('parseCpus', () => {
  const cases: { input: string | number; expected: number }[] = [
    { input: '1.5', expected: 1.5 },
    { input: 2, expected: 2 },
    { input: '2', expected: 2 },
    { input: '0.25', expected: 0.25 },
    { input: '.5', expected: 0.5 },
    { input: '1e1', expected: 10 },
    { input: 0.5, expected: 0.5 },
    { input: '0', expected: 0 },
    { input: '-0', expected: 0 },
  ];

  it.each(cases)('$input → $expected', ({ input, expected }) => {
    expect(parseCpus(input, 'deploy.resources.limits.cpus')).toBe(expected);
  });

  const errors: { input: string | number; says: string }[] = [
    { input: '-1', says: 'negative' },
    { input: -0.5, says: 'negative' },
    { input: Number.NaN, says: 'invalid CPU count NaN' },
    { input: Number.POSITIVE_INFINITY, says: 'invalid CPU count Infinity' },
    { input: 'abc', says: 'invalid CPU count "abc"' },
    { input: '', says: 'invalid CPU count ""' },
    { input: '1,5', says: 'invalid CPU count "1,5"' },
    { input: '1.5 ', says: 'invalid CPU count "1.5 "' },
  ];

  it.each(errors)('rejects $input', ({ input, says }) => {
    expectInvalid(
      () => parseCpus(input, 'services.model.deploy.resources.limits.cpus'),
      'services.model.deploy.resources.limits.cpus',
      says,
      'non-negative number of cores',
    );
  });
});
