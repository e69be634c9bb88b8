/**
 * Stack.service: a handle bound to a service's name (unknown names refused
 * with the project's suggestion), and the host a local client dials for a
 * binding.
 */
import { describe, expect, it } from 'vitest';
import { NoSuchServiceError } from '../../../src/compose/load-errors.js';
import type { Project } from '../../../src/compose/model.js';
import { reachableHost } from '../../../src/stack/service-handle.js';
import { Stack } from '../../../src/stack/stack.js';

const project = (services: string[]): Project => ({
  name: 'p',
  working_dir: '/',
  config_files: [],
  services: Object.fromEntries(services.map((s) => [s, { image: 'busybox' }])),
  networks: {},
  volumes: {},
  configs: {},
  secrets: {},
});

describe('Stack.service', () => {
  it('binds the name of a service of the project', () => {
    expect(new Stack(project(['intent', 'ner'])).service('ner').name).toBe('ner');
  });

  it('refuses a name the project does not have, suggesting the closest', () => {
    const err = (() => {
      try {
        new Stack(project(['intent', 'ner'])).service('intnet');
      } catch (e) {
        return e;
      }
    })() as NoSuchServiceError;
    expect(err).toBeInstanceOf(NoSuchServiceError);
    expect(err.message).toContain('did you mean "intent"?');
  });

  it('a stack known by name only takes any name (its services are found by label)', () => {
    expect(Stack.forProject('p').service('anything').name).toBe('anything');
  });
});

describe('reachableHost', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '127.0.0.1'],
    ['', '127.0.0.1'],
    ['::', '[::1]'],
    ['::1', '[::1]'],
    ['10.0.0.5', '10.0.0.5'],
    ['fd00::5', '[fd00::5]'],
  ])('%j is dialled as %s', (hostIp, host) => {
    expect(reachableHost(hostIp)).toBe(host);
  });
});
