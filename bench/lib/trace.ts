/**
 * Where modelstack's time goes, measured from the outside: every HTTP
 * request the library sends to the engine (by wrapping the dockerode modem
 * of an Engine we hand to the Stack) and every Stack event, on one clock
 * (`performance.now()`). Nothing in src/ is changed.
 *
 * A request's end is when dockerode calls back: the whole answer for plain
 * requests, the response headers for streams (events, exec attach).
 */
import type { Engine, StackEvent } from '../../src/index.js';
import { mean, median } from './stats.js';

export type RequestKind =
  | 'ping'
  | 'image.inspect'
  | 'containers.list'
  | 'networks.list'
  | 'volumes.list'
  | 'network.inspect'
  | 'network.create'
  | 'network.remove'
  | 'lock.create'
  | 'lock.remove'
  | 'container.create'
  | 'container.start'
  | 'container.stop'
  | 'container.remove'
  | 'container.inspect'
  | 'events'
  | 'exec.create'
  | 'exec.start'
  | 'exec.inspect'
  | 'other';

export interface TracedRequest {
  kind: RequestKind;
  method: string;
  path: string;
  start: number;
  end?: number;
  failed?: boolean;
}

export interface TracedEvent {
  type: StackEvent['type'];
  container?: string;
  at: number;
}

export interface Trace {
  requests: TracedRequest[];
  events: TracedEvent[];
  /** Call from `onEvent`. */
  onEvent(event: StackEvent): void;
}

interface DialOptions {
  method: string;
  path: string;
  options?: Record<string, unknown>;
}
type DialCallback = (err: unknown, data: unknown) => void;
interface Modem {
  dial(options: DialOptions, callback: DialCallback): unknown;
}

/** Starts recording the requests `engine` sends, and gives a listener for the Stack's events. */
export function traceEngine(engine: Engine): Trace {
  const requests: TracedRequest[] = [];
  const events: TracedEvent[] = [];
  const lockIds = new Set<string>();
  const modem = engine.docker.modem as Modem;
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    const path = options.path.replace(/\?$/, '');
    const isLock = path === '/containers/create' && /-modelstack-lock$/.test(String(options.options?.['name'] ?? ''));
    const id = /^\/containers\/([^/?]+)/.exec(path)?.[1];
    const kind: RequestKind = isLock
      ? 'lock.create'
      : options.method === 'DELETE' && id && lockIds.has(id)
        ? 'lock.remove'
        : classify(options.method, path);
    const r: TracedRequest = { kind, method: options.method, path, start: performance.now() };
    requests.push(r);
    return dial(options, (err, data) => {
      r.end = performance.now();
      if (err) r.failed = true;
      if (isLock && data && typeof data === 'object' && 'Id' in data) lockIds.add(String((data as { Id: unknown }).Id));
      callback(err, data);
    });
  };
  return {
    requests,
    events,
    onEvent(event) {
      events.push({ type: event.type, at: performance.now(), ...('container' in event && event.container ? { container: event.container } : {}) });
    },
  };
}

function classify(method: string, path: string): RequestKind {
  if (path === '/version' || path === '/_ping') return 'ping';
  if (/^\/images\/.+\/json$/.test(path)) return 'image.inspect';
  if (path === '/containers/json') return 'containers.list';
  if (path === '/containers/create') return 'container.create';
  if (path === '/networks' && method === 'GET') return 'networks.list';
  if (path === '/networks/create') return 'network.create';
  if (/^\/networks\/[^/]+$/.test(path)) return method === 'DELETE' ? 'network.remove' : 'network.inspect';
  if (path === '/volumes' && method === 'GET') return 'volumes.list';
  if (path === '/events') return 'events';
  if (/^\/containers\/[^/]+\/start$/.test(path)) return 'container.start';
  if (/^\/containers\/[^/]+\/stop$/.test(path)) return 'container.stop';
  if (/^\/containers\/[^/]+\/json$/.test(path)) return 'container.inspect';
  if (/^\/containers\/[^/]+\/exec$/.test(path)) return 'exec.create';
  if (/^\/containers\/[^/]+$/.test(path) && method === 'DELETE') return 'container.remove';
  if (/^\/exec\/[^/]+\/start$/.test(path)) return 'exec.start';
  if (/^\/exec\/[^/]+\/json$/.test(path)) return 'exec.inspect';
  return 'other';
}

/** One row of the phase breakdown: when a kind of work ran, relative to the start of `up`. */
export interface PhaseRow {
  phase: string;
  /** ms after `up` was called. */
  from: number;
  to: number;
  calls?: number;
  /** Mean and max latency of one call, ms. */
  meanMs?: number;
  maxMs?: number;
  /** Mean number of these calls in flight while the phase ran. */
  inFlight?: number;
}

export interface UpProfile {
  rows: PhaseRow[];
  totalMs: number;
  /** ms of the up during which no request was in flight (client-side work or sleeps). */
  idleMs: number;
  /** Exec probes per container (1 = the first probe passed). */
  probesPerContainer: number;
  /** Per container: start returned → reported healthy, ms (median, max). */
  startedToHealthyMs: { median: number; max: number };
  /** Per container: create sent → start returned, ms (median, max). */
  createToStartedMs: { median: number; max: number };
}

/**
 * Phases of one `up`, from the requests and events recorded between
 * `t0` (up called) and `t1` (up returned).
 */
export function profileUp(trace: Trace, t0: number, t1: number): UpProfile {
  const reqs = trace.requests.filter((r) => r.start >= t0 && r.start <= t1 && r.end !== undefined) as Array<Required<Pick<TracedRequest, 'end'>> & TracedRequest>;
  const evs = trace.events.filter((e) => e.at >= t0 && e.at <= t1);
  const rel = (t: number) => t - t0;
  const rows: PhaseRow[] = [];

  const kindRow = (phase: string, kinds: RequestKind[]): void => {
    const rs = reqs.filter((r) => kinds.includes(r.kind));
    if (!rs.length) return;
    const from = Math.min(...rs.map((r) => r.start));
    const to = Math.max(...rs.map((r) => r.end));
    const lat = rs.map((r) => r.end - r.start);
    const busy = lat.reduce((a, b) => a + b, 0);
    rows.push({ phase, from: rel(from), to: rel(to), calls: rs.length, meanMs: mean(lat), maxMs: Math.max(...lat), inFlight: to > from ? busy / (to - from) : 1 });
  };
  const eventRow = (phase: string, fromType: StackEvent['type'], toType: StackEvent['type']): void => {
    const a = evs.filter((e) => e.type === fromType);
    const b = evs.filter((e) => e.type === toType);
    if (!a.length || !b.length) return;
    rows.push({ phase, from: rel(Math.min(...a.map((e) => e.at))), to: rel(Math.max(...b.map((e) => e.at))) });
  };

  kindRow('connect (GET /version)', ['ping']);
  kindRow('images: inspect', ['image.inspect']);
  kindRow('observe: list containers/networks/volumes', ['containers.list', 'networks.list', 'volumes.list']);
  kindRow('network: inspect (x2: before and under lock)', ['network.inspect']);
  kindRow('network lock: create lock container', ['lock.create']);
  kindRow('network: create', ['network.create']);
  kindRow('network lock: remove lock container', ['lock.remove']);
  eventRow('containers: first creating → last started', 'container.creating', 'container.started');
  kindRow('  create + start requests together', ['container.create', 'container.start']);
  kindRow('  POST /containers/create', ['container.create']);
  kindRow('  POST /containers/{id}/start', ['container.start']);
  eventRow('wait: first waiting → last healthy', 'container.waiting', 'container.healthy');
  kindRow('  GET /events (subscribe, headers)', ['events']);
  kindRow('  GET /containers/{id}/json', ['container.inspect']);
  kindRow('  exec probe: create', ['exec.create']);
  kindRow('  exec probe: start (attach)', ['exec.start']);
  kindRow('  exec probe: inspect exit code', ['exec.inspect']);
  const firstCreating = evs.find((e) => e.type === 'container.creating');
  if (firstCreating) rows.push({ phase: 'before the first container create (serial prelude)', from: 0, to: rel(firstCreating.at) });
  const lastStarted = Math.max(...evs.filter((e) => e.type === 'container.started').map((e) => e.at));
  const firstWaiting = Math.min(...evs.filter((e) => e.type === 'container.waiting').map((e) => e.at));
  if (Number.isFinite(lastStarted) && Number.isFinite(firstWaiting)) {
    rows.push({ phase: 'gap: last started → first wait begins', from: rel(Math.min(lastStarted, firstWaiting)), to: rel(Math.max(lastStarted, firstWaiting)) });
  }

  // Idle: parts of [t0, t1] with no request in flight.
  const intervals = reqs.map((r) => [r.start, Math.min(r.end, t1)] as const).sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let cursor = t0;
  for (const [s, e] of intervals) {
    if (e <= cursor) continue;
    covered += e - Math.max(s, cursor);
    cursor = e;
  }
  const per = (type: StackEvent['type']) => new Map(evs.filter((e) => e.type === type && e.container).map((e) => [e.container!, e.at]));
  const creating = per('container.creating');
  const started = per('container.started');
  const healthy = per('container.healthy');
  const c2s = [...started].map(([c, t]) => t - (creating.get(c) ?? t));
  const s2h = [...healthy].map(([c, t]) => t - (started.get(c) ?? t));
  const containers = Math.max(1, started.size);
  return {
    rows,
    totalMs: t1 - t0,
    idleMs: t1 - t0 - covered,
    probesPerContainer: reqs.filter((r) => r.kind === 'exec.create').length / containers,
    createToStartedMs: { median: median(c2s), max: Math.max(...c2s) },
    startedToHealthyMs: { median: median(s2h), max: Math.max(...s2h) },
  };
}

/** Calls and mean latency per request kind for `down` (or any window). */
export function requestSummary(trace: Trace, t0: number, t1: number): Array<{ kind: RequestKind; calls: number; meanMs: number; maxMs: number; from: number; to: number }> {
  const byKind = new Map<RequestKind, TracedRequest[]>();
  for (const r of trace.requests) {
    if (r.start < t0 || r.start > t1 || r.end === undefined) continue;
    byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  }
  return [...byKind].map(([kind, rs]) => {
    const lat = rs.map((r) => r.end! - r.start);
    return {
      kind,
      calls: rs.length,
      meanMs: mean(lat),
      maxMs: Math.max(...lat),
      from: Math.min(...rs.map((r) => r.start)) - t0,
      to: Math.max(...rs.map((r) => r.end!)) - t0,
    };
  }).sort((a, b) => a.from - b.from);
}
