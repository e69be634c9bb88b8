/**
 * The service dependency graph (`depends_on`, plus the links, `volumes_from`
 * and `service:` namespaces that normalization turns into `depends_on`).
 *
 * Later layers start services in {@link dependencyOrder} and stop them in
 * its reverse; the loader refuses a project whose graph has a cycle.
 *
 * @module
 */
import { DependencyCycleError } from './load-errors.js';
import type { Service } from './model.js';

/** The services of a project, enough to walk the graph. */
export interface ServiceGraph {
  services: Record<string, Pick<Service, 'depends_on'>>;
}

function dependenciesOf(graph: ServiceGraph, name: string): string[] {
  const deps = graph.services[name]?.depends_on ?? {};
  return Object.keys(deps)
    .filter((d) => Object.hasOwn(graph.services, d))
    .sort();
}

/**
 * A cycle in the graph, as the names around it with the first repeated at
 * the end (`["a", "b", "a"]`), or undefined. Dependencies on services that
 * are not in the graph are ignored (validation reports them).
 */
export function findDependencyCycle(graph: ServiceGraph): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of dependenciesOf(graph, name)) {
      const s = state.get(dep);
      if (s === 'visiting') return [...stack.slice(stack.indexOf(dep)), dep];
      if (s === undefined) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(graph.services).sort()) {
    if (state.has(name)) continue;
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

/**
 * Service names ordered so that every service comes after the services it
 * depends on; among services whose dependencies are met, alphabetical.
 * `names` restricts the result to those services and their dependencies.
 *
 * @throws DependencyCycleError when the graph has a cycle.
 */
export function dependencyOrder(graph: ServiceGraph, names?: readonly string[]): string[] {
  const cycle = findDependencyCycle(graph);
  if (cycle) throw new DependencyCycleError(cycle, 'the depends_on links of these services');
  let wanted: Set<string>;
  if (names) {
    wanted = new Set();
    const add = (n: string): void => {
      if (wanted.has(n) || !Object.hasOwn(graph.services, n)) return;
      wanted.add(n);
      for (const d of dependenciesOf(graph, n)) add(d);
    };
    for (const n of names) add(n);
  } else {
    wanted = new Set(Object.keys(graph.services));
  }
  const order: string[] = [];
  const placed = new Set<string>();
  while (placed.size < wanted.size) {
    const ready = [...wanted]
      .filter((n) => !placed.has(n) && dependenciesOf(graph, n).every((d) => placed.has(d) || !wanted.has(d)))
      .sort();
    if (ready.length === 0) break; // unreachable: findDependencyCycle ran first
    for (const n of ready) {
      placed.add(n);
      order.push(n);
    }
  }
  return order;
}

/** The services that depend on `name` directly, alphabetical. */
export function dependentsOf(graph: ServiceGraph, name: string): string[] {
  return Object.keys(graph.services)
    .filter((n) => Object.hasOwn(graph.services[n]?.depends_on ?? {}, name))
    .sort();
}
