/**
 * The seed's model stack — intent, sentiment and NER models behind the
 * gateway — exported as it is defined in code (`modelStackProject`): the
 * objects validate, the secrets and configs the preset writes become
 * Secrets and ConfigMaps at the same paths, GPUs and limits become
 * resources, the healthchecks probes, and what Kubernetes cannot keep is
 * warned about per model.
 */
import { describe, expect, it } from 'vitest';
import { kubernetesManifests } from '../../../../src/exporters/kubernetes/manifests.js';
import { modelStackProject } from '../../../../src/models/project.js';
import { find, roundTrip, workload } from './helpers.js';
import { allIssues } from './schema.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm5 user@host';
const seed = () =>
  modelStackProject({
    name: 'customer-service',
    workingDir: '/srv/cs',
    models: [{ name: 'intent' }, { name: 'sentiment', gpus: 'all' }, { name: 'ner', gpus: 2, resources: { memory: '8g' } }],
    gateway: { enabled: true },
  });

describe('the seed model stack, exported', () => {
  it('validates and survives the round trip', () => {
    const { objects } = kubernetesManifests(seed());
    expect(allIssues(objects)).toEqual([]);
    const trip = roundTrip(objects);
    expect(trip.yaml12).toStrictEqual(objects);
    expect(trip.yaml11).toStrictEqual(objects);
  });

  it('makes a Deployment and a Service per model and for the gateway, labelled by flavour', () => {
    const { objects } = kubernetesManifests(seed());
    for (const name of ['intent', 'sentiment', 'ner', 'gateway']) {
      expect(workload(objects, name).kind).toBe('Deployment');
      // dnsrr (the name is the model's pod), as on a swarm.
      expect(find(objects, 'Service', name).spec.clusterIP).toBe('None');
    }
    // Host-mode ports: a hostPort on the pod's node, on the address the preset chose (127.0.0.1).
    expect(workload(objects, 'intent').spec.template.spec.containers[0]!.ports).toContainEqual(expect.objectContaining({ containerPort: 8888, hostPort: 8888, hostIP: '127.0.0.1' }));
    expect(workload(objects, 'intent').metadata.labels?.['app.kubernetes.io/component']).toBe('jupyter');
    expect(workload(objects, 'gateway').metadata.labels?.['app.kubernetes.io/component']).toBe('gateway');
    expect(find(objects, 'Service', 'intent').spec.ports).toEqual([{ name: 'tcp-8888', port: 8888, targetPort: 8888, protocol: 'TCP' }]);
  });

  it('keeps the limits, asks for the GPUs, and probes the Jupyter API', () => {
    const { objects } = kubernetesManifests(seed());
    const container = (name: string) => workload(objects, name).spec.template.spec.containers[0]!;
    expect(container('intent').resources).toEqual({ limits: { cpu: '2', memory: '4Gi' } });
    expect(container('sentiment').resources).toEqual({ limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' } });
    expect(container('ner').resources).toEqual({ limits: { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '2' } });
    expect(container('gateway').resources).toEqual({ limits: { cpu: '1', memory: '256Mi' } });
    const exec = { command: ['/bin/sh', '-c', expect.stringContaining('http://localhost:8888/api')] };
    expect(container('intent').readinessProbe).toEqual({ exec, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    // 120 s start period + 3 retries × 10 s, checked every 10 s.
    expect(container('intent').startupProbe).toEqual({ exec, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 15 });
    expect(workload(objects, 'intent').spec.template.spec.shareProcessNamespace).toBe(true);
  });

  it('delivers the token and configs as files at the paths the preset chose, never as environment', () => {
    const project = seed();
    const { objects } = kubernetesManifests(project);
    const token = project.environment?.MODELSTACK_INTENT_JUPYTER_TOKEN;
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(find(objects, 'Secret', 'intent_jupyter_token'.replace(/_/g, '-')).data).toEqual({ intent_jupyter_token: Buffer.from(token!).toString('base64') });
    const intent = workload(objects, 'intent').spec.template.spec;
    expect(intent.containers[0]!.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'secret-intent-jupyter-token', mountPath: '/run/secrets/jupyter_token', subPath: 'intent_jupyter_token', readOnly: true },
        { name: 'config-jupyter-notebook-config', mountPath: '/etc/jupyter/jupyter_notebook_config.py', subPath: 'jupyter_notebook_config', readOnly: true },
      ]),
    );
    expect(intent.volumes).toContainEqual({ name: 'secret-intent-jupyter-token', secret: { secretName: 'intent-jupyter-token', items: [{ key: 'intent_jupyter_token', path: 'intent_jupyter_token', mode: 0o400 }] } });
    expect(JSON.stringify(intent.containers[0]!.env)).not.toContain(token!);
    expect(find(objects, 'ConfigMap', 'gateway-conf').data?.gateway_conf).toContain('location /intent/');
  });

  it('warns, per model, about what the cluster cannot keep: code folders, restart on-failure, start order', () => {
    const { warnings } = kubernetesManifests(seed());
    const keys = (service: string) => warnings.filter((w) => w.service === service).map((w) => w.key).sort();
    expect(keys('intent')).toEqual(['restart', 'volumes[0]']);
    expect(keys('sentiment')).toEqual(['deploy.resources.reservations.devices[0].count', 'restart', 'volumes[0]']);
    expect(keys('gateway')).toEqual(['depends_on', 'restart']);
    expect(warnings.find((w) => w.service === 'intent' && w.key === 'volumes[0]')?.message).toMatch(/bind mount of \/srv\/cs\/intent at \/tf\/notebooks/);
    expect(warnings.find((w) => w.service === 'gateway' && w.key === 'depends_on')?.message).toMatch(/intent \(service_healthy, restart\), sentiment \(service_healthy, restart\), ner \(service_healthy, restart\)/);
  });

  it('with SSH: the bootstrap becomes the command, the host key a Secret with mode 0600; the insecure opt-in is repeated as a warning', () => {
    const project = modelStackProject({ workingDir: '/srv/cs', models: [{ name: 'intent' }], ssh: { authorizedKeys: KEY, insecureRootPassword: 'pw' } });
    const { objects, warnings } = kubernetesManifests(project);
    expect(allIssues(objects)).toEqual([]);
    const intent = workload(objects, 'intent').spec.template.spec;
    expect(intent.containers[0]!.command?.[0]).toBe('/bin/sh');
    expect(intent.volumes).toContainEqual(expect.objectContaining({ secret: expect.objectContaining({ secretName: 'intent-ssh-host-key', items: [expect.objectContaining({ mode: 0o600 })] }) }));
    expect(find(objects, 'Service', 'intent').spec.ports?.map((p) => p.port)).toEqual([8888, 22]);
    expect(warnings.find((w) => w.key === 'x-modelstack-warning')?.message).toMatch(/root password/);
  });
});
