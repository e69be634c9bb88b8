/**
 * Compose projects written into temporary folders for loader tests:
 * `writeProject({ 'compose.yaml': '...', '.env': '...' })` returns the
 * folder; everything is removed after the test file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import { loadProject, type LoadProjectOptions } from '../../../src/compose/load.js';
import type { LoadWarning } from '../../../src/compose/errors.js';
import type { Project } from '../../../src/compose/model.js';

const created: string[] = [];
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (relative paths → contents) into a new folder named `name` and returns its path. */
export function writeProject(files: Record<string, string>, name = 'proj'): string {
  const root = mkdtempSync(join(tmpdir(), 'modelstack-spec-'));
  created.push(root);
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return dir;
}

/** Loads `compose.yaml` (or `options.files`) from a project written with `files`; collects warnings. */
export async function loadFiles(
  files: Record<string, string>,
  options: Partial<LoadProjectOptions> = {},
): Promise<{ project: Project; warnings: LoadWarning[]; dir: string }> {
  const dir = writeProject(files);
  const warnings: LoadWarning[] = [];
  const project = await loadProject({
    files: ['compose.yaml'],
    env: { HOME: '/home/tester' },
    ...options,
    cwd: dir,
    onWarning: (w) => warnings.push(w),
  });
  return { project, warnings, dir };
}

/** The error `loadFiles` rejects with (fails the test when it resolves). */
export async function loadError(files: Record<string, string>, options: Partial<LoadProjectOptions> = {}): Promise<Error & { code?: string }> {
  try {
    await loadFiles(files, options);
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected loading to fail');
}
