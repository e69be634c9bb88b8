/**
 * The content of a Compose config or secret, read as the container runtime
 * reads it (`src/backends/container/files.ts`): from its `file`, its inline
 * `content`, or a variable of the project environment named by
 * `environment`. Where the runtime would fail, the exporter warns instead
 * and leaves the object for the user to create, so this returns the reason.
 */
import { readFileSync } from 'node:fs';
import type { ConfigOrSecret, Project } from '../../compose/model.js';

/** Reads a file's bytes (injectable so tests need no files). */
export type ReadFile = (path: string) => Uint8Array;

/** The bytes of a source, or why there are none. */
export type SourceContent = { bytes: Uint8Array } | { missing: string };

/** Reads the content of `def`, a top-level config or secret of `project` that is not external. */
export function sourceContent(project: Project, def: ConfigOrSecret, readFile: ReadFile = readFileSync): SourceContent {
  if (def.file !== undefined) {
    try {
      return { bytes: readFile(def.file) };
    } catch (err) {
      return { missing: `cannot read ${def.file} (${err instanceof Error ? err.message : String(err)})` };
    }
  }
  if (def.content !== undefined) return { bytes: new TextEncoder().encode(def.content) };
  if (def.environment !== undefined) {
    const value = project.environment?.[def.environment];
    if (value === undefined) return { missing: `its source is the variable ${def.environment}, which is not set` };
    return { bytes: new TextEncoder().encode(value) };
  }
  return { missing: 'it has no source (file, content or environment)' };
}

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Base64 of the bytes, as Kubernetes writes `data` of a Secret and `binaryData` of a ConfigMap. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
