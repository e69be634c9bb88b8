/**
 * `modelstack events [--json] [SERVICE...]`: the runtime events of the
 * project's containers as they happen, as `docker compose events` prints
 * them, until Ctrl-C (exit code 130):
 *
 *   2026-12-02 00:45:01.123456 container start 1a2b… (image=…, name=…)
 *
 * (local time, a blank line after each, as Compose's), or with `--json` one
 * object per line: `{"action","attributes","id","service","time","type"}`.
 */
import type { Command } from 'commander';
import type { ContainerRuntimeEvent } from '../../stack/backend.js';
import { CliExit, type CliIo, type GlobalOptions, INTERRUPTED_EXIT_CODE, withInterrupt } from '../context.js';
import { openStack } from '../open-stack.js';

/** Adds `modelstack events` to `program`; output goes to `io`. */
export function registerEvents(program: Command, io: CliIo): void {
  program
    .command('events')
    .description("Print the runtime events of the project's containers as they happen, until Ctrl-C")
    .argument('[services...]', 'only these services')
    .option('--json', 'one JSON object per event')
    .action(async (services: string[], _options: { json?: boolean }, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      const stack = await openStack(o, io, { services });
      const print = (e: ContainerRuntimeEvent) => io.stdout(o.json ? `${eventJson(e, io.env['TZ'])}\n` : `${eventText(e, io.env['TZ'])}\n\n`);
      await withInterrupt(io, async (signal) => {
        await stack.events({ ...(services.length ? { services } : {}), signal, onEvent: print });
        throw new CliExit(INTERRUPTED_EXIT_CODE);
      });
    });
}

/** Compose's line: Go's `2006-01-02 15:04:05.000000` in the local zone, `container`, the action, the id, the attributes. */
export function eventText(e: ContainerRuntimeEvent, timeZone?: string): string {
  const { date, micros } = localParts(e.time, timeZone);
  const attributes = Object.keys(e.attributes)
    .sort()
    .map((k) => `${k}=${e.attributes[k]}`)
    .join(', ');
  return `${date}.${micros} container ${e.action} ${e.id} (${attributes})`;
}

/** Compose's `--json` object: keys in Go's (sorted) order, the time as RFC 3339 with the local offset. */
export function eventJson(e: ContainerRuntimeEvent, timeZone?: string): string {
  const { date, micros, offset } = localParts(e.time, timeZone);
  // Go's RFC3339Nano drops trailing zeros of the fraction (and the dot when nothing is left).
  const fraction = micros.replace(/0+$/, '');
  const time = `${date.replace(' ', 'T')}${fraction ? `.${fraction}` : ''}${offset === '+00:00' ? 'Z' : offset}`;
  const attributes = Object.fromEntries(Object.keys(e.attributes).sort().map((k) => [k, e.attributes[k]]));
  return JSON.stringify({ action: e.action, attributes, id: e.id, service: e.service, time, type: 'container' });
}

/** `YYYY-MM-DD HH:MM:SS`, six digits of microseconds and `±HH:MM`, in `timeZone` (default: this process's). */
function localParts(ms: number, timeZone?: string): { date: string; micros: string; offset: string } {
  const whole = Math.floor(ms);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' })
      .formatToParts(new Date(whole))
      .map((p) => [p.type, p.value]),
  );
  // Microseconds within the second, truncated as Go's format does (the epsilon absorbs the float's last bit).
  const micros = String(Math.min(999_999, Math.floor((ms - Math.floor(whole / 1000) * 1000) * 1000 + 1e-3))).padStart(6, '0');
  const offset = parts['timeZoneName'] === 'GMT' ? '+00:00' : String(parts['timeZoneName']).slice(3);
  return { date: `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}:${parts['second']}`, micros, offset };
}
