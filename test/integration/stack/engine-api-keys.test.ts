/**
 * Keys that need a newer Engine API: acted on where the engine speaks that
 * API (checked in docker inspect), refused before anything is created where
 * it does not — with the file, line, service, key and the engine's API
 * version in the message. The suite runs on engine 20.10 (API 1.41) and 26.1
 * (API 1.45): each test asserts the branch its engine is on, so both
 * branches are exercised by every full run.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/index.js';
import { Stack } from '../../../src/stack/stack.js';
import { EngineTooOldError, compareApiVersions } from '../../../src/plan/engine-requirements.js';
import { loadProject } from '../../../src/compose/load.js';
import { BUSYBOX, TEST_LABEL, connectTestEngine, dockerInspect, leftovers, testRuns } from '../../helpers/engine.js';

const HTTPD = `["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]`;
const CHECK = `["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]`;

describe('keys that need a newer engine', () => {
  let engine: Engine;
  let api: string;
  const runs = testRuns('msapi');
  const dirs: string[] = [];

  /**
   * Writes a compose file for a fresh run (`services` and `extra` are YAML,
   * RUNID standing for the run id, which labels everything); returns run,
   * file and a Stack of its loaded project.
   */
  const composeFile = async (services: string, extra = '') => {
    const run = runs.next();
    const dir = mkdtempSync(join(tmpdir(), 'ms-api-'));
    dirs.push(dir);
    const file = join(dir, 'compose.yaml');
    const text = `name: ${run}\nservices:\n${services}\nnetworks:\n  default:\n    labels: { ${TEST_LABEL}: RUNID }\n${extra}`;
    writeFileSync(file, text.replaceAll('RUNID', run));
    const project = await loadProject({ files: [file], env: {} });
    return { run, file, stack: new Stack(project, { engine }) };
  };
  const supports = (version: string) => compareApiVersions(api, version) >= 0;

  /** Up must fail before creating anything, naming the file:line, the key and the engine's API version. */
  const expectRefused = async (c: Awaited<ReturnType<typeof composeFile>>, key: RegExp, needs: string) => {
    const err = (await c.stack.up({ waitTimeoutMs: 20_000 }).catch((e: unknown) => e)) as EngineTooOldError;
    expect(err).toBeInstanceOf(EngineTooOldError);
    expect(err.code).toBe('ENGINE_TOO_OLD');
    expect(err.message).toMatch(key);
    expect(err.message).toContain(`${c.file}:`);
    expect(err.message).toContain(`needs Engine API ${needs}`);
    expect(err.message).toContain(`(API ${api})`);
    expect(await leftovers(`${TEST_LABEL}=${c.run}`)).toEqual([]);
    // A dry run reports it too.
    await expect(c.stack.plan()).rejects.toBeInstanceOf(EngineTooOldError);
  };

  beforeAll(async () => {
    engine = await connectTestEngine();
    api = engine.info!.negotiatedApiVersion;
  });
  afterAll(async () => {
    expect(await runs.removeAll(engine)).toEqual([]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('healthcheck.start_interval (API 1.44): Docker checks every start_interval during start_period, so up returns long before the 60 s interval', async () => {
    const c = await composeFile(`  web:
    image: ${BUSYBOX}
    init: true
    command: ${HTTPD}
    labels: { ${TEST_LABEL}: RUNID }
    healthcheck:
      test: ${CHECK}
      interval: 60s
      start_period: 60s
      start_interval: 500ms`);
    if (!supports('1.44')) return expectRefused(c, /services\.web\.healthcheck\.start_interval/, '1.44');
    // The deadline is far below the interval: only Docker's start_interval checks can make it healthy.
    await c.stack.up({ waitTimeoutMs: 20_000 });
    const info = await dockerInspect(`${c.run}-web-1`);
    expect(info.Config.Healthcheck.StartInterval).toBe(500e6);
    expect(info.State.Health.Status).toBe('healthy');
    await c.stack.down({ timeoutSeconds: 1 });
  });

  it('annotations (API 1.43) reach the container', async () => {
    const c = await composeFile(`  web:
    image: ${BUSYBOX}
    command: ["sleep", "60"]
    init: true
    labels: { ${TEST_LABEL}: RUNID }
    annotations:
      org.modelstack.test.note: hello`);
    if (!supports('1.43')) return expectRefused(c, /services\.web\.annotations/, '1.43');
    await c.stack.up({ waitTimeoutMs: 20_000 });
    expect((await dockerInspect(`${c.run}-web-1`)).HostConfig.Annotations).toEqual({ 'org.modelstack.test.note': 'hello' });
    await c.stack.down({ timeoutSeconds: 1, volumes: true });
  });

  it('volume subpath (API 1.45) mounts only that folder of the volume', async () => {
    const services = `  seed:
    image: ${BUSYBOX}
    command: ["sh", "-c", "mkdir -p /data/models/intent && echo weights > /data/models/intent/w.txt"]
    labels: { ${TEST_LABEL}: RUNID }
    volumes: [ "store:/data" ]
  web:
    image: ${BUSYBOX}
    command: ["sh", "-c", "cat /model/w.txt && exec sleep 60"]
    init: true
    labels: { ${TEST_LABEL}: RUNID }
    depends_on: { seed: { condition: service_completed_successfully } }
    volumes:
      - type: volume
        source: store
        target: /model
        volume: { subpath: models/intent }`;
    const c = await composeFile(services, `volumes:\n  store:\n    labels: { ${TEST_LABEL}: RUNID }\n`);
    if (!supports('1.45')) return expectRefused(c, /services\.web\.volumes\[1\]\.volume\.subpath|services\.web\.volumes\[0\]\.volume\.subpath/, '1.45');
    await c.stack.up({ waitTimeoutMs: 30_000 });
    const lines = (await engine.containers.logs((await dockerInspect(`${c.run}-web-1`)).Id)).map((l) => l.text);
    expect(lines).toContain('weights');
    await c.stack.down({ timeoutSeconds: 1, volumes: true });
  });

  it('per-network mac_address (API 1.44) is set on that network', async () => {
    const c = await composeFile(`  web:
    image: ${BUSYBOX}
    command: ["sleep", "60"]
    init: true
    labels: { ${TEST_LABEL}: RUNID }
    networks:
      default:
        mac_address: "02:42:ac:11:65:43"`);
    if (!supports('1.44')) return expectRefused(c, /services\.web\.networks\.default\.mac_address/, '1.44');
    await c.stack.up({ waitTimeoutMs: 20_000 });
    expect((await dockerInspect(`${c.run}-web-1`)).NetworkSettings.Networks[`${c.run}_default`].MacAddress).toBe('02:42:ac:11:65:43');
    await c.stack.down({ timeoutSeconds: 1 });
  });

  it('gw_priority and interface_name (API 1.48) are acted on or refused, all keys named at once', async () => {
    const c = await composeFile(`  web:
    image: ${BUSYBOX}
    command: ["sleep", "60"]
    init: true
    labels: { ${TEST_LABEL}: RUNID }
    networks:
      default:
        gw_priority: 10
        interface_name: en100`);
    if (!supports('1.48')) {
      await expectRefused(c, /2 keys need a newer engine/, '1.48');
      const err = (await c.stack.up().catch((e: unknown) => e)) as EngineTooOldError;
      expect(err.requirements.map((r) => r.keyPath)).toEqual(['networks.default.gw_priority', 'networks.default.interface_name']);
      return;
    }
    await c.stack.up({ waitTimeoutMs: 20_000 });
    const net = (await dockerInspect(`${c.run}-web-1`)).NetworkSettings.Networks[`${c.run}_default`];
    expect(net.GwPriority).toBe(10);
    expect(net.DriverOpts).toMatchObject({ 'com.docker.network.endpoint.ifname': 'en100' });
    await c.stack.down({ timeoutSeconds: 1 });
  });

  it('keys every engine here supports are acted on: per-network driver_opts and link_local_ips, blkio_config device limits', async () => {
    const device = `/dev/${readdirSync('/sys/block').find((d) => !/^(loop|ram|zram)/.test(d)) ?? 'vda'}`;
    const c = await composeFile(`  web:
    image: ${BUSYBOX}
    command: ["sleep", "60"]
    init: true
    labels: { ${TEST_LABEL}: RUNID }
    blkio_config:
      device_read_bps: [ { path: ${device}, rate: 1mb } ]
      device_write_iops: [ { path: ${device}, rate: 120 } ]
    networks:
      default:
        driver_opts: { org.modelstack.test.opt: "1" }
        link_local_ips: [ "169.254.10.10" ]`);
    await c.stack.up({ waitTimeoutMs: 20_000 });
    const info = await dockerInspect(`${c.run}-web-1`);
    expect(info.HostConfig.BlkioDeviceReadBps).toEqual([{ Path: device, Rate: 1024 * 1024 }]);
    expect(info.HostConfig.BlkioDeviceWriteIOps).toEqual([{ Path: device, Rate: 120 }]);
    const net = info.NetworkSettings.Networks[`${c.run}_default`];
    expect(net.DriverOpts).toEqual({ 'org.modelstack.test.opt': '1' });
    expect(net.IPAMConfig.LinkLocalIPs).toEqual(['169.254.10.10']);
    await c.stack.down({ timeoutSeconds: 1 });
  });
});
