/**
 * The service `volumes:` short syntax, `[SOURCE:]TARGET[:OPTIONS]`, read as
 * Compose reads it (compose-go `format.ParseVolume`):
 *
 * - `/data` alone: an anonymous volume.
 * - a source starting with `.`, `/` or `~` (or a Windows drive `C:\`, or `\\`) is a
 *   bind mount, created on the host when missing (`create_host_path: true`);
 *   anything else names a volume.
 * - options, comma separated: `ro`/`rw`, `nocopy` (volumes), `z`/`Z`
 *   (SELinux relabel) and the propagation modes (binds); unknown options are
 *   ignored, as Compose ignores them.
 * - colons inside `${...}` do not split (only matters when interpolation is off).
 *
 * Paths are not resolved here; that needs the project folder (see `paths.ts`).
 *
 * @module
 */
import type { RawMap } from './tree.js';

/** A short-syntax volume that cannot be read. */
export class VolumeSyntaxError extends Error {
  override name = 'VolumeSyntaxError';
}

const PROPAGATIONS = new Set(['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);

/**
 * Converts one short-syntax volume into Compose's long syntax (as raw data,
 * keys in the order `docker compose config` prints them).
 *
 * @throws VolumeSyntaxError on an empty spec, an empty section or too many colons.
 */
export function parseVolumeSpec(spec: string): RawMap {
  if (spec.length === 0) throw new VolumeSyntaxError('empty volume specification');
  if (spec.length <= 2) return { type: 'volume', target: spec, volume: {} };

  let source: string | undefined;
  let target: string | undefined;
  let readOnly = false;
  let nocopy = false;
  let selinux: string | undefined;
  let propagation: string | undefined;

  const sections: string[] = [];
  let buffer = '';
  let depth = 0;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i] as string;
    if (c === '$' && spec[i + 1] === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    // `C:\data` is a Windows drive, not a separator. (Compose also takes `a:/x` for a drive,
    // which turns a one-letter volume name into an anonymous volume; we read that as volume `a`.)
    const drive = buffer.length === 1 && /\p{L}/u.test(buffer) && spec[i + 1] === '\\';
    if (c === ':' && depth === 0 && !drive) {
      sections.push(buffer);
      buffer = '';
    } else {
      buffer += c;
    }
  }
  sections.push(buffer);

  if (sections.some((s) => s === '')) throw new VolumeSyntaxError(`empty section between colons in ${JSON.stringify(spec)}`);
  if (sections.length > 3) throw new VolumeSyntaxError(`too many colons in ${JSON.stringify(spec)}`);
  if (sections.length === 1) {
    target = sections[0];
  } else {
    source = sections[0];
    target = sections[1];
  }
  const options = sections[2];
  if (options !== undefined) {
    for (const option of options.split(',')) {
      if (option === 'ro') readOnly = true;
      else if (option === 'rw') readOnly = false;
      else if (option === 'nocopy') nocopy = true;
      else if (option === 'z' || option === 'Z') selinux = option;
      else if (PROPAGATIONS.has(option)) propagation = option;
    }
  }

  const out: RawMap = {};
  const bind = source !== undefined && isFilePath(source);
  out.type = bind ? 'bind' : 'volume';
  if (source !== undefined) out.source = source;
  out.target = target ?? '';
  if (readOnly) out.read_only = true;
  if (bind) {
    const b: RawMap = {};
    if (selinux) b.selinux = selinux;
    if (propagation) b.propagation = propagation;
    b.create_host_path = true;
    out.bind = b;
  } else {
    out.volume = nocopy ? { nocopy: true } : {};
  }
  return out;
}

/** True when a short-syntax source is a host path rather than a volume name. */
export function isFilePath(source: string): boolean {
  if (source === '') return false;
  const first = source[0];
  if (first === '.' || first === '/' || first === '~') return true;
  if (source.startsWith('\\\\')) return true;
  return /^\p{L}:\\/u.test(source);
}
