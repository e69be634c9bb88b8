/**
 * Properties of the loader as a whole:
 *
 * - whatever the YAML, `loadProject` either returns a project or throws one
 *   of its own typed errors (never a TypeError or a library's error);
 * - normalizing is idempotent: loading what `config` printed gives the same
 *   project back, in JSON and in YAML.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ModelstackError } from '../../../src/errors.js';
import { loadProject } from '../../../src/compose/load.js';
import type { Project } from '../../../src/compose/model.js';
import { serializeProject } from '../../../src/compose/serialize.js';
import { writeProject } from './temp-project.js';

const dir = writeProject({});
const file = join(dir, 'compose.yaml');

async function loadText(text: string, name = 'compose.yaml'): Promise<Project> {
  writeFileSync(join(dir, name), text);
  return loadProject({ files: [name], cwd: dir, env: { HOME: '/home/p', SET: 'value' }, profiles: ['*'] });
}

async function onlyTypedErrors(text: string): Promise<void> {
  try {
    await loadText(text);
  } catch (err) {
    if (!(err instanceof ModelstackError)) throw new Error(`untyped error for ${JSON.stringify(text)}: ${String(err)}`, { cause: err });
  }
}

// Scalars a compose file commonly holds, including ones that look like other types.
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'yes', 'no', '0755', '8080:80', '${SET}', '${UNSET:-d}', '${X:?}', '$$', '~/x', './x', '1.5', 'all', 'null', '-1'),
  fc.integer({ min: -5, max: 70000 }),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const keys = fc.constantFrom(
  'image', 'ports', 'volumes', 'environment', 'command', 'depends_on', 'deploy', 'healthcheck', 'networks', 'build',
  'labels', 'restart', 'env_file', 'extends', 'profiles', 'x-a', 'resources', 'limits', 'memory', 'cpus', 'test',
  'condition', 'target', 'published', 'type', 'source', 'external', 'name', 'services', 'include', 'secrets', 'nope',
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
    const fragments = fc.constantFrom('&a ', '*a', '<<: *a', '!reset ', '!override ', '!!str ', '? ', '- ', '{', '}', '[', ']', ': ', '\n  ', '\n', '#', '"', "'", '|', '>', 'services', 'image: x', '---\n');
    await fc.assert(fc.asyncProperty(fc.array(fragments, { maxLength: 30 }).map((parts) => `services:\n  a:\n    ${parts.join('')}`), onlyTypedErrors), { numRuns: 300 });
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
