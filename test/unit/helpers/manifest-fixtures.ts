/**
 * A Deployment `name` (in `namespace` and with `replicas` when given) of one container `container` with only a CPU
 * request.
 */
export const cpuDeployment = (d: { name: string; container: string; cpu: string; namespace?: string; replicas?: number }): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${d.name}
${d.namespace === undefined ? '' : `  namespace: ${d.namespace}\n`}spec:
${d.replicas === undefined ? '' : `  replicas: ${d.replicas}\n`}  template:
    spec:
      containers:
        - name: ${d.container}
          resources:
            requests:
              cpu: ${d.cpu}
`;

/** A Deployment of one container named as the Deployment, with only a CPU request: the smallest thing apply can edit. */
export const deploymentWithCpu = (name: string, cpu: string): string => cpuDeployment({ name, container: name, cpu });

/**
 * Deployment web (2 replicas) of one nginx container named `container` with the given request lines (`cpu: 100m`)
 * and, when given, limit lines.
 */
export const webDeployment = (container: string, requests: string[], limits?: string[]): string => [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  replicas: 2',
  '  template:',
  '    spec:',
  '      containers:',
  `        - name: ${container}`,
  '          image: nginx',
  '          resources:',
  '            requests:',
  ...requests.map((l) => `              ${l}`),
  ...(limits ? ['            limits:', ...limits.map((l) => `              ${l}`)] : []),
  '',
].join('\n');
