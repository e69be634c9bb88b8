/**
 * The options of a model stack, as one zod schema: it types the library's
 * `defineModelStack(options)` and validates the CLI's models file, so both
 * accept exactly the same things and report mistakes the same way — as
 * {@link ModelStackConfigError}s whose issues name the option
 * (`models[0].code`) and, when the options came from a models file, its
 * `file:line:col`.
 *
 * Values that go to the engine are checked here, before anything exists: no
 * NUL characters, host addresses that are IP addresses, sizes the compose
 * loader reads.
 */
import { z } from 'zod';
import { ModelstackError } from '../errors.js';
import { formatIssues, formatKeyPath, type ValidationIssue } from '../compose/errors.js';
import { issuesFromZod, type Locator } from '../compose/issues.js';
import { isIpAddress } from '../compose/ports.js';
import type { KeyPath } from '../compose/tree.js';
import { parseBytes } from '../compose/units.js';

/**
 * Model-stack options that cannot be used: every problem found, each naming
 * the option, and the models file's `file:line:col` when the options came
 * from one. Code `MODEL_STACK_CONFIG`.
 */
export class ModelStackConfigError extends ModelstackError {
  /** Every problem found. */
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[]) {
    super('MODEL_STACK_CONFIG', formatIssues(issues, 'the model-stack options'));
    this.issues = issues;
  }
}

const NUL_HINT = 'contains a NUL character, which the engine cannot take; remove it';
/** Any text that reaches the engine or the file system. */
const text = z.string().refine((s) => !s.includes('\u0000'), NUL_HINT);
const nonEmpty = text.pipe(z.string().min(1));

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lowercase letters, digits, "-" and "_", starting with a letter or digit (it becomes a service and DNS name)');

/** Bytes as a number, or a size such as `4g`, `512m` (read as the compose loader reads sizes). */
const size = z.union([
  z.number().int().positive(),
  z.string().refine((s) => {
    try {
      return parseBytes(s) > 0;
    } catch {
      return false;
    }
  }, 'a size such as 4g or 512m'),
]);

/** A port number, or 0 to let the daemon choose a free one. */
const port = z.number().int().min(0).max(65535);

/** Seconds of a healthcheck timing: at least a millisecond (Docker's minimum), at most a week. */
const seconds = (min: number) => z.number().min(min).max(7 * 86_400);

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
  intervalSeconds: seconds(0.001).optional(),
  timeoutSeconds: seconds(0.001).optional(),
  retries: z.number().int().positive().optional(),
  /** Seconds during which failures do not count (installing sshd, loading the model). */
  startPeriodSeconds: seconds(0).optional(),
});

/** `KEY` of an environment variable or a label: not empty, no `=`, no NUL. */
const key = z.string().regex(/^[^=\u0000]+$/, 'a name that is not empty and has no "=" (nor NUL)');

const model = z.strictObject({
  name,
  /** `jupyter` (default): TensorFlow Jupyter with the code folder; `serving`: TensorFlow Serving of the model folder. */
  flavour: z.enum(['jupyter', 'serving']).optional(),
  /** Host folder mounted at /tf/notebooks (jupyter). Default `<workingDir>/<name>`. Created if missing, never deleted. */
  code: nonEmpty.optional(),
  /** Host folder of the saved model: mounted at /models/<name> (serving, required) or read-only at /models/<name> (jupyter). */
  modelDir: nonEmpty.optional(),
  image: nonEmpty.optional(),
  /** Replaces the flavour's command. */
  command: z.array(text).optional(),
  /** Extra environment (never put secrets here: they would show in `docker inspect`). */
  env: z.record(key, text).optional(),
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
  workingDir: text.optional(),
  /** Default image of jupyter models (default `tensorflow/tensorflow:2.9.0-jupyter`). */
  image: nonEmpty.optional(),
  /** Default image of serving models (default `tensorflow/serving`). */
  servingImage: nonEmpty.optional(),
  models: z.array(model).min(1, 'list at least one model'),
  ports: z
    .strictObject({
      /** Address published ports bind to (default 127.0.0.1; 0.0.0.0 exposes them to the network). */
      hostIp: z.string().refine(isIpAddress, 'an IPv4 or IPv6 address, such as 127.0.0.1, 0.0.0.0 or ::1').optional(),
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
      authorizedKeys: z.union([text, z.array(text)]).optional(),
      /**
       * INSECURE: also allow root password login with this password (the seed's
       * setup). Logged as a warning at every up.
       */
      insecureRootPassword: nonEmpty.optional(),
    })
    .optional(),
  gateway: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** Reverse-proxy image (default `nginx:1.27-alpine`); it must read /etc/nginx/conf.d/*.conf. */
      image: nonEmpty.optional(),
      /** Host port (default 8080; 0 = daemon-chosen). */
      port: port.optional(),
      /** Bearer token clients must send; default: a random one. */
      token: z.string().regex(/^[A-Za-z0-9._~+/=-]{16,}$/, 'at least 16 characters of A-Z a-z 0-9 . _ ~ + / = -').optional(),
    })
    .optional(),
  /** Restart policy of models (default `on-failure`). */
  restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
  /** Labels put on every container and on the network (e.g. a team, or a test run). */
  labels: z.record(key, text).optional(),
  /** Allow code or model folders that are system folders (/, /etc, /var/run/docker.sock, ...). Default false. */
  allowSystemMounts: z.boolean().optional(),
});

/** Options of {@link defineModelStack} (and the shape of a models file). */
export type ModelStackOptions = z.input<typeof modelStackOptionsSchema>;
/** One model of a stack. */
export type ModelOptions = ModelStackOptions['models'][number];
/** Options once validated. */
export type ValidOptions = z.output<typeof modelStackOptionsSchema>;

/** Where options were written (a models file), by the options object. */
const sources = new WeakMap<object, Locator>();

/** Records that `options` were read from a file whose keys `locate` finds; returns `options`. */
export function rememberOptionsSource<T extends object>(options: T, locate: Locator): T {
  sources.set(options, locate);
  return options;
}

/** An issue about the option at `path` (e.g. `['models', 0, 'code']`), positioned when the options came from a file. */
export function optionIssue(options: object, path: KeyPath, detail: string): ValidationIssue {
  const position = sources.get(options)?.(path, false);
  return { ...(position ? { position } : {}), keyPath: formatKeyPath(path), detail };
}

/**
 * Validates options (as given in code, or as read from a models file).
 *
 * @throws ModelStackConfigError listing every problem.
 */
export function validateOptions(input: ModelStackOptions): ValidOptions {
  const parsed = modelStackOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const locate = sources.get(input);
  throw new ModelStackConfigError(issuesFromZod(parsed.error, { tree: input, ...(locate ? { locate } : {}), schema: modelStackOptionsSchema }));
}
