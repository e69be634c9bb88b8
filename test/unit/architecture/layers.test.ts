/**
 * The layers of docs/architecture.md, as imports: a file that reaches into a
 * layer it may not import fails here, naming the file and the import.
 *
 * - compose imports nothing of ours but errors;
 * - plan imports compose (and errors), never the engine, a backend or the stack;
 * - executor imports errors only;
 * - engine imports plan (its vocabulary) and errors, never a backend, the stack, models or the CLI;
 * - only engine/ imports dockerode (types included);
 * - exporters import compose (and errors).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
}

/** The top folder under src/ a specifier of `file` lands in (`engine`, `plan`, …), or the package name. */
function target(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier.split('/')[0]!;
  const resolved = relative(SRC, join(file, '..', specifier));
  return resolved.split('/')[0]!.replace(/\.js$/, '');
}

const ALLOWED: Record<string, (layer: string) => boolean> = {
  compose: (l) => ['compose', 'errors'].includes(l) || !isOurs(l),
  plan: (l) => ['plan', 'compose', 'errors'].includes(l) || !isOurs(l),
  executor: (l) => ['executor', 'errors'].includes(l) || (!isOurs(l) && l !== 'dockerode'),
  engine: (l) => ['engine', 'plan', 'errors'].includes(l) || !isOurs(l),
  exporters: (l) => ['exporters', 'compose', 'errors'].includes(l) || (!isOurs(l) && l !== 'dockerode'),
};
const OURS = ['compose', 'plan', 'executor', 'engine', 'backends', 'stack', 'models', 'cli', 'exporters', 'errors', 'index'];
function isOurs(layer: string): boolean {
  return OURS.includes(layer);
}

describe('the layers hold', () => {
  const all = files(SRC).map((f) => ({ file: f, layer: relative(SRC, f).split('/')[0]!.replace(/\.ts$/, ''), specifiers: imports(f) }));

  it('finds the source files and their imports', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.find((f) => f.file.endsWith('engine/engine.ts'))!.specifiers).toContain('dockerode');
  });

  it.each(Object.keys(ALLOWED))('%s imports only what it may', (layer) => {
    const wrong = all.filter((f) => f.layer === layer).flatMap((f) => f.specifiers.filter((s) => !ALLOWED[layer]!(target(f.file, s))).map((s) => `${relative(SRC, f.file)} imports ${s}`));
    expect(wrong).toEqual([]);
  });

  it('only engine/ imports dockerode, types included', () => {
    const wrong = all.filter((f) => f.layer !== 'engine').flatMap((f) => f.specifiers.filter((s) => s === 'dockerode' || s.startsWith('dockerode/')).map((s) => `${relative(SRC, f.file)} imports ${s}`));
    expect(wrong).toEqual([]);
  });
});
