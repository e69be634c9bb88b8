/**
 * Large inputs: an alias bomb is refused after a bounded amount of work,
 * wherever it hides, while a large honest file loads. The bound is asserted
 * on what the parser counted (CPU-independent); wall-clock bounds are loose
 * (a loaded two-core machine), there only to catch minutes-long regressions.
 */
import { describe, expect, it } from 'vitest';
import { ComposeFileError } from '../../../src/compose/errors.js';
import { ALIAS_EXPANSION_FLOOR, ALIAS_EXPANSION_RATIO } from '../../../src/compose/limits.js';
import { parseComposeYaml } from '../../../src/compose/parse.js';
import { loadFiles } from './temp-project.js';

const FILE = '/p/compose.yaml';

/** Ten levels of ten aliases each: 10^10 values from a dozen lines. */
function bomb(): string {
  const levels = 'abcdefghij'.split('');
  return [
    `x-a: &a [${Array(10).fill('"lol"').join(', ')}]`,
    ...levels.slice(1).map((c, i) => `x-${c}: &${c} [${Array(10).fill(`*${levels[i]}`).join(', ')}]`),
  ].join('\n');
}

/** `n` services, each merging a shared anchor and writing a few keys of its own. */
function manyServices(n: number): string {
  const lines = ['x-common: &common', '  restart: unless-stopped', '  init: true', '  labels: {team: models, tier: backend}', 'services:'];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  svc${i}:`,
      '    <<: *common',
      `    image: registry.example.com/team/app${i % 50}:1.${i % 7}`,
      '    environment:',
      `      INDEX: "${i}"`,
      `    ports: ["${10000 + (i % 50000)}:80"]`,
      '    healthcheck: {test: ["CMD", "true"], interval: 30s}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Parses `text`; returns the alias-bomb error's counts (fails when there is none). */
function refusal(text: string): { limit: number; written: number; ms: number } {
  const start = performance.now();
  try {
    parseComposeYaml(text, FILE);
  } catch (err) {
    const ms = performance.now() - start;
    expect(err).toBeInstanceOf(ComposeFileError);
    const m = /aliases expand to more than (\d+) values from the (\d+) written in it \(an alias bomb\?\)/.exec((err as Error).message);
    expect(m, (err as Error).message).not.toBeNull();
    return { limit: Number(m![1]), written: Number(m![2]), ms };
  }
  throw new Error('expected the alias bomb to be refused');
}

describe('YAML aliases are bounded by the size of the file', () => {
  it('a small alias bomb stops at the floor', () => {
    const { limit, written, ms } = refusal(`${bomb()}\nservices: {}\n`);
    expect(written).toBeLessThan(200);
    expect(limit).toBe(ALIAS_EXPANSION_FLOOR);
    expect(ms).toBeLessThan(10_000);
  });

  it('a bomb inside a large file stops at ten times what the file holds, not at its 10^10 values', () => {
    const { limit, written, ms } = refusal(`${bomb()}\n${manyServices(5_000).replace('services:', 'x-bomb: *j\nservices:')}`);
    expect(written).toBeGreaterThan(ALIAS_EXPANSION_FLOOR / ALIAS_EXPANSION_RATIO);
    expect(limit).toBe(ALIAS_EXPANSION_RATIO * written);
    expect(ms).toBeLessThan(30_000);
  });

  it('an anchor reused often in a small file is not a bomb', () => {
    const big = `x-big: &big {${Array.from({ length: 40 }, (_, i) => `k${i}: v${i}`).join(', ')}}`;
    const uses = Array.from({ length: 2000 }, (_, i) => `  x-use${i}: *big`).join('\n');
    const [doc] = parseComposeYaml(`${big}\nx-uses:\n${uses}\nservices: {}\n`, FILE);
    expect(Object.keys(doc!.tree['x-uses'] as object)).toHaveLength(2000);
  });

  it('duplicate keys are still refused, at the repeated key', () => {
    expect(() => parseComposeYaml(`services:\n${'  a: {}\n'.repeat(2)}`, FILE)).toThrow(/^\/p\/compose\.yaml:3:3: invalid YAML: Map keys must be unique/);
  });
});

describe('a large honest file loads', () => {
  it('25,000 services sharing an anchor (5 MB) load, every one of them', async () => {
    const text = manyServices(25_000);
    expect(text.length).toBeGreaterThan(4_000_000);
    const start = performance.now();
    const { project } = await loadFiles({ 'compose.yaml': text });
    expect(performance.now() - start).toBeLessThan(60_000);
    expect(Object.keys(project.services)).toHaveLength(25_000);
    expect(project.services.svc24999).toMatchObject({
      image: 'registry.example.com/team/app49:1.2',
      restart: 'unless-stopped',
      init: true,
      labels: { team: 'models', tier: 'backend' },
      environment: { INDEX: '24999' },
      ports: [{ target: 80, published: '34999', protocol: 'tcp', mode: 'ingress' }],
      healthcheck: { test: ['CMD', 'true'], interval: 30_000_000_000 },
    });
  }, 120_000);
});
