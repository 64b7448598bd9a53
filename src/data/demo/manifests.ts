/**
 * The demo shop's Kubernetes manifests, written from the same profiles the metrics come from, in the style people
 * keep in Git: a licence-style header, comments, and key order that varies a little between services.
 * `mora demo --manifests <file>` writes them out so the CodeLenses have something real to work on.
 */
import { DEMO_NAMESPACE, DEMO_SERVICES, type ServiceProfile } from './services';

function resourcesBlock(p: ServiceProfile, indent: string): string {
  const lines: string[] = [`${indent}resources:`];
  const section = (name: 'requests' | 'limits', q: { cpu?: string; memory?: string }) => {
    if (!q.cpu && !q.memory) return;
    lines.push(`${indent}  ${name}:`);
    if (q.cpu) lines.push(`${indent}    cpu: ${q.cpu}`);
    if (q.memory) lines.push(`${indent}    memory: ${q.memory}`);
  };
  section('requests', p.requests);
  section('limits', p.limits);
  return lines.join('\n');
}

function workloadDoc(p: ServiceProfile): string {
  const c = '        ';
  const replicas = p.hpa ? `  # replicas are managed by the HorizontalPodAutoscaler below\n  replicas: ${p.replicas}` : `  replicas: ${p.replicas}`;
  const serviceName = p.kind === 'StatefulSet' ? `  serviceName: ${p.name}\n` : '';
  return `# ${p.description}
apiVersion: apps/v1
kind: ${p.kind}
metadata:
  name: ${p.name}
  namespace: ${DEMO_NAMESPACE}
  labels:
    app: ${p.name}
spec:
${serviceName}${replicas}
  selector:
    matchLabels:
      app: ${p.name}
  template:
    metadata:
      labels:
        app: ${p.name}
    spec:
      containers:
      - name: server
        image: example.invalid/mora-demo/${p.name.replace(/[^a-z0-9-]/g, '')}:v1 # ${p.image}
        ports:
        - containerPort: ${p.port}
${resourcesBlock(p, c)}
`;
}

function serviceDoc(p: ServiceProfile): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${p.name}
  namespace: ${DEMO_NAMESPACE}
spec:
  selector:
    app: ${p.name}
  ports:
  - port: ${p.port}
    targetPort: ${p.port}
`;
}

function hpaDoc(p: ServiceProfile): string {
  if (!p.hpa) return '';
  return `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${p.name}
  namespace: ${DEMO_NAMESPACE}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: ${p.kind}
    name: ${p.name}
  minReplicas: ${p.hpa.minReplicas}
  maxReplicas: ${p.hpa.maxReplicas}
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: ${Math.round(p.hpa.targetCpuUtilization * 100)}
`;
}

export function demoManifests(): string {
  const header = `# MOrA demo shop: eleven services shaped like Online Boutique.
# Written by MOrA for its embedded demo; the metrics MOrA shows for the "demo" context come from the same profiles.
`;
  const docs: string[] = [];
  for (const p of DEMO_SERVICES) {
    docs.push(workloadDoc(p));
    docs.push(serviceDoc(p));
    const hpa = hpaDoc(p);
    if (hpa) docs.push(hpa);
  }
  return header + docs.map((d) => `---\n${d}`).join('');
}
