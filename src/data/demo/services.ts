/**
 * The demo shop: eleven services shaped like Google's Online Boutique. Each profile says how the service turns
 * load into CPU, memory, network and latency; docs/DEMO.md explains the model. Two services are deliberately
 * mis-sized (one over-, one under-provisioned), one leaks memory slowly and one has a JVM-style GC sawtooth,
 * so every verdict the tree can show appears in the demo.
 */
import type { WorkloadKind } from '../../core/workload';

const MiB = 1024 * 1024;

export interface ServiceProfile {
  name: string;
  kind: WorkloadKind;
  /** Language/runtime shown in manifests; only for realism. */
  image: string;
  replicas: number;
  /** Requests and limits as they appear in the demo manifest. */
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
  hpa?: { minReplicas: number; maxReplicas: number; targetCpuUtilization: number };
  /** Requests per second this service sees per request to the frontend. */
  fanout: number;
  /** Cores used per pod with no traffic. */
  cpuIdle: number;
  /** Core-seconds per request. */
  cpuPerRequest: number;
  /** Working set per pod with no traffic, bytes. */
  memoryBase: number;
  /** Extra working set per request/s served by the pod (caches, buffers), bytes. */
  memoryPerRps: number;
  /** JVM/Go-style garbage-collection sawtooth: amplitude in bytes and period in minutes. */
  gc?: { amplitude: number; periodMinutes: number };
  /** Slow leak in bytes per hour since the pod started (the demo pods never restart). */
  leakPerHour?: number;
  /** Median latency at low load, seconds. */
  latencyBase: number;
  bytesIn: number;
  bytesOut: number;
  port: number;
  description: string;
}

export const DEMO_CONTEXT = 'demo';
export const DEMO_NAMESPACE = 'shop';

/** Frontend requests per second at the daily mean on a weekday at the start of the history. */
export const FRONTEND_BASE_RPS = 60;

export const DEMO_SERVICES: readonly ServiceProfile[] = [
  {
    name: 'frontend', kind: 'Deployment', image: 'frontend (Go)', replicas: 3,
    requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '300m', memory: '128Mi' },
    hpa: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 0.7 },
    fanout: 1, cpuIdle: 0.004, cpuPerRequest: 0.0032, memoryBase: 28 * MiB, memoryPerRps: 0.35 * MiB,
    gc: { amplitude: 6 * MiB, periodMinutes: 3 }, latencyBase: 0.045, bytesIn: 900, bytesOut: 24000, port: 8080,
    description: 'Web UI; fans out to every other service',
  },
  {
    name: 'cartservice', kind: 'Deployment', image: 'cartservice (C#)', replicas: 2,
    requests: { cpu: '200m', memory: '64Mi' }, limits: { cpu: '300m', memory: '128Mi' },
    fanout: 0.32, cpuIdle: 0.012, cpuPerRequest: 0.0021, memoryBase: 46 * MiB, memoryPerRps: 0.4 * MiB,
    gc: { amplitude: 9 * MiB, periodMinutes: 5 }, latencyBase: 0.004, bytesIn: 400, bytesOut: 700, port: 7070,
    description: 'Shopping cart backed by redis-cart',
  },
  {
    name: 'productcatalogservice', kind: 'Deployment', image: 'productcatalogservice (Go)', replicas: 2,
    // Over-provisioned on purpose: asks for half a core and 1 GiB, uses a few percent of it.
    requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' },
    fanout: 1.8, cpuIdle: 0.003, cpuPerRequest: 0.0004, memoryBase: 36 * MiB, memoryPerRps: 0.05 * MiB,
    latencyBase: 0.002, bytesIn: 300, bytesOut: 3500, port: 3550,
    description: 'Product list from a JSON file',
  },
  {
    name: 'currencyservice', kind: 'Deployment', image: 'currencyservice (Node.js)', replicas: 2,
    // Under-provisioned on purpose: throttled at the daily peak.
    requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' },
    fanout: 2.4, cpuIdle: 0.006, cpuPerRequest: 0.0009, memoryBase: 48 * MiB, memoryPerRps: 0.12 * MiB,
    gc: { amplitude: 4 * MiB, periodMinutes: 2 }, latencyBase: 0.003, bytesIn: 250, bytesOut: 300, port: 7000,
    description: 'Currency conversion; the busiest backend',
  },
  {
    name: 'paymentservice', kind: 'Deployment', image: 'paymentservice (Node.js)', replicas: 1,
    requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' },
    fanout: 0.02, cpuIdle: 0.004, cpuPerRequest: 0.004, memoryBase: 40 * MiB, memoryPerRps: 1 * MiB,
    latencyBase: 0.006, bytesIn: 500, bytesOut: 200, port: 50051,
    description: 'Charges the (fake) card',
  },
  {
    name: 'shippingservice', kind: 'Deployment', image: 'shippingservice (Go)', replicas: 1,
    requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' },
    fanout: 0.07, cpuIdle: 0.003, cpuPerRequest: 0.0015, memoryBase: 18 * MiB, memoryPerRps: 0.5 * MiB,
    latencyBase: 0.003, bytesIn: 350, bytesOut: 250, port: 50051,
    description: 'Shipping quotes and tracking IDs',
  },
  {
    name: 'emailservice', kind: 'Deployment', image: 'emailservice (Python)', replicas: 1,
    requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' },
    fanout: 0.02, cpuIdle: 0.008, cpuPerRequest: 0.012, memoryBase: 52 * MiB, memoryPerRps: 2 * MiB,
    latencyBase: 0.02, bytesIn: 1800, bytesOut: 150, port: 8080,
    description: 'Order confirmation e-mails',
  },
  {
    name: 'checkoutservice', kind: 'Deployment', image: 'checkoutservice (Go)', replicas: 1,
    requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' },
    fanout: 0.02, cpuIdle: 0.003, cpuPerRequest: 0.01, memoryBase: 22 * MiB, memoryPerRps: 1.5 * MiB,
    latencyBase: 0.05, bytesIn: 1200, bytesOut: 900, port: 5050,
    description: 'Orchestrates payment, shipping and e-mail',
  },
  {
    name: 'recommendationservice', kind: 'Deployment', image: 'recommendationservice (Python)', replicas: 1,
    // Leaks slowly: the working set grows ~0.55 MiB an hour and nears its limit by the end of the history.
    requests: { cpu: '100m', memory: '220Mi' }, limits: { cpu: '200m', memory: '450Mi' },
    fanout: 0.55, cpuIdle: 0.01, cpuPerRequest: 0.0016, memoryBase: 190 * MiB, memoryPerRps: 0.3 * MiB,
    leakPerHour: 0.55 * MiB, latencyBase: 0.012, bytesIn: 300, bytesOut: 600, port: 8080,
    description: 'Product recommendations (leaks memory)',
  },
  {
    name: 'adservice', kind: 'Deployment', image: 'adservice (Java)', replicas: 1,
    requests: { cpu: '200m', memory: '180Mi' }, limits: { cpu: '300m', memory: '300Mi' },
    fanout: 0.6, cpuIdle: 0.02, cpuPerRequest: 0.0012, memoryBase: 150 * MiB, memoryPerRps: 0.2 * MiB,
    gc: { amplitude: 55 * MiB, periodMinutes: 7 }, latencyBase: 0.006, bytesIn: 250, bytesOut: 800, port: 9555,
    description: 'Text ads; JVM heap sawtooth',
  },
  {
    name: 'redis-cart', kind: 'StatefulSet', image: 'redis:alpine', replicas: 1,
    requests: { cpu: '70m', memory: '200Mi' }, limits: { cpu: '125m', memory: '256Mi' },
    fanout: 0.64, cpuIdle: 0.003, cpuPerRequest: 0.00012, memoryBase: 24 * MiB, memoryPerRps: 0.05 * MiB,
    latencyBase: 0.0006, bytesIn: 200, bytesOut: 500, port: 6379,
    description: 'Cart store',
  },
];
