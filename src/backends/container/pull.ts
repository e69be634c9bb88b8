/**
 * `docker compose pull` (v2.26) on the container backend: the services'
 * images pulled in parallel, each image once, with Compose's rules for what
 * is skipped:
 *
 * - a service without `image:` (built from `build:` only): nothing to pull;
 * - `pull_policy: never` or `build` (`policy` overrides every service's);
 * - `pull_policy: missing` or `if_not_present` when the image is present,
 *   unless its tag is `latest` (Compose pulls a `latest` anyway);
 * - with `ignoreBuildable`, a service that has `build:`;
 * - an image another service already pulls.
 *
 * A failed pull ends the others at once, unless the service can be built
 * (then it is reported and the others go on) or `ignoreFailures` is set.
 * Without `ignoreFailures` any failure fails the pull in the end.
 */
import { dependencyOrder } from '../../compose/graph.js';
import { assertServicesExist } from '../../compose/load-errors.js';
import { parseImageReference } from '../../engine/image-client.js';
import { isAbortError, messageOf } from '../../errors.js';
import type { ServicePull, StackPullOptions } from '../../stack/backend.js';
import { type StackContext, codeOf, settleAll } from '../../stack/context.js';

export async function runPull(ctx: StackContext, services: string[] | undefined, options: StackPullOptions): Promise<ServicePull[]> {
  const { engine, project } = ctx;
  if (services?.length) assertServicesExist(project, services);
  const selected = services?.length ? (options.includeDeps ? dependencyOrder(project, services) : dependencyOrder(project).filter((s) => services.includes(s))) : dependencyOrder(project);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const call = { signal };

  const results = new Map<string, ServicePull>();
  const skip = (service: string, image: string | undefined, reason: string) => {
    results.set(service, { service, ...(image ? { image } : {}), outcome: 'skipped', reason });
    if (image) ctx.emit({ type: 'image.skipped', image, services: [service], reason });
  };
  const pulls: Array<{ image: string; services: string[]; buildable: boolean }> = [];
  await settleAll(
    selected.map(async (name) => {
      const s = project.services[name]!;
      const image = s.image;
      if (!image) return skip(name, undefined, 'no image to pull (built from build:)');
      const policy = options.policy ?? s.pull_policy;
      if (policy === 'never' || policy === 'build') return skip(name, image, `pull_policy: ${policy}`);
      if (policy === 'missing' || policy === 'if_not_present') {
        if (parseImageReference(image).tag !== 'latest' && (await engine.images.inspect(image, call))) return skip(name, image, 'already present');
      }
      if (s.build && options.ignoreBuildable) return skip(name, image, 'can be built');
      const same = pulls.find((p) => p.image === image);
      if (same) {
        same.services.push(name);
        return skip(name, image, `already pulled for service "${same.services[0]}"`);
      }
      pulls.push({ image, services: [name], buildable: s.build !== undefined });
    }),
  );

  const failures: Array<{ service: string; err: unknown }> = [];
  await settleAll(
    pulls.map((p) =>
      ctx.limit(async () => {
        const first = p.services[0]!;
        if (signal.aborted) return;
        try {
          ctx.emit({ type: 'image.pulling', image: p.image, services: [first] });
          await engine.images.pull(p.image, { signal, onProgress: (progress) => ctx.emit({ type: 'image.pulling', image: p.image, services: [first], progress }) });
          ctx.emit({ type: 'image.pulled', image: p.image, services: [first] });
          results.set(first, { service: first, image: p.image, outcome: 'pulled' });
        } catch (err) {
          if (isAbortError(err) && !options.signal?.aborted && stop.signal.aborted) return; // ended by another pull's failure
          if (options.signal?.aborted) throw err;
          ctx.emit({ type: 'image.failed', image: p.image, error: `${messageOf(err)} (needed by service "${first}")`, ...codeOf(err) });
          results.set(first, { service: first, image: p.image, outcome: 'failed', reason: messageOf(err) });
          failures.push({ service: first, err });
          // Compose fails fast on an image that can be neither pulled nor built.
          if (!options.ignoreFailures && !p.buildable) stop.abort(err);
        }
      }),
    ),
  );
  const mustBuild = failures.filter((f) => project.services[f.service]?.build).map((f) => f.service);
  if (mustBuild.length) {
    ctx.emit({ type: 'warning', message: `the images of ${mustBuild.map((n) => `"${n}"`).join(', ')} could not be pulled and must be built from source: modelstack up builds an image that is missing` });
  }
  const first = failures[0];
  if (first && !options.ignoreFailures) {
    if (first.err instanceof Error && !first.err.message.includes(`service "${first.service}"`)) first.err.message += ` (needed by service "${first.service}")`;
    throw first.err;
  }
  return selected.map((name) => results.get(name)).filter((r): r is ServicePull => r !== undefined);
}
