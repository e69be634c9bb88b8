/**
 * Stage 4 of the loader: `extends`. A service that says
 * `extends: {service: base, file: other.yml}` (or `extends: base` for the
 * same file) starts from a copy of `base` and is merged over it with the
 * same rules as a second `-f` file (`merge.ts`), `!reset` and `!override`
 * included. Extends chains are followed; a loop is an error that lists it.
 *
 * A service taken from another file has that file's relative paths already
 * resolved against that file's folder (the caller's `loadFile` does it), so
 * `build: .` there still means the other file's folder.
 *
 * @module
 */
import { dirname } from 'node:path';
import { ComposeFileError, formatKeyPath, type SourcePosition } from './errors.js';
import { DependencyCycleError } from './load-errors.js';
import { mergeValue } from './merge.js';
import { resolvePath } from './paths.js';
import { cloneRaw, deleteAt, hasPrefix, isRawMap, type KeyPath, type RawMap } from './tree.js';

/** A document after schema validation, as `extends` needs it. */
export interface ExtendableDocument {
  file: string;
  /** Canonical tree. */
  tree: RawMap;
  resets: readonly KeyPath[];
  overrides: readonly KeyPath[];
  /** Where the document wrote a key. */
  locate(path: KeyPath): SourcePosition | undefined;
}

/** Loads another compose file for `extends: {file}` (validated, paths resolved against its folder). */
export type ExtendsFileLoader = (file: string) => Promise<ExtendableDocument>;

/**
 * Returns a copy of `doc.tree` in which every service with `extends` is
 * replaced by the merge of its base and itself (without the `extends` key).
 *
 * @param home for `~` in `extends.file`.
 * @throws ComposeFileError `COMPOSE_EXTENDS` when the base service or file does not exist,
 *   DependencyCycleError when services extend each other in a loop.
 */
export async function applyExtends(doc: ExtendableDocument, loadFile: ExtendsFileLoader, home: string): Promise<RawMap> {
  const resolved = new Map<string, RawMap>();
  const tree = cloneRaw(doc.tree);
  const services = tree.services;
  if (!isRawMap(services)) return tree;
  for (const name of Object.keys(services)) {
    const svc = services[name];
    if (isRawMap(svc) && svc.extends !== undefined) {
      services[name] = await resolveService(doc, name, loadFile, home, resolved, []);
    }
  }
  return tree;
}

async function resolveService(
  doc: ExtendableDocument,
  name: string,
  loadFile: ExtendsFileLoader,
  home: string,
  memo: Map<string, RawMap>,
  stack: string[],
): Promise<RawMap> {
  const id = `${doc.file}\u0000${name}`;
  const cached = memo.get(id);
  if (cached) return cloneRaw(cached);
  if (stack.includes(id)) {
    const names = [...stack.slice(stack.indexOf(id)), id].map((s) => s.split('\u0000')[1] ?? s);
    throw new DependencyCycleError(names, 'the extends links of these services', doc.locate(['services', name, 'extends']), formatKeyPath(['services', name, 'extends']));
  }
  const services = isRawMap(doc.tree.services) ? doc.tree.services : {};
  const svc = services[name];
  if (!isRawMap(svc)) {
    throw new ComposeFileError('COMPOSE_EXTENDS', `service ${JSON.stringify(name)} is not defined in this file`, { file: doc.file });
  }
  const ext = svc.extends;
  if (!isRawMap(ext)) {
    memo.set(id, svc);
    return cloneRaw(svc);
  }
  const baseName = String(ext.service);
  const extPath: KeyPath = ['services', name, 'extends'];
  let baseDoc = doc;
  if (typeof ext.file === 'string') {
    const file = resolvePath(ext.file, dirname(doc.file), home);
    try {
      baseDoc = await loadFile(file);
    } catch (err) {
      if (err instanceof ComposeFileError && err.code !== 'COMPOSE_FILE_NOT_FOUND') throw err;
      throw new ComposeFileError(
        'COMPOSE_EXTENDS',
        `service ${JSON.stringify(name)} extends a service in ${file}, which cannot be read; correct \`extends.file\``,
        doc.locate([...extPath, 'file']),
        formatKeyPath([...extPath, 'file']),
        { cause: err },
      );
    }
  }
  const baseServices = isRawMap(baseDoc.tree.services) ? baseDoc.tree.services : {};
  if (!isRawMap(baseServices[baseName])) {
    const where = baseDoc === doc ? 'this file' : baseDoc.file;
    throw new ComposeFileError(
      'COMPOSE_EXTENDS',
      `service ${JSON.stringify(name)} extends ${JSON.stringify(baseName)}, which is not defined in ${where}; ` +
        `define it or correct \`extends.service\``,
      doc.locate([...extPath, 'service']) ?? doc.locate(extPath),
      formatKeyPath([...extPath, 'service']),
    );
  }
  const base = await resolveService(baseDoc, baseName, loadFile, home, memo, [...stack, id]);

  // The local service's !reset / !override tags act on the base, as they would across files.
  const servicePath: KeyPath = ['services', name];
  for (const path of [...doc.resets, ...doc.overrides]) {
    if (hasPrefix(path, servicePath) && path.length > 2 && typeof path[path.length - 1] !== 'number') deleteAt(base, path.slice(2));
  }
  const local = cloneRaw(svc);
  delete local.extends;
  const merged = mergeValue(base, local, servicePath, { locate: (p) => doc.locate(p) }) as RawMap;
  delete merged.extends;
  memo.set(id, merged);
  return cloneRaw(merged);
}
