/**
 * The labels every exported object carries (Kubernetes' recommended
 * `app.kubernetes.io/*` set) and how Compose labels become Kubernetes
 * labels or annotations.
 */
import type { Project } from '../../compose/model.js';
import { isLabelValue, isQualifiedKey, labelValue } from './names.js';

/** Kubernetes' recommended label keys, as the exporter fills them. */
export const K8S_LABEL = {
  /** The Compose service (or config, secret, volume) name. */
  name: 'app.kubernetes.io/name',
  /** The Compose project name. */
  instance: 'app.kubernetes.io/instance',
  /** The model flavour (jupyter, serving, gateway) in a model stack; else the kind of thing (service, config, secret, volume). */
  component: 'app.kubernetes.io/component',
  /** Always `modelstack`. */
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** Prefixes Kubernetes keeps for itself: a Compose label with one stays an annotation. */
const RESERVED_PREFIXES = ['kubernetes.io/', 'k8s.io/'];

/** The labels that select the pods of `service` (stable: never changed by an edit of the file). */
export function selectorLabels(project: Project, service: string): Record<string, string> {
  return { [K8S_LABEL.name]: labelValue(service), [K8S_LABEL.instance]: labelValue(project.name) };
}

/** The recommended labels of an object made from `name` (a service, config, secret or volume) of `project`. */
export function standardLabels(project: Project, name: string, component: string): Record<string, string> {
  return {
    [K8S_LABEL.name]: labelValue(name),
    [K8S_LABEL.instance]: labelValue(project.name),
    [K8S_LABEL.component]: labelValue(component),
    [K8S_LABEL.managedBy]: 'modelstack',
  };
}

/** Compose labels sorted into what Kubernetes accepts as labels, what only as annotations, and what as neither. */
export interface SplitLabels {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Keys that are not valid even as annotation keys, or that would replace a recommended label. */
  dropped: string[];
}

/**
 * Sorts Compose labels: a valid label key and value stays a label; a valid
 * key with a value Kubernetes refuses for labels (spaces, more than 63
 * characters, ...) becomes an annotation; a key valid for neither, or one
 * of the `app.kubernetes.io/*` keys the exporter sets itself, is dropped
 * (and the caller warns).
 */
export function splitLabels(compose: Record<string, string> | undefined): SplitLabels {
  const out: SplitLabels = { labels: {}, annotations: {}, dropped: [] };
  for (const [key, value] of Object.entries(compose ?? {})) {
    if (!isQualifiedKey(key) || Object.values(K8S_LABEL).includes(key as never)) out.dropped.push(key);
    else if (isLabelValue(value) && !RESERVED_PREFIXES.some((p) => key.startsWith(p) || key.includes(`.${p}`))) out.labels[key] = value;
    else out.annotations[key] = value;
  }
  return out;
}
