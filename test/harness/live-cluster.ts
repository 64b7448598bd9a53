// A small live cluster for tests that drive MOrA end to end: a REAL kube-apiserver (control-plane.ts) with a "shop"
// namespace — Deployment checkout (server + envoy, 2 replicas) and Deployment frontend (managed by Argo CD, by its
// label) — and a real Prometheus backfilled with six hours of cAdvisor-shaped usage for exactly the pods that exist.
//
// As a module: startLiveCluster(). As a program (the VS Code suite runs it from the extension host, which cannot load
// the harness's TypeScript itself): prints one JSON line { kubeconfig, prometheusUrl, context } when ready, and stops
// everything when its stdin closes; a line "stop-apiserver" stops the control plane alone and answers { stopped }.
import type { ControlPlane, CreatedDeployment } from './control-plane';
import type { OpenMetricsSeries, RunningPrometheus } from './prometheus';

type Json = Record<string, unknown>;

/** cAdvisor-shaped series for the pods given: CPU (a counter, cores ±20 %) and working-set memory per container. */
export function usageSeries(pods: Json[], namespace: string, usage: Record<string, { cpu: number; memory: number }>, start: number, end: number): OpenMetricsSeries[] {
  const out: OpenMetricsSeries[] = [];
  for (const pod of pods) {
    const name = String((pod.metadata as Json).name);
    for (const [container, u] of Object.entries(usage)) {
      const labels = { namespace, pod: name, container };
      const cpu: Array<[number, number]> = [];
      const mem: Array<[number, number]> = [];
      let v = 0;
      for (let t = start, i = 0; t <= end; t += 60, i++) {
        cpu.push([t, v]);
        v += u.cpu * 60 * (0.8 + (0.4 * ((i * 7919) % 100)) / 100);
        mem.push([t, Math.round(u.memory * (0.9 + (0.2 * ((i * 104729) % 100)) / 100))]);
      }
      out.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels, samples: cpu });
      out.push({ name: 'container_memory_working_set_bytes', type: 'gauge', labels, samples: mem });
    }
  }
  return out;
}

export interface LiveCluster {
  cp: ControlPlane;
  prometheus: RunningPrometheus;
  checkout: CreatedDeployment;
  frontend: CreatedDeployment;
  /** Admin kubeconfig, context "mora-real". */
  kubeconfig: string;
  stop(): Promise<void>;
}

export async function startLiveCluster(options: { apiServerArgs?: string[] } = {}): Promise<LiveCluster> {
  const { ControlPlane } = require('./control-plane') as typeof import('./control-plane');
  const { startPrometheus, toOpenMetrics } = require('./prometheus') as typeof import('./prometheus');
  const cp = await ControlPlane.start({ apiServerArgs: options.apiServerArgs });
  try {
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    await cp.createNamespace('shop');
    const checkout = await cp.createDeployment('shop', {
      name: 'checkout', replicas: 2,
      containers: [
        { name: 'server', image: 'shop/checkout:1.4', requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.31', requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      ],
    });
    const frontend = await cp.createDeployment('shop', {
      name: 'frontend', replicas: 1, labels: { 'argocd.argoproj.io/instance': 'shop-prod' },
      containers: [{ name: 'server', image: 'shop/frontend:2', requests: { cpu: '300m', memory: '256Mi' } }],
    });
    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    const start = end - 6 * 3600;
    const series = [
      ...usageSeries(checkout.pods, 'shop', { server: { cpu: 0.1, memory: 150e6 }, envoy: { cpu: 0.02, memory: 30e6 } }, start, end),
      ...usageSeries(frontend.pods, 'shop', { server: { cpu: 0.05, memory: 100e6 } }, start, end),
    ];
    const prometheus = await startPrometheus({ openMetrics: toOpenMetrics(series) });
    // The kubeconfig outside the control plane's folder: "stop-apiserver" removes that folder, and a cluster that went
    // away leaves the user's kubeconfig where it was (a Refresh reads it again).
    const fs = require('node:fs') as typeof import('node:fs');
    const os = require('node:os') as typeof import('node:os');
    const path = require('node:path') as typeof import('node:path');
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-live-kubeconfig-'));
    const kubeconfig = path.join(own, 'config');
    fs.copyFileSync(cp.kubeconfig, kubeconfig);
    return {
      cp, prometheus, checkout, frontend, kubeconfig,
      stop: async () => { await prometheus.stop(); await cp.stop(); fs.rmSync(own, { recursive: true, force: true }); },
    };
  } catch (e) {
    await cp.stop();
    throw e;
  }
}

if (require.main === module) {
  startLiveCluster().then((live) => {
    process.stdout.write(`${JSON.stringify({ kubeconfig: live.kubeconfig, prometheusUrl: live.prometheus.url, context: 'mora-real' })}\n`);
    const stop = () => { void live.stop().then(() => process.exit(0)); };
    // "stop-apiserver" on stdin stops the control plane only (a cluster going away mid-session); Prometheus keeps running.
    // "scale <namespace> <deployment> <replicas>", "cpu <namespace> <deployment> <request>" (the first container's CPU
    // request) and "get <namespace> <deployment>" let a test be another writer (or read back) without loading the
    // Kubernetes client into the extension host, whose module cache a test checks.
    process.stdin.setEncoding('utf8').on('data', (s: string) => {
      if (s.includes('stop-apiserver')) void live.cp.stop().then(() => process.stdout.write(`${JSON.stringify({ stopped: 'kube-apiserver' })}\n`));
      for (const line of s.split('\n')) {
        const [verb, ns, name, n] = line.trim().split(/\s+/);
        const at = `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
        const answer = (key: string) => (r: unknown) => process.stdout.write(`${JSON.stringify({ [key]: r })}\n`);
        const failed = (e: unknown) => process.stdout.write(`${JSON.stringify({ error: String(e) })}\n`);
        if (verb === 'scale') live.cp.api('PATCH', `${at}/scale`, { spec: { replicas: Number(n) } }, { contentType: 'application/merge-patch+json' }).then(answer('scaled'), failed);
        if (verb === 'cpu') {
          live.cp.api('PATCH', at, [{ op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/cpu', value: n }], { contentType: 'application/json-patch+json' })
            .then(answer('patched'), failed);
        }
        if (verb === 'get') live.cp.api('GET', at).then(answer('deployment'), failed);
      }
    });
    process.stdin.on('end', stop).on('close', stop).resume();
    process.once('SIGTERM', stop);
  }, (e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
}
