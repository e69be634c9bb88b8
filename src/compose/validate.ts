/**
 * Validation, the loader's gatekeeper, in two passes:
 *
 * 1. {@link checkDocument}: one file's tree against the compose-spec schema
 *    (`schema.ts`), every problem positioned at its `file:line:column`.
 * 2. {@link checkProject}: the merged, normalized project for what only the
 *    whole can tell: references to undefined services, networks, volumes,
 *    secrets and configs; mutually exclusive keys; what the engine cannot
 *    take (`limits.ts`).
 *
 * Both collect every problem instead of stopping at the first; the caller
 * throws one {@link ComposeValidationError} listing them.
 *
 * @module
 */
import { formatKeyPath, type LoadWarning, type ValidationIssue } from './errors.js';
import { extensionIssues } from './extensions.js';
import { closest, issuesFromZod, type Locator } from './issues.js';
import { engineLimitIssues, nulIssues } from './limits.js';
import type { Project } from './model.js';
import { composeFileSchema, UNIQUE_AFTER_MERGE, type RawComposeFile } from './schema.js';
import { listOf, strOrNum } from './schema-kit.js';
import { isRawMap, type KeyPath, type RawMap, type RawValue } from './tree.js';

/** Validates and canonicalizes one document; `data` is set only when there are no issues. */
export function checkDocument(tree: RawValue, locate?: Locator): { data?: RawComposeFile; issues: ValidationIssue[] } {
  const result = composeFileSchema.safeParse(tree);
  const issues = result.success ? [] : issuesFromZod(result.error, { tree, ...(locate ? { locate } : {}), extensions: true });
  for (const { path, detail, preferKey } of nulIssues(tree)) {
    const position = locate?.(path, preferKey);
    issues.push({ ...(position ? { position } : {}), keyPath: formatKeyPath(path), detail });
  }
  return result.success && issues.length === 0 ? { data: result.data, issues } : { issues };
}

/**
 * The one check that needs the merged files: entries that must be unique
 * and that merging does not fold (`UNIQUE_AFTER_MERGE`). Compose validates
 * them on the merged files too (`volumes_from array items[0,1] must be unique`).
 * Everything else was validated file by file.
 */
export function checkMergedTree(tree: RawMap, locate: Locator): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const services = isRawMap(tree.services) ? tree.services : {};
  for (const [name, service] of Object.entries(services)) {
    if (!isRawMap(service)) continue;
    for (const key of UNIQUE_AFTER_MERGE) {
      if (!Object.hasOwn(service, key)) continue;
      const r = uniqueList.safeParse(service[key]);
      if (!r.success) issues.push(...issuesFromZod(r.error, { tree: service[key], locate, prefix: ['services', name, key] }));
    }
  }
  return issues;
}

const uniqueList = listOf(strOrNum, { unique: true });

/**
 * Checks the references and exclusive keys of a normalized project.
 * Problems that Compose only warns about are passed to `onWarning`.
 */
export function checkProject(project: Project, locate: Locator, onWarning?: (w: LoadWarning) => void): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (path: KeyPath, detail: string, preferKey = false): void => {
    const position = locate(path, preferKey);
    issues.push({ ...(position ? { position } : {}), keyPath: formatKeyPath([...path]), detail });
  };
  const disabled = project.disabled_services ?? {};

  for (const [name, s] of Object.entries(project.services)) {
    const at = (...rest: Array<string | number>): KeyPath => ['services', name, ...rest];
    if (!s.image && !s.build) add(at(), 'the service has neither `image` nor `build`; add `image: <name>` or a `build:` context', true);
    if (s.build?.dockerfile && s.build.dockerfile_inline) {
      add(at('build'), '`dockerfile` and `dockerfile_inline` exclude each other; keep one');
    }
    if (s.network_mode && s.networks && Object.keys(s.networks).length > 0) {
      add(at('network_mode'), '`network_mode` and `networks` exclude each other; remove one of them');
    }
    for (const net of Object.keys(s.networks ?? {})) {
      if (!Object.hasOwn(project.networks, net)) {
        add(at('networks', net), `the service joins network ${JSON.stringify(net)}, which is not defined; add it under the top-level \`networks:\``, true);
      }
    }
    for (const [dep, cfg] of Object.entries(s.depends_on ?? {})) {
      if (Object.hasOwn(project.services, dep)) continue;
      if (Object.hasOwn(disabled, dep)) {
        const profiles = disabled[dep]?.profiles ?? [];
        const how = profiles.length > 0 ? `activate one of its profiles (${profiles.map((p) => `--profile ${p}`).join(', ')})` : 'enable it';
        if (!cfg.required) {
          onWarning?.({
            code: 'OPTIONAL_DEPENDENCY_DISABLED',
            message: `service ${JSON.stringify(name)} depends on ${JSON.stringify(dep)}, which is disabled by its profiles; starting without it (required: false)`,
            keyPath: formatKeyPath([...at('depends_on', dep)]),
          });
          continue;
        }
        add(at('depends_on', dep), `service ${JSON.stringify(name)} depends on ${JSON.stringify(dep)}, which is disabled by its profiles; ${how}, or set \`required: false\``, true);
        continue;
      }
      const known = Object.keys(project.services);
      const hint = closestName(dep, known);
      add(at('depends_on', dep), `service ${JSON.stringify(name)} depends on undefined service ${JSON.stringify(dep)}; ${hint}`, true);
    }
    for (const ref of [s.network_mode, s.ipc, s.pid]) {
      if (ref?.startsWith('service:')) {
        const target = ref.slice('service:'.length);
        if (!Object.hasOwn(project.services, target)) {
          add(at(), `${JSON.stringify(ref)} refers to undefined service ${JSON.stringify(target)}; ${closestName(target, Object.keys(project.services))}`);
        }
      }
    }
    (s.volumes ?? []).forEach((v, i) => {
      if (v.type === 'volume' && v.source !== undefined && !Object.hasOwn(project.volumes, v.source)) {
        add(at('volumes', i), `the service mounts volume ${JSON.stringify(v.source)}, which is not defined; add it under the top-level \`volumes:\` (or write a path starting with "./" for a bind mount)`);
      }
    });
    (s.secrets ?? []).forEach((ref, i) => {
      if (!Object.hasOwn(project.secrets, ref.source)) add(at('secrets', i), `undefined secret ${JSON.stringify(ref.source)}; add it under the top-level \`secrets:\``);
    });
    (s.configs ?? []).forEach((ref, i) => {
      if (!Object.hasOwn(project.configs, ref.source)) add(at('configs', i), `undefined config ${JSON.stringify(ref.source)}; add it under the top-level \`configs:\``);
    });
    if (s.platform && s.build?.platforms?.length && !s.build.platforms.includes(s.platform)) {
      add(at('platform'), `the service runs on ${JSON.stringify(s.platform)}, which \`build.platforms\` (${s.build.platforms.join(', ')}) does not build; add it there or change \`platform\``);
    }
    for (const [key, context] of Object.entries(s.build?.additional_contexts ?? {})) {
      if (!context.startsWith('service:')) continue;
      const target = context.slice('service:'.length);
      const other = project.services[target];
      if (!other) add(at('build', 'additional_contexts', key), `names service ${JSON.stringify(target)}, which is not defined (or not enabled); ${closestName(target, Object.keys(project.services))}`);
      else if (!other.build) add(at('build', 'additional_contexts', key), `names service ${JSON.stringify(target)}, which has no \`build\`: only a service that is built can be a build context`);
    }
    const watch = Array.isArray(s.develop?.['watch']) ? (s.develop['watch'] as Array<Record<string, unknown>>) : [];
    watch.forEach((w, i) => {
      if (w['path'] === '') add(at('develop', 'watch', i, 'path'), 'the path is empty; name the file or folder to watch');
      if (!w['target'] && w['action'] !== 'rebuild' && w['action'] !== 'restart') {
        add(at('develop', 'watch', i), `\`target\` is required for the action ${JSON.stringify(w['action'])} (only rebuild and restart go without)`, true);
      }
    });
    const count = s.scale ?? s.deploy?.replicas ?? 1;
    if (s.container_name && count > 1) {
      add(at('container_name'), `\`container_name\` must be unique, so the service cannot run ${count} containers; remove container_name or scale to 1`);
    }
  }
  // An external volume is only looked up by name: what would create it is a contradiction.
  for (const [name, volume] of Object.entries(project.volumes)) {
    if (!volume.external) continue;
    for (const key of ['driver', 'driver_opts', 'labels'] as const) {
      if (volume[key] !== undefined) add(['volumes', name, key], `conflicting parameters "external" and ${JSON.stringify(key)} specified; an external volume is found by name, remove \`${key}\``, true);
    }
  }
  const exclusive = (section: 'secrets' | 'configs', name: string, o: { file?: string; environment?: string; content?: string }): void => {
    const sources = (['file', 'environment', 'content'] as const).filter((k) => o[k] !== undefined);
    if (sources.length > 1) add([section, name, sources[1] as string], `${sources.map((k) => `\`${k}\``).join(' and ')} exclude each other; keep one source`, true);
  };
  for (const [name, secret] of Object.entries(project.secrets)) exclusive('secrets', name, secret);
  for (const [name, config] of Object.entries(project.configs)) exclusive('configs', name, config);
  for (const [name, secret] of Object.entries(project.secrets)) {
    if (!secret.external && secret.file === undefined && secret.environment === undefined) {
      add(['secrets', name], 'a secret needs `file:` or `environment:` (or `external: true`)', true);
    }
  }
  for (const [name, config] of Object.entries(project.configs)) {
    if (!config.external && config.file === undefined && config.environment === undefined && config.content === undefined) {
      add(['configs', name], 'a config needs `file:`, `environment:` or `content:` (or `external: true`)', true);
    }
  }
  for (const { path, detail } of extensionIssues(project)) add(path, detail, true);
  for (const { path, detail, preferKey } of engineLimitIssues(project)) add(path, detail, preferKey);
  return issues;
}

function closestName(name: string, known: string[]): string {
  const suggestion = closest(name, known);
  if (suggestion) return `did you mean ${JSON.stringify(suggestion)}?`;
  return known.length > 0 ? `defined services: ${known.map((k) => JSON.stringify(k)).join(', ')}` : 'no service is defined';
}
