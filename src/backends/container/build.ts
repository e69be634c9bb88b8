/**
 * Building a service's image from its `build:` section, with its events:
 * what `up` does for an image that is missing (or always, with `up --build`
 * and `pull_policy: build`), and what `docker compose build` does for the
 * services named.
 */
import { assertServicesExist } from '../../compose/load-errors.js';
import type { BuildConfig } from '../../compose/model.js';
import { LABEL } from '../../plan/labels.js';
import { imageFor } from '../../plan/service-container.js';
import type { ServiceBuild, StackBuildOptions } from '../../stack/backend.js';
import { messageOf } from '../../errors.js';
import { type StackContext, codeOf, settleAll } from '../../stack/context.js';

/** Builds `image` for `services` from `build` (its labels, args, target, `no_cache`, `pull`); returns the image id. */
export async function buildServiceImage(
  ctx: StackContext,
  image: string,
  services: string[],
  build: BuildConfig,
  options: { signal: AbortSignal; noCache?: boolean; pull?: boolean },
): Promise<string> {
  ctx.emit({ type: 'image.building', image, services });
  const id = await ctx.engine.images.build({
    context: build.context,
    tag: image,
    ...(build.dockerfile ? { dockerfile: build.dockerfile } : {}),
    ...(build.target ? { target: build.target } : {}),
    args: Object.fromEntries(Object.entries(build.args ?? {}).filter((e): e is [string, string] => e[1] !== null)),
    labels: { ...build.labels, [LABEL.project]: ctx.project.name },
    ...(options.noCache || build.no_cache ? { noCache: true } : {}),
    ...(options.pull || build.pull ? { pull: true } : {}),
    signal: options.signal,
    onOutput: (output) => ctx.emit({ type: 'image.building', image, services, output }),
  });
  ctx.emit({ type: 'image.built', image, services });
  return id;
}

/**
 * `docker compose build [SERVICE...]`: the images of the services that have
 * `build:` (all of them when none are named; a named one without `build:`
 * is left out, as Compose does), each image once, in parallel. A failure
 * ends the others and is thrown.
 */
export async function runBuild(ctx: StackContext, services: string[] | undefined, options: StackBuildOptions): Promise<ServiceBuild[]> {
  const { project } = ctx;
  if (services?.length) assertServicesExist(project, services);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const byImage = new Map<string, { build: BuildConfig; services: string[] }>();
  for (const name of services?.length ? services : Object.keys(project.services)) {
    const build = project.services[name]?.build;
    if (!build) continue;
    const image = imageFor(project, name);
    const entry = byImage.get(image) ?? { build, services: [] };
    entry.services.push(name);
    byImage.set(image, entry);
  }
  const built = await settleAll(
    [...byImage].map(([image, { build, services: users }]) =>
      ctx.limit(async () => {
        try {
          const id = await buildServiceImage(ctx, image, users, build, { signal, ...(options.noCache ? { noCache: true } : {}), ...(options.pull ? { pull: true } : {}) });
          return users.map((service) => ({ service, image, id }));
        } catch (err) {
          if (!signal.aborted) ctx.emit({ type: 'image.failed', image, error: `${messageOf(err)} (needed by ${users.map((u) => `"${u}"`).join(', ')})`, ...codeOf(err) });
          stop.abort(err);
          throw err;
        }
      }),
    ),
  );
  return built.flat().sort((a, b) => a.service.localeCompare(b.service));
}
