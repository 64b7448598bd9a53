// MOrA's in-cluster recommendation on a running test cluster (test/harness/live-cluster.ts), as a program for the
// VS Code suite (the extension host cannot load the harness's TypeScript): installs the upstream VPA CRD (cached by
// scripts/install-vpa-crd.sh), creates a VPA naming "mora" for shop/checkout and writes its status with MOrA's own
// writer, stamped three hours ago. Usage: tsx test/harness/vpa-fixture.ts <kubeconfig>; prints { vpa } when done.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Recommendation } from '../../src/core/recommendation';
import { findKubeconfig, loadKubeconfig } from '../../src/data/kube/kubeconfig';
import { loadClientNode } from '../../src/data/kube/load';
import { vpaStatusFor, type VpaObject } from '../../src/data/kube/vpa-status';
import { VpaWriter } from '../../src/data/kube/vpa-writer';
import { until } from './wait';

const repo = path.resolve(__dirname, '..', '..');

/** MOrA's numbers for checkout's two containers (server 120m / 200Mi, envoy 20m / 40Mi), as the engine hands them over. */
function recommendation(): Recommendation {
  const r = (value: number) => ({
    request: { value, lower: value * 0.8, upper: value * 1.5 }, confidence: 0.8,
    evidence: { observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 1 }, margin: 0.1, method: 'moving-window', reason: '', completeness: 1, notes: [] },
  });
  const c = (container: string, cpu: number, memory: number) => ({ container, current: { requests: {}, limits: {} }, verdict: 'over-provisioned' as const, confidence: 0.8, cpu: r(cpu), memory: r(memory) });
  return {
    workload: { context: 'mora-real', namespace: 'shop', kind: 'Deployment', name: 'checkout' }, qos: 'Burstable', confidence: 0.8, generatedAt: 0,
    containers: [c('server', 0.12, 200 * 2 ** 20), c('envoy', 0.02, 40 * 2 ** 20)],
  };
}

async function main(kubeconfig: string): Promise<void> {
  const install = path.join(repo, 'scripts', 'install-vpa-crd.sh');
  const file = execFileSync('bash', [install, '--print-file'], { encoding: 'utf8' }).trim();
  if (!fs.existsSync(file)) execFileSync('bash', [install], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  const k = loadClientNode();
  const kc = loadKubeconfig(k, findKubeconfig({ explicit: kubeconfig }));
  const custom = kc.makeApiClient(k.CustomObjectsApi);
  // The CRD as the module ships it, posted as is (client-node's typed models would drop its x-kubernetes-* fields); one
  // that exists already (409) is fine.
  const post = async (p: string, body: unknown): Promise<void> => {
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const url = new URL(p, kc.getCurrentCluster()!.server);
    await new Promise<void>((resolve, reject) => {
      const req = https.request(url, { ...opts, method: 'POST', headers: { ...(opts.headers ?? {}), 'Content-Type': 'application/json' } }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => ((res.statusCode ?? 0) < 300 || res.statusCode === 409 ? resolve() : reject(new Error(`POST ${p}: ${res.statusCode} ${b.slice(0, 500)}`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  };
  for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    const crd = doc.toJS() as { kind?: string };
    if (crd?.kind === 'CustomResourceDefinition') await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  }
  const body = {
    apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'checkout', namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout' }, recommenders: [{ name: 'mora' }], updatePolicy: { updateMode: 'Off' } },
  };
  // The group is served a moment after the CRD is created.
  const created = await until(
    () => custom.createNamespacedCustomObject({ group: 'autoscaling.k8s.io', version: 'v1', namespace: 'shop', plural: 'verticalpodautoscalers', body }).then((v) => v as VpaObject, () => undefined),
    (v) => v !== undefined, 30_000);
  if (!created) throw new Error('the VerticalPodAutoscaler could not be created within 30 s');
  const threeHoursAgo = Date.now() - 3 * 3600_000;
  const writer = new VpaWriter({ kubeconfig, now: () => threeHoursAgo });
  await writer.writeStatus(created, (cur) => vpaStatusFor(cur, recommendation(), threeHoursAgo));
  process.stdout.write(`${JSON.stringify({ vpa: 'shop/checkout' })}\n`);
}

main(process.argv[2]).catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
