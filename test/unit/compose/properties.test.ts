/**
 * Properties of the loader as a whole:
 *
 * - whatever the YAML, `loadProject` either returns a project or throws one
 *   of its own typed errors (never a TypeError or a library's error), within
 *   a bounded time per input; so do `projectFromDocument` on any tree, and
 *   the model-stack preset on any models file or options object;
 * - normalizing is idempotent: loading what `config` printed gives the same
 *   project back, in JSON and in YAML.
 */
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ModelstackError } from '../../../src/errors.js';
import { loadProject, projectFromDocument } from '../../../src/compose/load.js';
import type { Project } from '../../../src/compose/model.js';
import { serializeProject } from '../../../src/compose/serialize.js';
import type { RawMap } from '../../../src/compose/tree.js';
import { loadModelsFile } from '../../../src/models/models-file.js';
import { modelStackProject } from '../../../src/models/project.js';
import { writeProject } from './temp-project.js';

const dir = writeProject({});
const file = join(dir, 'compose.yaml');

async function loadText(text: string, name = 'compose.yaml'): Promise<Project> {
  writeFileSync(join(dir, name), text);
  return loadProject({ files: [name], cwd: dir, env: { HOME: '/home/p', SET: 'value' }, profiles: ['*'] });
}

/** Longest a single input may take (a loaded two-core machine; a regression to minutes is what this catches). */
const PER_INPUT_MS = 5_000;

/** Runs `fn` on `input`: a typed error is fine, anything else (or a slow run) fails the property. */
async function typedOnly(input: unknown, fn: () => unknown): Promise<void> {
  const start = performance.now();
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof ModelstackError)) throw new Error(`untyped error for ${JSON.stringify(input)}: ${String(err)}`, { cause: err });
  }
  const ms = performance.now() - start;
  if (ms > PER_INPUT_MS) throw new Error(`${Math.round(ms)} ms for ${JSON.stringify(input).slice(0, 200)}`);
}

async function onlyTypedErrors(text: string): Promise<void> {
  await typedOnly(text, () => loadText(text));
}

// Scalars a compose file commonly holds, including ones that look like other types, and the
// values the engine refuses (a NUL, negative durations and counts, odd addresses, huge numbers).
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'yes', 'no', '0755', '8080:80', '${SET}', '${UNSET:-d}', '${X:?}', '$$', '~/x', './x', '1.5', 'all', 'null', '-1'),
  fc.constantFrom('a\u0000b', '::', '-5s', '999.1.1.1:8080:80', '127.0.0.1.5', '[::1]:80:80', '0', '1e400', '-3', '1000000000', 'service:a', 'container:x', '/dev/null\u0000'),
  fc.integer({ min: -5, max: 70000 }),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 53), 1e21, 1_000_000_000),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const keys = fc.constantFrom(
  'image', 'ports', 'volumes', 'environment', 'command', 'depends_on', 'deploy', 'healthcheck', 'networks', 'build',
  'labels', 'restart', 'env_file', 'extends', 'profiles', 'x-a', 'resources', 'limits', 'memory', 'cpus', 'test',
  'condition', 'target', 'published', 'type', 'source', 'external', 'name', 'services', 'include', 'secrets', 'nope',
  'host_ip', 'ulimits', 'nofile', 'soft', 'hard', 'interval', 'gpus', 'count', 'replicas', 'scale', 'label_file', 'file', 'path',
  'x-modelstack-model', 'x-modelstack-generated', 'stop_grace_period', 'devices', 'reservations', 'capabilities',
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(keys, tie('node'), { maxKeys: 4 })),
})).node;

describe('the loader only throws its own errors', () => {
  it('on arbitrary text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 200 }), onlyTypedErrors), { numRuns: 150 });
  });

  it('on arbitrary YAML shaped like a compose file', async () => {
    const doc = fc.record({
      services: fc.dictionary(fc.constantFrom('a', 'b', 'web', 'db'), value, { maxKeys: 3 }),
      networks: fc.option(value, { nil: undefined }),
      volumes: fc.option(value, { nil: undefined }),
      name: fc.option(scalar, { nil: undefined }),
    }, { requiredKeys: ['services'] });
    await fc.assert(fc.asyncProperty(doc, (d) => onlyTypedErrors(stringify(d))), { numRuns: 300 });
  });

  it('on YAML with anchors, tags and odd syntax', async () => {
    const fragments = fc.constantFrom('&a ', '*a', '<<: *a', '!reset ', '!override ', '!!str ', '? ', '- ', '{', '}', '[', ']', ': ', '\n  ', '\n', '#', '"', "'", '|', '>', 'services', 'image: x', '---\n', '&b [*a, *a, *a]', '*b', '"\\0"');
    await fc.assert(fc.asyncProperty(fc.array(fragments, { maxLength: 30 }).map((parts) => `services:\n  a:\n    ${parts.join('')}`), onlyTypedErrors), { numRuns: 300 });
  });

  it('on compose documents built in code (projectFromDocument)', async () => {
    const doc = fc.record({
      services: fc.dictionary(fc.constantFrom('a', 'b', 'web'), value, { maxKeys: 3 }),
      networks: fc.option(value, { nil: undefined }),
      configs: fc.option(value, { nil: undefined }),
    }, { requiredKeys: ['services'] });
    await fc.assert(
      fc.asyncProperty(doc, (d) => typedOnly(d, () => projectFromDocument(d as RawMap, { name: 'p', workingDir: '/w', environment: { SET: 'value' } }))),
      { numRuns: 300 },
    );
  });
});

// What the engine refuses, as an oracle independent of the loader's own checks.
function engineProblems(project: Project): string[] {
  const problems: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string' && v.includes('\u0000')) problems.push(`NUL at ${path}`);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'extensions') continue;
        if (k.includes('\u0000')) problems.push(`NUL in key at ${path}`);
        walk(x, `${path}.${k}`);
      }
    }
  };
  for (const [name, svc] of Object.entries(project.services)) {
    walk(svc, name);
    for (const p of svc.ports ?? []) {
      if (p.host_ip !== undefined && isIP(p.host_ip) === 0) problems.push(`${name}: host_ip ${p.host_ip}`);
      if (!(p.target >= 1 && p.target <= 65535)) problems.push(`${name}: target ${p.target}`);
      for (const n of (p.published ?? '').split('-').filter(Boolean)) if (Number(n) > 65535) problems.push(`${name}: published ${p.published}`);
    }
    for (const v of svc.volumes ?? []) if (!v.target.startsWith('/')) problems.push(`${name}: volume target ${v.target}`);
    const h = svc.healthcheck ?? {};
    for (const d of [h.interval, h.timeout, h.start_period, h.start_interval, svc.stop_grace_period]) if (d !== undefined && d < 0) problems.push(`${name}: duration ${d}`);
    for (const [k, u] of Object.entries(svc.ulimits ?? {})) {
      if (u.soft < -1 || u.hard < -1 || (u.hard !== -1 && (u.soft === -1 || u.soft > u.hard))) problems.push(`${name}: ulimit ${k} ${u.soft}/${u.hard}`);
    }
    for (const g of [...(svc.gpus ?? []), ...(svc.deploy?.resources?.reservations?.devices ?? [])]) {
      if (g.count !== undefined && g.count !== -1 && g.count < 1) problems.push(`${name}: device count ${g.count}`);
    }
    for (const n of [svc.scale, svc.deploy?.replicas]) if (n !== undefined && n > 10_000) problems.push(`${name}: ${n} replicas`);
  }
  return problems;
}

describe('what the loader accepts, the engine takes', () => {
  const ip = fc.constantFrom('127.0.0.1', '0.0.0.0', '::1', '', '127.0.0.1.5', '999.1.1.1', 'localhost', '[::1]', 'a\u0000');
  const duration = fc.constantFrom('1s', '0s', '-5s', '-1m30s', '90s', '-0s');
  const limit = fc.integer({ min: -4, max: 4 }).map((n) => n * 1000);
  const service = fc.record({
    image: fc.constantFrom('busybox', 'busy\u0000box', 'registry:5000/x:1'),
    ports: fc.array(fc.oneof(
      fc.tuple(ip, fc.integer({ min: 0, max: 70000 }), fc.integer({ min: 0, max: 70000 })).map(([a, h, c]) => (a === '' ? `${h}:${c}` : `${a.includes(':') && !a.startsWith('[') ? `[${a}]` : a}:${h}:${c}`)),
      fc.record({ target: fc.integer({ min: -1, max: 70000 }), host_ip: ip, published: fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.constantFrom('70000', '8000-70000', '')) }, { requiredKeys: ['target'] }),
    ), { maxLength: 2 }),
    volumes: fc.array(fc.oneof(fc.constantFrom('::', 'data:data', './a:/a', '/x', 'v:/data:ro', 'a:b'), fc.record({ type: fc.constantFrom('volume', 'tmpfs'), target: fc.constantFrom('/data', 'data', '::', '') })), { maxLength: 2 }),
    healthcheck: fc.record({ test: fc.constant(['CMD', 'true']), interval: duration, timeout: duration, start_period: duration }, { requiredKeys: ['test'] }),
    stop_grace_period: duration,
    ulimits: fc.dictionary(fc.constantFrom('nofile', 'nproc', 'memlock'), fc.oneof(limit, fc.record({ soft: limit, hard: limit }))),
    gpus: fc.oneof(fc.constant('all'), fc.array(fc.record({ count: fc.oneof(fc.integer({ min: -5, max: 4 }), fc.constant('all')) }), { maxLength: 2 })),
    deploy: fc.record({ replicas: fc.constantFrom(0, 1, 3, 10_000, 10_001, 1_000_000_000) }),
    environment: fc.dictionary(fc.constantFrom('A', 'B', 'C\u0000'), fc.constantFrom('x', 'y\u0000z', '')),
  }, { requiredKeys: ['image'] });

  it('every project that loads is one the engine would take', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('a', 'b'), service, { minKeys: 1, maxKeys: 2 }), async (services) => {
        let project: Project;
        try {
          project = await loadText(stringify({ services, volumes: { data: {}, v: {}, a: {} } }));
        } catch (err) {
          if (err instanceof ModelstackError) return;
          throw err;
        }
        expect(engineProblems(project)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the model-stack preset only throws its own errors', () => {
  const optionKeys = fc.constantFrom(
    'name', 'models', 'image', 'servingImage', 'workingDir', 'ports', 'hostIp', 'jupyter', 'ssh', 'rest', 'grpc', 'gateway', 'enabled',
    'port', 'token', 'resources', 'cpus', 'memory', 'pids', 'labels', 'restart', 'flavour', 'code', 'modelDir', 'command', 'env',
    'gpus', 'jupyterToken', 'healthcheck', 'intervalSeconds', 'authorizedKeys', 'insecureRootPassword', 'allowSystemMounts', 'nope',
  );
  const optionValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, scalar, fc.constantFrom('serving', 'jupyter', 'all', '/', '/etc', 'ssh-ed25519 AAAA x', '-----BEGIN OPENSSH PRIVATE KEY-----'), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(optionKeys, tie('node'), { maxKeys: 4 })),
  })).node;
  const model = fc.record({ name: fc.oneof(fc.constantFrom('a', 'b', 'gateway', 'Bad', ''), scalar) }).chain((m) => fc.dictionary(optionKeys, optionValue, { maxKeys: 3 }).map((rest) => ({ ...rest, ...m })));
  const options = fc.record({
    models: fc.oneof(fc.array(model, { maxLength: 3 }), optionValue),
    workingDir: fc.constant(dir),
  }).chain((o) => fc.dictionary(optionKeys, optionValue, { maxKeys: 3 }).map((rest) => ({ ...rest, ...o })));

  it('on options given in code', async () => {
    await fc.assert(fc.asyncProperty(options, (o) => typedOnly(o, () => modelStackProject(o as never))), { numRuns: 300 });
  });

  it('on models files, as YAML text or as YAML shaped like options', async () => {
    const file = join(dir, 'models.yml');
    const text = fc.oneof(fc.string({ maxLength: 200 }), options.map((o) => stringify(o)));
    await fc.assert(
      fc.asyncProperty(text, (t) => {
        writeFileSync(file, t);
        return typedOnly(t, async () => modelStackProject(await loadModelsFile(file)));
      }),
      { numRuns: 300 },
    );
  });
});

// Valid compose files built from the parts the model covers.
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const envKey = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/);
const text = fc.string({ maxLength: 12 }).filter((s) => !s.includes('$'));
const port = fc.oneof(
  fc.integer({ min: 1, max: 65535 }),
  fc.integer({ min: 1, max: 65535 }).map(String),
  fc.tuple(fc.integer({ min: 1, max: 65000 }), fc.integer({ min: 1, max: 65000 })).map(([h, c]) => `${h}:${c}`),
  fc.tuple(fc.integer({ min: 1, max: 65000 }), fc.integer({ min: 1, max: 65000 })).map(([h, c]) => `127.0.0.1:${h}:${c}/udp`),
  fc.tuple(fc.integer({ min: 1, max: 60000 }), fc.integer({ min: 1, max: 60000 }), fc.integer({ min: 0, max: 3 })).map(([h, c, n]) => `${h}-${h + n}:${c}-${c + n}`),
  fc.record({ target: fc.integer({ min: 1, max: 65535 }), published: fc.integer({ min: 1, max: 65535 }), mode: fc.constantFrom('host', 'ingress') }),
);
const volume = fc.oneof(
  word.map((w) => `./${w}:/mnt/${w}`),
  word.map((w) => `/srv/${w}:/data/${w}:ro`),
  word.map((w) => `data:/vol/${w}`),
  word.map((w) => ({ type: 'tmpfs', target: `/tmp/${w}`, tmpfs: { size: '1m' } })),
);
const duration = fc.constantFrom('1s', '30s', '1m30s', '500ms', '2h', '90s');

function serviceArb(earlier: string[]) {
  return fc.record({
    image: word,
    command: fc.option(fc.oneof(fc.array(text, { maxLength: 3 }), fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(' '))), { nil: undefined }),
    environment: fc.option(fc.dictionary(envKey, fc.oneof(text, fc.constant(null), fc.integer())), { nil: undefined }),
    labels: fc.option(fc.dictionary(fc.stringMatching(/^[a-z][a-z.]{0,8}$/), text), { nil: undefined }),
    ports: fc.option(fc.array(port, { maxLength: 3 }), { nil: undefined }),
    volumes: fc.option(fc.array(volume, { maxLength: 3 }), { nil: undefined }),
    restart: fc.option(fc.constantFrom('no', 'always', 'on-failure:3', 'unless-stopped'), { nil: undefined }),
    healthcheck: fc.option(fc.record({ test: fc.oneof(text.filter((t) => t.trim() !== ''), fc.constant(['CMD', 'true'])), interval: duration, retries: fc.integer({ min: 1, max: 5 }) }, { requiredKeys: ['test'] }), { nil: undefined }),
    deploy: fc.option(fc.record({ replicas: fc.integer({ min: 1, max: 3 }), resources: fc.record({ limits: fc.record({ cpus: fc.constantFrom('0.5', 1, 1.5), memory: fc.constantFrom('512m', '1g', '1048576') }, { requiredKeys: [] }) }) }, { requiredKeys: [] }), { nil: undefined }),
    mem_reservation: fc.option(fc.constantFrom('64m', '256m'), { nil: undefined }),
    stop_grace_period: fc.option(duration, { nil: undefined }),
    networks: fc.option(fc.dictionary(fc.constantFrom('front', 'back'), fc.oneof(fc.constant(null), fc.constant({}), fc.record({ aliases: fc.uniqueArray(word, { maxLength: 2 }) }))), { nil: undefined }),
    depends_on: earlier.length > 0 ? fc.option(fc.subarray(earlier, { minLength: 1 }), { nil: undefined }) : fc.constant(undefined),
  }, { requiredKeys: ['image'] });
}

const composeFile = fc.uniqueArray(word, { minLength: 1, maxLength: 4 }).chain((names) =>
  fc.tuple(...names.map((_, i) => serviceArb(names.slice(0, i)))).map((services) => ({
    services: Object.fromEntries(names.map((n, i) => [n, services[i]])),
    volumes: { data: {} },
    networks: { front: {}, back: { internal: true } },
  })),
);

function comparable(p: Project): unknown {
  const { config_files: _files, ...rest } = p;
  return JSON.parse(JSON.stringify(rest));
}

describe('normalization is idempotent', () => {
  it.each(['json', 'yaml'] as const)('loading the %s that config prints gives the same project', async (format) => {
    await fc.assert(
      fc.asyncProperty(composeFile, async (compose) => {
        const first = await loadText(stringify(compose));
        const printed = serializeProject(first, { format });
        const second = await loadText(printed, `printed.${format}`);
        expect(comparable(second)).toEqual(comparable(first));
        // And printing is stable too.
        expect(serializeProject(second, { format })).toBe(printed);
      }),
      { numRuns: 120 },
    );
  });
});

it('the scratch file is where the tests write', () => {
  expect(file.endsWith('compose.yaml')).toBe(true);
});
