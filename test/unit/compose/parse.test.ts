import { describe, expect, it } from 'vitest';
import { ComposeFileError } from '../../../src/compose/errors.js';
import { parseComposeYaml } from '../../../src/compose/parse.js';

const FILE = '/p/compose.yaml';

describe('parseComposeYaml: values', () => {
  const cases: Array<{ name: string; yaml: string; expected: unknown }> = [
    {
      name: 'anchors and aliases copy a node',
      yaml: 'x-img: &img busybox\nservices:\n  a: {image: *img}\n',
      expected: { 'x-img': 'busybox', services: { a: { image: 'busybox' } } },
    },
    {
      name: '<< merge keys: local keys win, then the first source',
      yaml: [
        'x-a: &a {image: a, user: a, tty: true}',
        'x-b: &b {image: b, user: b, init: true}',
        'services:',
        '  s:',
        '    <<: [*a, *b]',
        '    user: local',
      ].join('\n'),
      expected: {
        'x-a': { image: 'a', user: 'a', tty: true },
        'x-b': { image: 'b', user: 'b', init: true },
        services: { s: { user: 'local', image: 'a', tty: true, init: true } },
      },
    },
    {
      name: 'YAML 1.2 core schema: yes/no/on stay strings',
      yaml: 'services:\n  s:\n    restart: no\n    environment: {A: yes, B: on}\n',
      expected: { services: { s: { restart: 'no', environment: { A: 'yes', B: 'on' } } } },
    },
    {
      name: 'a leading zero reads as octal, like go-yaml',
      yaml: 'services:\n  s:\n    x-mode: 0755\n    x-dec: 755\n',
      expected: { services: { s: { 'x-mode': 493, 'x-dec': 755 } } },
    },
    {
      name: 'numeric keys stay as written',
      yaml: 'services:\n  s:\n    labels: {8080: web, 0755: x}\n',
      expected: { services: { s: { labels: { '8080': 'web', '0755': 'x' } } } },
    },
    {
      name: 'host:container ports are strings, not base-60 numbers',
      yaml: 'services:\n  s:\n    ports: [8080:80, 22:22]\n',
      expected: { services: { s: { ports: ['8080:80', '22:22'] } } },
    },
  ];
  it.each(cases)('$name', ({ yaml, expected }) => {
    const [doc] = parseComposeYaml(yaml, FILE);
    expect(doc?.tree).toEqual(expected);
  });

  it('several documents in one file are returned in order', () => {
    const docs = parseComposeYaml('services: {a: {image: x}}\n---\nservices: {a: {image: y}}\n', FILE);
    expect(docs.map((d) => d.tree)).toEqual([{ services: { a: { image: 'x' } } }, { services: { a: { image: 'y' } } }]);
  });
});

describe('parseComposeYaml: !reset and !override', () => {
  it('records !reset paths and removes them from the tree', () => {
    const [doc] = parseComposeYaml('services:\n  a:\n    ports: !reset []\n    environment:\n      FOO: !reset null\n', FILE);
    expect(doc?.tree).toEqual({ services: { a: { environment: {} } } });
    expect(doc?.resets).toEqual([
      ['services', 'a', 'ports'],
      ['services', 'a', 'environment', 'FOO'],
    ]);
  });
  it('records !override paths and keeps the value', () => {
    const [doc] = parseComposeYaml('services:\n  a:\n    ports: !override ["80"]\n', FILE);
    expect(doc?.tree).toEqual({ services: { a: { ports: ['80'] } } });
    expect(doc?.overrides).toEqual([['services', 'a', 'ports']]);
  });
  it('a !reset sequence item is dropped', () => {
    const [doc] = parseComposeYaml('services:\n  a:\n    dns: [1.1.1.1, !reset 8.8.8.8, 9.9.9.9]\n', FILE);
    expect(doc?.tree).toEqual({ services: { a: { dns: ['1.1.1.1', '9.9.9.9'] } } });
  });
});

describe('parseComposeYaml: positions', () => {
  it('knows the line and column of keys and values, also through merge keys', () => {
    const yaml = 'x-base: &base\n  image: busybox\nservices:\n  web:\n    <<: *base\n    ports:\n      - "80"\n';
    const [doc] = parseComposeYaml(yaml, FILE);
    const pos = doc!.positions;
    expect(pos.get(['services', 'web'])?.key).toEqual({ file: FILE, line: 4, column: 3 });
    expect(pos.get(['services', 'web', 'ports', 0])?.value).toEqual({ file: FILE, line: 7, column: 9 });
    expect(pos.get(['services', 'web', 'image'])?.value).toEqual({ file: FILE, line: 2, column: 10 });
    expect(pos.positionOf(['services', 'web', 'ports', 0, 'nope'])).toEqual({ file: FILE, line: 7, column: 9 });
  });
});

describe('parseComposeYaml: errors', () => {
  const cases: Array<{ name: string; yaml: string; code: string; message: RegExp }> = [
    { name: 'syntax error names line and column', yaml: 'services:\n  a: [1, 2\n', code: 'COMPOSE_YAML_SYNTAX', message: /^\/p\/compose\.yaml:\d+:\d+: invalid YAML/ },
    { name: 'duplicate keys', yaml: 'services:\n  a: {}\n  a: {}\n', code: 'COMPOSE_YAML_SYNTAX', message: /^\/p\/compose\.yaml:3:3: invalid YAML: Map keys must be unique/ },
    { name: 'a list at top level', yaml: '- a\n- b\n', code: 'COMPOSE_YAML_SYNTAX', message: /^\/p\/compose\.yaml:1:1: a compose file must be a mapping/ },
    { name: 'a scalar at top level', yaml: 'hello\n', code: 'COMPOSE_YAML_SYNTAX', message: /must be a mapping/ },
    { name: 'an empty file', yaml: '# only a comment\n', code: 'COMPOSE_EMPTY_FILE', message: /^\/p\/compose\.yaml: the compose file is empty/ },
    { name: 'an unknown tag', yaml: 'services: !merge {}\n', code: 'COMPOSE_YAML_SYNTAX', message: /only knows the tags !reset and !override/ },
    { name: 'an unknown alias', yaml: 'services: *nope\n', code: 'COMPOSE_YAML_SYNTAX', message: /nope/ },
    { name: 'a mapping as a key', yaml: 'services:\n  ? {a: 1}\n  : x\n', code: 'COMPOSE_YAML_SYNTAX', message: /mapping keys must be plain values/ },
    { name: 'a merge key that is not a mapping', yaml: 'x: &x [1]\nservices:\n  a:\n    <<: *x\n', code: 'COMPOSE_YAML_SYNTAX', message: /merge key needs a mapping/ },
    {
      name: 'an alias bomb is stopped',
      yaml: ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'services: {}'].join('\n'),
      code: 'COMPOSE_YAML_SYNTAX',
      message: /more than 100000 values/,
    },
  ];
  it.each(cases)('$name', ({ yaml, code, message }) => {
    let caught: unknown;
    try {
      parseComposeYaml(yaml, FILE);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ComposeFileError);
    expect((caught as ComposeFileError).code).toBe(code);
    expect((caught as ComposeFileError).message).toMatch(message);
  });
});

describe('keys named __proto__', () => {
  it('stay ordinary keys through parse and load (never the prototype)', async () => {
    const [doc] = parseComposeYaml('services:\n  a:\n    image: x\n    labels:\n      "__proto__": "x"\n      other: "y"\n', '/p/compose.yaml');
    const labels = (doc!.tree.services as Record<string, Record<string, unknown>>).a!.labels as Record<string, unknown>;
    expect(Object.keys(labels)).toEqual(['__proto__', 'other']);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });
});
