/**
 * The CLI's models file: YAML in the shape of {@link ModelStackOptions},
 * read by the compose loader's YAML stage (positions, anchors, duplicate
 * keys, alias bombs) and validated by the options schema. The options
 * remember where each key was written, so every error about them — from
 * the schema here, or from building the stack later (a system folder, a
 * private key given as a public one) — names `file:line:col` and the key.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ComposeFileError } from '../compose/errors.js';
import { parseComposeYaml, type DocumentKind } from '../compose/parse.js';
import { type ModelStackOptions, rememberOptionsSource, validateOptions } from './options.js';

/** A models file, for the messages about an empty or non-mapping one. */
const MODELS_FILE: DocumentKind = {
  name: 'models file',
  needs: 'a `models:` list with at least one model, e.g. `models: [{name: intent}]`',
  emptyCode: 'MODELS_FILE_EMPTY',
};

/**
 * Reads and validates a models file; relative paths in it are relative to
 * its folder.
 *
 * @throws ComposeFileError when the file cannot be read, is empty or is not
 *   YAML; ModelStackConfigError listing every problem with its `file:line:col`.
 */
export async function loadModelsFile(file: string): Promise<ModelStackOptions> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    throw new ComposeFileError('MODELS_FILE_NOT_FOUND', `cannot read the models file (${(err as Error).message}); check the path given with -c`, { file: absolute }, undefined, { cause: err });
  }
  const docs = parseComposeYaml(text, absolute, MODELS_FILE);
  if (docs.length > 1) {
    throw new ComposeFileError('MODELS_FILE_INVALID', 'a models file holds one YAML document; remove the `---` and what follows, or merge the documents', { file: absolute });
  }
  const [doc] = docs;
  if (!doc) throw new ComposeFileError(MODELS_FILE.emptyCode, `the models file is empty; it needs ${MODELS_FILE.needs}`, { file: absolute });
  const located = rememberOptionsSource(doc.tree as unknown as ModelStackOptions, (p, preferKey) => doc.positions.positionOf(p, preferKey));
  const options = validateOptions(located);
  const workingDir = path.resolve(path.dirname(absolute), options.workingDir ?? '.');
  // The returned object is the one errors are reported about later (modelStackProject): it keeps the positions.
  return rememberOptionsSource({ ...options, workingDir } as ModelStackOptions, (p, preferKey) => doc.positions.positionOf(p, preferKey));
}
