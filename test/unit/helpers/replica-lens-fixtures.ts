/**
 * Fixtures of the replica-lens tests (an HPA beside its Deployment, in the same folder or in a kustomize overlay):
 * the manifests as text and the recommendations the editor would look them up in.
 */
import type { Recommendation } from '../../../src/core/recommendation';

export const deployment = (name: string, replicas: number): string => [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, 'spec:', `  replicas: ${replicas}`,
  '  template:', '    spec:', '      containers:', '        - name: server', '          image: app:1',
  '          resources:', '            requests:', '              cpu: 100m', '              memory: 64Mi', '',
].join('\n');

export const hpa = (name: string, target: string, min: number, max: number, namespace?: string): string => [
  'apiVersion: autoscaling/v2', 'kind: HorizontalPodAutoscaler', 'metadata:', `  name: ${name}`, ...(namespace ? [`  namespace: ${namespace}`] : []), 'spec:',
  '  scaleTargetRef:', '    apiVersion: apps/v1', '    kind: Deployment', `    name: ${target}`,
  `  minReplicas: ${min}`, `  maxReplicas: ${max}`, '',
].join('\n');

/** A recommendation of `replicas` for Deployment default/`name` (one container, CPU and memory sized). */
export function rec(name: string, replicas: number): Recommendation {
  const b = (v: number) => ({ value: v, lower: v, upper: v });
  const evidence = { observed: { p50: 1, p95: 1, p99: 1, max: 1, samples: 10, days: 14 }, margin: 0.1, method: 'mora', reason: 'r', completeness: 1, notes: [] };
  return {
    workload: { context: 'c', namespace: 'default', kind: 'Deployment', name }, qos: 'Burstable', confidence: 0.8, generatedAt: 0,
    containers: [{
      container: 'server', current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.8,
      cpu: { request: b(0.2), confidence: 0.8, evidence }, memory: { request: b(96 * 2 ** 20), confidence: 0.8, evidence },
    }],
    replicas: { current: 2, recommended: b(replicas), reason: 'the peak needs it' },
  };
}

/** web needs 3 replicas, api 4: the lookup the lens model is given. */
export const recs = [rec('web', 3), rec('api', 4)];
export const lookup = (ns: string, _kind: string, name: string) => recs.find((r) => r.workload.namespace === ns && r.workload.name === name);
