/**
 * Merging several compose files (`-f a -f b`), Compose's override rules:
 * each case loads a base and an override file and looks at service `s`.
 */
import { describe, expect, it } from 'vitest';
import { ComposeFileError } from '../../../src/compose/errors.js';
import { enforceUnicity, mergeLayer } from '../../../src/compose/merge.js';
import type { RawMap } from '../../../src/compose/tree.js';
import type { Service } from '../../../src/compose/model.js';
import { loadError, loadFiles } from './temp-project.js';

function indent(body: string): string {
  return body.split('\n').map((l) => `    ${l}`).join('\n');
}

async function merged(base: string, override: string): Promise<Service> {
  const { project } = await loadFiles(
    {
      'compose.yaml': `services:\n  s:\n    image: base\n${indent(base)}\n  a: {image: x}\nvolumes: {a: {}, b: {}}\nnetworks: {front: {}, back: {}}\n`,
      'override.yaml': `services:\n  s:\n${indent(override)}\n`,
    },
    { files: ['compose.yaml', 'override.yaml'] },
  );
  return project.services.s as Service;
}

describe('merge rules', () => {
  const cases: Array<{ name: string; base: string; override: string; expected: Partial<Service> }> = [
    { name: 'scalars: the later file wins', base: 'user: a\nhostname: h', override: 'user: b', expected: { user: 'b', hostname: 'h' } },
    { name: 'mappings merge key by key', base: 'labels: {a: "1", b: "1"}', override: 'labels: {b: "2", c: "2"}', expected: { labels: { a: '1', b: '2', c: '2' } } },
    { name: 'environment merges by key across list and map forms', base: 'environment: ["A=1", "B=1"]', override: 'environment: {B: "2", C: "3"}', expected: { environment: { A: '1', B: '2', C: '3' } } },
    { name: 'a later KEY without a value replaces the value (looked up, else null)', base: 'environment: ["A=1"]', override: 'environment: ["A"]', expected: { environment: { A: null } } },
    { name: 'sequences are appended', base: 'dns_opt: [a]\ngroup_add: [x]', override: 'group_add: [y]', expected: { dns_opt: ['a'], group_add: ['x', 'y'] } },
    { name: 'plain lists fold duplicates', base: 'cap_add: [NET_ADMIN]\ndns: [1.1.1.1]', override: 'cap_add: [NET_ADMIN, SYS_TIME]\ndns: 1.1.1.1', expected: { cap_add: ['NET_ADMIN', 'SYS_TIME'], dns: ['1.1.1.1'] } },
    {
      name: 'ports merge by host IP, host port, container port and protocol',
      base: 'ports: ["8080:80", "9000:9000"]',
      override: 'ports: ["8080:80", "8443:443", "9000:9000/udp"]',
      expected: {
        ports: [
          { target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' },
          { target: 9000, published: '9000', protocol: 'tcp', mode: 'ingress' },
          { target: 443, published: '8443', protocol: 'tcp', mode: 'ingress' },
          { target: 9000, published: '9000', protocol: 'udp', mode: 'ingress' },
        ],
      },
    },
    {
      name: 'volumes merge by container path, the later one in the earlier place',
      base: 'volumes: ["a:/work", "./x:/x"]',
      override: 'volumes: ["b:/work"]',
      expected: { volumes: [{ type: 'volume', source: 'b', target: '/work', volume: {} }, expect.objectContaining({ type: 'bind', target: '/x' }) as never] },
    },
    { name: 'command is replaced, not appended', base: 'command: ["echo", "foo"]', override: 'command: ["echo", "bar"]', expected: { command: ['echo', 'bar'] } },
    { name: 'entrypoint is replaced', base: 'entrypoint: a b', override: 'entrypoint: [c]', expected: { entrypoint: ['c'] } },
    { name: 'healthcheck.test is replaced, the rest merges', base: 'healthcheck: {test: [CMD, a], interval: 5s}', override: 'healthcheck: {test: [CMD, b]}', expected: { healthcheck: { test: ['CMD', 'b'], interval: 5e9 } } },
    { name: 'extra_hosts merge by host, keeping every address', base: 'extra_hosts: ["a=1.1.1.1", "b=2.2.2.2"]', override: 'extra_hosts: ["a=9.9.9.9", "b=2.2.2.2"]', expected: { extra_hosts: { a: ['1.1.1.1', '9.9.9.9'], b: ['2.2.2.2'] } } },
    { name: 'ulimits entries are replaced', base: 'ulimits: {nofile: {soft: 1, hard: 2}}', override: 'ulimits: {nofile: 5}', expected: { ulimits: { nofile: { soft: 5, hard: 5, single: true } } } },
    { name: 'logging options merge with the same driver', base: 'logging: {driver: json-file, options: {max-size: 1m}}', override: 'logging: {options: {max-file: "3"}}', expected: { logging: { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } } } },
    { name: 'logging is replaced when the driver changes', base: 'logging: {driver: json-file, options: {max-size: 1m}}', override: 'logging: {driver: syslog}', expected: { logging: { driver: 'syslog' } } },
    { name: 'depends_on merges by service', base: 'depends_on: [a]', override: 'depends_on: {a: {condition: service_healthy}}', expected: { depends_on: { a: { condition: 'service_healthy', required: true, restart: false } } } },
    { name: 'networks merge; a null entry keeps the earlier settings', base: 'networks: {front: {aliases: [x]}}', override: 'networks: {front: null, back: {}}', expected: { networks: { front: { aliases: ['x'] }, back: {} } } },
    { name: 'build: a string and a mapping merge', base: 'build: ./app', override: 'build: {target: prod}', expected: { build: expect.objectContaining({ target: 'prod', dockerfile: 'Dockerfile' }) as never } },
    { name: 'null in the override keeps the base value', base: 'pid: host', override: 'pid: null', expected: { pid: 'host' } },
    { name: '!reset removes a value', base: 'ports: ["80"]\nuser: a\nenvironment: {A: "1", B: "2"}', override: 'ports: !reset []\nuser: !reset ""\nenvironment: {A: !reset null}', expected: { user: undefined, ports: undefined, environment: { B: '2' } } },
    { name: '!override replaces instead of merging', base: 'ports: ["8080:80"]\nlabels: {a: "1"}', override: 'ports: !override ["8443:443"]\nlabels: !override {b: "2"}', expected: { ports: [{ target: 443, published: '8443', protocol: 'tcp', mode: 'ingress' }], labels: { b: '2' } } },
    { name: 'x-* keys are replaced whole', base: 'x-cfg: {a: 1, b: 1}', override: 'x-cfg: {b: 2}', expected: { extensions: { 'x-cfg': { b: 2 } } } },
  ];
  it.each(cases)('$name', async ({ base, override, expected }) => {
    const s = await merged(base, override);
    for (const [key, value] of Object.entries(expected)) expect(s[key as keyof Service]).toEqual(value);
  });

  it('a service only in the override file is added; top-level sections merge', async () => {
    const { project } = await loadFiles(
      {
        'compose.yaml': 'name: first\nservices:\n  a: {image: x, volumes: ["v1:/a"]}\nvolumes: {v1: {}}\n',
        'override.yaml': 'name: second\nservices:\n  b: {image: y, volumes: ["v2:/b"]}\nvolumes: {v2: {labels: {k: v}}}\n',
      },
      { files: ['compose.yaml', 'override.yaml'] },
    );
    expect(project.name).toBe('second');
    expect(Object.keys(project.services)).toEqual(['a', 'b']);
    expect(project.volumes).toEqual({ v1: { name: 'second_v1' }, v2: { name: 'second_v2', labels: { k: 'v' } } });
  });

  it('a mapping over a list is a positioned conflict error', async () => {
    const err = await loadError(
      { 'compose.yaml': 'services:\n  s: {image: x, x-a: 1, models: [a]}\n', 'override.yaml': 'services:\n  s:\n    models: {a: {}}\n' },
      { files: ['compose.yaml', 'override.yaml'] },
    );
    expect(err).toBeInstanceOf(ComposeFileError);
    expect(err.code).toBe('COMPOSE_MERGE_CONFLICT');
    expect(err.message).toMatch(/override\.yaml:3:13: services\.s\.models: cannot merge a mapping over a list/);
  });
});

describe('mergeLayer / enforceUnicity directly', () => {
  it('do not modify their inputs', () => {
    const base = { services: { s: { labels: { a: '1' } } } };
    const over = { services: { s: { labels: { b: '2' } } } };
    const out = mergeLayer(base, { tree: over, resets: [], overrides: [] });
    expect(out).toEqual({ services: { s: { labels: { a: '1', b: '2' } } } });
    expect(base).toEqual({ services: { s: { labels: { a: '1' } } } });
  });
  it('ipam config entries merge by subnet', () => {
    const base = { networks: { n: { ipam: { config: [{ subnet: '10.0.0.0/16', gateway: '10.0.0.1' }] } } } };
    const over: RawMap = { networks: { n: { ipam: { config: [{ subnet: '10.0.0.0/16', ip_range: '10.0.1.0/24' }, { subnet: '10.1.0.0/16' }] } } } };
    expect(mergeLayer(base, { tree: over, resets: [], overrides: [] })).toEqual({
      networks: { n: { ipam: { config: [{ subnet: '10.0.0.0/16', gateway: '10.0.0.1', ip_range: '10.0.1.0/24' }, { subnet: '10.1.0.0/16' }] } } },
    });
  });
  it('secrets and configs fold by target, defaulting to their usual paths', () => {
    const tree: RawMap = { services: { s: { secrets: [{ source: 'a' }, { source: 'a', target: '/run/secrets/a', mode: 256 }, { source: 'b' }], configs: [{ source: 'c' }, { source: 'd', target: '/c' }] } } };
    expect(enforceUnicity(tree)).toEqual({ services: { s: { secrets: [{ source: 'a', target: '/run/secrets/a', mode: 256 }, { source: 'b' }], configs: [{ source: 'd', target: '/c' }] } } });
  });
});

describe('repeated entries Compose folds', () => {
  it('cap_add, dns, expose, profiles, links and tmpfs keep one of each, in first-seen order', async () => {
    const { project } = await loadFiles({
      'compose.yaml': 'services:\n  db: {image: x}\n  s:\n    image: x\n    profiles: [p, p]\n    cap_add: [A, A, B]\n    dns: [1.1.1.1, 1.1.1.1]\n    expose: ["80", 80, "81"]\n    links: [db, db]\n    tmpfs: [/t, /t]\n',
    }, { profiles: ['p'] });
    expect(project.services.s).toMatchObject({ profiles: ['p'], cap_add: ['A', 'B'], dns: ['1.1.1.1'], expose: ['80', '81'], links: ['db'], tmpfs: ['/t'] });
  });
});
