/**
 * Parsers for option values, shared by the commands. They throw commander's
 * `InvalidArgumentError`, so a bad value is a usage error (exit code 2) with
 * commander's message naming the option.
 */
import { InvalidArgumentError, Option } from 'commander';
import { CliUsageError } from './context.js';

/** Appends a repeatable option's value (`-f a -f b`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A whole number of seconds, 0 or more (`-t`, `--wait-timeout`). */
export function parseSeconds(value: string): number {
  return parseWhole(value, 0, 'a whole number of seconds (0 or more)');
}

/** A replica number (`--index`), 1 or more. */
export function parseIndex(value: string): number {
  return parseWhole(value, 1, 'a container number (1 or more)');
}

/** A port number, 1 to 65535. */
export function parsePort(value: string): number {
  const port = parseWhole(value, 1, 'a port number (1-65535)');
  if (port > 65535) throw new InvalidArgumentError('expected a port number (1-65535).');
  return port;
}

/** `--tail`: a number of lines, or `all`. */
export function parseTail(value: string): number | 'all' {
  if (value === 'all') return 'all';
  return parseWhole(value, 0, 'a number of lines or "all"');
}

/** Returns a parser accepting only `choices` (case-insensitive), for options like `--pull`. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const v = value.toLowerCase();
    if (!(choices as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of: ${choices.join(', ')}.`);
    return v as T;
  };
}

/**
 * `--filter KEY=VALUE` of a command that knows one filter (`ps`: status, `ls`:
 * name), as Compose has them: the value, or a usage error that shows the
 * form (`example`, e.g. `status=running`) or names the one filter
 * (`key=placeholder`).
 */
export function oneFilter(filter: string, key: string, form: { example: string; placeholder: string }): string {
  const at = filter.indexOf('=');
  if (at < 0) throw new CliUsageError(`--filter ${JSON.stringify(filter)}: use KEY=VALUE (${form.example})`);
  const given = filter.slice(0, at);
  if (given !== key) throw new CliUsageError(`--filter: unknown filter ${JSON.stringify(given)}; the one filter is ${key}=${form.placeholder}`);
  return filter.slice(at + 1);
}

/**
 * `--since` / `--until`: a time as the Docker CLI reads one, as Unix seconds
 * — a duration before now (`10m`, `1h30m`, `2.5s`: Go's syntax), an RFC 3339
 * date or date-time (`2026-12-01`, `2026-12-01T13:23`, `...:37.5Z`,
 * `...+01:00`; local time without a zone), or Unix seconds (`1764590000.5`).
 */
export function parseLogTime(value: string, now = Date.now()): number {
  const v = value.trim();
  const ms = v !== '0' ? goDurationMs(v) : undefined;
  if (ms !== undefined) return Math.floor((now - ms) / 1000); // Docker keeps whole seconds here
  const date = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2})(:\d{2})?(:\d{2}(?:\.\d+)?)?)?([zZ]|[+-]\d{2}:\d{2})?$/.exec(v);
  if (date) {
    const [, day, hour, minutes, seconds, zone] = date;
    const iso = `${day}T${hour ?? '00'}${minutes ?? ':00'}${seconds ?? ':00'}${zone?.toUpperCase() ?? ''}`;
    const t = Date.parse(iso); // without a zone: local time, as Docker's
    if (Number.isFinite(t)) return t / 1000;
  }
  if (/^\d+(\.\d{1,9})?$/.test(v)) return Number(v);
  throw new InvalidArgumentError(`failed to parse ${JSON.stringify(value)} as a time or duration (10m, 2026-12-01T13:23:37Z, or Unix seconds).`);
}

const GO_DURATION_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration (`1h30m`, `-5s`, `0`), or undefined when it is not one. */
function goDurationMs(value: string): number | undefined {
  const m = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(value);
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * GO_DURATION_UNIT_MS[part[2]!]!;
  return m[1] === '-' ? -total : total;
}

function parseWhole(value: string, min: number, what: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected ${what}.`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected ${what}.`);
  return n;
}

/**
 * The global `--context NAME` option, as `docker --context`: the Docker
 * context to use, winning over `DOCKER_HOST` (see docs/connecting.md). No
 * `-c` short form: `models -c FILE` has it.
 */
export function contextOption(): Option {
  return new Option('--context <name>', 'Docker context to use (default: DOCKER_HOST, else DOCKER_CONTEXT, else `docker context use`)');
}
