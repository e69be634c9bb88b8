/**
 * Kubernetes' rules for names, labels and quantities, and the conversions
 * from Compose's: tables of input → output.
 */
import { describe, expect, it } from 'vitest';
import { splitLabels } from '../../../../src/exporters/kubernetes/labels.js';
import {
  NameRegistry,
  bytesQuantity,
  cpuQuantity,
  dataKey,
  dnsSubdomain,
  escapeExpansion,
  isDns1035Label,
  labelValue,
  serviceObjectName,
  sizeQuantity,
} from '../../../../src/exporters/kubernetes/names.js';

describe('names', () => {
  it.each([
    ['web', 'web'],
    ['tf-model-1', 'tf-model-1'],
    ['Web_App', 'web-app'],
    ['api.v2', 'api-v2'],
    ['1st', 's-1st'],
    ['__x__', 'x'],
    ['a'.repeat(70), `${'a'.repeat(54)}-`],
  ])('service %j → %j', (raw, expected) => {
    const name = serviceObjectName(raw);
    expect(name.startsWith(expected)).toBe(true);
    expect(isDns1035Label(name)).toBe(true);
  });

  it.each([
    ['db_password', 'db-password'],
    ['my.config', 'my.config'],
    ['Prod_Secret', 'prod-secret'],
    ['a..b', 'a.b'],
  ])('object %j → %j', (raw, expected) => expect(dnsSubdomain(raw)).toBe(expected));

  it.each([
    ['db_password', 'db_password'],
    ['a b/c', 'a-b-c'],
    ['..', 'x'],
  ])('data key %j → %j', (raw, expected) => expect(dataKey(raw)).toBe(expected));

  it.each([
    ['model-serving', 'model-serving'],
    ['Django_Postgres', 'Django_Postgres'],
    ['has space', 'has-space'],
    ['-trailing-', 'trailing'],
  ])('label value %j → %j', (raw, expected) => expect(labelValue(raw)).toBe(expected));

  it('a long label value keeps its start and a hash, within 63 characters', () => {
    const a = labelValue(`${'x'.repeat(80)}a`);
    const b = labelValue(`${'x'.repeat(80)}b`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
  });

  it('a registry gives -2, -3 to names already taken', () => {
    const r = new NameRegistry();
    expect([r.claim('web'), r.claim('web'), r.claim('web'), r.claim('api')]).toEqual(['web', 'web-2', 'web-3', 'api']);
  });
});

describe('quantities', () => {
  it.each([
    [2, '2'],
    [1.5, '1500m'],
    [0.25, '250m'],
    [0.0001, '1m'],
  ])('cpus %j → %j', (cores, expected) => expect(cpuQuantity(cores)).toBe(expected));

  it.each([
    [4 * 1024 ** 3, '4Gi'],
    [512 * 1024 ** 2, '512Mi'],
    [1500 * 1024, '1500Ki'],
    [1000, '1000'],
  ])('bytes %j → %j', (bytes, expected) => expect(bytesQuantity(bytes)).toBe(expected));

  it.each([
    ['10Gi', '10Gi'],
    ['10g', '10Gi'],
    ['10G', '10Gi'],
    ['512m', '512Mi'],
    ['1.5Gi', '1.5Gi'],
    ['lots', undefined],
  ])('volume size %j → %j', (text, expected) => expect(sizeQuantity(text)).toBe(expected));
});

describe('escapeExpansion (the kubelet expands $(VAR) and $$)', () => {
  it.each([
    ['plain', 'plain'],
    ['$HOME and ${HOME}', '$HOME and ${HOME}'],
    ['$(date)', '$$(date)'],
    ['echo $$', 'echo $$$'],
    ['$$(x)', '$$$$(x)'],
    ['price $5', 'price $5'],
  ])('%j → %j', (text, expected) => expect(escapeExpansion(text)).toBe(expected));

  /** The kubelet's expansion (third_party/forked/golang/expansion), with no variables defined. */
  const kubeletExpand = (s: string): string => s.replace(/\$(\$|\([^)]*\))?/g, (all, next: string | undefined) => (next === '$' ? '$' : all));

  it.each(['$(date)', 'a $$ b', '$$(x) $(y) $', 'x$', '$$$'])('the kubelet turns the escaped %j back into itself', (text) => {
    expect(kubeletExpand(escapeExpansion(text))).toBe(text);
  });
});

describe('splitLabels', () => {
  it('keeps valid labels, moves other values to annotations, drops invalid keys and the recommended ones', () => {
    expect(
      splitLabels({
        tier: 'web',
        'com.example/owner': 'team-a',
        description: 'two words',
        'kubernetes.io/role': 'x',
        'bad key': 'x',
        'app.kubernetes.io/name': 'mine',
        long: 'y'.repeat(64),
      }),
    ).toEqual({
      labels: { tier: 'web', 'com.example/owner': 'team-a' },
      annotations: { description: 'two words', 'kubernetes.io/role': 'x', long: 'y'.repeat(64) },
      dropped: ['bad key', 'app.kubernetes.io/name'],
    });
  });
});
