/**
 * Compose `configs:` and `secrets:` → ConfigMaps and Secrets, one object per
 * top-level entry, each holding one key; and how a service mounts them: a
 * volume per reference, with the file at the same path as in Compose
 * (`/run/secrets/<name>` and `/<name>` by default) and the same mode
 * (Compose's default 0444, not Kubernetes' 0644).
 */
import path from 'node:path';
import type { ConfigOrSecret, FileReference } from '../../compose/model.js';
import { base64, sourceContent, utf8Text } from './content.js';
import type { ExportContext } from './context.js';
import { splitLabels, standardLabels } from './labels.js';
import { dataKey, dnsLabel, dnsSubdomain, type NameRegistry } from './names.js';
import type { ConfigMap, ObjectMeta, Secret, Volume, VolumeMount } from './types.js';

/** What etcd stores at most in one object (the whole object; the content is kept a little below it). */
const MAX_OBJECT_BYTES = 1024 * 1024 - 16 * 1024;

/** `config` or `secret`. */
export type FileKind = 'config' | 'secret';

/** Where a config or secret is found in the cluster. */
export interface FileObjectRef {
  /** Name of the ConfigMap or Secret. */
  name: string;
  /** Its one key. */
  key: string;
}

/** The ConfigMaps and Secrets of the project, and how to find each by its Compose key. */
export interface FileObjects {
  objects: Array<Secret | ConfigMap>;
  configs: Map<string, FileObjectRef>;
  secrets: Map<string, FileObjectRef>;
}

/** Makes one ConfigMap per config and one Secret per secret of the project. */
export function fileObjects(ctx: ExportContext): FileObjects {
  const out: FileObjects = { objects: [], configs: new Map(), secrets: new Map() };
  for (const kind of ['secret', 'config'] as const) {
    const pool = kind === 'secret' ? ctx.project.secrets : ctx.project.configs;
    for (const [key, def] of Object.entries(pool)) {
      const ref = { name: objectName(ctx, kind, key, def), key: dataKey(key) };
      (kind === 'secret' ? out.secrets : out.configs).set(key, ref);
      const object = fileObject(ctx, kind, key, def, ref);
      if (object) out.objects.push(object);
    }
  }
  return out;
}

function objectName(ctx: ExportContext, kind: FileKind, key: string, def: ConfigOrSecret): string {
  const registry = kind === 'secret' ? ctx.names.secret : ctx.names.configMap;
  // An explicit `name:` (or an external object's name) is kept; the default
  // `<project>_<key>` is Compose's engine-wide name, and a namespace already
  // scopes the object to the project.
  const explicit = def.external || def.name !== `${ctx.project.name}_${key}`;
  return registry.claim(dnsSubdomain(explicit ? def.name : key), 253);
}

function fileObject(ctx: ExportContext, kind: FileKind, key: string, def: ConfigOrSecret, ref: FileObjectRef): Secret | ConfigMap | undefined {
  const at = [`${kind}s`, key];
  const kindName = kind === 'secret' ? 'Secret' : 'ConfigMap';
  const create =
    kind === 'secret'
      ? `kubectl create secret generic ${ref.name} --from-file=${ref.key}=PATH`
      : `kubectl create configmap ${ref.name} --from-file=${ref.key}=PATH`;
  if (def.external) {
    ctx.warn(undefined, [...at, 'external'], `not exported: an external ${kind} must already exist in the cluster, as the ${kindName} "${ref.name}" with the key "${ref.key}" (${create})`);
    return undefined;
  }
  if (def.template_driver !== undefined) ctx.warn(undefined, [...at, 'template_driver'], `the content is exported as written: Kubernetes does not render ${def.template_driver} templates`);
  if (def.driver !== undefined || def.driver_opts !== undefined) {
    ctx.warn(undefined, [...at, def.driver !== undefined ? 'driver' : 'driver_opts'], `not exported: a ${kindName} has no driver; an external store needs its own operator (e.g. External Secrets)`);
  }
  const split = splitLabels(def.labels);
  for (const dropped of split.dropped) ctx.warn(undefined, [...at, 'labels', dropped], 'not exported: not a valid Kubernetes label or annotation key');
  const metadata: ObjectMeta = {
    name: ref.name,
    ...(ctx.options.namespace ? { namespace: ctx.options.namespace } : {}),
    labels: { ...split.labels, ...standardLabels(ctx.project, key, kind) },
    ...(Object.keys(split.annotations).length ? { annotations: split.annotations } : {}),
  };

  const content = sourceContent(ctx.project, def, ctx.options.readFile);
  if ('missing' in content) {
    ctx.warn(undefined, at, `not exported: ${content.missing}; create the ${kindName} "${ref.name}" with the key "${ref.key}" in the cluster (${create})`);
    return undefined;
  }
  if (content.bytes.byteLength > MAX_OBJECT_BYTES) {
    ctx.warn(undefined, at, `not exported: ${content.bytes.byteLength} bytes is more than a ${kindName} holds (1 MiB); put it in the image or a volume`);
    return undefined;
  }
  if (kind === 'secret') {
    if (!ctx.options.secretData) {
      ctx.warn(undefined, at, `exported without its value (secret data left out); fill it in the cluster: ${create} --dry-run=client -o yaml | kubectl apply -f -`);
      return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque' };
    }
    return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: { [ref.key]: base64(content.bytes) } };
  }
  const text = utf8Text(content.bytes);
  return text !== undefined
    ? { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { [ref.key]: text } }
    : { apiVersion: 'v1', kind: 'ConfigMap', metadata, binaryData: { [ref.key]: base64(content.bytes) } };
}

/** Where Compose puts a config or secret: an absolute target as given, else under `/run/secrets/` (secrets) or `/` (configs). */
export function fileTarget(kind: FileKind, ref: FileReference): string {
  const target = ref.target ?? ref.source;
  if (path.posix.isAbsolute(target)) return target;
  return kind === 'secret' ? path.posix.join('/run/secrets', target) : path.posix.join('/', target);
}

/**
 * The volumes and mounts of a service's `configs:` or `secrets:`: one
 * volume per reference (the same source may be mounted twice, with two
 * modes), the file mounted alone by `subPath` at Compose's target.
 */
export function fileMounts(
  ctx: ExportContext,
  service: string,
  kind: FileKind,
  refs: readonly FileReference[],
  objects: FileObjects,
  volumeNames: NameRegistry,
): { volumes: Volume[]; mounts: VolumeMount[] } {
  const out: { volumes: Volume[]; mounts: VolumeMount[] } = { volumes: [], mounts: [] };
  refs.forEach((ref, index) => {
    const object = (kind === 'secret' ? objects.secrets : objects.configs).get(ref.source);
    if (!object) return; // the loader refuses undeclared sources
    if (ref.uid !== undefined || ref.gid !== undefined) {
      ctx.warn(service, [`${kind}s`, index, ref.uid !== undefined ? 'uid' : 'gid'], `the file is owned by root in Kubernetes: a ${kind} volume cannot set its owner (uid/gid); make it readable by mode, or set the pod's securityContext.fsGroup`);
    }
    const name = volumeNames.claim(dnsLabel(`${kind}-${ref.source}`));
    const items = [{ key: object.key, path: object.key, mode: ref.mode ?? 0o444 }];
    out.volumes.push(kind === 'secret' ? { name, secret: { secretName: object.name, items } } : { name, configMap: { name: object.name, items } });
    out.mounts.push({ name, mountPath: fileTarget(kind, ref), subPath: object.key, readOnly: true });
  });
  return out;
}
