/**
 * Profiles: a service that lists `profiles:` is enabled only when one of
 * them is active; a service without profiles is always enabled; the
 * profile `*` enables everything. Active profiles come from `--profile`
 * (the `profiles` option), else from `COMPOSE_PROFILES` (comma-separated).
 *
 * Disabled services stay in the model (`disabled_services`) so a later
 * command can name them; other top-level elements are not affected.
 *
 * @module
 */

/**
 * The active profiles: the `--profile` values when there are any, else those
 * of `COMPOSE_PROFILES` (comma-separated), as Compose decides (the variable
 * does not add to the flags), without blanks or duplicates, in the order given.
 */
export function activeProfiles(explicit: readonly string[] | undefined, env: Record<string, string | undefined>): string[] {
  const given = explicit && explicit.length > 0 ? explicit : (env['COMPOSE_PROFILES'] ?? '').split(',');
  const out: string[] = [];
  for (const p of given) {
    const name = p.trim();
    if (name !== '' && !out.includes(name)) out.push(name);
  }
  return out;
}

/** True when a service with `profiles` is enabled by the `active` profiles. */
export function isEnabledByProfiles(profiles: readonly string[] | undefined, active: readonly string[]): boolean {
  if (!profiles || profiles.length === 0) return true;
  if (active.includes('*')) return true;
  return profiles.some((p) => active.includes(p));
}

/** The names of the services the active profiles disable. */
export function disabledServices(services: Record<string, { profiles?: string[] }>, active: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const [name, s] of Object.entries(services)) if (!isEnabledByProfiles(s.profiles, active)) out.add(name);
  return out;
}
