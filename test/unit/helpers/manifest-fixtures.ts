/** A Deployment of one container named as the Deployment, with only a CPU request: the smallest thing apply can edit. */
export const deploymentWithCpu = (name: string, cpu: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: ${name}
          resources:
            requests:
              cpu: ${cpu}
`;
