/**
 * Which images `up` pulls or builds, decided from the project, the pull
 * policy and what the engine already holds (one inspect per image, made
 * while observing). Pure; the executor only carries the decisions out.
 */
import type { BuildConfig, Project } from '../compose/model.js';
import { imageFor } from './service-container.js';

/** When to pull: what the engine layer understands of Compose's `pull_policy`. */
export type PullPolicy = 'missing' | 'always' | 'never';

interface Base {
  id: string;
  after: string[];
  image: string;
  /** The services that run it. */
  services: string[];
}

/** Pull `image` (with `never`: fail, without any network, when absent). */
export interface ImagePullOperation extends Base {
  kind: 'image.pull';
  policy: PullPolicy;
}

/** Build `image` from its service's `build:` section. */
export interface ImageBuildOperation extends Base {
  kind: 'image.build';
  build: BuildConfig;
}

export type ImageOperation = ImagePullOperation | ImageBuildOperation;

export interface ImagePlan {
  operations: ImageOperation[];
  /** Local ids of the images that are used as they are. */
  ids: Record<string, string>;
}

/**
 * The image operations for `services` (in dependency order), given the local
 * id of each image that is present (`local`), an overriding pull policy
 * (`up --pull`) and whether every image that can be built is built again
 * (`up --build`).
 */
export function planImages(project: Project, services: string[], local: Readonly<Record<string, string | undefined>>, pull?: PullPolicy, build = false): ImagePlan {
  const byImage = new Map<string, string[]>();
  for (const name of services) {
    const image = imageFor(project, name);
    byImage.set(image, [...(byImage.get(image) ?? []), name]);
  }
  const operations: ImageOperation[] = [];
  const ids: Record<string, string> = {};
  for (const [image, users] of byImage) {
    const service = project.services[users[0]!]!;
    const policy = pull ?? pullPolicyOf(service.pull_policy);
    const present = local[image];
    // `pull_policy: build` (and `up --build`) builds every time; otherwise a present image is used unless told to pull always.
    const rebuild = service.build !== undefined && (build || service.pull_policy === 'build');
    if (present !== undefined && policy !== 'always' && !rebuild) {
      ids[image] = present;
    } else if (service.build && (present === undefined || rebuild)) {
      operations.push({ kind: 'image.build', id: `image:${image}`, after: [], image, services: users, build: service.build });
    } else {
      operations.push({ kind: 'image.pull', id: `image:${image}`, after: [], image, services: users, policy });
    }
  }
  return { operations, ids };
}

/** Compose's `pull_policy` as the engine layer takes it. */
export function pullPolicyOf(policy: string | undefined): PullPolicy {
  if (policy === 'always' || policy === 'never') return policy;
  return 'missing'; // missing, if_not_present, build, daily, weekly: pull only what is absent
}
