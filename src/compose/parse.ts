/**
 * Stage 1 of the loader: YAML text → raw tree, with a position for every key
 * and value so later stages can say `file:line:column`.
 *
 * Parsing follows what Docker Compose's YAML reader does: YAML 1.2 core
 * schema (so `no`, `yes`, `on` stay strings), anchors, aliases and `<<` merge
 * keys, duplicate keys rejected, plain integers with a leading zero read as
 * octal (`mode: 0755` → 493), several `---` documents in one file merged in
 * order. The Compose tags `!reset` and `!override` are recorded (their paths)
 * rather than kept in the tree; `merge.ts` acts on them.
 *
 * Work and memory stay proportional to the text: duplicate keys and aliases
 * are resolved with one index each, and aliases may expand a file only a
 * bounded number of times over (`limits.ts`), which stops alias bombs early
 * without refusing large honest files.
 *
 * @module
 */
import { Alias, LineCounter, Pair, Scalar, YAMLMap, YAMLSeq, isAlias, isMap, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { ComposeFileError, formatKeyPath, type SourcePosition } from './errors.js';
import { ALIAS_EXPANSION_FLOOR, ALIAS_EXPANSION_RATIO } from './limits.js';
import { childPathId, keyPathId, setOwn, type KeyPath, type RawMap, type RawValue } from './tree.js';

/** Where a mapping entry or sequence item was written. */
export interface NodeLocation {
  /** Position of the key (mapping entries only). */
  key?: SourcePosition;
  /** Position of the value. */
  value: SourcePosition;
}

/**
 * Positions of the nodes of one parsed document, by key path. Paths created
 * through aliases and merge keys point at the anchored text. Offsets are
 * kept, and turned into lines and columns only when asked (a large file has
 * a million nodes and few errors).
 */
export class PositionIndex {
  readonly #values = new Map<string, number | undefined>();
  readonly #keys = new Map<string, number | undefined>();
  readonly #at: (offset: number | undefined) => SourcePosition;

  /** `at` turns an offset in the text into a position (default: the file alone). */
  constructor(
    readonly file: string,
    at?: (offset: number | undefined) => SourcePosition,
  ) {
    this.#at = at ?? (() => ({ file }));
  }

  /** Records where `path` was written (first write wins, as the text is read top-down). */
  set(path: KeyPath, valueOffset: number | undefined, keyOffset?: number): void {
    this.setById(keyPathId(path), valueOffset, keyOffset);
  }

  /** {@link set} by the path's {@link keyPathId}, for a walk that builds ids as it goes down. */
  setById(id: string, valueOffset: number | undefined, keyOffset?: number): void {
    if (this.#values.has(id)) return;
    this.#values.set(id, valueOffset);
    if (keyOffset !== undefined) this.#keys.set(id, keyOffset);
  }

  /** The location of `path`, if this document wrote it. */
  get(path: KeyPath): NodeLocation | undefined {
    const id = keyPathId(path);
    if (!this.#values.has(id)) return undefined;
    const key = this.#keys.get(id);
    return { ...(key !== undefined ? { key: this.#at(key) } : {}), value: this.#at(this.#values.get(id)) };
  }

  /**
   * The best position for an error about `path`: the path itself, or else its
   * nearest written ancestor; `preferKey` points at the key rather than the value.
   */
  positionOf(path: KeyPath, preferKey = false): SourcePosition {
    for (let n = path.length; n >= 0; n--) {
      const loc = this.get(path.slice(0, n));
      if (loc) return (preferKey && loc.key) || loc.value;
    }
    return { file: this.file };
  }

  /** True when this document wrote `path`. */
  has(path: KeyPath): boolean {
    return this.#values.has(keyPathId(path));
  }
}

/** One YAML document of a compose file, parsed. */
export interface ParsedDocument {
  /** Absolute path of the file. */
  file: string;
  /** The document as plain data. */
  tree: RawMap;
  /** Where each key and value was written. */
  positions: PositionIndex;
  /** Paths tagged `!reset` (already removed from `tree`). */
  resets: KeyPath[];
  /** Paths tagged `!override` (kept in `tree`). */
  overrides: KeyPath[];
}


/** What a YAML file holds, for the messages about an empty or non-mapping one. */
export interface DocumentKind {
  /** `compose file`, `models file`. */
  name: string;
  /** What the file needs at least, e.g. "at least a `services:` mapping". */
  needs: string;
  /** Error code of an empty file. */
  emptyCode: string;
}

/** A compose file. */
export const COMPOSE_FILE: DocumentKind = { name: 'compose file', needs: 'at least a `services:` mapping', emptyCode: 'COMPOSE_EMPTY_FILE' };

/**
 * Parses compose YAML (or another YAML file of modelstack's, named by
 * `kind`). Returns one {@link ParsedDocument} per `---` document (usually
 * one). Throws {@link ComposeFileError} with a position on syntax errors,
 * duplicate keys, non-mapping documents and empty files.
 */
export function parseComposeYaml(text: string, file: string, kind: DocumentKind = COMPOSE_FILE): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    merge: true,
    // Checked while converting (one Set per mapping): the library's check compares every
    // key with every other, which took half a minute on a file with 25,000 services.
    uniqueKeys: false,
    prettyErrors: false,
    strict: true,
  });
  const list = Array.isArray(docs) ? docs : [];
  const pos = (offset: number | undefined): SourcePosition => {
    if (offset === undefined) return { file };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const parsed: ParsedDocument[] = [];
  for (const doc of list) {
    const first = doc.errors[0];
    if (first) {
      throw new ComposeFileError('COMPOSE_YAML_SYNTAX', `${describeYamlError(first.message)}`, pos(first.pos[0]));
    }
    for (const w of doc.warnings) {
      // Compose's own tags are expected; any other unknown tag is a mistake worth stopping on.
      if (w.code === 'TAG_RESOLVE_FAILED' && /!(reset|override)\b/.test(w.message)) continue;
      if (w.code === 'TAG_RESOLVE_FAILED') {
        throw new ComposeFileError('COMPOSE_YAML_SYNTAX', `${w.message}; Compose only knows the tags !reset and !override`, pos(w.pos[0]));
      }
    }
    if (doc.contents === null) continue;
    parsed.push(convertDocument(doc, file, pos, kind));
  }
  if (parsed.length === 0) {
    throw new ComposeFileError(kind.emptyCode, `the ${kind.name} is empty; it needs ${kind.needs}`, { file });
  }
  return parsed;
}

function describeYamlError(message: string): string {
  // The yaml library's messages carry a source excerpt after the first line; keep the sentence.
  const line = message.split('\n')[0] ?? message;
  return `invalid YAML: ${line.replace(/ at line \d+, column \d+:?$/, '')}`;
}

/**
 * Every alias of a document with the node it stands for (the nearest anchor
 * of that name before it, as YAML says), and how many nodes the text holds.
 * One walk: the library's own `Alias.resolve` walks the whole document for
 * each alias, which made a file with many aliases take minutes.
 */
function indexAliases(doc: Document): { targets: Map<Alias, YamlNode>; written: number } {
  const targets = new Map<Alias, YamlNode>();
  const anchors = new Map<string, YamlNode>();
  let written = 0;
  visit(doc, {
    Node(_key, node) {
      written++;
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  return { targets, written };
}

function convertDocument(doc: Document, file: string, pos: (offset: number | undefined) => SourcePosition, kind: DocumentKind): ParsedDocument {
  const positions = new PositionIndex(file, pos);
  const resets: KeyPath[] = [];
  const overrides: KeyPath[] = [];
  const active = new Set<YamlNode>();
  const { targets, written } = indexAliases(doc);
  // Nodes made by aliases, bounded by what the file itself holds (limits.ts).
  const maxExpanded = Math.max(ALIAS_EXPANSION_FLOOR, ALIAS_EXPANSION_RATIO * written);
  let expanded = 0;

  const fail = (node: YamlNode | Pair | null | undefined, message: string): never => {
    const range = node && 'range' in node ? node.range : undefined;
    throw new ComposeFileError('COMPOSE_YAML_SYNTAX', message, pos(range?.[0]));
  };

  // The path of the node being converted, grown and shrunk as the walk goes (copied only when
  // kept), and its id, built one step at a time: a large file has a million nodes.
  const path: Array<string | number> = [];
  const convert = (node: unknown, id: string): RawValue => {
    if (active.size > 0 && ++expanded > maxExpanded) {
      fail(
        undefined,
        `the ${kind.name}'s aliases expand to more than ${maxExpanded} values from the ${written} written in it (an alias bomb?); ` +
          `aliases may repeat a file at most ${ALIAS_EXPANSION_RATIO} times over: write the values out, or nest fewer aliases`,
      );
    }
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = targets.get(node as Alias);
      if (!target) return fail(node as Alias, `unknown alias *${(node as Alias).source}`);
      if (active.has(target)) return fail(node as Alias, `alias *${(node as Alias).source} refers to itself`);
      active.add(target);
      try {
        return convert(target, id);
      } finally {
        active.delete(target);
      }
    }
    if (isScalar(node)) return scalarValue(node);
    if (isMap(node)) return convertMap(node, id);
    if (isSeq(node)) return convertSeq(node, id);
    return fail(undefined, `unsupported YAML node at ${formatKeyPath(path) || 'top level'}`);
  };

  const tagOf = (node: unknown): string | undefined => {
    if (isScalar(node) || isMap(node) || isSeq(node)) return node.tag;
    return undefined;
  };

  const convertMap = (map: YAMLMap, id: string): RawMap => {
    const out: RawMap = {};
    const merged: Array<{ value: YamlNode; key: Scalar }> = [];
    const keys = new Set<string>();
    for (const pair of map.items) {
      const keyNode = pair.key;
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        // `<<: *anchor` or `<<: [*a, *b]`: keys written here win, then earlier sources win.
        const value = pair.value;
        if (isSeq(value)) for (const item of value.items) merged.push({ value: item as YamlNode, key: keyNode });
        else if (value) merged.push({ value: value as YamlNode, key: keyNode });
        continue;
      }
      const key = keyString(keyNode, fail);
      if (keys.has(key)) fail(keyNode as YamlNode, 'invalid YAML: Map keys must be unique');
      keys.add(key);
      const childId = childPathId(id, key);
      const valueNode = pair.value;
      const tag = tagOf(valueNode);
      positions.setById(childId, rangeStart(valueNode) ?? rangeStart(keyNode), rangeStart(keyNode));
      if (tag === '!reset') {
        resets.push([...path, key]);
        continue;
      }
      if (tag === '!override') overrides.push([...path, key]);
      path.push(key);
      setOwn(out, key, convert(valueNode, childId));
      path.pop();
    }
    for (const { value, key } of merged) {
      const source = convert(value, id);
      if (source === null || typeof source !== 'object' || Array.isArray(source)) {
        fail(key, `a \`<<\` merge key needs a mapping (or a list of mappings) at ${formatKeyPath(path) || 'top level'}`);
        continue;
      }
      for (const [k, v] of Object.entries(source)) if (!Object.hasOwn(out, k)) setOwn(out, k, v);
    }
    return out;
  };

  const convertSeq = (seq: YAMLSeq, id: string): RawValue[] => {
    const out: RawValue[] = [];
    for (const item of seq.items) {
      if (tagOf(item) === '!reset') continue;
      const childId = childPathId(id, out.length);
      positions.setById(childId, rangeStart(item));
      path.push(out.length);
      out.push(convert(item, childId));
      path.pop();
    }
    return out;
  };

  const root = doc.contents;
  if (!isMap(root)) {
    const what = isSeq(root) ? 'a list' : isScalar(root) ? 'a single value' : 'something else';
    fail(root as YamlNode, `a ${kind.name} must be a mapping (it needs ${kind.needs}), but this document is ${what}`);
  }
  positions.set([], rangeStart(root));
  const tree = convertMap(root as YAMLMap, keyPathId([]));
  return { file, tree, positions, resets, overrides };
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    return range?.[0];
  }
  return undefined;
}

function keyString(node: unknown, fail: (node: YamlNode | undefined, message: string) => never): string {
  if (node === null || node === undefined) return 'null';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return v;
    // Compose reads keys as strings; keep what was written (`8080:` stays "8080", `0755:` stays "0755").
    if (typeof node.source === 'string') return node.source;
    return String(v);
  }
  return fail(node as YamlNode, 'mapping keys must be plain values, not lists or mappings');
}

const OCTAL = /^0[0-7]+$/;

function scalarValue(node: Scalar): RawValue {
  const v = node.value;
  // YAML 1.2 reads `0755` as decimal 755; Compose's reader (go-yaml) reads it as octal.
  if (typeof v === 'number' && node.type === 'PLAIN' && typeof node.source === 'string' && OCTAL.test(node.source)) {
    return Number.parseInt(node.source, 8);
  }
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return String(v);
}
