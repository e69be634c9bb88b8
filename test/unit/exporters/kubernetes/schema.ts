/**
 * What a cluster would say about exported objects, without a cluster:
 *
 * 1. the Kubernetes 1.33 OpenAPI schema, through kubernetes-models' model
 *    classes (`new Deployment(o).validate()`): types, formats, required fields;
 * 2. field names: that schema allows unknown fields (the API server drops
 *    them, or refuses them with strict field validation), so every key of
 *    every object is looked up in kubernetes-models' type definitions with
 *    the TypeScript compiler: a misspelled field is an error here;
 * 3. the API server's own validation that the schema does not express:
 *    object names, label keys and values, port names, unique mount paths,
 *    and the references between objects (mounts → volumes, volumes →
 *    claims, Secrets and ConfigMaps, selectors → pod labels).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import type { KubernetesObject, PodTemplateSpec, Workload } from '../../../../src/exporters/kubernetes/types.js';

const MODELS: Record<KubernetesObject['kind'], { validate(o: unknown): void; typeName: string; module: string }> = {
  Deployment: { validate: (o) => new Deployment(o as never).validate(), typeName: 'IDeployment', module: 'kubernetes-models/apps/v1/Deployment' },
  StatefulSet: { validate: (o) => new StatefulSet(o as never).validate(), typeName: 'IStatefulSet', module: 'kubernetes-models/apps/v1/StatefulSet' },
  DaemonSet: { validate: (o) => new DaemonSet(o as never).validate(), typeName: 'IDaemonSet', module: 'kubernetes-models/apps/v1/DaemonSet' },
  Job: { validate: (o) => new Job(o as never).validate(), typeName: 'IJob', module: 'kubernetes-models/batch/v1/Job' },
  Service: { validate: (o) => new Service(o as never).validate(), typeName: 'IService', module: 'kubernetes-models/v1/Service' },
  Secret: { validate: (o) => new Secret(o as never).validate(), typeName: 'ISecret', module: 'kubernetes-models/v1/Secret' },
  ConfigMap: { validate: (o) => new ConfigMap(o as never).validate(), typeName: 'IConfigMap', module: 'kubernetes-models/v1/ConfigMap' },
  PersistentVolumeClaim: { validate: (o) => new PersistentVolumeClaim(o as never).validate(), typeName: 'IPersistentVolumeClaim', module: 'kubernetes-models/v1/PersistentVolumeClaim' },
};

/** The OpenAPI schema's verdict on one object: its error message, or undefined. */
export function schemaError(object: KubernetesObject): string | undefined {
  const model = MODELS[object.kind];
  if (!model) return `unknown kind ${(object as { kind: string }).kind}`;
  try {
    model.validate(object);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

// ---- field names, from kubernetes-models' type definitions ----

interface TypeWorld {
  checker: ts.TypeChecker;
  roots: Map<string, ts.Type>;
}

let world: TypeWorld | undefined;

/** One TypeScript program over kubernetes-models' .d.ts files, made once per test file. */
function typeWorld(): TypeWorld {
  if (world) return world;
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('kubernetes-models/package.json'));
  const virtual = path.join(path.dirname(packageDir), '..', '__kubernetes_types__.ts');
  const source = Object.values(MODELS)
    .map((m, i) => `import type { ${m.typeName} as T${i} } from '${m.module}';`)
    .concat(`export interface Roots { ${Object.keys(MODELS).map((kind, i) => `${kind}: T${i};`).join(' ')} }`)
    .join('\n');
  const options: ts.CompilerOptions = { moduleResolution: ts.ModuleResolutionKind.Node10, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) => (path.resolve(file) === virtual ? ts.createSourceFile(file, source, lang) : getSourceFile(file, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === virtual || fileExists(file);
  const program = ts.createProgram([virtual], options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(virtual)!;
  const roots = new Map<string, ts.Type>();
  const rootsDecl = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s))!;
  const rootsType = checker.getTypeAtLocation(rootsDecl);
  for (const kind of Object.keys(MODELS)) {
    const symbol = rootsType.getProperty(kind)!;
    roots.set(kind, checker.getTypeOfSymbolAtLocation(symbol, rootsDecl));
  }
  for (const [kind, type] of roots) if (type.getProperties().length === 0) throw new Error(`the type of ${kind} was not resolved`);
  return (world = { checker, roots });
}

/** Keys of `value` that its type (a kubernetes-models interface) does not have, as paths. */
export function unknownFields(object: { kind: string }): string[] {
  const { checker, roots } = typeWorld();
  const root = roots.get(object.kind);
  if (!root) return [`kind ${object.kind}`];
  const out: string[] = [];
  const walk = (value: unknown, type: ts.Type, at: string): void => {
    if (value === null || typeof value !== 'object') return;
    const candidates = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    if (Array.isArray(value)) {
      const element = candidates.map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.Number)).find((t) => t !== undefined);
      if (!element) out.push(`${at} (not a list in the schema)`);
      else value.forEach((v, i) => walk(v, element, `${at}[${i}]`));
      return;
    }
    const objects = candidates.filter((t) => t.flags & ts.TypeFlags.Object);
    if (objects.length === 0) {
      out.push(`${at} (not an object in the schema)`);
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      const owner = objects.find((t) => t.getProperty(key) !== undefined);
      const property = owner?.getProperty(key);
      if (property) {
        walk(v, checker.getTypeOfSymbol(property), `${at}.${key}`);
        continue;
      }
      const index = objects.map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.String)).find((t) => t !== undefined);
      if (index) walk(v, index, `${at}.${key}`);
      else out.push(`${at}.${key}`);
    }
  };
  walk(object, root, object.kind);
  return out;
}

// ---- what the API server checks beyond the schema ----

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkLabels(labels: Record<string, string> | undefined, at: string, out: string[]): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    const name = k.slice(k.lastIndexOf('/') + 1);
    if (!QUALIFIED.test(k) || name.length > 63) out.push(`${at}: label key ${JSON.stringify(k)}`);
    if (!LABEL_VALUE.test(v) || v.length > 63) out.push(`${at}: label value ${JSON.stringify(v)} of ${k}`);
  }
}

function checkPod(template: PodTemplateSpec, at: string, out: string[]): void {
  checkLabels(template.metadata.labels, `${at}.template.metadata.labels`, out);
  for (const k of Object.keys(template.metadata.annotations ?? {})) if (!QUALIFIED.test(k)) out.push(`${at}: annotation key ${JSON.stringify(k)}`);
  const spec = template.spec;
  const volumes = new Set<string>();
  for (const v of spec.volumes ?? []) {
    if (!DNS_LABEL.test(v.name) || v.name.length > 63) out.push(`${at}: volume name ${v.name}`);
    if (volumes.has(v.name)) out.push(`${at}: volume ${v.name} twice`);
    volumes.add(v.name);
  }
  if (spec.shareProcessNamespace && spec.hostPID) out.push(`${at}: shareProcessNamespace with hostPID`);
  if (spec.hostname !== undefined && !DNS_LABEL.test(spec.hostname)) out.push(`${at}: hostname ${spec.hostname}`);
  for (const c of spec.containers) {
    if (!DNS_LABEL.test(c.name) || c.name.length > 63) out.push(`${at}: container name ${c.name}`);
    const paths = new Set<string>();
    for (const m of c.volumeMounts ?? []) {
      if (!volumes.has(m.name)) out.push(`${at}: mount of missing volume ${m.name}`);
      if (paths.has(m.mountPath)) out.push(`${at}: two mounts at ${m.mountPath}`);
      paths.add(m.mountPath);
      if (m.subPath !== undefined && (m.subPath.startsWith('/') || m.subPath.split('/').includes('..'))) out.push(`${at}: subPath ${m.subPath}`);
    }
    const portNames = new Set<string>();
    for (const p of c.ports ?? []) {
      if (p.containerPort < 1 || p.containerPort > 65535) out.push(`${at}: container port ${p.containerPort}`);
      if (p.name !== undefined) {
        if (!PORT_NAME.test(p.name) || p.name.length > 15 || portNames.has(p.name)) out.push(`${at}: port name ${p.name}`);
        portNames.add(p.name);
      }
    }
    if (c.securityContext?.privileged && c.securityContext.allowPrivilegeEscalation === false) out.push(`${at}: privileged without privilege escalation`);
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
      if (probe && (probe.periodSeconds < 1 || probe.timeoutSeconds < 1 || probe.failureThreshold < 1)) out.push(`${at}: probe below 1`);
    }
    for (const kind of ['cpu', 'memory'] as const) {
      const limit = c.resources?.limits?.[kind];
      const request = c.resources?.requests?.[kind];
      if (limit !== undefined && request !== undefined && quantity(request) > quantity(limit)) out.push(`${at}: ${kind} request above limit`);
    }
  }
}

function quantity(text: string): number {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti)?$/.exec(text);
  if (!m) return NaN;
  const factor = { m: 1e-3, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 }[m[2] as 'm'] ?? 1;
  return Number(m[1]) * factor;
}

/**
 * Problems the API server (or the kubelet, for references) would report for
 * `objects` applied together. `external` lists Secret, ConfigMap and claim
 * names the export expects to exist already (it warned about them).
 */
export function clusterIssues(objects: readonly KubernetesObject[], external: { secrets?: string[]; configMaps?: string[]; claims?: string[] } = {}): string[] {
  const out: string[] = [];
  const names = new Map<string, Set<string>>();
  for (const o of objects) {
    const at = `${o.kind}/${o.metadata.name}`;
    const nameOk = o.kind === 'Service' ? DNS_1035.test(o.metadata.name) && o.metadata.name.length <= 63 : ['Secret', 'ConfigMap', 'PersistentVolumeClaim'].includes(o.kind) ? DNS_SUBDOMAIN.test(o.metadata.name) && o.metadata.name.length <= 253 : DNS_LABEL.test(o.metadata.name) && o.metadata.name.length <= 63;
    if (!nameOk) out.push(`${at}: name`);
    const taken = names.get(o.kind) ?? new Set();
    if (taken.has(o.metadata.name)) out.push(`${at}: twice`);
    names.set(o.kind, taken.add(o.metadata.name));
    checkLabels(o.metadata.labels, `${at}.metadata.labels`, out);
    for (const k of Object.keys(o.metadata.annotations ?? {})) if (!QUALIFIED.test(k)) out.push(`${at}: annotation key ${JSON.stringify(k)}`);
  }
  const has = (kind: string, name: string): boolean => names.get(kind)?.has(name) ?? false;
  const workloads = objects.filter((o): o is Workload => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind));
  for (const w of workloads) {
    const at = `${w.kind}/${w.metadata.name}`;
    checkPod(w.spec.template, at, out);
    if (w.kind !== 'Job') {
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels)) if (w.spec.template.metadata.labels[k] !== v) out.push(`${at}: selector ${k} does not match the pod labels`);
    } else if (!['OnFailure', 'Never'].includes(w.spec.template.spec.restartPolicy ?? '')) out.push(`${at}: restartPolicy of a Job`);
    if (w.kind === 'StatefulSet' && !has('Service', w.spec.serviceName)) out.push(`${at}: no Service ${w.spec.serviceName}`);
    for (const v of w.spec.template.spec.volumes ?? []) {
      if ('persistentVolumeClaim' in v && !has('PersistentVolumeClaim', v.persistentVolumeClaim.claimName) && !external.claims?.includes(v.persistentVolumeClaim.claimName)) out.push(`${at}: no claim ${v.persistentVolumeClaim.claimName}`);
      if ('secret' in v && !has('Secret', v.secret.secretName) && !external.secrets?.includes(v.secret.secretName)) out.push(`${at}: no Secret ${v.secret.secretName}`);
      if ('configMap' in v && !has('ConfigMap', v.configMap.name) && !external.configMaps?.includes(v.configMap.name)) out.push(`${at}: no ConfigMap ${v.configMap.name}`);
    }
    const strategy = w.kind === 'Deployment' ? w.spec.strategy?.rollingUpdate : undefined;
    if (strategy && strategy.maxSurge === 0 && strategy.maxUnavailable === 0) out.push(`${at}: maxSurge and maxUnavailable both 0`);
  }
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const at = `Service/${s.metadata.name}`;
    if (s.spec.clusterIP !== 'None' && !s.spec.ports?.length) out.push(`${at}: no ports and not headless`);
    const portNames = new Set<string>();
    for (const p of s.spec.ports ?? []) {
      if (!PORT_NAME.test(p.name) || p.name.length > 15 || portNames.has(p.name)) out.push(`${at}: port name ${p.name}`);
      portNames.add(p.name);
    }
    const selected = workloads.some((w) => Object.entries(s.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
    if (!selected) out.push(`${at}: selects no pod`);
  }
  return out;
}

/** Every problem of every object: schema, field names, API-server rules, references. Empty when all is well. */
export function allIssues(objects: readonly KubernetesObject[], external: Parameters<typeof clusterIssues>[1] = {}): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const error = schemaError(o);
    if (error) out.push(`${o.kind}/${o.metadata.name}: schema: ${error}`);
    for (const field of unknownFields(o)) out.push(`${o.kind}/${o.metadata.name}: unknown field ${field}`);
  }
  return [...out, ...clusterIssues(objects, external)];
}
