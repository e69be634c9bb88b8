/**
 * A Compose healthcheck → readiness, liveness and startup probes.
 *
 * - The test becomes an exec probe: `CMD` as written, `CMD-SHELL` through
 *   `/bin/sh -c` (as Docker runs it).
 * - Docker's defaults apply where the file sets nothing: interval and
 *   timeout 30 s, 3 retries (0 retries means the default, as in Docker).
 * - Readiness is the faithful half: Compose's `service_healthy` and
 *   `--wait` mean "healthy", Kubernetes sends traffic to "ready" pods.
 *   Liveness restarts an unhealthy container, as Swarm replaces an
 *   unhealthy task (plain Compose only reports it); it can be turned off.
 * - `start_period` becomes a startup probe, so neither of the others runs
 *   before the first success: it checks every `start_interval` (else
 *   `interval`) and gives up after the start period plus `retries`
 *   intervals, Docker's window.
 */
import type { Healthcheck } from '../../compose/model.js';
import type { ExportContext } from './context.js';
import { escapeExpansion, seconds } from './names.js';
import type { Container, Probe } from './types.js';

const DEFAULT_INTERVAL = 30e9;
const DEFAULT_TIMEOUT = 30e9;
const DEFAULT_RETRIES = 3;

/** The probes of a healthcheck (an empty object when it has none). */
export function probesOf(ctx: ExportContext, service: string, healthcheck: Healthcheck | undefined): Pick<Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> {
  if (!healthcheck) return {};
  ctx.map(service, 'healthcheck');
  const test = healthcheck.test;
  if (healthcheck.disable || test?.[0] === 'NONE') return {};
  if (!test || test.length === 0) {
    ctx.warn(service, ['healthcheck'], "no probe: the healthcheck has no test, so it changes the image's own HEALTHCHECK, which Kubernetes does not run; write the test in the file");
    return {};
  }
  const command = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test[0] === 'CMD' ? test.slice(1) : test;
  const exec = { command: command.map(escapeExpansion) };

  const whole = (key: 'interval' | 'timeout' | 'start_period' | 'start_interval', ns: number): number => {
    const s = seconds(ns);
    if (s * 1e9 !== ns) ctx.warn(service, ['healthcheck', key], `Kubernetes counts probe times in whole seconds: ${ns / 1e9}s is exported as ${s}s`);
    return s;
  };
  const intervalNs = healthcheck.interval || DEFAULT_INTERVAL;
  const period = whole('interval', intervalNs);
  const timeout = whole('timeout', healthcheck.timeout || DEFAULT_TIMEOUT);
  const retries = healthcheck.retries || DEFAULT_RETRIES;
  const probe = (failureThreshold: number): Probe => ({ exec, periodSeconds: period, timeoutSeconds: timeout, failureThreshold });

  const out: Pick<Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> = {};
  if (healthcheck.start_period) {
    const startPeriod = healthcheck.start_interval ? whole('start_interval', healthcheck.start_interval) : period;
    const window = healthcheck.start_period + retries * intervalNs;
    out.startupProbe = { exec, periodSeconds: startPeriod, timeoutSeconds: timeout, failureThreshold: Math.max(1, Math.ceil(window / (startPeriod * 1e9))) };
    if (healthcheck.start_period % 1e9 !== 0) whole('start_period', healthcheck.start_period);
  } else if (healthcheck.start_interval) {
    ctx.warn(service, ['healthcheck', 'start_interval'], 'not exported: without start_period there is no start phase for it to shorten');
  }
  out.readinessProbe = probe(retries);
  if (ctx.options.livenessProbes) out.livenessProbe = probe(retries);
  return out;
}
