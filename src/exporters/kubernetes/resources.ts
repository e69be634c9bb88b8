/**
 * Compose resources → a container's `resources`: limits from
 * `deploy.resources.limits` (or the legacy `cpus` / `mem_limit`), requests
 * from `deploy.resources.reservations` (or `mem_reservation`), GPUs from
 * device requests with the `gpu` capability (`deploy.resources.reservations.devices`
 * and `gpus:`) as `nvidia.com/gpu` limits, and `storage_opt.size` as an
 * `ephemeral-storage` limit (the container's writable layer, as in Docker).
 */
import type { DeviceRequest, Service } from '../../compose/model.js';
import type { ExportContext, KeySegment } from './context.js';
import { bytesQuantity, cpuQuantity, sizeQuantity } from './names.js';
import type { ResourceRequirements } from './types.js';

/** The Kubernetes resource each Docker GPU driver's devices are advertised as (by its device plugin). */
const GPU_RESOURCE: Record<string, string> = { nvidia: 'nvidia.com/gpu' };

/** The resources of `service`'s container, or undefined when it sets none. */
export function resourcesOf(ctx: ExportContext, name: string, service: Service): ResourceRequirements | undefined {
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  const resources = service.deploy?.resources;
  if (resources) ctx.map(name, 'deploy.resources');

  const cpus = resources?.limits?.cpus ?? service.cpus;
  if (cpus !== undefined && cpus > 0) limits.cpu = cpuQuantity(cpus);
  const memory = resources?.limits?.memory ?? service.mem_limit;
  if (memory !== undefined && memory > 0) limits.memory = bytesQuantity(memory);
  const reservedCpus = resources?.reservations?.cpus;
  if (reservedCpus !== undefined && reservedCpus > 0) requests.cpu = cpuQuantity(reservedCpus);
  const reservedMemory = resources?.reservations?.memory ?? service.mem_reservation;
  if (reservedMemory !== undefined && reservedMemory > 0) requests.memory = bytesQuantity(reservedMemory);
  for (const key of ['cpus', 'mem_limit', 'mem_reservation'] as const) if (service[key] !== undefined) ctx.map(name, key);

  const pidsPath: KeySegment[] | undefined = resources?.limits?.pids !== undefined ? ['deploy', 'resources', 'limits', 'pids'] : service.pids_limit !== undefined ? ['pids_limit'] : undefined;
  if (pidsPath) ctx.warn(name, pidsPath, "not exported: Kubernetes limits processes per pod only node-wide (the kubelet's podPidsLimit)");
  if (resources?.reservations?.generic_resources?.length) {
    ctx.warn(name, ['deploy', 'resources', 'reservations', 'generic_resources'], 'not exported: Swarm generic resources have no Kubernetes form; extended resources are advertised by device plugins (GPUs are exported from devices and gpus)');
  }

  const gpus = new Map<string, number>();
  (resources?.reservations?.devices ?? []).forEach((request, i) => addDevice(ctx, name, ['deploy', 'resources', 'reservations', 'devices', i], request, false, gpus));
  (service.gpus ?? []).forEach((request, i) => addDevice(ctx, name, ['gpus', i], request, true, gpus));
  if (service.gpus) ctx.map(name, 'gpus');
  for (const [resource, count] of gpus) limits[resource] = String(count);

  if (service.storage_opt) {
    const { size, ...others } = service.storage_opt;
    if (size !== undefined) {
      const quantity = sizeQuantity(size);
      if (quantity === undefined) ctx.warn(name, ['storage_opt', 'size'], `not exported: "${size}" is not a size`);
      else {
        limits['ephemeral-storage'] = quantity;
        ctx.map(name, 'storage_opt');
      }
    }
    for (const key of Object.keys(others)) ctx.warn(name, ['storage_opt', key], "not exported: Kubernetes has no per-container storage driver options");
  }

  // Kubernetes refuses a request above its limit; Docker would run such a reservation.
  for (const [resource, request, limit] of [['cpu', reservedCpus, cpus], ['memory', reservedMemory, memory]] as const) {
    if (request !== undefined && limit !== undefined && limit > 0 && request > limit) {
      requests[resource] = limits[resource]!;
      const at = resource === 'cpu' ? ['deploy', 'resources', 'reservations', 'cpus'] : resources?.reservations?.memory !== undefined ? ['deploy', 'resources', 'reservations', 'memory'] : ['mem_reservation'];
      ctx.warn(name, at, `the reservation is above the limit, which Kubernetes refuses: the request is the limit (${limits[resource]})`);
    }
  }

  const out: ResourceRequirements = {};
  if (Object.keys(limits).length) out.limits = limits;
  if (Object.keys(requests).length) out.requests = requests;
  return out.limits || out.requests ? out : undefined;
}

/**
 * Adds one device request's GPUs to `gpus` (resource name → count), warning
 * about what Kubernetes cannot ask for: particular devices, all of them,
 * driver options, non-GPU capabilities.
 */
function addDevice(ctx: ExportContext, service: string, at: KeySegment[], request: DeviceRequest, fromGpus: boolean, gpus: Map<string, number>): void {
  // `gpus:` implies the gpu capability; its entries may leave it out.
  const capabilities = fromGpus && request.capabilities.length === 0 ? ['gpu'] : request.capabilities;
  if (!capabilities.includes('gpu')) {
    ctx.warn(service, [...at, 'capabilities'], `not exported: devices with capabilities [${capabilities.join(', ')}] have no standard Kubernetes resource; a device plugin advertises them under its own name (add it to resources.limits)`);
    return;
  }
  const driver = request.driver ?? 'nvidia';
  const resource = GPU_RESOURCE[driver];
  if (!resource) {
    ctx.warn(service, [...at, 'driver'], `not exported: no known Kubernetes resource for GPUs of the "${driver}" driver; add its device plugin's resource (e.g. amd.com/gpu) to resources.limits`);
    return;
  }
  let count: number;
  if (request.device_ids?.length) {
    count = request.device_ids.length;
    ctx.warn(service, [...at, 'device_ids'], `Kubernetes chooses the GPUs: ${count} ${resource} requested instead of devices ${request.device_ids.join(', ')}; pin them with a node selector or MIG profiles`);
  } else if (request.count === undefined || request.count < 0) {
    count = ctx.options.gpusForAll;
    ctx.warn(service, [...at, 'count'], `"all" GPUs has no Kubernetes form: ${count} ${resource} requested (set the number with --gpus-for-all)`);
  } else {
    count = request.count;
  }
  const others = capabilities.filter((c) => c !== 'gpu');
  if (others.length) {
    ctx.warn(service, [...at, 'capabilities'], `the capabilities ${others.join(', ')} are not requested: the device plugin gives the GPU; set NVIDIA_DRIVER_CAPABILITIES in the environment if the image needs more than its default`);
  }
  if (request.options && Object.keys(request.options).length) {
    ctx.warn(service, [...at, 'options'], 'not exported: Kubernetes passes no options to the device driver');
  }
  if (count > 0) gpus.set(resource, (gpus.get(resource) ?? 0) + count);
}
