/**
 * The options of a model stack, as one zod schema: it types the library's
 * `defineModelStack(options)` and validates the CLI's models file, so both
 * accept exactly the same things and report mistakes the same way.
 */
import { z } from 'zod';

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lowercase letters, digits, "-" and "_", starting with a letter or digit (it becomes a service and DNS name)');

/** Bytes as a number, or a size such as `4g`, `512m`. */
const size = z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*[bkmgt]?i?b?$/i, 'a size such as 4g or 512m')]);

/** A port number, or 0 to let the daemon choose a free one. */
const port = z.number().int().min(0).max(65535);

const resources = z.strictObject({
  /** CPU cores (fractions allowed). Default 2, as in the seed. */
  cpus: z.number().positive().optional(),
  /** Memory limit. Default 4g, as in the seed. */
  memory: size.optional(),
  /** Process limit. */
  pids: z.number().int().positive().optional(),
});

const healthcheck = z.strictObject({
  /** Seconds between Docker's probes. */
  intervalSeconds: z.number().positive().optional(),
  timeoutSeconds: z.number().positive().optional(),
  retries: z.number().int().positive().optional(),
  /** Seconds during which failures do not count (installing sshd, loading the model). */
  startPeriodSeconds: z.number().min(0).optional(),
});

const model = z.strictObject({
  name,
  /** `jupyter` (default): TensorFlow Jupyter with the code folder; `serving`: TensorFlow Serving of the model folder. */
  flavour: z.enum(['jupyter', 'serving']).optional(),
  /** Host folder mounted at /tf/notebooks (jupyter). Default `<workingDir>/<name>`. Created if missing, never deleted. */
  code: z.string().min(1).optional(),
  /** Host folder of the saved model: mounted at /models/<name> (serving, required) or read-only at /models/<name> (jupyter). */
  modelDir: z.string().min(1).optional(),
  image: z.string().min(1).optional(),
  /** Replaces the flavour's command. */
  command: z.array(z.string()).optional(),
  /** Extra environment (never put secrets here: they would show in `docker inspect`). */
  env: z.record(z.string(), z.string()).optional(),
  resources: resources.optional(),
  /** GPUs: a number, or `all`. */
  gpus: z.union([z.number().int().positive(), z.literal('all')]).optional(),
  /** Jupyter token; default: a random one. */
  jupyterToken: z.string().regex(/^[A-Za-z0-9._~+/=-]{8,}$/, 'at least 8 characters of A-Z a-z 0-9 . _ ~ + / = -').optional(),
  healthcheck: healthcheck.optional(),
});

export const modelStackOptionsSchema = z.strictObject({
  /** Project name (default `models`). */
  name: name.optional(),
  /** Folder relative paths are resolved against (default: the current folder, or the models file's folder). */
  workingDir: z.string().optional(),
  /** Default image of jupyter models (default `tensorflow/tensorflow:2.9.0-jupyter`). */
  image: z.string().min(1).optional(),
  /** Default image of serving models (default `tensorflow/serving`). */
  servingImage: z.string().min(1).optional(),
  models: z.array(model).min(1, 'list at least one model'),
  ports: z
    .strictObject({
      /** Address published ports bind to (default 127.0.0.1; 0.0.0.0 exposes them to the network). */
      hostIp: z.string().optional(),
      /** First Jupyter host port (default 8888; one step per model; 0 = daemon-chosen). */
      jupyter: port.optional(),
      /** First SSH host port (default 2222). */
      ssh: port.optional(),
      /** First TF Serving REST host port (default 8501). */
      rest: port.optional(),
      /** First TF Serving gRPC host port (default 8500). */
      grpc: port.optional(),
    })
    .optional(),
  /** Default limits of every model (the seed's 2 CPUs / 4 GB unless changed). */
  resources: resources.optional(),
  ssh: z
    .strictObject({
      /** Public keys allowed to log in as root: key lines, or paths of files holding them (`~` expanded). */
      authorizedKeys: z.union([z.string(), z.array(z.string())]).optional(),
      /**
       * INSECURE: also allow root password login with this password (the seed's
       * setup). Logged as a warning at every up.
       */
      insecureRootPassword: z.string().min(1).optional(),
    })
    .optional(),
  gateway: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** Reverse-proxy image (default `nginx:1.27-alpine`); it must read /etc/nginx/conf.d/*.conf. */
      image: z.string().min(1).optional(),
      /** Host port (default 8080; 0 = daemon-chosen). */
      port: port.optional(),
      /** Bearer token clients must send; default: a random one. */
      token: z.string().regex(/^[A-Za-z0-9._~+/=-]{16,}$/, 'at least 16 characters of A-Z a-z 0-9 . _ ~ + / = -').optional(),
    })
    .optional(),
  /** Restart policy of models (default `on-failure`). */
  restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
  /** Labels put on every container and on the network (e.g. a team, or a test run). */
  labels: z.record(z.string(), z.string()).optional(),
  /** Allow code or model folders that are system folders (/, /etc, /var/run/docker.sock, ...). Default false. */
  allowSystemMounts: z.boolean().optional(),
});

/** Options of {@link defineModelStack} (and the shape of a models file). */
export type ModelStackOptions = z.input<typeof modelStackOptionsSchema>;
/** One model of a stack. */
export type ModelOptions = ModelStackOptions['models'][number];
