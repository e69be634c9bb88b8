/**
 * Parsers for option values, shared by the commands. They throw commander's
 * `InvalidArgumentError`, so a bad value is a usage error (exit code 2) with
 * commander's message naming the option.
 */
import { InvalidArgumentError, Option } from 'commander';

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
