/**
 * modelstack's own extension keys (`x-modelstack-*`): typed facts the
 * model-stack preset hands to later layers through the project itself, so
 * they survive being printed as a compose file (`models compose`) and loaded
 * back (`modelstack -f that.yaml up`). Their names, their shapes, and the
 * one way to write and to read each live here:
 *
 * | key | on | holds | written by | read by |
 * |---|---|---|---|---|
 * | `x-modelstack-generated` | project | `configs/<name>`, `secrets/<name>` whose content modelstack made up (any value will do) | {@link generatedSourcesExtension} | {@link generatedSources} |
 * | `x-modelstack-warning` | service | a warning to repeat at every `up` (an insecure opt-in) | {@link serviceWarningExtension} | {@link serviceWarning} |
 * | `x-modelstack-model` | service | what a model service is: flavour, SSH | {@link modelInfoExtension} | {@link modelInfo} |
 *
 * Writers return the entries to spread into a compose document (the raw
 * tree); readers take the loaded model. A compose file written by hand may
 * hold these keys too: the loader checks their shape ({@link extensionIssues}),
 * so readers never meet a malformed one.
 *
 * @module
 */
import { z } from 'zod';
import type { Project, Service } from './model.js';
import type { KeyPath, RawMap } from './tree.js';

/** Project key: the configs and secrets whose content was generated. */
export const GENERATED_EXTENSION = 'x-modelstack-generated';
/** Service key: a warning emitted at every `up`. */
export const WARNING_EXTENSION = 'x-modelstack-warning';
/** Service key: what a model service is. */
export const MODEL_EXTENSION = 'x-modelstack-model';

/** What a service of a model stack is, for `endpoints()`. */
export interface ModelInfo {
  flavour: 'jupyter' | 'serving' | 'gateway';
  /** True when the model runs sshd (published on container port 22). */
  ssh: boolean;
}

const generatedSchema = z.array(z.string().regex(/^(configs|secrets)\/[^/]+$/, 'an entry such as "secrets/<name>" or "configs/<name>"'));
const warningSchema = z.string().min(1, 'a warning text');
const modelInfoSchema = z.strictObject({ flavour: z.enum(['jupyter', 'serving', 'gateway']), ssh: z.boolean() });

/** `x-modelstack-generated: [...]` for a compose document; nothing when the list is empty. */
export function generatedSourcesExtension(sources: readonly string[]): RawMap {
  return sources.length > 0 ? { [GENERATED_EXTENSION]: [...sources] } : {};
}

/** `x-modelstack-warning: <text>` for a service of a compose document. */
export function serviceWarningExtension(text: string): RawMap {
  return { [WARNING_EXTENSION]: text };
}

/** `x-modelstack-model: {flavour, ssh}` for a service of a compose document. */
export function modelInfoExtension(info: ModelInfo): RawMap {
  return { [MODEL_EXTENSION]: { flavour: info.flavour, ssh: info.ssh } };
}

/**
 * The configs and secrets (`configs/<name>`, `secrets/<name>`) whose content
 * modelstack generated: a container keeps the value it has rather than being
 * recreated for a new random one.
 */
export function generatedSources(project: Pick<Project, 'extensions'>): ReadonlySet<string> {
  const r = generatedSchema.safeParse(project.extensions?.[GENERATED_EXTENSION]);
  return new Set(r.success ? r.data : []);
}

/** The warning to emit at every `up` of this service, if any. */
export function serviceWarning(service: Pick<Service, 'extensions'>): string | undefined {
  const r = warningSchema.safeParse(service.extensions?.[WARNING_EXTENSION]);
  return r.success ? r.data : undefined;
}

/** What this service is in a model stack; undefined for any other service. */
export function modelInfo(service: Pick<Service, 'extensions'>): ModelInfo | undefined {
  const r = modelInfoSchema.safeParse(service.extensions?.[MODEL_EXTENSION]);
  return r.success ? r.data : undefined;
}

/** Problems with modelstack's own keys in a loaded project: a path and what is wrong, for `validate.ts`. */
export function extensionIssues(project: Project): Array<{ path: KeyPath; detail: string }> {
  const out: Array<{ path: KeyPath; detail: string }> = [];
  const check = (schema: z.ZodType, value: unknown, path: KeyPath, what: string): void => {
    if (value === undefined) return;
    const r = schema.safeParse(value);
    if (r.success) return;
    const first = r.error.issues[0];
    const where = first && first.path.length > 0 ? ` (at ${first.path.join('.')})` : '';
    out.push({ path, detail: `modelstack's own key holds ${what}; this value is not one${where}: ${first?.message ?? 'invalid'}; fix it or remove the key` });
  };
  check(generatedSchema, project.extensions?.[GENERATED_EXTENSION], [GENERATED_EXTENSION], 'a list of "configs/<name>" and "secrets/<name>"');
  for (const [name, service] of Object.entries(project.services)) {
    check(warningSchema, service.extensions?.[WARNING_EXTENSION], ['services', name, WARNING_EXTENSION], 'a warning text');
    check(modelInfoSchema, service.extensions?.[MODEL_EXTENSION], ['services', name, MODEL_EXTENSION], 'a mapping {flavour: jupyter|serving|gateway, ssh: true|false}');
  }
  return out;
}
