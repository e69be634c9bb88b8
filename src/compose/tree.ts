/**
 * The raw compose tree: what a compose file is before it becomes a
 * {@link Project}. Every loader stage (parse, interpolate, merge, extends,
 * include, profiles) takes such a tree and returns one; only `normalize`
 * turns it into the typed model.
 *
 * Also home of key paths (`['services', 'web', 'ports', 0]`), the one way the
 * loader names a place in a tree (printed by `formatKeyPath` in `errors.ts`).
 *
 * @module
 */

/** A YAML value after parsing: JSON-like data, mapping keys are strings. */
export type RawValue = null | boolean | number | string | RawValue[] | RawMap;

/** A YAML mapping. */
export interface RawMap {
  [key: string]: RawValue;
}

/** A place in a tree: mapping keys and sequence indexes, outermost first. */
export type KeyPath = ReadonlyArray<string | number>;

/** True for a mapping (not null, not a sequence). */
export function isRawMap(value: unknown): value is RawMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stable string for a key path, usable as a Map key (unlike its printed form, unambiguous). */
export function keyPathId(path: KeyPath): string {
  let id = '';
  for (const segment of path) id = childPathId(id, segment);
  return id;
}

/**
 * The {@link keyPathId} of `[...parent, segment]` from the parent's id, so a
 * walk down a tree builds each id in one step: `#3;` for an index, the
 * length and the text for a key (unambiguous whatever the key holds).
 */
export function childPathId(parentId: string, segment: string | number): string {
  return typeof segment === 'number' ? `${parentId}#${segment};` : `${parentId}${segment.length}:${segment}`;
}

/**
 * Sets `target[key]` as an ordinary own property, even when the key is
 * `__proto__` (which plain assignment would treat as the prototype). Every
 * stage that builds a map from user keys goes through this.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  // Plain assignment for every other key: the same own property, and the object stays fast.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Deep copy of a raw tree (stages never share mutable nodes). */
export function cloneRaw<T extends RawValue>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => cloneRaw(v)) as T;
  if (isRawMap(value)) {
    const out: RawMap = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, cloneRaw(v));
    return out as T;
  }
  return value;
}

/** The value at `path`, or undefined when any step is missing. */
export function getAt(tree: RawValue, path: KeyPath): RawValue | undefined {
  let cur: RawValue | undefined = tree;
  for (const part of path) {
    if (cur === undefined || cur === null) return undefined;
    if (typeof part === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[part];
    } else {
      if (!isRawMap(cur) || !Object.hasOwn(cur, part)) return undefined;
      cur = cur[part];
    }
  }
  return cur;
}

/** Removes the entry at `path` (a mapping key or a sequence item); no-op when absent. */
export function deleteAt(tree: RawValue, path: KeyPath): void {
  if (path.length === 0) return;
  const parent = getAt(tree, path.slice(0, -1));
  const last = path[path.length - 1];
  if (typeof last === 'number') {
    if (Array.isArray(parent) && last < parent.length) parent.splice(last, 1);
  } else if (isRawMap(parent) && last !== undefined) {
    delete parent[last];
  }
}

/** True when `path` starts with `prefix`. */
export function hasPrefix(path: KeyPath, prefix: KeyPath): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((p, i) => path[i] === p);
}

/** A short description of a raw value's type, for error messages ("a string", "a list"). */
export function describeRaw(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return typeof value;
}
