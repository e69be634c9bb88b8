/**
 * What one export run shares: the project, the options, the names given so
 * far, the warnings, and a ledger of the keys each service had mapped. The
 * ledger is how the exporter keeps its promise never to drop a key
 * silently: at the end, every key a service wrote is either in the ledger
 * or named by a warning, and any other key gets a warning of its own.
 */
import { formatKeyPath } from '../../compose/errors.js';
import type { Project } from '../../compose/model.js';
import { sourceOf } from '../../compose/sources.js';
import { ModelstackError } from '../../errors.js';
import type { ReadFile } from './content.js';
import { NameRegistry } from './names.js';
import type { ManifestWarning, PersistentVolumeAccessMode } from './types.js';

/** Options the export cannot act on (a namespace that is not a DNS label, a size that is not a quantity). */
export class KubernetesExportError extends ModelstackError {
  constructor(message: string) {
    super('KUBERNETES_EXPORT', message);
  }
}

/** The options of an export with every default filled in. */
export interface ResolvedOptions {
  namespace: string | undefined;
  volumeSize: string;
  storageClassName: string | undefined;
  accessMode: PersistentVolumeAccessMode;
  hostPath: boolean;
  secretData: boolean;
  livenessProbes: boolean;
  gpusForAll: number;
  readFile: ReadFile | undefined;
}

/** A segment of a key path: a map key or a list index. */
export type KeySegment = string | number;

/** The state of one export run. */
export class ExportContext {
  /** Every warning, in the order found. */
  readonly warnings: ManifestWarning[] = [];
  /** Per service: the keys (top level, and `deploy.<key>`) that were mapped. */
  readonly mapped = new Map<string, Set<string>>();
  /** Object names already used, per kind (a service's workload shares its Service's name). */
  readonly names = { service: new NameRegistry(), secret: new NameRegistry(), configMap: new NameRegistry(), claim: new NameRegistry() };

  constructor(
    readonly project: Project,
    readonly options: ResolvedOptions,
  ) {}

  /** Records a warning on `key` of service `service` (or of the project when `service` is undefined). */
  warn(service: string | undefined, path: readonly KeySegment[], message: string): void {
    const where = service === undefined ? path : ['services', service, ...path];
    const position = sourceOf(this.project, [...where]);
    this.warnings.push({
      ...(service !== undefined ? { service } : {}),
      key: formatKeyPath(path),
      message,
      ...(position ? { position } : {}),
    });
  }

  /** Records that these keys of `service` were mapped (top-level keys, or `deploy.<key>`). */
  map(service: string, ...keys: string[]): void {
    let set = this.mapped.get(service);
    if (!set) this.mapped.set(service, (set = new Set()));
    for (const key of keys) set.add(key);
  }

  /** True when `key` of `service` was mapped or is named by a warning (itself or a key below it). */
  covered(service: string, key: string): boolean {
    if (this.mapped.get(service)?.has(key)) return true;
    return this.warnings.some((w) => w.service === service && (w.key === key || w.key.startsWith(`${key}.`) || w.key.startsWith(`${key}[`)));
  }
}
