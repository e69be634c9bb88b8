/**
 * Stage 5 of the loader: merging canonical trees, as Compose merges several
 * `-f` files (and as `extends` merges a service into the one it extends).
 *
 * The rules are the compose-spec's "Merge and override" section, with
 * compose-go's special cases:
 *
 * - mappings merge key by key, recursively; an `x-*` key is replaced whole;
 * - sequences are appended, then entries that share a unique key are folded
 *   into one, the later winning, at the position of the first
 *   ({@link enforceUnicity}): `ports` by host IP + host port + container port
 *   + protocol, `volumes` and `devices` by container path, `secrets` and
 *   `configs` by target, `env_file` by path, and plain lists (`expose`,
 *   `dns`, `cap_add`, `profiles`, network `aliases`...) by value;
 * - `extra_hosts` merge by host, keeping every address (a host may have several);
 * - `environment`, `labels`, `annotations`, `sysctls`, build `args`... (maps
 *   after canonicalization) merge key by key, a later `KEY` without value
 *   included;
 * - `command`, `entrypoint`, `healthcheck.test` and each `ulimits` entry are
 *   replaced, not merged;
 * - `logging` merges only when both sides use the same driver (or one names none);
 * - network `ipam.config` entries merge by `subnet`;
 * - a `null` in the override keeps the base value; a `null` base takes the override;
 * - `!reset` removes the base value, `!override` replaces it without merging.
 *
 * @module
 */
import { ComposeFileError, formatKeyPath, type SourcePosition } from './errors.js';
import { cloneRaw, deleteAt, describeRaw, isRawMap, setOwn, type KeyPath, type RawMap, type RawValue } from './tree.js';

/** One file's contribution: its canonical tree and the paths it tagged. */
export interface MergeLayer {
  tree: RawMap;
  /** Paths tagged `!reset`: removed from the base before merging. */
  resets: readonly KeyPath[];
  /** Paths tagged `!override`: removed from the base, so the layer's value lands as written. */
  overrides: readonly KeyPath[];
  /** For conflict errors: where the layer wrote a path. */
  locate?(path: KeyPath): SourcePosition | undefined;
}

type Rule = 'override' | 'logging' | 'keyvalue' | 'ipam' | 'hosts';

const RULES: Array<[string[], Rule]> = [
  [['services', '*', 'command'], 'override'],
  [['services', '*', 'entrypoint'], 'override'],
  [['services', '*', 'healthcheck', 'test'], 'override'],
  [['services', '*', 'ulimits', '*'], 'override'],
  [['services', '*', 'build', 'ulimits', '*'], 'override'],
  [['services', '*', 'logging'], 'logging'],
  [['services', '*', 'environment'], 'keyvalue'],
  [['services', '*', 'labels'], 'keyvalue'],
  [['services', '*', 'annotations'], 'keyvalue'],
  [['services', '*', 'sysctls'], 'keyvalue'],
  [['services', '*', 'extra_hosts'], 'hosts'],
  [['services', '*', 'build', 'args'], 'keyvalue'],
  [['services', '*', 'build', 'labels'], 'keyvalue'],
  [['services', '*', 'build', 'additional_contexts'], 'keyvalue'],
  [['services', '*', 'build', 'extra_hosts'], 'hosts'],
  [['services', '*', 'deploy', 'labels'], 'keyvalue'],
  [['services', '*', 'volumes', '*', 'volume', 'labels'], 'keyvalue'],
  [['networks', '*', 'labels'], 'keyvalue'],
  [['volumes', '*', 'labels'], 'keyvalue'],
  [['networks', '*', 'ipam', 'config'], 'ipam'],
];

function matches(path: KeyPath, pattern: readonly string[]): boolean {
  if (path.length !== pattern.length) return false;
  return pattern.every((p, i) => p === '*' || p === path[i]);
}

function ruleFor(path: KeyPath): Rule | undefined {
  for (const [pattern, rule] of RULES) if (matches(path, pattern)) return rule;
  return undefined;
}

/**
 * Merges `layer` over `base` and returns the result; neither input is modified.
 *
 * @throws ComposeFileError `COMPOSE_MERGE_CONFLICT` when the same key holds a
 *   mapping on one side and a list on the other.
 */
export function mergeLayer(base: RawMap, layer: MergeLayer, at: KeyPath = []): RawMap {
  const target = cloneRaw(base);
  for (const path of [...layer.resets, ...layer.overrides]) {
    // Tags on sequence items only remove the item from their own file.
    if (typeof path[path.length - 1] === 'number') continue;
    deleteAt(target, path.slice(at.length));
  }
  return mergeValue(target, layer.tree, at, layer) as RawMap;
}

/** Merges two values found at `path` (see the module comment for the rules). */
export function mergeValue(base: RawValue | undefined, over: RawValue, path: KeyPath, layer?: Pick<MergeLayer, 'locate'>): RawValue {
  if (base === undefined) return cloneRaw(over);
  const rule = ruleFor(path);
  if (rule === 'override') return cloneRaw(over);
  if (over === null) return cloneRaw(base);
  // A null base (`back:` with no settings) takes whatever the later file says, as in compose-go.
  if (base === null) return cloneRaw(over);
  if (rule === 'keyvalue' && isRawMap(base) && isRawMap(over)) return { ...cloneRaw(base), ...cloneRaw(over) };
  if (rule === 'hosts' && isRawMap(base) && isRawMap(over)) return mergeHosts(base, over);
  if (rule === 'logging' && isRawMap(base) && isRawMap(over)) {
    const a = base.driver;
    const b = over.driver;
    if (a !== undefined && b !== undefined && a !== b) return cloneRaw(over);
  }
  if (rule === 'ipam' && Array.isArray(base) && Array.isArray(over)) return mergeIpamConfig(base, over, path, layer);
  if (isRawMap(base) && isRawMap(over)) {
    const out = cloneRaw(base);
    for (const [k, v] of Object.entries(over)) {
      const merged = k.startsWith('x-') || !Object.hasOwn(out, k) ? cloneRaw(v) : mergeValue(out[k], v, [...path, k], layer);
      setOwn(out, k, merged);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return [...cloneRaw(base), ...cloneRaw(over)];
  const baseIsCollection = typeof base === 'object' && base !== null;
  const overIsCollection = typeof over === 'object';
  if (baseIsCollection || overIsCollection) {
    const position = layer?.locate?.(path);
    throw new ComposeFileError(
      'COMPOSE_MERGE_CONFLICT',
      `cannot merge ${describeRaw(over)} over ${describeRaw(base)} from an earlier file; write the same kind of value, or tag it !override to replace it`,
      position,
      formatKeyPath([...path]),
    );
  }
  return cloneRaw(over);
}

/** `extra_hosts` ({host: [ip]}): a later file adds the addresses a host does not have yet (Compose keeps both). */
function mergeHosts(base: RawMap, over: RawMap): RawMap {
  const out = cloneRaw(base);
  for (const [host, ips] of Object.entries(over)) {
    const current = Object.hasOwn(out, host) && Array.isArray(out[host]) ? (out[host] as RawValue[]) : [];
    setOwn(out, host, [...current, ...(Array.isArray(ips) ? ips : [ips]).filter((ip) => !current.includes(ip))]);
  }
  return out;
}

function mergeIpamConfig(base: RawValue[], over: RawValue[], path: KeyPath, layer?: Pick<MergeLayer, 'locate'>): RawValue[] {
  const out = cloneRaw(base);
  for (const entry of over) {
    const subnet = isRawMap(entry) ? entry.subnet : undefined;
    const index = subnet === undefined ? -1 : out.findIndex((e) => isRawMap(e) && e.subnet === subnet);
    if (index >= 0) out[index] = mergeValue(out[index], entry, [...path, index], layer);
    else out.push(cloneRaw(entry));
  }
  return out;
}

type Indexer = (entry: RawValue) => string;

const byValue: Indexer = (e) => (typeof e === 'string' || typeof e === 'number' ? String(e) : JSON.stringify(e));
const byField = (field: string, fallback?: (m: RawMap) => string): Indexer => (e) => {
  if (!isRawMap(e)) return byValue(e);
  const v = e[field];
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  return fallback ? fallback(e) : JSON.stringify(e);
};
const portKey: Indexer = (e) => {
  if (!isRawMap(e)) return byValue(e);
  const hostIp = typeof e.host_ip === 'string' ? e.host_ip : '0.0.0.0';
  const published = typeof e.published === 'string' ? e.published : '';
  return `${hostIp}:${published}:${String(e.target)}/${typeof e.protocol === 'string' ? e.protocol : 'tcp'}`;
};

const UNIQUE: Array<[string[], Indexer]> = [
  [['services', '*', 'ports'], portKey],
  [['services', '*', 'volumes'], byField('target')],
  [['services', '*', 'devices'], byField('target')],
  [['services', '*', 'secrets'], byField('target', (m) => `/run/secrets/${String(m.source)}`)],
  [['services', '*', 'configs'], byField('target', (m) => `/${String(m.source)}`)],
  [['services', '*', 'env_file'], byField('path')],
  [['services', '*', 'expose'], byValue],
  [['services', '*', 'dns'], byValue],
  [['services', '*', 'dns_opt'], byValue],
  [['services', '*', 'dns_search'], byValue],
  [['services', '*', 'tmpfs'], byValue],
  [['services', '*', 'cap_add'], byValue],
  [['services', '*', 'cap_drop'], byValue],
  [['services', '*', 'profiles'], byValue],
  [['services', '*', 'links'], byValue],
  [['services', '*', 'label_file'], byValue],
  [['services', '*', 'build', 'tags'], byValue],
  [['services', '*', 'build', 'platforms'], byValue],
  [['services', '*', 'networks', '*', 'aliases'], byValue],
  [['services', '*', 'networks', '*', 'link_local_ips'], byValue],
];

/**
 * Folds sequence entries that share a unique key (see the module comment):
 * the later entry replaces the earlier one, in the earlier one's place.
 * Returns a new tree.
 */
export function enforceUnicity(tree: RawMap): RawMap {
  // One path, grown and shrunk as the walk goes (a large file has a million values).
  const path: Array<string | number> = [];
  const walk = (value: RawValue): RawValue => {
    if (Array.isArray(value)) {
      const indexer = UNIQUE.find(([pattern]) => matches(path, pattern))?.[1];
      const items = value.map((v, i) => {
        path.push(i);
        const out = walk(v);
        path.pop();
        return out;
      });
      if (!indexer) return items;
      const out: RawValue[] = [];
      const at = new Map<string, number>();
      for (const item of items) {
        const key = indexer(item);
        const existing = at.get(key);
        if (existing === undefined) {
          at.set(key, out.length);
          out.push(item);
        } else {
          out[existing] = item;
        }
      }
      return out;
    }
    if (isRawMap(value)) {
      const out: RawMap = {};
      for (const [k, v] of Object.entries(value)) {
        path.push(k);
        setOwn(out, k, walk(v));
        path.pop();
      }
      return out;
    }
    return value;
  };
  return walk(tree) as RawMap;
}
