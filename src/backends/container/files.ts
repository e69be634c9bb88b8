/**
 * Compose `configs:` and `secrets:` for a single engine (no Swarm): their
 * content is read here (from a file, inline `content`, or a variable of the
 * project environment) and copied into each container before it starts, as
 * a tar stream. Nothing is written to the host, and nothing reaches the
 * container's environment or command line, so `docker inspect` shows none
 * of it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generatedSources } from '../../compose/extensions.js';
import type { ArchiveEntry } from '../../plan/container-spec.js';
import { ModelstackError, messageOf } from '../../errors.js';
import type { ConfigOrSecret, FileReference, Project } from '../../compose/model.js';

/** A config or secret that cannot be provided. */
export class FileSourceError extends ModelstackError {
  constructor(readonly service: string, readonly kind: 'config' | 'secret', readonly source: string, detail: string, cause?: unknown) {
    super('FILE_SOURCE', `service "${service}": ${kind} "${source}": ${detail}`, { cause });
  }
}


/** What a service gets copied in, and a digest of each source for the config hash. */
export interface ServiceFiles {
  entries: ArchiveEntry[];
  /**
   * `configs/<name>` / `secrets/<name>` → sha256 of the content, so a changed
   * content recreates the container. Generated values (a random token made
   * afresh by each definition) are marked `generated` instead: any value is
   * as good, and the container keeps the one it has.
   */
  digests: Record<string, string>;
}

/**
 * Reads configs and secrets for one operation, each source once however many
 * services use it.
 */
export class FileReader {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(private readonly project: Project) {}

  /**
   * The content of every config and secret some service uses, by
   * `configs/<key>` / `secrets/<key>` (each source read once).
   */
  async usedContents(): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const name of Object.keys(this.project.services)) {
      const service = this.project.services[name]!;
      for (const [kind, refs, pool] of [
        ['config', service.configs ?? [], this.project.configs],
        ['secret', service.secrets ?? [], this.project.secrets],
      ] as const) {
        for (const ref of refs) out.set(`${kind}s/${ref.source}`, await this.read(name, kind, ref.source, pool[ref.source]));
      }
    }
    return out;
  }

  private read(service: string, kind: 'config' | 'secret', source: string, def: ConfigOrSecret | undefined): Promise<Buffer> {
    const key = `${kind}s/${source}`;
    let content = this.cache.get(key);
    if (!content) this.cache.set(key, (content = contentOf(this.project, service, kind, source, def)));
    return content;
  }

  /** The files to put into every container of `serviceName`, and their digests. */
  async forService(serviceName: string): Promise<ServiceFiles> {
    const service = this.project.services[serviceName];
    const out: ServiceFiles = { entries: [], digests: {} };
    if (!service) return out;
    const generated = generatedSources(this.project);
    for (const [kind, refs, pool] of [
      ['config', service.configs ?? [], this.project.configs],
      ['secret', service.secrets ?? [], this.project.secrets],
    ] as const) {
      for (const ref of refs) {
        const key = `${kind}s/${ref.source}`;
        const bytes = await this.read(serviceName, kind, ref.source, pool[ref.source]);
        out.entries.push({
          path: targetPath(kind, ref),
          content: bytes,
          // Compose's default: readable by all, writable by none (0444).
          mode: ref.mode ?? 0o444,
          uid: ref.uid === undefined ? 0 : Number(ref.uid),
          gid: ref.gid === undefined ? 0 : Number(ref.gid),
        });
        // A digest in a label reveals nothing to someone who can read labels:
        // the same access lets them read the file in the container.
        out.digests[key] = generated.has(key) ? 'generated' : createHash('sha256').update(bytes).digest('hex');
      }
    }
    return out;
  }
}

/** Where Compose puts it: secrets under `/run/secrets/`, configs at `/<name>`, absolute targets as given. */
function targetPath(kind: 'config' | 'secret', ref: FileReference): string {
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
