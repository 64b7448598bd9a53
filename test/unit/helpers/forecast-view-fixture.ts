// What the forecast view's plain-Node tests share: one Deployment "api" (3 replicas, one container "app" with requests
// and a memory limit) and the time grid their sources answer on.
import type { Workload } from '../../../src/core/workload';

export const DAY = 86400;
/** The sources' last timestamp, Unix seconds. */
export const END = Date.UTC(2026, 10, 23) / 1000;
/** The sources' step, seconds. */
export const STEP = 300;

export const apiWorkload: Workload = {
  context: 'test', namespace: 'ns', kind: 'Deployment', name: 'api', replicas: 3,
  containers: [{ name: 'app', resources: { requests: { cpu: 0.5, memory: 2 ** 30 }, limits: { memory: 2 * 2 ** 30 } } }],
};
