/**
 * modelstack's own `x-modelstack-*` keys: one module names them and reads
 * and writes them; the loader refuses a malformed one with its position, so
 * a reader never meets one.
 */
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_EXTENSION,
  MODEL_EXTENSION,
  WARNING_EXTENSION,
  generatedSources,
  generatedSourcesExtension,
  modelInfo,
  modelInfoExtension,
  serviceWarning,
  serviceWarningExtension,
} from '../../../src/compose/extensions.js';
import { ComposeValidationError } from '../../../src/compose/load-errors.js';
import { projectFromDocument } from '../../../src/compose/load.js';
import { loadError, loadFiles } from './temp-project.js';

describe('x-modelstack-* keys', () => {
  it('what a writer puts into a document, the reader finds in the loaded project', () => {
    const project = projectFromDocument(
      {
        services: {
          a: { image: 'x', ...modelInfoExtension({ flavour: 'jupyter', ssh: true }), ...serviceWarningExtension('careful') },
          b: { image: 'y' },
        },
        ...generatedSourcesExtension(['secrets/token']),
      },
      { name: 'p', workingDir: '/w' },
    );
    expect(modelInfo(project.services.a!)).toEqual({ flavour: 'jupyter', ssh: true });
    expect(serviceWarning(project.services.a!)).toBe('careful');
    expect([...generatedSources(project)]).toEqual(['secrets/token']);
    expect(modelInfo(project.services.b!)).toBeUndefined();
    expect(serviceWarning(project.services.b!)).toBeUndefined();
    expect(generatedSourcesExtension([])).toEqual({});
  });

  it('keep their names, so a compose file written with them loads with them', async () => {
    const { project } = await loadFiles({
      'compose.yaml': [
        `${GENERATED_EXTENSION}: [configs/key]`,
        'services:',
        '  a:',
        '    image: x',
        `    ${MODEL_EXTENSION}: {flavour: serving, ssh: false}`,
        `    ${WARNING_EXTENSION}: mind the gap`,
      ].join('\n'),
    });
    expect(modelInfo(project.services.a!)).toEqual({ flavour: 'serving', ssh: false });
    expect(serviceWarning(project.services.a!)).toBe('mind the gap');
    expect(generatedSources(project).has('configs/key')).toBe(true);
  });

  it.each([
    ['a model key of the wrong shape', `services:\n  a:\n    image: x\n    ${MODEL_EXTENSION}: {flavour: notebook, ssh: false}\n`, /^compose\.yaml:4:5: services\.a\.x-modelstack-model: modelstack's own key holds a mapping \{flavour: jupyter\|serving\|gateway, ssh: true\|false\}; this value is not one \(at flavour\)/],
    ['a warning that is not a text', `services:\n  a:\n    image: x\n    ${WARNING_EXTENSION}: [1]\n`, /^compose\.yaml:4:5: services\.a\.x-modelstack-warning: modelstack's own key holds a warning text/],
    ['a generated list of something else', `${GENERATED_EXTENSION}: [tokens/a]\nservices:\n  a: {image: x}\n`, /^compose\.yaml:1:1: x-modelstack-generated: modelstack's own key holds a list of "configs\/<name>" and "secrets\/<name>"/],
  ])('refuses %s, with its position', async (_what, yaml, message) => {
    const err = await loadError({ 'compose.yaml': yaml });
    expect(err).toBeInstanceOf(ComposeValidationError);
    const [issue] = (err as ComposeValidationError).issues;
    const position = issue?.position ? `${basename(issue.position.file)}:${issue.position.line}:${issue.position.column}: ` : '';
    expect(`${position}${issue?.keyPath}: ${issue?.detail}`).toMatch(message);
  });
});
