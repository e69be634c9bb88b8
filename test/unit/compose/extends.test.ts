import { describe, expect, it } from 'vitest';
import { ComposeFileError } from '../../../src/compose/errors.js';
import { DependencyCycleError } from '../../../src/compose/load-errors.js';
import { loadError, loadFiles } from './temp-project.js';

describe('extends', () => {
  const cases: Array<{ name: string; files: Record<string, string>; check: (s: Record<string, unknown>, dir: string) => void }> = [
    {
      name: 'same file, by name: the base is copied and merged under the local service',
      files: {
        'compose.yaml': [
          'services:',
          '  base: {image: busybox, environment: {A: "1", B: "1"}, ports: ["80"], command: [sh, -c, base]}',
          '  web:',
          '    extends: base',
          '    environment: {B: "2"}',
          '    ports: ["443"]',
          '    command: [sh, -c, web]',
        ].join('\n'),
      },
      check: (s) => {
        expect(s).toMatchObject({
          image: 'busybox',
          environment: { A: '1', B: '2' },
          command: ['sh', '-c', 'web'],
          ports: [
            { target: 80, protocol: 'tcp', mode: 'ingress' },
            { target: 443, protocol: 'tcp', mode: 'ingress' },
          ],
        });
        expect(s).not.toHaveProperty('extends');
      },
    },
    {
      name: 'another file: its relative paths count from its own folder',
      files: {
        'compose.yaml': 'services:\n  web:\n    extends: {file: common/base.yaml, service: app}\n    volumes: ["./local:/local"]\n',
        'common/base.yaml': 'services:\n  app:\n    build: ./src\n    env_file: app.env\n    volumes: ["./data:/data"]\n',
        'common/app.env': 'FROM_BASE=1\n',
      },
      check: (s, dir) => {
        expect(s.build).toEqual({ context: `${dir}/common/src`, dockerfile: 'Dockerfile' });
        expect(s.environment).toEqual({ FROM_BASE: '1' });
        expect((s.volumes as Array<{ source: string }>).map((v) => v.source)).toEqual([`${dir}/common/data`, `${dir}/local`]);
      },
    },
    {
      name: 'a chain of extends, across files',
      files: {
        'compose.yaml': 'services:\n  web:\n    extends: {file: mid.yaml, service: mid}\n    user: web\n',
        'mid.yaml': 'services:\n  mid:\n    extends: root\n    hostname: mid\n  root:\n    image: root-image\n    user: root\n    hostname: root\n',
      },
      check: (s) => expect(s).toMatchObject({ image: 'root-image', user: 'web', hostname: 'mid' }),
    },
    {
      name: '!reset and !override in the extending service act on the base',
      files: {
        'compose.yaml': 'services:\n  base: {image: x, ports: ["80"], labels: {a: "1"}}\n  web:\n    extends: base\n    ports: !reset []\n    labels: !override {b: "2"}\n',
      },
      check: (s) => {
        expect(s.ports).toBeUndefined();
        expect(s.labels).toEqual({ b: '2' });
      },
    },
  ];
  it.each(cases)('$name', async ({ files, check }) => {
    const { project, dir } = await loadFiles(files);
    check(project.services.web as unknown as Record<string, unknown>, dir);
  });

  it('the extended service stays a service of its own file only', async () => {
    const { project } = await loadFiles({
      'compose.yaml': 'services:\n  web: {extends: {file: other.yaml, service: app}}\n',
      'other.yaml': 'services:\n  app: {image: x}\n',
    });
    expect(Object.keys(project.services)).toEqual(['web']);
  });

  it.each([
    {
      name: 'an unknown base service is a positioned error',
      files: { 'compose.yaml': 'services:\n  web:\n    extends: {service: nope}\n' },
      code: 'COMPOSE_EXTENDS',
      message: /compose\.yaml:3:24: services\.web\.extends\.service: service "web" extends "nope", which is not defined in this file/,
    },
    {
      name: 'an unreadable file',
      files: { 'compose.yaml': 'services:\n  web:\n    extends: {service: a, file: missing.yaml}\n' },
      code: 'COMPOSE_EXTENDS',
      message: /services\.web\.extends\.file: service "web" extends a service in .*missing\.yaml, which cannot be read/,
    },
    {
      name: 'a loop',
      files: { 'compose.yaml': 'services:\n  a: {image: x, extends: b}\n  b: {extends: c}\n  c: {extends: a}\n' },
      code: 'DEPENDENCY_CYCLE',
      message: /the extends links of these services form a cycle: a -> b -> c -> a/,
    },
  ])('$name', async ({ files, code, message }) => {
    const err = await loadError(files);
    expect(err).toBeInstanceOf(ComposeFileError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    if (code === 'DEPENDENCY_CYCLE') expect((err as DependencyCycleError).cycle).toEqual(['a', 'b', 'c', 'a']);
  });
});
