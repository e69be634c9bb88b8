/**
 * Which keys need which Engine API version: a table of services against the
 * API versions of the engines users run.
 */
import { describe, expect, it } from 'vitest';
import { EngineTooOldError, compareApiVersions, unmetEngineRequirements } from '../../../src/plan/engine-requirements.js';
import type { Project, Service } from '../../../src/compose/model.js';

const project = (services: Record<string, Service>): Project => ({
  name: 'p',
  working_dir: '/w',
  config_files: [],
  services,
  networks: { default: { name: 'p_default' }, back: { name: 'p_back' } },
  volumes: { store: { name: 'p_store' } },
  configs: {},
  secrets: {},
});

describe('compareApiVersions', () => {
  it.each([
    ['1.41', '1.44', -1],
    ['1.44', '1.44', 0],
    ['1.45', '1.44', 1],
    ['1.100', '1.99', 1],
    ['2.0', '1.99', 1],
  ])('%s vs %s', (a, b, sign) => expect(Math.sign(compareApiVersions(a, b))).toBe(sign));
});

describe('unmetEngineRequirements', () => {
  const cases: Array<{ name: string; service: Service; api: string; keys: string[] }> = [
    { name: 'nothing new', service: { image: 'x', healthcheck: { test: ['CMD', 'true'], interval: 1e9 } }, api: '1.41', keys: [] },
    { name: 'start_interval on 20.10', service: { image: 'x', healthcheck: { test: ['CMD', 'true'], start_interval: 1e9 } }, api: '1.41', keys: ['healthcheck.start_interval@1.44'] },
    { name: 'start_interval on 25', service: { image: 'x', healthcheck: { test: ['CMD', 'true'], start_interval: 1e9 } }, api: '1.44', keys: [] },
    { name: 'a disabled healthcheck needs nothing', service: { image: 'x', healthcheck: { disable: true, start_interval: 1e9 } }, api: '1.41', keys: [] },
    { name: 'annotations on 23', service: { image: 'x', annotations: { a: 'b' } }, api: '1.42', keys: ['annotations@1.43'] },
    { name: 'empty annotations need nothing', service: { image: 'x', annotations: {} }, api: '1.41', keys: [] },
    {
      name: 'subpath on 25, by volume index',
      service: { image: 'x', volumes: [{ type: 'bind', source: '/a', target: '/a' }, { type: 'volume', source: 'store', target: '/s', volume: { subpath: 'x/y' } }] },
      api: '1.44',
      keys: ['volumes[1].volume.subpath@1.45'],
    },
    { name: 'subpath on 26', service: { image: 'x', volumes: [{ type: 'volume', source: 'store', target: '/s', volume: { subpath: 'x' } }] }, api: '1.45', keys: [] },
    {
      name: 'per-network keys, by network',
      service: { image: 'x', networks: { default: { mac_address: '02:42:ac:11:00:02' }, back: { gw_priority: 1, interface_name: 'en0' } } },
      api: '1.45',
      keys: ['networks.back.gw_priority@1.48', 'networks.back.interface_name@1.48'],
    },
    {
      name: 'per-network keys on 20.10',
      service: { image: 'x', networks: { default: { mac_address: '02:42:ac:11:00:02' }, back: null } },
      api: '1.41',
      keys: ['networks.default.mac_address@1.44'],
    },
    { name: 'everything on 28', service: { image: 'x', annotations: { a: 'b' }, networks: { back: { gw_priority: 1 } } }, api: '1.48', keys: [] },
  ];
  it.each(cases)('$name', ({ service, api, keys }) => {
    expect(unmetEngineRequirements(project({ s: service }), api).map((r) => `${r.keyPath}@${r.apiVersion}`)).toEqual(keys);
  });

  it('looks only at the services asked for', () => {
    const p = project({ a: { image: 'x', annotations: { k: 'v' } }, b: { image: 'x' } });
    expect(unmetEngineRequirements(p, '1.41', ['b'])).toEqual([]);
    expect(unmetEngineRequirements(p, '1.41', ['a']).map((r) => r.service)).toEqual(['a']);
  });

  it('the error names each key, what it needs, and the engine', () => {
    const p = project({ web: { image: 'x', annotations: { k: 'v' }, healthcheck: { test: ['CMD', 'true'], start_interval: 1e9 } } });
    const err = new EngineTooOldError(unmetEngineRequirements(p, '1.41'), { address: 'unix:///var/run/docker.sock', version: '20.10.24', apiVersion: '1.41' }, p);
    expect(err.message).toBe(
      [
        '2 keys need a newer engine:',
        '  services.web.annotations: needs Engine API 1.43 (Docker 24.0 or later)',
        '  services.web.healthcheck.start_interval: needs Engine API 1.44 (Docker 25.0 or later)',
        'the engine at unix:///var/run/docker.sock is Docker 20.10.24 (API 1.41), which would ignore them; remove these keys or use a newer engine',
      ].join('\n'),
    );
  });
});
