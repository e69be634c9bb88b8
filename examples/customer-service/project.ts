/**
 * The customer-service model stack as a typed project (the same model the
 * compose loader produces).
 */
import path from 'node:path';
import type { Project, Service } from '../../src/index.js';

export const TF_IMAGE = 'tensorflow/tensorflow:2.9.0-jupyter';
export const STANDIN_IMAGE = 'modelstack-test/tf-jupyter:standin';
export const PROJECT = 'customer-service';
const MODELS = ['intent', 'sentiment', 'ner'] as const;

export function customerServiceProject(image: string, workdir = path.resolve('examples/customer-service')): Project {
  const services: Record<string, Service> = {};
  MODELS.forEach((model, i) => {
    services[model] = {
      image,
      ports: [{ target: 8888, published: String(8888 + i), host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' }],
      volumes: [{ type: 'bind', source: path.join(workdir, 'models', model), target: '/tf/notebooks', bind: { create_host_path: true } }],
      environment: { MODEL_NAME: model },
      deploy: { resources: { limits: { cpus: 2, memory: 4 * 1024 ** 3 } } },
      healthcheck: { test: ['CMD-SHELL', 'curl -fsS -o /dev/null http://localhost:8888/api || exit 1'], interval: 30e9, timeout: 10e9, retries: 3, start_period: 60e9 },
      restart: 'on-failure',
      init: true,
      networks: { default: null },
    };
  });
  return {
    name: PROJECT,
    working_dir: workdir,
    config_files: [],
    services,
    networks: { default: { name: `${PROJECT}_default` } },
    volumes: {},
    configs: {},
    secrets: {},
  };
}
