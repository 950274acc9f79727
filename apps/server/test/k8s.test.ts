/**
 * deploy/k8s: every manifest valid against the Kubernetes schemas (the
 * kubernetes-models package's), every file listed by its kustomization, and
 * the Deployment in step with the server: its variables are ones the config
 * schema knows and parses, its ports are PORT and METRICS_PORT, its probes
 * answer on the real app, and the pod's grace period covers the drain.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, parseConfig } from '../src/config.js';
import { useTestServer } from './helpers.js';

const K8S_DIR = join(import.meta.dirname, '../../../deploy/k8s');

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  [key: string]: unknown;
}

function manifestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? manifestFiles(join(dir, entry.name))
      : entry.name.endsWith('.yaml')
        ? [join(dir, entry.name)]
        : [],
  );
}

const manifests: Manifest[] = manifestFiles(K8S_DIR).flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((document) => ({ ...(document.toJS() as Manifest), file })),
);

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1 Job': Job,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'v1 ConfigMap': ConfigMap,
  'v1 Service': Service,
};

function one(kind: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Manifest;
}

interface Container {
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
}

const ctx = useTestServer();

describe('deploy/k8s', () => {
  it('holds only manifests valid against the Kubernetes schemas, each file listed by its kustomization', () => {
    const listed = new Set<string>();
    for (const manifest of manifests) {
      if (manifest.kind === 'Kustomization') {
        for (const resource of manifest.resources as string[]) listed.add(join(dirname(manifest.file), resource));
        continue;
      }
      const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
      expect(Model, `${relative(K8S_DIR, manifest.file)}: ${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
      const { file: _file, ...data } = manifest;
      expect(
        () => new (Model as NonNullable<typeof Model>)(data as never).validate(),
        relative(K8S_DIR, manifest.file),
      ).not.toThrow();
    }
    const files = manifestFiles(K8S_DIR).filter((file) => !file.endsWith('kustomization.yaml'));
    expect(files.filter((file) => !listed.has(file)).map((file) => relative(K8S_DIR, file))).toEqual([]);
  });

  it('runs the server as the config schema reads it: known variables, its ports, its probes, a grace period that covers the drain', async () => {
    const config = one('ConfigMap').data as Record<string, string>;
    // The server's own variables, and the OpenTelemetry SDK's standard ones (which it reads itself).
    const unknown = Object.keys(config).filter(
      (name) => !CONFIG_VARIABLES.includes(name) && !/^OTEL_[A-Z_]+$/.test(name),
    );
    expect(unknown).toEqual([]);
    // With the Secret's variables (made by the operator), the configuration parses.
    const parsed = parseConfig(
      {
        ...config,
        JWT_ACCESS_SECRET: 'a'.repeat(48),
        JWT_REFRESH_SECRET: 'r'.repeat(48),
        DATABASE_URL: 'mysql://app:secret@mysql:3306/app',
        MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64url'),
      },
      '/repo',
    );
    expect(parsed.isProduction).toBe(true);
    expect(parsed.host).toBe('0.0.0.0');

    const deployment = one('Deployment') as Manifest & {
      spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } } };
    };
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers as [Container];
    const port = (name: string) => container.ports.find((candidate) => candidate.name === name)?.containerPort;
    expect(port('http')).toBe(parsed.port);
    expect(port('metrics')).toBe(parsed.metricsPort);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    // The pause before SIGTERM, then the server's drain, both inside the grace period.
    const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    expect(preStopMs + parsed.shutdownTimeoutMs).toBeLessThan(pod.terminationGracePeriodSeconds * 1000);
    // The probes answer 200 on the real app.
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.port).toBe('http');
      expect((await fetch(`${ctx.server.baseUrl}${probe.httpGet.path}`)).status, probe.httpGet.path).toBe(200);
    }
    // The Service, the HPA and the PDB all find the Deployment's pods.
    const labels = (deployment.spec as unknown as { template: { metadata: { labels: Record<string, string> } } })
      .template.metadata.labels;
    const service = one('Service') as Manifest & { spec: { selector: Record<string, string> } };
    expect(labels).toMatchObject(service.spec.selector);
    const pdb = one('PodDisruptionBudget') as Manifest & {
      spec: { selector: { matchLabels: Record<string, string> } };
    };
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
    expect((one('HorizontalPodAutoscaler').spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name).toBe(
      deployment.metadata?.name,
    );
  });

  it('migrates with the image’s migrate command and the same Secret', () => {
    const job = one('Job') as Manifest & {
      spec: {
        template: { spec: { containers: { command: string[]; envFrom: { secretRef?: { name: string } }[] }[] } };
      };
    };
    const [container] = job.spec.template.spec.containers;
    expect(container?.command).toEqual(['node', 'dist/commands/migrate.js']);
    const secret = (
      one('Deployment').spec as {
        template: { spec: { containers: { envFrom: { secretRef?: { name: string } }[] }[] } };
      }
    ).template.spec.containers[0]?.envFrom.find((source) => source.secretRef)?.secretRef?.name;
    expect(container?.envFrom.map((source) => source.secretRef?.name)).toContain(secret);
  });
});
