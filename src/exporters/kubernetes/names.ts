/**
 * Kubernetes' rules for names, labels and quantities, and the conversions
 * from Compose's: service names that are valid DNS labels, label values of
 * at most 63 characters, CPUs as millicores, bytes as binary quantities.
 * Pure functions; no Kubernetes library.
 */
import { createHash } from 'node:crypto';
import { parseBytes } from '../../compose/units.js';

/** RFC 1123 label: what a Service, Deployment, container or pod volume may be called (at most 63 characters). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1035 label: a Service name must also start with a letter. */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain: Secrets, ConfigMaps, claims (at most 253 characters). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a label or annotation key, and a non-empty label value (at most 63 characters). */
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A key of a Secret's or ConfigMap's data. */
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
/** A Kubernetes quantity (`1Gi`, `500m`, `2`, `1.5`, `1e3`). */
const QUANTITY = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** True when `name` is a valid RFC 1123 label. */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/** True when `name` is a valid RFC 1035 label (a Service name). */
export function isDns1035Label(name: string): boolean {
  return name.length <= 63 && DNS_1035_LABEL.test(name);
}

/** True when `name` is a valid RFC 1123 subdomain (a Secret, ConfigMap or claim name). */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/**
 * The closest RFC 1035 label to a Compose name: lower case, runs of other
 * characters (`_`, `.`) become `-`, a leading digit gets an `s-` prefix,
 * and a name longer than 63 characters keeps its start and a hash of the
 * whole. Valid names are returned as they are.
 */
export function serviceObjectName(raw: string): string {
  if (isDns1035Label(raw)) return raw;
  let name = raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(name)) name = `s-${name}`.replace(/-+$/, '');
  return shorten(name, 63, raw);
}

/** The closest RFC 1123 label to `raw` (pod volume names, port names' base). */
export function dnsLabel(raw: string): string {
  if (isDnsLabel(raw)) return raw;
  const name = raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
  return shorten(name, 63, raw);
}

/** The closest RFC 1123 subdomain to `raw` (Secret, ConfigMap and claim names). */
export function dnsSubdomain(raw: string): string {
  if (isDnsSubdomain(raw)) return raw;
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .split('.')
    .map((part) => part.replace(/^-+|-+$/g, ''))
    .filter((part) => part !== '')
    .join('.');
  return shorten(name || 'x', 253, raw);
}

/** A valid key of a Secret's or ConfigMap's data for `raw`. */
export function dataKey(raw: string): string {
  if (DATA_KEY.test(raw) && raw !== '.' && raw !== '..') return raw;
  const key = raw.replace(/[^-._a-zA-Z0-9]+/g, '-').replace(/^\.+$/, 'x');
  return key || 'x';
}

/** True when `key` may be a label or annotation key: `[prefix/]name`, prefix a DNS subdomain, name at most 63 characters. */
export function isQualifiedKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** True when `value` may be a label value: empty, or at most 63 of `[-A-Za-z0-9_.]` starting and ending alphanumeric. */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && QUALIFIED_NAME.test(value));
}

/**
 * The closest label value to `raw`: other characters become `-`, ends are
 * trimmed to alphanumerics, and a value over 63 characters keeps its start
 * and a hash of the whole.
 */
export function labelValue(raw: string): string {
  if (isLabelValue(raw)) return raw;
  const value = raw.replace(/[^-A-Za-z0-9_.]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return shorten(value, 63, raw);
}

/** True when `text` is a Kubernetes quantity. */
export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}

/** CPU cores as a quantity: whole cores as a number (`"2"`), else millicores (`"1500m"`); at least `1m`. */
export function cpuQuantity(cores: number): string {
  const milli = Math.max(1, Math.round(cores * 1000));
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as the largest exact binary quantity (`4Gi`, `512Mi`, `1500Ki`) or plain bytes. */
export function bytesQuantity(bytes: number): string {
  for (const [suffix, factor] of [['Ti', 1024 ** 4], ['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${suffix}`;
  }
  return String(bytes);
}

/**
 * A size written for Kubernetes or for Compose, as a quantity: a binary
 * quantity (`10Gi`) or plain number is kept; anything else is read as
 * Compose reads sizes (`10g`, `512m`, `1G`: binary units), so `10g` and
 * `10Gi` mean the same. Returns undefined when it is neither.
 */
export function sizeQuantity(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei)?$/.test(trimmed)) return trimmed;
  try {
    return bytesQuantity(parseBytes(trimmed));
  } catch {
    return undefined;
  }
}

/** Whole seconds for a duration in nanoseconds, rounded up, at least `min`. */
export function seconds(ns: number, min = 1): number {
  return Math.max(min, Math.ceil(ns / 1e9));
}

/**
 * A string Kubernetes will not expand: in a container's command, args and
 * env values, and in exec probes, the kubelet replaces `$(VAR)` with the
 * value of VAR and `$$` with `$`. A shell's `$(cmd)` or `$$` in a Compose
 * command must reach the shell as written, so each `$` before `(` or `$`
 * is doubled. Other text is unchanged.
 */
export function escapeExpansion(text: string): string {
  return text.replace(/\$(?=[$(])/g, '$$$$');
}

/**
 * Makes names unique within one namespace of names (one per object kind,
 * and one per pod for its volumes): a taken name gets `-2`, `-3`, ...
 */
export class NameRegistry {
  private readonly taken = new Set<string>();

  /** A free name as close to `wanted` as possible (which is already valid); `max` is the length limit. */
  claim(wanted: string, max = 63): string {
    let name = wanted;
    for (let n = 2; this.taken.has(name); n++) name = `${wanted.slice(0, max - String(n).length - 1).replace(/-+$/, '')}-${n}`;
    this.taken.add(name);
    return name;
  }
}

function shorten(name: string, max: number, raw: string): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9).replace(/[^a-z0-9A-Z]+$/, '')}-${hash}`;
}
