import { describe, expect, it } from 'vitest';
import { dependencyOrder, dependentsOf, findDependencyCycle, type ServiceGraph } from '../../../src/compose/graph.js';
import { DependencyCycleError } from '../../../src/compose/load-errors.js';

const dep = { condition: 'service_started', required: true, restart: false } as const;

function graph(edges: Record<string, string[]>): ServiceGraph {
  return { services: Object.fromEntries(Object.entries(edges).map(([n, deps]) => [n, { depends_on: Object.fromEntries(deps.map((d) => [d, dep])) }])) };
}

describe('dependencyOrder', () => {
  it.each<{ edges: Record<string, string[]>; names: string[] | undefined; expected: string[] }>([
    { edges: { a: [], b: [], c: [] }, names: undefined, expected: ['a', 'b', 'c'] },
    { edges: { gateway: ['intent', 'ner', 'sentiment'], intent: [], ner: [], sentiment: [] }, names: undefined, expected: ['intent', 'ner', 'sentiment', 'gateway'] },
    { edges: { a: ['b'], b: ['c'], c: [] }, names: undefined, expected: ['c', 'b', 'a'] },
    { edges: { web: ['db', 'cache'], worker: ['db'], db: [], cache: [], other: [] }, names: ['worker'], expected: ['db', 'worker'] },
    { edges: { a: ['missing'] }, names: undefined, expected: ['a'] },
  ])('$edges (only $names) → $expected', ({ edges, names, expected }) => {
    expect(dependencyOrder(graph(edges), names)).toEqual(expected);
  });

  it('refuses a cycle, naming it', () => {
    expect(() => dependencyOrder(graph({ a: ['b'], b: ['a'], c: [] }))).toThrow(DependencyCycleError);
    expect(findDependencyCycle(graph({ a: ['b'], b: ['c'], c: ['b'] }))).toEqual(['b', 'c', 'b']);
    expect(findDependencyCycle(graph({ a: ['b'], b: [] }))).toBeUndefined();
  });

  it('dependentsOf lists direct dependents', () => {
    expect(dependentsOf(graph({ gw: ['a', 'b'], x: ['a'], a: [], b: [] }), 'a')).toEqual(['gw', 'x']);
  });
});
