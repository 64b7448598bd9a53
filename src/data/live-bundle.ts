/**
 * Entry of the `dist/live.js` bundle: everything that talks to a live cluster (Kubernetes client, Prometheus,
 * load generation). The extension loads it on first use, so its ~4 MB never weigh on activation.
 */
export { ClusterDataSource } from './cluster';
export { runExperiment } from './experiments';
