/**
 * Prints container log lines as Compose does: `web-1  | text`, prefixes
 * padded to one width, colored per service on a terminal (not with
 * `NO_COLOR`); a container's
 * stdout to our stdout, its stderr to our stderr. Used by `logs` and by
 * an attached `up`.
 */
import type { ServiceLogLine } from '../stack/stack.js';
import type { CliIo } from './context.js';

export interface LogPrinterOptions {
  /** Prefix each line with `<service>-<n>  | ` (default true). */
  prefix?: boolean;
  /** Color the prefix per service (default: {@link colorByDefault}). */
  color?: boolean;
}

/**
 * Colors by default when stdout is a terminal and `NO_COLOR` is unset or
 * empty (no-color.org; Compose v2 also turns its colors off for a non-empty
 * `NO_COLOR`).
 */
export function colorByDefault(io: Pick<CliIo, 'isTty' | 'env'>): boolean {
  return io.isTty && !io.env['NO_COLOR'];
}

/** Compose's palette, in its order: cyan, yellow, green, magenta, blue, then their bright forms. */
const PALETTE = ['36', '33', '32', '35', '34', '96', '93', '92', '95', '94'];

export class LogPrinter {
  private width = 0;
  private readonly colors = new Map<string, string>();
  private readonly prefix: boolean;
  private readonly color: boolean;

  constructor(
    private readonly io: CliIo,
    options: LogPrinterOptions = {},
  ) {
    this.prefix = options.prefix ?? true;
    this.color = options.color ?? colorByDefault(io);
  }

  /** Makes room for these prefix names (`web-1`), so the first lines already align. */
  register(names: Iterable<string>): void {
    for (const n of names) this.width = Math.max(this.width, n.length);
  }

  print(line: ServiceLogLine): void {
    const write = (text: string) => (line.stream === 'stderr' ? this.io.stderr(text) : this.io.stdout(text));
    if (!this.prefix) return write(`${line.text}\n`);
    const name = prefixName(line.service, line.number);
    this.register([name]);
    write(`${this.paint(line.service, logPrefix(name, this.width))}${line.text}\n`);
  }

  /** A line about a container, as Compose prints `web-1 exited with code 0`: on stdout, in the service's color. */
  status(service: string, number: number, text: string): void {
    const name = prefixName(service, number);
    this.register([name]);
    this.io.stdout(`${this.paint(service, `${name} ${text}`)}\n`);
  }

  private paint(service: string, text: string): string {
    if (!this.color) return text;
    let code = this.colors.get(service);
    if (!code) {
      code = PALETTE[this.colors.size % PALETTE.length]!;
      this.colors.set(service, code);
    }
    return `\u001b[${code}m${text}\u001b[0m`;
  }
}

/** The name in a log prefix: `<service>-<n>` (Compose v2's form). */
export function prefixName(service: string, number: number): string {
  return `${service}-${number}`;
}

/** `web-1  | `: the name padded to `width + 1`, then `| ` (Compose's `%-*s |` followed by a space). */
export function logPrefix(name: string, width: number): string {
  return `${name.padEnd(Math.max(width, name.length) + 1)} | `;
}
