/**
 * The CLI's models file: YAML in the shape of {@link ModelStackOptions},
 * validated by the same schema; errors name the file, line and key.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ComposeFileError } from '../compose/errors.js';
import { parseComposeYaml } from '../compose/parse.js';
import { type ModelStackOptions, modelStackOptionsSchema } from './options.js';

/** Reads and validates a models file; relative paths in it are relative to its folder. */
export async function loadModelsFile(file: string): Promise<ModelStackOptions> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    throw new ComposeFileError('MODELS_FILE_NOT_FOUND', `cannot read the models file (${(err as Error).message}); check the path given with -c`, { file: absolute });
  }
  const [doc] = parseComposeYaml(text, absolute);
  if (!doc) throw new ComposeFileError('MODELS_FILE_EMPTY', 'the models file is empty; list at least one model under models:', { file: absolute });
  const parsed = modelStackOptionsSchema.safeParse(doc.tree);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const keyPath = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
      const pos = doc.positions.positionOf(keyPath, issue.code === 'unrecognized_keys');
      const where = `${pos.file}${pos.line ? `:${pos.line}:${pos.column ?? 1}` : ''}`;
      const key = keyPath.length ? keyPath.join('.') : '(top level)';
      return `  ${where}: ${key}: ${issue.message}`;
    });
    throw new ComposeFileError('MODELS_FILE_INVALID', `${lines.length} problem${lines.length > 1 ? 's' : ''} in the models file:\n${lines.join('\n')}`, { file: absolute });
  }
  return { ...parsed.data, workingDir: path.resolve(path.dirname(absolute), parsed.data.workingDir ?? '.') };
}
