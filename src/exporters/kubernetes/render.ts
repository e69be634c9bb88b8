/**
 * Exported objects as text: multi-document YAML (`---` between objects),
 * as `kubectl apply -f` reads it, or a JSON `List`.
 *
 * The YAML is written for YAML 1.1 readers, as kubectl's parser is one:
 * strings such as `yes`, `on`, `0755` or `1:30` are quoted, so they stay
 * strings there (a YAML 1.2 reader gets the same values).
 */
import { stringify } from 'yaml';
import { formatPosition } from '../../compose/errors.js';
import type { KubernetesObject, ManifestWarning } from './types.js';

/** The text forms of {@link renderManifests}. */
export type ManifestFormat = 'yaml' | 'json';

/**
 * Renders `objects` as multi-document YAML (the default) or as a JSON
 * `v1/List`. The text ends with a newline.
 */
export function renderManifests(objects: readonly KubernetesObject[], format: ManifestFormat = 'yaml'): string {
  if (format === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  return objects.map((o) => stringify(o, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/**
 * A warning as one line, the way the CLI prints it:
 * `modelstack: warning: file:line:col: services.web.depends_on: message`
 * (the position only when the project was loaded from files).
 */
export function formatManifestWarning(w: ManifestWarning): string {
  const parts = ['modelstack: warning'];
  if (w.position) parts.push(formatPosition(w.position));
  const key = w.service === undefined ? w.key : `services.${w.service}${w.key === '' ? '' : w.key.startsWith('[') ? w.key : `.${w.key}`}`;
  if (key) parts.push(key);
  parts.push(w.message);
  return parts.join(': ');
}
