/**
 * Compose `configs:` and `secrets:` for a single engine (no Swarm): their
 * content is read here (from a file, inline `content`, or a variable of the
 * project environment) and copied into each container before it starts, as
 * a tar stream. Nothing is written to the host, and nothing reaches the
 * container's environment or command line, so `docker inspect` shows none
 * of it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveEntry } from '../engine/container-client.js';
import { ModelstackError, messageOf } from '../errors.js';
import type { ConfigOrSecret, FileReference, Project } from '../spec/model.js';

/** A config or secret that cannot be provided. */
export class FileSourceError extends ModelstackError {
  constructor(readonly service: string, readonly kind: 'config' | 'secret', readonly source: string, detail: string, cause?: unknown) {
    super('FILE_SOURCE', `service "${service}": ${kind} "${source}": ${detail}`, { cause });
  }
}

/** The files (with parent folders) to put into every container of `serviceName`. */
export async function serviceFiles(project: Project, serviceName: string): Promise<ArchiveEntry[]> {
  const service = project.services[serviceName];
  if (!service) return [];
  const entries: ArchiveEntry[] = [];
  for (const [kind, refs, pool] of [
    ['config', service.configs ?? [], project.configs],
    ['secret', service.secrets ?? [], project.secrets],
  ] as const) {
    for (const ref of refs) {
      const target = targetPath(kind, ref);
      const content = await contentOf(project, serviceName, kind, ref.source, pool[ref.source]);
      entries.push({
        path: target,
        content,
        // Compose's default: readable by all, writable by none (0444).
        mode: ref.mode ?? 0o444,
        uid: ref.uid === undefined ? 0 : Number(ref.uid),
        gid: ref.gid === undefined ? 0 : Number(ref.gid),
      });
    }
  }
  return entries;
}

/** Where Compose puts it: secrets under `/run/secrets/`, configs at `/<name>`, absolute targets as given. */
export function targetPath(kind: 'config' | 'secret', ref: FileReference): string {
  const target = ref.target ?? ref.source;
  if (path.posix.isAbsolute(target)) return target;
  return kind === 'secret' ? path.posix.join('/run/secrets', target) : path.posix.join('/', target);
}

async function contentOf(project: Project, service: string, kind: 'config' | 'secret', source: string, def: ConfigOrSecret | undefined): Promise<Buffer> {
  if (!def) throw new FileSourceError(service, kind, source, `not declared in the top-level ${kind}s section`);
  if (def.external) {
    throw new FileSourceError(service, kind, source, `external ${kind}s live in a Swarm; without Swarm, give it a file, content or environment source`);
  }
  if (def.file !== undefined) {
    try {
      return await readFile(def.file);
    } catch (err) {
      throw new FileSourceError(service, kind, source, `cannot read ${def.file} (${messageOf(err)})`, err);
    }
  }
  if (def.content !== undefined) return Buffer.from(def.content);
  if (def.environment !== undefined) {
    const value = project.environment?.[def.environment];
    if (value === undefined) {
      throw new FileSourceError(service, kind, source, `its source is the variable ${def.environment}, which is not set; set it in the environment or the project's .env file`);
    }
    return Buffer.from(value);
  }
  throw new FileSourceError(service, kind, source, 'has no source: set one of file, content or environment');
}
