/**
 * The progress renderer fed typed events: plain lines, JSON lines, the
 * live tty frame (redrawn in place, final static frame), warnings, quiet.
 */
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/context.js';
import { createProgress, formatBytes, parseProgressMode } from '../../../src/cli/progress.js';
import type { StackEvent } from '../../../src/stack/events.js';

function capture(options: Partial<CliIo> = {}): { io: CliIo; stderr: () => string; stdout: () => string } {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTty: false, env: {}, cwd: '/', ...options };
  return { io, stderr: () => err, stdout: () => out };
}

const T = 1_700_000_000_000;
const rollout: StackEvent[] = [
  { type: 'network.created', name: 'p_default', time: T },
  { type: 'image.pulling', image: 'x:1', services: ['api'], progress: { image: 'x:1', layer: 'abc', status: 'Downloading', current: 1_500_000, total: 3_000_000 }, time: T + 10 },
  { type: 'image.pulling', image: 'x:1', services: ['api'], progress: { image: 'x:1', layer: 'abc', status: 'Extracting' }, time: T + 20 },
  { type: 'image.pulled', image: 'x:1', services: ['api'], time: T + 500 },
  { type: 'container.creating', service: 'api', container: 'p-api-1', reason: 'not found', time: T + 600 },
  { type: 'container.created', service: 'api', container: 'p-api-1', time: T + 700 },
  { type: 'container.recreating', service: 'db', container: 'p-db-1', reason: 'config changed: environment.X', time: T + 710 },
  { type: 'container.starting', service: 'api', container: 'p-api-1', time: T + 720 },
  { type: 'container.started', service: 'api', container: 'p-api-1', time: T + 800 },
  { type: 'warning', message: 'found orphan container p-old-1', service: 'old', time: T + 810 },
  { type: 'container.waiting', service: 'api', container: 'p-api-1', reason: 'ready', time: T + 820 },
  { type: 'container.healthy', service: 'api', container: 'p-api-1', readyBy: 'probe', health: 'starting', elapsedMs: 400, time: T + 1900 },
  { type: 'container.failed', service: 'db', container: 'p-db-1', error: 'exited with code 3', code: 'CONTAINER_FAILED', time: T + 2000 },
];

describe('--progress values', () => {
  it.each(['auto', 'tty', 'plain', 'json', 'quiet', 'JSON'])('accepts %s', (mode) => {
    expect(parseProgressMode(mode)).toBe(mode.toLowerCase());
  });
  it('rejects anything else with the list of modes', () => {
    expect(() => parseProgressMode('fancy')).toThrow('unknown --progress "fancy"; use auto, tty, plain, json, quiet');
  });
});

describe('plain progress', () => {
  it('prints one readable line per significant event, pull progress summarized, warnings included', () => {
    const { io, stderr, stdout } = capture();
    const p = createProgress('plain', io);
    for (const e of rollout) p.onEvent(e);
    p.finish();
    expect(stdout()).toBe('');
    expect(stderr().split('\n')).toEqual([
      'Network p_default  Created',
      'Image x:1  Pulling',
      'Image x:1  Pulled',
      'Container p-api-1  Creating',
      'Container p-api-1  Created',
      'Container p-db-1  Recreate  (config changed: environment.X)',
      'Container p-api-1  Starting',
      'Container p-api-1  Started',
      'modelstack: warning: found orphan container p-old-1',
      'Container p-api-1  Waiting',
      'Container p-api-1  Healthy  (by probe; Docker says starting)',
      'Container p-db-1  Error',
      '',
    ]);
  });

  it.each([
    [{ readyBy: 'healthcheck', health: 'healthy' }, 'Container p-api-1  Healthy'],
    [{ readyBy: 'probe', health: 'starting' }, 'Container p-api-1  Healthy  (by probe; Docker says starting)'],
    [{ readyBy: 'state' }, 'Container p-api-1  Running'],
    [{ readyBy: 'state', exitCode: 0 }, 'Container p-api-1  Exited  (code 0, done)'],
  ] as const)('says which verdict made a container ready: %o', (fields, line) => {
    const { io, stderr } = capture();
    const p = createProgress('plain', io);
    p.onEvent({ type: fields.readyBy === 'state' ? 'container.ready' : 'container.healthy', service: 'api', container: 'p-api-1', elapsedMs: 1, time: T, ...fields });
    p.finish();
    expect(stderr()).toBe(`${line}\n`);
  });

  it('prints build output lines under the image, and nothing after finish', () => {
    const { io, stderr } = capture();
    const p = createProgress('plain', io);
    p.onEvent({ type: 'image.building', image: 'm:dev', services: ['m'], time: T });
    p.onEvent({ type: 'image.building', image: 'm:dev', services: ['m'], output: 'Step 1/2 : FROM scratch\n', time: T + 1 });
    p.onEvent({ type: 'image.built', image: 'm:dev', services: ['m'], time: T + 2 });
    p.finish();
    p.onEvent({ type: 'network.removed', name: 'late', time: T + 3 });
    expect(stderr()).toBe('Image m:dev  Building\nImage m:dev  | Step 1/2 : FROM scratch\nImage m:dev  Built\n');
  });

  it('auto is plain when stderr is not a terminal', () => {
    const { io, stderr } = capture({ isTty: true, stderrIsTty: false });
    const p = createProgress('auto', io);
    p.onEvent(rollout[0]!);
    expect(stderr()).toBe('Network p_default  Created\n');
  });
});

describe('json progress', () => {
  it('writes each event as one JSON object per line, unchanged', () => {
    const { io, stderr } = capture();
    const p = createProgress('json', io);
    for (const e of rollout) p.onEvent(e);
    p.finish();
    const lines = stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(rollout.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(rollout);
  });
});

describe('quiet progress', () => {
  it('prints only warnings', () => {
    const { io, stderr } = capture();
    const p = createProgress('quiet', io);
    for (const e of rollout) p.onEvent(e);
    expect(stderr()).toBe('modelstack: warning: found orphan container p-old-1\n');
  });
});

describe('tty progress', () => {
  // What the screen shows after the writes: a tiny terminal model that
  // understands exactly the escapes the renderer uses.
  function screen(output: string): string[] {
    const lines: string[] = [];
    let row = 0;
    const re = /\u001b\[(\d*)([AJK])|\r|\n|[^\u001b\r\n]+/g;
    for (const m of output.matchAll(re)) {
      const [token, n, op] = m;
      if (op === 'A') row -= Number(n || 1);
      else if (op === 'J') lines.length = row;
      else if (op === 'K') lines[row] = '';
      else if (token === '\n') row += 1;
      else if (token !== '\r') lines[row] = (lines[row] ?? '') + token;
    }
    return lines;
  }

  it('keeps one line per object with its latest state, redrawn in place, and a final frame', () => {
    const { io, stderr } = capture({ isTty: true, columns: 200 });
    const p = createProgress('auto', io);
    for (const e of rollout) p.onEvent(e);
    p.finish();
    const out = stderr();
    expect(out).toContain('\u001b[2K'); // redrawn with ANSI escapes
    expect(out).toMatch(/\u001b\[\d+A/);
    // Intermediate frames showed the states the containers went through.
    expect(out).toContain(' ⠿ Container p-api-1  Starting');
    expect(out).toMatch(/ ⠿ Container p-db-1 {3}Recreate +\d\.\ds {2}config changed: environment\.X\n/);
    const shown = screen(out);
    // The warning stays above the frame; the frame has one line per object.
    expect(shown[0]).toBe('modelstack: warning: found orphan container p-old-1');
    expect(shown.slice(1)).toEqual([
      '[+] Failed 4/4',
      ' ✔ Network p_default  Created    0.0s',
      ' ✔ Image x:1          Pulled     0.5s',
      ' ✔ Container p-api-1  Healthy    1.3s  by probe; Docker says starting',
      ' ✘ Container p-db-1   Error      1.3s',
    ]);
  });

  it('shows work in progress with its detail, and cuts lines to the terminal width', () => {
    const { io, stderr } = capture({ isTty: true, columns: 40 });
    const p = createProgress('tty', io);
    p.onEvent(rollout[1]!);
    const first = screen(stderr());
    expect(first).toEqual(['[+] Running 0/1', ' ⠿ Image x:1  Pulling    0.0s  abc: Do…']);
    for (const line of first) expect([...line].length).toBeLessThanOrEqual(39);
  });

  it('draws nothing for a command that emitted no events', () => {
    const { io, stderr } = capture({ isTty: true });
    const p = createProgress('tty', io);
    p.finish();
    expect(stderr()).toBe('');
  });

  it('notes after the final frame go below it', () => {
    const { io, stderr } = capture({ isTty: true, columns: 200 });
    const p = createProgress('tty', io);
    p.onEvent(rollout[0]!);
    p.finish();
    p.note('done here');
    expect(screen(stderr())).toEqual(['[+] Done 1/1', ' ✔ Network p_default  Created    0.0s', 'done here']);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0B'],
    [999, '999B'],
    [1500, '1.50kB'],
    [35_000, '35.0kB'],
    [480_000_000, '480MB'],
  ])('%d → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('tty progress with untidy engine text', () => {
  it('keeps every frame line one line: build output is reduced to its last line, control characters removed', () => {
    let err = '';
    const io: CliIo = { stdout: () => {}, stderr: (s) => void (err += s), isTty: true, columns: 200, env: {}, cwd: '/' };
    const p = createProgress('tty', io);
    p.onEvent({ type: 'image.building', image: 'm:dev', services: ['m'], output: 'Step 1/2 : FROM scratch\n\u001b[1mStep 2/2\u001b[0m : COPY\tx /\n', time: T });
    p.finish();
    const lines = err.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('\u001b[2K ⠿ Image m:dev  Building    0.0s  Step 2/2 : COPY x /');
  });
});
