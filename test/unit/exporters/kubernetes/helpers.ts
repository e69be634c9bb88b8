/**
 * Shared by the exporter's tests: loading fixtures, building projects in
 * code, finding objects, and the round trip through YAML text.
 */
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadProject } from '../../../../src/compose/load.js';
import type { Project, Service } from '../../../../src/compose/model.js';
import { renderManifests } from '../../../../src/exporters/kubernetes/render.js';
import type { KubernetesObject, Workload } from '../../../../src/exporters/kubernetes/types.js';

/** test/fixtures/compose */
export const FIXTURES = resolve(import.meta.dirname, '../../../fixtures/compose');

/** Loads a fixture folder (under test/fixtures/compose) as the CLI would. */
export function loadFixture(folder: string, options: { profiles?: string[]; env?: Record<string, string>; files?: string[] } = {}): Promise<Project> {
  return loadProject({ files: options.files ?? [], cwd: resolve(FIXTURES, folder), profiles: options.profiles ?? [], env: { HOME: '/home/test', ...options.env } });
}

/** A project written in code: `services` in long form, everything else empty unless given. */
export function projectOf(services: Record<string, Service>, extra: Partial<Project> = {}): Project {
  return { name: 'demo', working_dir: '/srv/demo', config_files: [], services, networks: { default: { name: 'demo_default' } }, volumes: {}, configs: {}, secrets: {}, ...extra };
}

/** The object of `kind` named `name`; fails the test when there is none. */
export function find<K extends KubernetesObject['kind']>(objects: readonly KubernetesObject[], kind: K, name: string): Extract<KubernetesObject, { kind: K }> {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found as Extract<KubernetesObject, { kind: K }>;
}

/** The workload named `name`, whatever its kind. */
export function workload(objects: readonly KubernetesObject[], name: string): Workload {
  const found = objects.find((o): o is Workload => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind) && o.metadata.name === name);
  if (!found) throw new Error(`no workload ${name}`);
  return found;
}

/**
 * The round trip: render as YAML, parse the text back (as a YAML 1.2 reader
 * and as a YAML 1.1 reader like kubectl's), render as JSON and parse that.
 */
export function roundTrip(objects: readonly KubernetesObject[]): { yaml12: unknown[]; yaml11: unknown[]; json: unknown[]; text: string } {
  const text = renderManifests(objects);
  const parse = (version: '1.1' | '1.2'): unknown[] =>
    parseAllDocuments(text, { version }).flatMap((doc) => {
      if ('errors' in doc && doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('\n'));
      return [doc.toJS()];
    });
  const json = (JSON.parse(renderManifests(objects, 'json')) as { items: unknown[] }).items;
  return { yaml12: parse('1.2'), yaml11: parse('1.1'), json, text };
}
