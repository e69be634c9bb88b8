/**
 * Compose named volumes → PersistentVolumeClaims, one per top-level volume,
 * shared by every service and replica that mounts it (as Compose shares one
 * volume). The size comes from the volume's `driver_opts.size` (Kubernetes
 * `10Gi` or Compose `10g`), else the `volumeSize` option (default 1Gi).
 */
import type { ExportContext } from './context.js';
import { splitLabels, standardLabels } from './labels.js';
import { dnsSubdomain, sizeQuantity } from './names.js';
import type { PersistentVolumeClaim } from './types.js';

/** The claims of the project: the objects, and the claim name of each Compose volume key. */
export interface ClaimObjects {
  objects: PersistentVolumeClaim[];
  claims: Map<string, string>;
}

/** Makes a claim for every named volume of the project (an external volume's claim must exist already). */
export function claimObjects(ctx: ExportContext): ClaimObjects {
  const out: ClaimObjects = { objects: [], claims: new Map() };
  for (const [key, volume] of Object.entries(ctx.project.volumes)) {
    const explicit = volume.external || volume.name !== `${ctx.project.name}_${key}`;
    const name = ctx.names.claim.claim(dnsSubdomain(explicit ? volume.name : key), 253);
    out.claims.set(key, name);
    if (volume.external) {
      ctx.warn(undefined, ['volumes', key, 'external'], `not exported: an external volume must already exist in the cluster, as the PersistentVolumeClaim "${name}"`);
      continue;
    }
    const { size: sizeOpt, ...otherOpts } = volume.driver_opts ?? {};
    let size = ctx.options.volumeSize;
    if (sizeOpt !== undefined) {
      const quantity = sizeQuantity(sizeOpt);
      if (quantity === undefined) ctx.warn(undefined, ['volumes', key, 'driver_opts', 'size'], `"${sizeOpt}" is not a size (write 10Gi or 10g); the claim asks for ${size}`);
      else size = quantity;
    }
    if (volume.driver !== undefined && volume.driver !== 'local') {
      ctx.warn(undefined, ['volumes', key, 'driver'], `not exported: Kubernetes provisions the claim from a storage class, not a volume driver ("${volume.driver}"); choose one with --storage-class`);
    }
    if (Object.keys(otherOpts).length > 0) {
      ctx.warn(undefined, ['volumes', key, 'driver_opts'], `not exported: ${Object.keys(otherOpts).join(', ')} configure Docker's volume driver (a bind of a host folder, NFS, ...); in Kubernetes a storage class or a PersistentVolume says where the data lives`);
    }
    const split = splitLabels(volume.labels);
    for (const dropped of split.dropped) ctx.warn(undefined, ['volumes', key, 'labels', dropped], 'not exported: not a valid Kubernetes label or annotation key');
    out.objects.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name,
        ...(ctx.options.namespace ? { namespace: ctx.options.namespace } : {}),
        labels: { ...split.labels, ...standardLabels(ctx.project, key, 'volume') },
        ...(Object.keys(split.annotations).length ? { annotations: split.annotations } : {}),
      },
      spec: {
        accessModes: [ctx.options.accessMode],
        ...(ctx.options.storageClassName ? { storageClassName: ctx.options.storageClassName } : {}),
        resources: { requests: { storage: size } },
      },
    });
  }
  return out;
}
