/**
 * `modelstack kubernetes` (alias `k8s`): print Kubernetes manifests for the
 * project the global options load (`-f`, `-p`, `--profile`, ...) or for a
 * models file (`--models FILE`). Manifests go to stdout (multi-document
 * YAML, or a JSON List), warnings to stderr; `--strict` fails instead of
 * printing when anything was not exported faithfully. See docs/kubernetes.md.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { Project } from '../../compose/model.js';
import { kubernetesManifests } from '../../exporters/kubernetes/manifests.js';
import { formatManifestWarning, renderManifests } from '../../exporters/kubernetes/render.js';
import type { PersistentVolumeAccessMode } from '../../exporters/kubernetes/types.js';
import { loadModelsFile } from '../../models/models-file.js';
import { modelStackProject } from '../../models/project.js';
import { oneOf } from '../arguments.js';
import { CliExit, CliUsageError, type CliIo, type GlobalOptions } from '../context.js';
import { loadProjectFromCli } from '../load-project.js';

interface KubernetesFlags {
  models?: string;
  namespace?: string;
  volumeSize?: string;
  storageClass?: string;
  accessMode?: PersistentVolumeAccessMode;
  hostPath?: boolean;
  secretData: boolean;
  liveness: boolean;
  gpusForAll?: number;
  format: 'yaml' | 'json';
  strict?: boolean;
}

const ACCESS_MODES = ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'] as const;

/** Adds `modelstack kubernetes` to `program`. */
export function registerKubernetes(program: Command, io: CliIo): void {
  program
    .command('kubernetes')
    .alias('k8s')
    .description('Print Kubernetes manifests for the project (or a models file); what has no faithful Kubernetes form is warned about on stderr')
    .option('--models <file>', 'export the model stack of this models file instead of compose files')
    .option('-n, --namespace <namespace>', 'metadata.namespace of every object (default: none; kubectl apply -n decides)')
    .option('--volume-size <size>', 'size of a claim whose volume has no driver_opts.size (default 1Gi)')
    .option('--storage-class <name>', 'storage class of every claim (default: the cluster default)')
    .option('--access-mode <mode>', `access mode of every claim: ${ACCESS_MODES.join(', ')} (default ReadWriteOnce)`, accessMode)
    .option('--host-path', 'export bind mounts as hostPath volumes (one-node clusters only); default: leave them out, with a warning')
    .option('--no-secret-data', "write Secrets without their values (fill them in the cluster)")
    .option('--no-liveness', 'only readiness (and startup) probes from healthchecks, no liveness probes')
    .option('--gpus-for-all <count>', 'GPUs to ask for where the file asks for all of them (default 1)', positiveInteger)
    .option('--format <format>', 'yaml (documents separated by ---) or json (a v1 List)', oneOf(['yaml', 'json'] as const), 'yaml')
    .option('--strict', 'fail (exit 1, print no manifests) when anything was not exported faithfully')
    .action(async (flags: KubernetesFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions & KubernetesFlags>();
      const project = await projectFor(global, flags, io);
      const { objects, warnings } = kubernetesManifests(project, {
        ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
        ...(flags.volumeSize !== undefined ? { volumeSize: flags.volumeSize } : {}),
        ...(flags.storageClass !== undefined ? { storageClassName: flags.storageClass } : {}),
        ...(flags.accessMode !== undefined ? { accessMode: flags.accessMode } : {}),
        ...(flags.gpusForAll !== undefined ? { gpusForAll: flags.gpusForAll } : {}),
        hostPath: Boolean(flags.hostPath),
        secretData: flags.secretData,
        livenessProbes: flags.liveness,
      });
      for (const w of warnings) io.stderr(`${formatManifestWarning(w)}\n`);
      if (flags.strict && warnings.length > 0) {
        throw new CliExit(1, `${warnings.length} warning${warnings.length === 1 ? '' : 's'} (--strict): no manifests printed`);
      }
      io.stdout(renderManifests(objects, flags.format));
    });
}

async function projectFor(global: GlobalOptions, flags: KubernetesFlags, io: CliIo): Promise<Project> {
  if (flags.models === undefined) return loadProjectFromCli(global, io);
  if (global.file.length > 0) throw new CliUsageError('give either compose files (-f) or a models file (--models), not both');
  const file = flags.models.startsWith('/') ? flags.models : `${io.cwd}/${flags.models}`;
  return modelStackProject(await loadModelsFile(file));
}

function accessMode(value: string): PersistentVolumeAccessMode {
  const mode = ACCESS_MODES.find((m) => m.toLowerCase() === value.toLowerCase());
  if (!mode) throw new InvalidArgumentError(`expected one of: ${ACCESS_MODES.join(', ')}.`);
  return mode;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return Number(value);
}
