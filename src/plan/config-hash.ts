/**
 * What a container was created from, and its hash. The hash goes into
 * Compose's `com.docker.compose.config-hash` label; the canonical JSON it is
 * computed from goes into `org.modelstack.config`, so a later plan can say
 * which fields changed, not only that something did.
 */
import { createHash } from 'node:crypto';
import type { Service } from '../spec/model.js';

/**
 * Fields that do not change what a container is (Compose leaves them out of
 * its hash too): how many, how to get the image, when to start.
 */
const NOT_HASHED = ['scale', 'build', 'pull_policy', 'profiles', 'depends_on', 'extensions'] as const;

/** The part of a service that defines its containers, plus anything else the caller adds (e.g. secret digests). */
export function hashedConfig(service: Service, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const config: Record<string, unknown> = { ...service };
  for (const key of NOT_HASHED) delete config[key];
  if (service.deploy) {
    const { replicas: _replicas, ...deploy } = service.deploy;
    config.deploy = deploy;
  }
  return canonical({ ...config, ...extra }) as Record<string, unknown>;
}

/** sha256 of the canonical JSON (keys sorted, undefined dropped). */
export function configHash(config: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** JSON with object keys sorted at every level: the same config always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/**
 * The paths where two configs differ, in Compose's key syntax:
 * `environment.LOG_LEVEL`, `deploy.resources.limits.memory`, `ports[0].published`.
 * Arrays of different lengths are reported as a whole (`ports`).
 */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (Object.is(before, after)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) return [prefix || '(root)'];
    return before.flatMap((b, i) => changedPaths(b, after[i], `${prefix}[${i}]`));
  }
  // A map that appears or disappears is reported by its keys (`environment.LOG_LEVEL`, not `environment`).
  if ((isObj(before) && after === undefined) || (before === undefined && isObj(after))) {
    return changedPaths(before ?? {}, after ?? {}, prefix);
  }
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedPaths(before[k], after[k], prefix ? `${prefix}.${segment(k)}` : segment(k)));
  }
  return [prefix || '(root)'];
}

/** A map key as a path segment; keys with dots or brackets are quoted. */
function segment(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}
