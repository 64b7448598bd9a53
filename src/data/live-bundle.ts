/**
 * Entry of the `dist/live.js` bundle: everything that talks to a live cluster (Kubernetes client, Prometheus,
 * load generation). The extension loads it on first use, so its ~4 MB never weigh on activation.
 */
export { ClusterDataSource } from './cluster';
export { runExperiment } from './experiments';
// Experiment plans (Run Load Experiment): the per-cell runner, its record, the scaler and the JMeter driver.
export { runPlan, planPaths, readPlanDocument, cellFingerprint } from './experiments/plan-run';
// The check before a plan run writes, scales or sends anything (an unreachable Prometheus stops it).
export { planReachabilityFailure } from './experiments/plan-prometheus';
export { nothingSentMessage } from './prometheus/reachability';
// And every target of its cells still to run takes connections (one GET each; a refused one stops it).
export { planTargetProblem, targetWaitText } from './experiments/target-check';
export { kubeScaler } from './experiments/plan';
export { jmeterDriver } from './experiments/jmeter';
export { KubeClient } from './kube/client';
