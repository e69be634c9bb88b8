/**
 * The unit-bearing values of compose files, turned into the fixed units of
 * the project model: durations to nanoseconds, sizes to bytes, CPUs to a
 * fraction of cores. And back, for durations, in the form Compose prints.
 *
 * Each parser accepts what Compose accepts and nothing else:
 *
 * - Durations: Go's `time.ParseDuration` syntax extended with `d` and `w`
 *   (compose-go decodes durations with go-str2duration): a sign, then one or
 *   more `<number><unit>` with units ns, us/µs/μs, ms, s, m, h, d, w, e.g.
 *   `1m30s`, `1.5s`, `-2h`. A bare number is an error except `0` (compose-go
 *   formats a YAML number and parses the text, so `interval: 10` fails there too).
 * - Sizes: docker/go-units `RAMInBytes`: a number with an optional fraction,
 *   an optional single space, an optional k/m/g/t/p (any case, binary: k =
 *   1024), an optional `i` and an optional `b`: `4G`, `4gb`, `512 MiB`,
 *   `1.5k`. Integers (YAML numbers or strings) are bytes as they are; -1
 *   means unlimited where Docker allows it (memswap_limit).
 * - CPUs: a decimal number of cores, `1.5` or `2`; negative is an error.
 *
 * @module
 */

import type { Bytes, Nanoseconds } from './model.js';
import { ComposeFileError } from './errors.js';

const NS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // µ MICRO SIGN
  ['\u03bcs', 1_000n], // μ GREEK SMALL LETTER MU
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
  ['d', 86_400_000_000_000n],
  ['w', 604_800_000_000_000n],
]);

const INT64_MAX = (1n << 63n) - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const DURATION_HELP =
  'write a number followed by a unit (ns, us, ms, s, m, h, d, w), e.g. "30s", "1m30s" or "500ms"';

function invalid(keyPath: string | undefined, detail: string): ComposeFileError {
  return new ComposeFileError('INVALID_VALUE', detail, undefined, keyPath);
}

/**
 * Parses a Compose duration into nanoseconds.
 *
 * @param keyPath where the value sits (e.g. `services.web.healthcheck.interval`), for the error message.
 * @throws ComposeFileError `INVALID_VALUE` naming the key path and the expected format.
 */
export function parseDuration(input: string | number, keyPath?: string): Nanoseconds {
  if (typeof input === 'number') {
    if (input === 0) return 0;
    throw invalid(
      keyPath,
      `invalid duration ${input}: a duration needs a unit; ${DURATION_HELP}` +
        (Number.isFinite(input) ? ` (${input}s if you meant seconds)` : ''),
    );
  }
  const bad = (why: string): ComposeFileError =>
    invalid(keyPath, `invalid duration ${JSON.stringify(input)}${why}; ${DURATION_HELP}`);

  let s = input;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad('');

  let total = 0n;
  while (s !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(s);
    const whole = number?.[1] ?? '';
    const fraction = number?.[2];
    if (whole === '' && !fraction) throw bad('');
    s = s.slice(number?.[0].length ?? 0);

    const unitText = /^[^0-9.]*/.exec(s)?.[0] ?? '';
    if (unitText === '') throw bad(': missing unit');
    const unit = NS_PER_UNIT.get(unitText);
    if (unit === undefined) throw bad(`: unknown unit ${JSON.stringify(unitText)}`);
    s = s.slice(unitText.length);

    let v = BigInt(whole === '' ? '0' : whole);
    if (v > INT64_MAX / unit) throw bad(': too large');
    v *= unit;
    if (fraction) {
      // Same arithmetic as Go: the fraction goes through a float64, which is
      // nanosecond-exact for every unit up to hours.
      const { digits, scale } = leadingFraction(fraction);
      v += BigInt(Math.trunc(Number(digits) * (Number(unit) / scale)));
    }
    total += v;
    if (total > INT64_MAX) throw bad(': too large');
  }
  if (total > MAX_SAFE) throw bad(': too large (the limit is about 104 days)');
  const ns = Number(total);
  return negative && ns !== 0 ? -ns : ns;
}

/** Go's leadingFraction: digits accumulate until they would overflow int64; later digits are ignored. */
function leadingFraction(text: string): { digits: bigint; scale: number } {
  let digits = 0n;
  let scale = 1;
  for (const ch of text) {
    const next = digits * 10n + BigInt(ch);
    if (next > INT64_MAX) break;
    digits = next;
    scale *= 10;
  }
  return { digits, scale };
}

/**
 * Formats nanoseconds exactly as Go's `time.Duration.String()` does, which
 * is how Compose prints durations (`docker compose config`): `1m30s`,
 * `1h0m0s`, `500ms`, `1.5s`, `2µs`, `0s`. A fractional input is truncated
 * toward zero.
 */
export function formatDuration(ns: Nanoseconds): string {
  let u = BigInt(Math.trunc(ns));
  const negative = u < 0n;
  if (negative) u = -u;

  let out: string;
  if (u < 1_000_000_000n) {
    // Below one second Go picks the largest unit that keeps an integer part.
    if (u === 0n) return '0s';
    if (u < 1_000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${withFraction(u, 3)}\u00b5s`;
    else out = `${withFraction(u, 6)}ms`;
  } else {
    const seconds = u / 1_000_000_000n;
    const fraction = withFraction(u % 1_000_000_000n, 9);
    out = `${seconds % 60n}${fraction}s`;
    const minutes = seconds / 60n;
    if (minutes > 0n) {
      out = `${minutes % 60n}m${out}`;
      const hours = minutes / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return negative ? `-${out}` : out;
}

/**
 * `v / 10^prec` with the fraction's trailing zeros (and a bare point)
 * removed, like Go's fmtFrac + fmtInt. With prec 9 and v < 10^9 this yields
 * only the fractional part (`.5`), for the seconds branch.
 */
function withFraction(v: bigint, prec: number): string {
  const pow = 10n ** BigInt(prec);
  const whole = v / pow;
  const frac = (v % pow).toString().padStart(prec, '0').replace(/0+$/, '');
  const fracText = frac === '' ? '' : `.${frac}`;
  return prec === 9 ? fracText : `${whole}${fracText}`;
}

const SIZE = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i;
const BINARY_POWER: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5 };
const SIZE_HELP = 'write a number of bytes or a number with a unit (b, k, m, g, t; binary, k = 1024), e.g. "512m" or "4G"';

/**
 * Parses a Compose size (memory limits, shm_size, tmpfs size) into bytes.
 *
 * @throws ComposeFileError `INVALID_VALUE` naming the key path and the expected format.
 */
export function parseBytes(input: string | number, keyPath?: string): Bytes {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input)) return input;
    throw invalid(keyPath, `invalid size ${input}: not a whole number of bytes; ${SIZE_HELP}`);
  }
  const bad = (why = ''): ComposeFileError =>
    invalid(keyPath, `invalid size ${JSON.stringify(input)}${why}; ${SIZE_HELP}`);

  if (/^[+-]?\d+$/.test(input)) {
    const n = Number(input);
    if (!Number.isSafeInteger(n)) throw bad(': too large');
    return n;
  }
  const m = SIZE.exec(input);
  if (!m) throw bad();
  const size = Number(m[1]); // NaN for "1.2.3", which the pattern lets through (as go-units' does)
  if (Number.isNaN(size)) throw bad();
  const power = m[2] ? (BINARY_POWER[m[2].toLowerCase()] ?? 0) : 0;
  const bytes = Math.trunc(size * 1024 ** power);
  if (!Number.isSafeInteger(bytes)) throw bad(': too large');
  return bytes;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a CPU count (`cpus`, `deploy.resources.*.cpus`): a non-negative
 * decimal number of cores.
 *
 * @throws ComposeFileError `INVALID_VALUE` naming the key path and the expected format.
 */
export function parseCpus(input: string | number, keyPath?: string): number {
  const value = typeof input === 'number' ? input : DECIMAL.test(input) ? Number(input) : NaN;
  if (Number.isFinite(value) && value >= 0) return value === 0 ? 0 : value; // no -0
  const shown = typeof input === 'number' ? String(input) : JSON.stringify(input);
  const why = Number.isFinite(value) ? ': negative' : '';
  throw invalid(keyPath, `invalid CPU count ${shown}${why}; write a non-negative number of cores, e.g. "1.5" or 2`);
}
