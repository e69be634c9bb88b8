/**
 * The loader's last step: networks, volumes, configs and secrets that no
 * enabled service uses are left out of the project, as Docker Compose does
 * once a project is loaded (docker/compose `ToProject` →
 * compose-go `WithoutUnnecessaryResources`). So `config` does not print
 * them and `up` does not create them; a volume only a disabled profile's
 * service mounts appears once that profile is active.
 *
 * @module
 */
import type { Project } from './model.js';

/** The project without the top-level resources its enabled services do not reference. */
export function withoutUnusedResources(project: Project): Project {
  const networks = new Set<string>();
  const volumes = new Set<string>();
  const configs = new Set<string>();
  const secrets = new Set<string>();
  for (const service of Object.values(project.services)) {
    for (const key of Object.keys(service.networks ?? {})) networks.add(key);
    for (const v of service.volumes ?? []) if (v.type === 'volume' && v.source) volumes.add(v.source);
    for (const s of service.secrets ?? []) secrets.add(s.source);
    for (const s of service.build?.secrets ?? []) secrets.add(s.source);
    for (const c of service.configs ?? []) configs.add(c.source);
  }
  const keep = <T>(section: Record<string, T>, used: Set<string>): Record<string, T> => {
    const out: Record<string, T> = {};
    for (const [key, value] of Object.entries(section)) if (used.has(key)) out[key] = value;
    return out;
  };
  return {
    ...project,
    networks: keep(project.networks, networks),
    volumes: keep(project.volumes, volumes),
    configs: keep(project.configs, configs),
    secrets: keep(project.secrets, secrets),
  };
}
