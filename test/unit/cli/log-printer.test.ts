/**
 * Log lines as Compose prints them: `<service>-<n>  | `, aligned, colored
 * only on a terminal, container stderr to our stderr.
 */
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/context.js';
import { LogPrinter, colorByDefault, logPrefix } from '../../../src/cli/log-printer.js';
import type { ServiceLogLine } from '../../../src/stack/stack.js';

function capture(isTty = false): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTty, env: {}, cwd: '/' }, out: () => out, err: () => err };
}

const line = (service: string, number: number, text: string, stream: 'stdout' | 'stderr' = 'stdout'): ServiceLogLine => ({
  service,
  number,
  container: `p-${service}-${number}`,
  stream,
  text,
});

describe('log prefixes', () => {
  it.each([
    ['web-1', 5, 'web-1  | '],
    ['web-1', 8, 'web-1     | '],
    ['sentiment-12', 5, 'sentiment-12  | '],
  ])('logPrefix(%s, %d) = %j', (name, width, prefix) => {
    expect(logPrefix(name, width)).toBe(prefix);
  });

  it('aligns every line to the longest registered name and separates stdout from stderr', () => {
    const { io, out, err } = capture();
    const printer = new LogPrinter(io);
    printer.register(['web-1', 'intent-1']);
    printer.print(line('web', 1, 'GET /'));
    printer.print(line('intent', 1, 'model loaded'));
    printer.print(line('web', 1, 'warning: slow', 'stderr'));
    expect(out()).toBe('web-1     | GET /\nintent-1  | model loaded\n');
    expect(err()).toBe('web-1     | warning: slow\n');
  });

  it('widens for a name it did not know', () => {
    const { io, out } = capture();
    const printer = new LogPrinter(io);
    printer.print(line('a', 1, 'x'));
    printer.print(line('longer', 2, 'y'));
    printer.print(line('a', 1, 'z'));
    expect(out()).toBe('a-1  | x\nlonger-2  | y\na-1       | z\n');
  });

  it('colors prefixes per service on a terminal, never the text', () => {
    const { io, out } = capture(true);
    const printer = new LogPrinter(io);
    printer.register(['web-1', 'api-1']);
    printer.print(line('web', 1, 'one'));
    printer.print(line('api', 1, 'two'));
    printer.print(line('web', 1, 'three'));
    expect(out()).toBe('\u001b[36mweb-1  | \u001b[0mone\n\u001b[33mapi-1  | \u001b[0mtwo\n\u001b[36mweb-1  | \u001b[0mthree\n');
  });

  it('prints bare lines with prefix: false, and no colors with color: false', () => {
    const { io, out } = capture(true);
    new LogPrinter(io, { prefix: false }).print(line('web', 1, 'bare'));
    new LogPrinter(io, { color: false }).print(line('web', 1, 'plain'));
    expect(out()).toBe('bare\nweb-1  | plain\n');
  });

  it.each([
    [true, {}, true],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, {}, false],
  ])('colors by default on a terminal (%s) unless NO_COLOR is set and not empty (%j): %s', (isTty, env, expected) => {
    expect(colorByDefault({ isTty, env })).toBe(expected);
    const { io, out } = capture(isTty);
    new LogPrinter({ ...io, env }).print(line('web', 1, 'x'));
    expect(out().includes('\u001b[')).toBe(expected);
  });
});
