/**
 * Progress rendering: the library's typed {@link StackEvent}s turned into
 * what a person (or a program) reads on stderr, in one of four modes:
 *
 * - `tty`: one line per image, network, volume and container with its
 *   latest state, redrawn in place with ANSI escapes; a final static frame.
 * - `plain`: one readable line per significant event (logs, CI).
 * - `json`: each event as `JSON.stringify(event)`, one per line.
 * - `quiet`: nothing but warnings.
 *
 * `auto` is `tty` when stderr is a terminal, else `plain` (as in Compose).
 */
import type { ImageEvent, ReadyEvent, StackEvent, StackEventListener } from '../stack/events.js';
import type { Stack } from '../stack/stack.js';
import { CliUsageError, type CliIo } from './context.js';

export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json', 'quiet'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** Receives a command's events; `finish` ends the view (tty: draws the final frame). Events after `finish` are ignored. */
export interface ProgressRenderer {
  readonly onEvent: StackEventListener;
  /** Prints a line of its own on stderr (above the live frame on a terminal). */
  note(line: string): void;
  finish(): void;
}

/**
 * Runs `operation` with the stack's events rendered in `mode`; the view is
 * finished (final frame drawn) and the listener released on every path.
 */
export async function renderProgress<T>(stack: Pick<Stack, 'on'>, mode: ProgressMode, io: CliIo, operation: (progress: ProgressRenderer) => Promise<T>): Promise<T> {
  const progress = createProgress(mode, io);
  const off = stack.on(progress.onEvent);
  try {
    return await operation(progress);
  } finally {
    off();
    progress.finish();
  }
}

/** Checks a `--progress` value. @throws CliUsageError for an unknown mode. */
export function parseProgressMode(value: string): ProgressMode {
  const mode = value.toLowerCase();
  if (!(PROGRESS_MODES as readonly string[]).includes(mode)) {
    throw new CliUsageError(`unknown --progress ${JSON.stringify(value)}; use ${PROGRESS_MODES.join(', ')}`);
  }
  return mode as ProgressMode;
}

/** A renderer writing to `io.stderr` in `mode` (`auto` resolved against the terminal). */
export function createProgress(mode: ProgressMode, io: CliIo): ProgressRenderer {
  const resolved = mode === 'auto' ? ((io.stderrIsTty ?? io.isTty) ? 'tty' : 'plain') : mode;
  switch (resolved) {
    case 'json':
      return stateless(io, (e) => io.stderr(`${JSON.stringify(e)}\n`));
    case 'quiet':
      return stateless(io, (e) => {
        if (e.type === 'warning') io.stderr(`${warningLine(e.message)}\n`);
      });
    case 'plain':
      return plainRenderer(io);
    case 'tty':
      return new TtyRenderer(io);
  }
}

/** What an event says about one line of the view. */
interface RowUpdate {
  key: string;
  /** `Container p-web-1`, `Network p_default`, `Image x:1`. */
  label: string;
  /** `Creating`, `Healthy`, `Error`, ... */
  state: string;
  status: 'working' | 'done' | 'failed';
  detail?: string;
}

/** The row an event updates, or undefined for events that are not about one object (warnings). */
function rowUpdate(e: StackEvent): RowUpdate | undefined {
  switch (e.type) {
    case 'image.pulling':
      return { key: `image ${e.image}`, label: `Image ${e.image}`, state: 'Pulling', status: 'working', ...optional(pullDetail(e)) };
    case 'image.pulled':
      return { key: `image ${e.image}`, label: `Image ${e.image}`, state: 'Pulled', status: 'done' };
    case 'image.building':
      return { key: `image ${e.image}`, label: `Image ${e.image}`, state: 'Building', status: 'working', ...optional(lastLine(e.output)) };
    case 'image.built':
      return { key: `image ${e.image}`, label: `Image ${e.image}`, state: 'Built', status: 'done' };
    case 'image.skipped':
      return { key: `image ${e.image}`, label: `Image ${e.image}`, state: 'Skipped', status: 'done', ...optional(e.reason) };
    case 'image.failed':
      return { key: `image ${e.image ?? ''}`, label: `Image ${e.image ?? ''}`, state: 'Error', status: 'failed' };
    case 'network.created':
    case 'network.removed':
    case 'volume.created':
    case 'volume.removed': {
      const [kind, what] = e.type.split('.') as [string, string];
      return { key: `${kind} ${e.name}`, label: `${capitalize(kind)} ${e.name}`, state: capitalize(what), status: 'done' };
    }
    case 'container.failed':
      return { key: `container ${e.container ?? e.service ?? ''}`, label: `Container ${e.container ?? e.service ?? ''}`, state: 'Error', status: 'failed' };
    case 'service.failed':
      return { key: `service ${e.service ?? ''}`, label: `Service ${e.service ?? ''}`, state: 'Error', status: 'failed' };
    case 'service.creating':
    case 'service.created':
    case 'service.updating':
    case 'service.updated':
    case 'service.kept':
    case 'service.removed':
    case 'service.running': {
      const state = e.type === 'service.running' && e.tasks ? `Running ${e.tasks.running}/${e.tasks.desired}` : capitalize(e.type.slice('service.'.length));
      return { key: `service ${e.name}`, label: `Service ${e.name}`, state, status: state.endsWith('ing') && e.type !== 'service.running' ? 'working' : 'done', ...optional(e.reason) };
    }
    case 'task.state':
      return {
        key: `task ${e.task}`,
        label: `Task ${e.task}`,
        state: capitalize(e.state),
        status: e.state === 'running' ? 'done' : e.state === 'failed' || e.state === 'rejected' ? 'failed' : 'working',
        ...optional([e.node ? `on ${e.node}` : undefined, e.error].filter(Boolean).join(': ') || undefined),
      };
    case 'node.state':
      return { key: `node ${e.node}`, label: `Node ${e.node}`, state: capitalize(e.state), status: e.state === 'ready' ? 'done' : 'failed' };
    case 'secret.created':
    case 'secret.removed':
    case 'config.created':
    case 'config.removed': {
      const [kind, what] = e.type.split('.') as [string, string];
      return { key: `${kind} ${e.name}`, label: `${capitalize(kind)} ${e.name}`, state: capitalize(what), status: 'done' };
    }
    case 'container.healthy':
    case 'container.ready':
      return { key: `container ${e.container}`, label: `Container ${e.container}`, status: 'done', ...readyState(e) };
    case 'container.kept': {
      const running = e.running === true;
      return { key: `container ${e.container}`, label: `Container ${e.container}`, state: running ? 'Running' : 'Kept', status: 'done', ...optional(running ? undefined : e.reason) };
    }
    case 'container.recreating':
      return { key: `container ${e.container}`, label: `Container ${e.container}`, state: 'Recreate', status: 'working', ...optional(e.reason) };
    case 'container.creating':
    case 'container.created':
    case 'container.starting':
    case 'container.started':
    case 'container.waiting':
    case 'container.stopping':
    case 'container.stopped':
    case 'container.killing':
    case 'container.killed':
    case 'container.pausing':
    case 'container.paused':
    case 'container.unpausing':
    case 'container.unpaused':
    case 'container.removing':
    case 'container.removed': {
      const state = capitalize(e.type.slice('container.'.length));
      const working = state.endsWith('ing');
      const detail = e.type === 'container.starting' ? e.reason : undefined;
      return { key: `container ${e.container}`, label: `Container ${e.container}`, state, status: working ? 'working' : 'done', ...optional(detail) };
    }
    case 'warning':
      return undefined;
  }
}

/** Which verdict made a container ready, said plainly: the probe's is not Docker's. */
function readyState(e: ReadyEvent): { state: string; detail?: string } {
  if (e.readyBy === 'probe') return { state: 'Healthy', detail: `by probe; Docker says ${e.health ?? 'starting'}` };
  if (e.readyBy === 'healthcheck') return { state: 'Healthy' };
  if (e.exitCode !== undefined) return { state: 'Exited', detail: `code ${e.exitCode}, done` };
  return { state: 'Running' };
}

function pullDetail(e: ImageEvent): string | undefined {
  const p = e.progress;
  if (!p) return undefined;
  const bytes = p.current !== undefined && p.total ? ` ${formatBytes(p.current)}/${formatBytes(p.total)}` : '';
  return `${p.layer ? `${p.layer}: ` : ''}${p.status}${bytes}`;
}

/** The last non-blank line of a chunk of build output. */
function lastLine(output: string | undefined): string | undefined {
  return output
    ?.split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
}

/** `modelstack: warning: <message>` (the same prefix as the loader's warnings). */
function warningLine(message: string): string {
  return `modelstack: warning: ${message}`;
}

/** A renderer that writes each event as it comes and has no frame to finish. */
function stateless(io: CliIo, write: (e: StackEvent) => void): ProgressRenderer {
  let finished = false;
  return {
    onEvent: (e) => {
      if (!finished) write(e);
    },
    note: (line) => io.stderr(`${line}\n`),
    finish: () => {
      finished = true;
    },
  };
}

/** One line per significant event: `Container p-web-1  Healthy`. Pull progress is summarized to its first line per image. */
function plainRenderer(io: CliIo): ProgressRenderer {
  const pulling = new Set<string>();
  const building = new Set<string>();
  return stateless(io, (e) => {
    if (e.type === 'warning') return io.stderr(`${warningLine(e.message)}\n`);
    if (e.type === 'image.pulling') {
      if (pulling.has(e.image)) return;
      pulling.add(e.image);
    }
    if (e.type === 'image.building') {
      // The first event says "Building"; the others carry the build's output lines.
      if (building.has(e.image)) {
        for (const line of (e.output ?? '').split('\n')) if (line.trim()) io.stderr(`Image ${e.image}  | ${line.trimEnd()}\n`);
        return;
      }
      building.add(e.image);
    }
    const row = rowUpdate(e);
    if (!row) return;
    const detail = row.detail && e.type !== 'image.pulling' && e.type !== 'image.building' ? `  (${row.detail})` : '';
    io.stderr(`${row.label}  ${row.state}${detail}\n`);
  });
}

interface Row extends RowUpdate {
  /** Time of the row's first and latest event (ms). */
  since: number;
  at: number;
}

const MARKER = { working: '⠿', done: '✔', failed: '✘' } as const;
/** Pull progress arrives by the hundred per second; redraw for it at most this often. */
const PULL_REDRAW_MS = 100;

/**
 * The live view: a header and one line per object, redrawn in place. Only
 * cursor-up, erase-line and erase-below are used, so it works on any ANSI
 * terminal; lines are cut to the terminal's width so none wraps (a wrapped
 * line would break the cursor arithmetic).
 */
class TtyRenderer implements ProgressRenderer {
  private readonly rows = new Map<string, Row>();
  /** Lines of the frame currently on screen. */
  private drawn = 0;
  private lastDraw = 0;
  private lastFrame = '';
  private latest = 0;
  private finished = false;

  constructor(private readonly io: CliIo) {}

  readonly onEvent: StackEventListener = (e) => {
    if (this.finished) return;
    this.latest = Math.max(this.latest, e.time);
    if (e.type === 'warning') return this.note(warningLine(e.message));
    const update = rowUpdate(e);
    if (!update) return;
    const row = this.rows.get(update.key);
    this.rows.set(update.key, { ...update, since: row?.since ?? e.time, at: e.time });
    if (e.type === 'image.pulling' && e.time - this.lastDraw < PULL_REDRAW_MS) return;
    this.draw();
  };

  note(line: string): void {
    this.io.stderr(`${this.erase()}${line}\n`);
    this.drawn = 0;
    if (!this.finished) this.draw();
  }

  finish(): void {
    if (this.finished) return;
    this.draw();
    // The final frame stays on screen: later lines go below it.
    this.drawn = 0;
    this.finished = true;
  }

  private draw(): void {
    if (this.rows.size === 0) return;
    const lines = this.frame();
    const text = lines.join('\n');
    if (text === this.lastFrame && this.drawn === lines.length) return;
    this.lastFrame = text;
    let out = this.drawn ? `\u001b[${this.drawn}A\r` : '';
    for (const line of lines) out += `\u001b[2K${line}\n`;
    if (lines.length < this.drawn) out += '\u001b[J';
    this.io.stderr(out);
    this.drawn = lines.length;
    this.lastDraw = this.latest;
  }

  /** Moves to the top of the frame and erases it (before a static line). */
  private erase(): string {
    return this.drawn ? `\u001b[${this.drawn}A\r\u001b[J` : '';
  }

  private frame(): string[] {
    const rows = [...this.rows.values()];
    const width = Math.max(20, (this.io.columns ?? 80) - 1);
    const labelWidth = Math.max(...rows.map((r) => r.label.length));
    const stateWidth = Math.max(...rows.map((r) => r.state.length));
    const done = rows.filter((r) => r.status !== 'working').length;
    const failed = rows.some((r) => r.status === 'failed');
    const header = `[+] ${failed ? 'Failed' : done === rows.length ? 'Done' : 'Running'} ${done}/${rows.length}`;
    const body = rows.map((r) => {
      const elapsed = (((r.status === 'working' ? this.latest : r.at) - r.since) / 1000).toFixed(1);
      const line = ` ${MARKER[r.status]} ${r.label.padEnd(labelWidth)}  ${r.state.padEnd(stateWidth)}  ${elapsed.padStart(5)}s${r.detail ? `  ${r.detail}` : ''}`;
      return truncate(oneLine(line), width);
    });
    return [header, ...body];
  }
}

/** Text from the engine (build output, messages) may hold control characters; a frame line must stay one line. */
function oneLine(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

function truncate(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join('')}…`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function optional(detail: string | undefined): { detail?: string } {
  return detail ? { detail } : {};
}

/** `1.2MB`, `350kB`: sizes as Docker prints them (powers of 1000). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)}${units[unit]}`;
}
