/**
 * Relative paths of a canonical tree made absolute, as Compose does before
 * anything runs. Relative paths count from the project folder for the files
 * given with `-f`, from the extended file's folder for `extends: {file}`, and
 * from the included project's folder for `include`. A leading `~` is the
 * user's home folder.
 *
 * Paths resolved: `build.context` (unless it is a URL), `build.additional_contexts`
 * (unless a URL or `service:`/`docker-image:` reference), `env_file`,
 * `label_file`, bind mount sources, `extends.file`, `develop.watch[].path`,
 * top-level `configs.*.file` and `secrets.*.file`, and the `device` of a
 * local volume mounted with `o: bind`.
 *
 * @module
 */
import { posix } from 'node:path';
import { isRawMap, type RawMap, type RawValue } from './tree.js';

/**
 * Go's `path.Clean`: `.`/`..` segments and repeated or trailing slashes
 * removed. Compose cleans volume targets and the paths it joins this way.
 */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const n = posix.normalize(path);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/**
 * Expands a leading `~` (Compose joins the rest to the home folder, so `~x`
 * is `$HOME/x`) and resolves `path` against `baseDir` unless it is absolute.
 * As in Compose, an absolute path is kept exactly as written (`/data/` keeps
 * its slash) while a joined one is cleaned (`./data/` → `<base>/data`).
 */
export function resolvePath(path: string, baseDir: string, home: string): string {
  const p = path.startsWith('~') ? cleanPath(posix.join(home, path.slice(1))) : path;
  if (posix.isAbsolute(p)) return p;
  return cleanPath(posix.join(baseDir, p));
}

/** True for build contexts Compose sends to the builder as they are (git URLs, HTTP tarballs). */
export function isRemoteContext(context: string): boolean {
  return context.includes('://') || context.startsWith('git@') || context.startsWith('github.com/');
}

function isReference(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-zA-Z]:[\\/]/.test(value);
}

/**
 * Resolves the relative paths of a canonical compose tree, in place, and
 * returns it: every stage of the loader hands the next a tree of its own
 * (a merge's result, the schema's output), so nothing else sees the change,
 * and a large file is not copied once more.
 */
export function resolveRelativePaths(tree: RawMap, baseDir: string, home: string): RawMap {
  const out = tree;
  const abs = (p: RawValue | undefined): RawValue | undefined => (typeof p === 'string' && p !== '' ? resolvePath(p, baseDir, home) : p);

  const services = out.services;
  if (isRawMap(services)) {
    for (const service of Object.values(services)) {
      if (!isRawMap(service)) continue;
      const build = service.build;
      if (isRawMap(build)) {
        if (typeof build.context === 'string' && !isRemoteContext(build.context)) build.context = resolvePath(build.context, baseDir, home);
        const extra = build.additional_contexts;
        if (isRawMap(extra)) {
          for (const [k, v] of Object.entries(extra)) if (typeof v === 'string' && !isReference(v)) extra[k] = resolvePath(v, baseDir, home);
        }
      }
      if (Array.isArray(service.env_file)) {
        for (const entry of service.env_file) if (isRawMap(entry) && typeof entry.path === 'string') entry.path = resolvePath(entry.path, baseDir, home);
      }
      if (Array.isArray(service.label_file)) service.label_file = service.label_file.map((p) => abs(p) ?? p);
      if (Array.isArray(service.volumes)) {
        for (const v of service.volumes) {
          if (isRawMap(v) && v.type === 'bind' && typeof v.source === 'string') v.source = resolvePath(v.source, baseDir, home);
        }
      }
      const ext = service.extends;
      if (isRawMap(ext) && typeof ext.file === 'string') ext.file = resolvePath(ext.file, baseDir, home);
      const develop = service.develop;
      if (isRawMap(develop) && Array.isArray(develop.watch)) {
        // An empty path stays empty (Compose refuses it rather than watching the project folder).
        for (const w of develop.watch) if (isRawMap(w) && typeof w.path === 'string' && w.path !== '') w.path = resolvePath(w.path, baseDir, home);
      }
    }
  }
  for (const kind of ['configs', 'secrets'] as const) {
    const section = out[kind];
    if (!isRawMap(section)) continue;
    for (const entry of Object.values(section)) {
      if (isRawMap(entry) && typeof entry.file === 'string') entry.file = resolvePath(entry.file, baseDir, home);
    }
  }
  const volumes = out.volumes;
  if (isRawMap(volumes)) {
    for (const v of Object.values(volumes)) {
      if (!isRawMap(v) || !isRawMap(v.driver_opts)) continue;
      const opts = v.driver_opts;
      const isBind = typeof opts.o === 'string' && opts.o.split(',').includes('bind');
      if ((v.driver === undefined || v.driver === 'local') && isBind && typeof opts.device === 'string') {
        opts.device = resolvePath(opts.device, baseDir, home);
      }
    }
  }
  return out;
}
