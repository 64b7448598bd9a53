// deploy/ (the in-cluster recommender's kustomize base, its components and example overlay, and the image) against a
// REAL kube-apiserver (test/harness/control-plane.ts) with the upstream VPA CRDs, a real Prometheus and a real
// Pushgateway:
//   - `kustomize build deploy/base` (kustomize built from its Go module by scripts/install-kustomize.sh) applies cleanly
//     with server-side apply through @kubernetes/client-node, and applying it again changes nothing;
//   - the CronJob's Job template is Indexed with completions = parallelism = MORA_SHARDS, the API server accepts a Job
//     made from it, and its pod passes the namespace's "restricted" Pod Security admission;
//   - every shard, run as its pod would run it (the image's files from deploy/Dockerfile, the rendered args and env,
//     JOB_COMPLETION_INDEX, the rendered ServiceAccount's token), covers its namespaces, writes MOrA's VPA status and
//     pushes its metrics; that ServiceAccount is refused anything beyond the run's needs;
//   - the alert rules parse with `promtool check rules` and fire as meant (`promtool test rules`);
//   - deploy/components/create-vpas adds exactly the create verb and --create-vpas: the base ServiceAccount may not
//     create a VPA, with the component it may, and its shard creates the labelled namespace's VPA.
// No kubelet or Job controller runs here: the test runs the pods' command itself, once per completion index.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import type { ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { shardNamespaces } from '../../src/data/kube/vpa-shard';
import type { VpaStatus } from '../../src/data/kube/vpa-status';
import { ControlPlane, type Credentials } from '../harness/control-plane';
import { usageSeries } from '../harness/live-cluster';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';
import { startPushgateway, type RunningPushgateway } from '../harness/pushgateway';
import { VPA_API, installVpaCrds, vpaCrdFile } from '../harness/vpa-crd';
import { until } from '../harness/wait';

type Json = Record<string, unknown>;
const run = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..');
const INSTALL_KUSTOMIZE = path.join(repo, 'scripts', 'install-kustomize.sh');
const NS = 'mora-system';

/** The cached kustomize binary, built by the install script when missing (needs Go and the module proxy the first time). */
function kustomizeBin(): string {
  const bin = execFileSync('bash', [INSTALL_KUSTOMIZE, '--print-bin'], { encoding: 'utf8' }).trim();
  if (!fs.existsSync(bin)) execFileSync('bash', [INSTALL_KUSTOMIZE], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  if (!fs.existsSync(bin)) throw new Error(`kustomize is not built at ${bin}: run bash scripts/install-kustomize.sh (it says why it cannot)`);
  return bin;
}

function render(kustomize: string, dir: string): Json[] {
  const out = execFileSync(kustomize, ['build', dir], { encoding: 'utf8', timeout: 60_000 });
  return parseAllDocuments(out).map((d) => d.toJS() as Json).filter(Boolean);
}

const find = (objs: Json[], kind: string, name?: string) => {
  const o = objs.find((x) => x.kind === kind && (name === undefined || (x.metadata as Json).name === name));
  assert.ok(o, `${kind} ${name ?? ''} rendered`);
  return o;
};

/**
 * The image's runtime files, made as deploy/Dockerfile makes them: its build stage (its `RUN node scripts/build.mjs …`
 * over package.json, tsconfig.json, scripts/build.mjs, src and bin, with the checkout's node_modules for
 * `npm ci`), then exactly the files its runtime stage copies (`COPY --from=build /src/X /app/Y`). Returns the /app folder.
 */
async function imageApp(): Promise<string> {
  const dockerfile = fs.readFileSync(path.join(repo, 'deploy', 'Dockerfile'), 'utf8');
  const copies = [...dockerfile.matchAll(/^COPY --from=build \/src\/(\S+) \/app\/(\S+)$/gm)].map((m) => [m[1], m[2]] as const);
  assert.ok(copies.length > 0, 'the Dockerfile copies files from its build stage');
  assert.match(dockerfile, /^ENTRYPOINT \["node", "\/app\/bin\/mora\.js"\]$/m);
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-image-build-'));
  for (const f of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(repo, f), path.join(build, f));
  fs.mkdirSync(path.join(build, 'scripts'));
  fs.copyFileSync(path.join(repo, 'scripts', 'build.mjs'), path.join(build, 'scripts', 'build.mjs'));
  for (const d of ['src', 'bin', 'node_modules']) fs.symlinkSync(path.join(repo, d), path.join(build, d));
  const buildArgs = /^RUN node (scripts\/build\.mjs .*)$/m.exec(dockerfile);
  assert.ok(buildArgs, 'the Dockerfile builds with scripts/build.mjs');
  await run(process.execPath, buildArgs[1].split(' '), { cwd: build, timeout: 120_000 });
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-image-app-'));
  for (const [from, to] of copies) {
    fs.mkdirSync(path.dirname(path.join(app, to)), { recursive: true });
    fs.copyFileSync(path.join(build, from), path.join(app, to));
  }
  fs.rmSync(build, { recursive: true, force: true });
  return app;
}

/** One sample line of the Prometheus text format or OpenMetrics: name, labels, value. */
function parseSamples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

describe('deploy/: the kustomize base on a real API server, its shards as pods, RBAC and alerts', function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let pgw: RunningPushgateway | undefined;
  let kustomize = '';
  let base: Json[] = [];
  let app = '';
  let tmp = '';
  let now = 0;
  let sa: Credentials;
  const teams = ['shop', 'payments', 'search', 'billing', 'media'];
  const summaries: ShardSummary[] = [];

  const vpaPath = (ns: string, name?: string) => `${VPA_API}/namespaces/${ns}/verticalpodautoscalers${name ? `/${name}` : ''}`;
  const cronJob = () => find(base, 'CronJob', 'mora-recommender');
  const jobSpec = (cj: Json) => ((cj.spec as Json).jobTemplate as Json).spec as Json;
  const container = (cj: Json) => (((jobSpec(cj).template as Json).spec as Json).containers as Json[])[0];
  // A value, or the downward API's metadata.namespace (the pod runs in NS).
  const envOf = (c: Json) => Object.fromEntries(((c.env ?? []) as Json[]).map((e) => [String(e.name),
    ((e.valueFrom as Json | undefined)?.fieldRef as Json | undefined)?.fieldPath === 'metadata.namespace' ? NS : String(e.value)]));

  /**
   * Runs the pod of completion index `i` as the kubelet would: the image's entrypoint with the container's args, $(VAR)
   * expanded from its environment (the ConfigMap of envFrom, then env, which wins), plus what the Job controller and
   * the cluster give a pod (JOB_COMPLETION_INDEX, the ServiceAccount's credentials, here as a kubeconfig).
   */
  const runPod = async (i: number, kubeconfig: string, extraArgs: string[] = [], rendered: Json[] = base) => {
    const c = container(find(rendered, 'CronJob', 'mora-recommender'));
    const env: Record<string, string> = {};
    for (const from of (c.envFrom ?? []) as Json[]) {
      const ref = String((from.configMapRef as Json).name);
      Object.assign(env, find(rendered, 'ConfigMap', ref).data as Record<string, string>);
    }
    Object.assign(env, envOf(c));
    // Where this machine's Prometheus and Pushgateway are (the ConfigMap names the cluster's), and a pinned time.
    Object.assign(env, { MORA_PROMETHEUS_URL: prom!.url, MORA_PUSHGATEWAY_URL: pgw!.url, MORA_NOW: String(now), HOME: tmp });
    const args = ((c.args ?? []) as string[]).map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m));
    const child = spawn(process.execPath, [path.join(app, 'bin', 'mora.js'), ...args, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, ...env, MORA_BUNDLED: '1', JOB_COMPLETION_INDEX: String(i), KUBECONFIG: kubeconfig },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, out, err, args };
  };

  before(async function () {
    this.timeout(600_000);
    kustomize = kustomizeBin();
    base = render(kustomize, path.join(repo, 'deploy', 'base'));
    const crdFile = vpaCrdFile();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-deploy-test-'));
    [app, cp, pgw] = await Promise.all([imageApp(), ControlPlane.start(), startPushgateway()]);
    await cp.createNode('mora-node-1', { cpu: '16', memory: '64Gi' });
    await installVpaCrds(cp, crdFile);

    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    now = end + 60;
    const start = end - 6 * 3600;
    const series = [];
    for (const [i, ns] of teams.entries()) {
      await cp.createNamespace(ns);
      const d = await cp.createDeployment(ns, { name: 'api', replicas: 1, containers: [{ name: 'server', image: `${ns}/api:1`, requests: { cpu: '1', memory: '1Gi' } }] });
      series.push(...usageSeries(d.pods, ns, { server: { cpu: 0.05 + 0.02 * i, memory: (120 + 10 * i) * 2 ** 20 } }, start, end));
      await cp.api('POST', vpaPath(ns), {
        apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api', namespace: ns },
        spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, recommenders: [{ name: 'mora' }], updatePolicy: { updateMode: 'Off' } },
      });
    }
    // For deploy/components/create-vpas: a namespace that opts in by label, with a workload that has no VPA.
    await cp.createNamespace('catalog', { 'mora.dev/create-vpa': 'true' });
    const web = await cp.createDeployment('catalog', { name: 'web', containers: [{ name: 'app', image: 'catalog/web:1', requests: { cpu: '300m', memory: '512Mi' } }] });
    series.push(...usageSeries(web.pods, 'catalog', { app: { cpu: 0.04, memory: 150 * 2 ** 20 } }, start, end));
    prom = await startPrometheus({ openMetrics: toOpenMetrics(series) });
  });
  after(async () => {
    await Promise.all([prom?.stop(), pgw?.stop(), cp?.stop()]);
    for (const d of [app, tmp]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('kustomize build deploy/base applies cleanly with server-side apply (client-node), and again without a change', async () => {
    const kinds = base.map((o) => o.kind).sort();
    assert.deepEqual(kinds, ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CronJob', 'Namespace', 'NetworkPolicy', 'Role', 'RoleBinding', 'ServiceAccount'].sort());
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp!.kubeconfig);
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    const apply = (o: Json) => client.patch(o as k8s.KubernetesObject, undefined, undefined, 'mora-deploy-test', true, k8s.PatchStrategy.ServerSideApply);
    const applied = [];
    for (const o of base) applied.push(await apply(o));
    for (const o of base) {
      const m = o.metadata as Json;
      const got = await client.read({ apiVersion: String(o.apiVersion), kind: String(o.kind), metadata: { name: String(m.name), ...(m.namespace ? { namespace: String(m.namespace) } : {}) } });
      assert.equal(got.metadata?.name, m.name, `${String(o.kind)} stored`);
    }
    const versions = applied.map((o) => o.metadata?.resourceVersion);
    const again = [];
    for (const o of base) again.push(await apply(o));
    assert.deepEqual(again.map((o) => o.metadata?.resourceVersion), versions, 'a second apply changes nothing');
    assert.equal(((await cp!.get('v1', 'Namespace', undefined, NS)).metadata as Json & { labels: Record<string, string> }).labels['pod-security.kubernetes.io/enforce'], 'restricted');
  });

  it('the CronJob runs an Indexed Job of N shards (completions = parallelism = MORA_SHARDS) that the API server accepts; its pod passes "restricted"', async () => {
    const stored = await cp!.get('batch/v1', 'CronJob', NS, 'mora-recommender');
    const spec = jobSpec(stored);
    const n = Number(spec.completions);
    assert.equal(spec.completionMode, 'Indexed');
    assert.ok(n >= 2, `shards: ${n}`);
    assert.equal(spec.parallelism, n);
    assert.equal(envOf(container(stored)).MORA_SHARDS, String(n));
    assert.equal(spec.backoffLimitPerIndex, 2, 'a failed shard is retried alone');
    assert.deepEqual(((spec.podFailurePolicy as Json).rules as Json[])[0], { action: 'FailIndex', onExitCodes: { containerName: 'mora', operator: 'In', values: [2] } });
    const c = container(stored);
    assert.deepEqual(c.resources, { requests: { cpu: '250m', memory: '384Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    assert.deepEqual((c.args as string[]).slice(0, 2), ['recommend', '--in-cluster']);
    assert.equal((c.securityContext as Json).readOnlyRootFilesystem, true);
    assert.equal(((jobSpec(stored).template as Json).spec as Json).serviceAccountName, 'mora-recommender');

    // What the CronJob controller would create (kubectl create job --from=cronjob/…): the API server validates it.
    const job = await cp!.create({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'mora-recommender-manual', namespace: NS }, spec: jobSpec(stored) });
    assert.equal((job.spec as Json).completionMode, 'Indexed');
    assert.equal((job.spec as Json).completions, n);
    // Its pod (as the Job controller would make it) against the namespace's enforced "restricted" Pod Security level.
    const template = jobSpec(stored).template as Json;
    // The NetworkPolicy governs exactly these pods.
    const selector = (((find(base, 'NetworkPolicy', 'mora-recommender').spec as Json).podSelector as Json).matchLabels) as Record<string, string>;
    const podLabels = (template.metadata as Json).labels as Record<string, string>;
    for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, `pod label ${k}`);
    const pod = (spec: Json) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mora-recommender-manual-0', namespace: NS, labels: (template.metadata as Json).labels }, spec });
    const ok = await cp!.raw('POST', `/api/v1/namespaces/${NS}/pods?dryRun=All`, pod(template.spec as Json));
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    // The check is real: the same pod without its security context is refused.
    const bare = JSON.parse(JSON.stringify(template.spec)) as Json;
    delete bare.securityContext;
    delete (bare.containers as Json[])[0].securityContext;
    const refused = await cp!.raw('POST', `/api/v1/namespaces/${NS}/pods?dryRun=All`, pod(bare));
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.match(String((refused.body as Json).message), /violates PodSecurity "restricted/);
  });

  it('every shard, run as its pod with the rendered ServiceAccount, covers its namespaces once, writes MOrA\'s status and pushes its metrics', async () => {
    const n = Number(jobSpec(cronJob()).completions);
    sa = await cp!.serviceAccountCredentials(NS, 'mora-recommender');
    const kubeconfig = cp!.writeKubeconfig([{ name: 'in-cluster', credentials: sa, namespace: NS }], 'mora-recommender');
    for (let i = 0; i < n; i++) {
      const file = path.join(tmp, `shard-${i}.om`);
      const r = await runPod(i, kubeconfig, ['--metrics-file', file]);
      assert.equal(r.code, 0, `shard ${i} (${r.args.join(' ')}): exit ${r.code}\n${r.err}\n${r.out}`);
      const s = JSON.parse(r.out) as ShardSummary;
      summaries.push(s);
      // The metrics file: OpenMetrics, this shard's values.
      const text = fs.readFileSync(file, 'utf8');
      assert.match(text, /# EOF\n$/);
      const om = parseSamples(text);
      const v = (name: string, labels: Record<string, string> = {}) => om.find((x) => x.name === name && Object.entries(labels).every(([k, val]) => x.labels[k] === val))?.value;
      assert.equal(v('mora_recommender_run_success'), 1, text);
      assert.equal(v('mora_recommender_vpa_status_writes_total'), s.writes);
      assert.equal(v('mora_recommender_workloads_recommended_total'), s.vpas.filter((o) => o.outcome === 'written' || o.outcome === 'unchanged').length);
      assert.equal(v('mora_recommender_shard_namespaces'), s.namespaces.length);
      if (s.vpas.length) {
        assert.ok((v('mora_recommender_prometheus_requests_total', { result: 'ok' }) ?? 0) > 0, text);
        assert.equal(v('mora_recommender_prometheus_reachable'), 1);
      }
      assert.equal(om.find((x) => x.name === 'mora_recommender_run_success')?.labels.shard, String(i));
    }
    const all = ((await cp!.api('GET', '/api/v1/namespaces')).items as Json[]).map((x) => String((x.metadata as Json).name)).sort();
    const seen = summaries.flatMap((s) => s.namespaces);
    assert.deepEqual([...seen].sort(), all, 'every namespace once');
    for (const s of summaries) assert.deepEqual(s.namespaces, shardNamespaces(all, s.shard.index, n));
    assert.deepEqual(summaries.flatMap((s) => s.vpas.map((o) => `${o.namespace}:${o.outcome}`)).sort(), teams.map((t) => `${t}:written`).sort());
    for (const ns of teams) {
      const st = (await cp!.api('GET', vpaPath(ns, 'api'))).status as VpaStatus;
      assert.equal(st.conditions?.find((c) => c.type === 'RecommendationProvided')?.reason, 'MOrARecommendation', ns);
      assert.equal(st.recommendation?.containerRecommendations[0].containerName, 'server');
    }
    // The Pushgateway holds one group per shard, job "mora-recommender".
    const pushed = parseSamples(await pgw!.metrics()).filter((x) => x.name.startsWith('mora_recommender_'));
    for (let i = 0; i < n; i++) {
      const of = (name: string) => pushed.find((x) => x.name === name && x.labels.shard === String(i) && x.labels.job === 'mora-recommender')?.value;
      assert.equal(of('mora_recommender_run_success'), 1, `shard ${i} pushed`);
      assert.equal(of('mora_recommender_vpa_status_writes_total'), summaries[i].writes);
      assert.ok((of('mora_recommender_last_success_timestamp_seconds') ?? 0) > 0);
    }
  });

  it('a shard that cannot reach Prometheus exits 3 and pushes run_success 0 and prometheus_reachable 0, keeping its last success time', async () => {
    const failing = summaries.find((x) => x.vpas.length > 0)!;
    const i = failing.shard.index;
    const pushedOf = async (name: string) => parseSamples(await pgw!.metrics()).find((x) => x.name === name && x.labels.shard === String(i))?.value;
    const lastSuccess = await pushedOf('mora_recommender_last_success_timestamp_seconds');
    assert.ok(lastSuccess && lastSuccess > 0);
    const kubeconfig = cp!.writeKubeconfig([{ name: 'in-cluster', credentials: sa, namespace: NS }], 'mora-recommender-2');
    // A port nothing listens on (Prometheus stopped, or the NetworkPolicy's egress to it missing).
    const closed = await new Promise<number>((resolve) => { const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as net.AddressInfo).port; srv.close(() => resolve(p)); }); });
    const r = await runPod(i, kubeconfig, ['--prometheus', `http://127.0.0.1:${closed}`]);
    assert.equal(r.code, 3, `${r.err}\n${r.out}`);
    assert.equal(await pushedOf('mora_recommender_run_success'), 0);
    assert.equal(await pushedOf('mora_recommender_prometheus_reachable'), 0);
    assert.equal(await pushedOf('mora_recommender_last_success_timestamp_seconds'), lastSuccess, 'the last success survives a failed run');
  });

  it('the rendered ServiceAccount is refused anything beyond the run: VPA spec, create, delete, update; workloads; Secrets, Pods, ConfigMaps but its one; Services', async () => {
    const refused = async (method: string, p: string, body?: unknown) => {
      const r = await cp!.raw(method, p, body, { credentials: sa, contentType: method === 'PATCH' ? 'application/merge-patch+json' : 'application/json', timeoutMs: 10_000 });
      assert.equal(r.status, 403, `${method} ${p}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    };
    const vpa = await cp!.api('GET', vpaPath('shop', 'api'));
    await refused('PATCH', vpaPath('shop', 'api'), { spec: { updatePolicy: { updateMode: 'Auto' } } });
    await refused('PUT', `${vpaPath('shop', 'api')}/status`, vpa);
    await refused('POST', vpaPath('shop'), { ...vpa, metadata: { name: 'new', namespace: 'shop' } });
    await refused('DELETE', vpaPath('shop', 'api'));
    await refused('GET', `${vpaPath('shop')}?watch=true`);
    await refused('PATCH', '/apis/apps/v1/namespaces/shop/deployments/api', { spec: { replicas: 3 } });
    await refused('GET', '/apis/apps/v1/namespaces/shop/deployments/api');
    await refused('GET', '/api/v1/namespaces/shop/secrets');
    await refused('GET', `/api/v1/namespaces/${NS}/secrets`);
    await refused('GET', '/api/v1/namespaces/shop/pods');
    await refused('GET', `/api/v1/namespaces/${NS}/configmaps`);
    // The shared global LSTM's Role: get/update of mora-global-lstm only, create in its own namespace only.
    await refused('GET', `/api/v1/namespaces/${NS}/configmaps/mora-recommender-settings`);
    await refused('PUT', `/api/v1/namespaces/${NS}/configmaps/mora-recommender-settings`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mora-recommender-settings', namespace: NS }, data: {} });
    await refused('POST', '/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mora-global-lstm', namespace: 'shop' } });
    await refused('GET', '/api/v1/namespaces/shop/configmaps/mora-global-lstm');
    await refused('GET', `/api/v1/namespaces/${NS}/configmaps?watch=true`);
    await refused('GET', '/api/v1/services');
    await refused('PATCH', `/apis/batch/v1/namespaces/${NS}/cronjobs/mora-recommender`, { spec: { suspend: true } });
    await refused('PATCH', '/apis/rbac.authorization.k8s.io/v1/clusterroles/mora-recommender', { rules: [] });
    // And the run's own needs are granted (the shards above used them).
    const allowed = await cp!.raw('GET', vpaPath('shop'), undefined, { credentials: sa });
    assert.equal(allowed.status, 200);
    // The shared model's ConfigMap: create, get, update it — and not delete it.
    const cmPath = `/api/v1/namespaces/${NS}/configmaps`;
    const made = await cp!.raw('POST', cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mora-global-lstm', namespace: NS } }, { credentials: sa });
    assert.equal(made.status, 201, JSON.stringify(made.body).slice(0, 300));
    const got = await cp!.raw('GET', `${cmPath}/mora-global-lstm`, undefined, { credentials: sa });
    assert.equal(got.status, 200);
    const put = await cp!.raw('PUT', `${cmPath}/mora-global-lstm`, { ...(got.body as Json), data: { probe: '1' } }, { credentials: sa });
    assert.equal(put.status, 200, JSON.stringify(put.body).slice(0, 300));
    await refused('DELETE', `${cmPath}/mora-global-lstm`);
    await cp!.api('DELETE', `${cmPath}/mora-global-lstm`);
  });

  it('-m lstm as the pods: the rendered Role is enough to share the global LSTM (6 h of history here: the trainer says it cannot train, the next shard falls back at once)', async () => {
    const n = Number(jobSpec(cronJob()).completions);
    const busy = summaries.filter((x) => x.vpas.length > 0).map((x) => x.shard.index);
    const kubeconfig = cp!.writeKubeconfig([{ name: 'in-cluster', credentials: sa, namespace: NS }], 'mora-recommender-lstm');
    const cmPath = `/api/v1/namespaces/${NS}/configmaps/mora-global-lstm`;
    const first = await runPod(busy[0], kubeconfig, ['--model', 'lstm']);
    assert.equal(first.code, 0, `${first.err}\n${first.out}`);
    const s1 = JSON.parse(first.out) as ShardSummary;
    assert.equal(s1.globalModel?.outcome, 'fallback', JSON.stringify(s1.globalModel));
    assert.match(s1.globalModel?.reason ?? '', /no series with enough history/, 'the training failed, not RBAC');
    const a = ((await cp!.api('GET', cmPath)).metadata as Json).annotations as Record<string, string>;
    assert.equal(a['mora.dev/global-lstm-state'], 'failed', `the trainer's log:\n${first.err}`);
    assert.equal(a['mora.dev/global-lstm-holder'], `shard ${busy[0]}/${n}`);
    const second = await runPod(busy[1] ?? busy[0], kubeconfig, ['--model', 'lstm']);
    assert.equal(second.code, 0, `${second.err}\n${second.out}`);
    const s2 = JSON.parse(second.out) as ShardSummary;
    assert.equal(s2.globalModel?.outcome, 'fallback');
    assert.match(s2.globalModel?.reason ?? '', new RegExp(`shard ${busy[0]}/${n} could not train it: .*no series with enough history`));
    await cp!.api('DELETE', cmPath);
  });

  it('deploy/components/create-vpas: exactly create on VPAs and --create-vpas; the base ServiceAccount may not create, with the component it may and its shard does', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'create-vpas-'));
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), stringify({
      resources: [path.relative(dir, path.join(repo, 'deploy', 'base'))], components: [path.relative(dir, path.join(repo, 'deploy', 'components', 'create-vpas'))],
    }));
    const withCreate = render(kustomize, dir);
    const rules = find(withCreate, 'ClusterRole', 'mora-recommender').rules as Json[];
    const baseRules = find(base, 'ClusterRole', 'mora-recommender').rules as Json[];
    assert.deepEqual(rules.slice(0, baseRules.length), baseRules);
    assert.deepEqual(rules.slice(baseRules.length), [{ apiGroups: ['autoscaling.k8s.io'], resources: ['verticalpodautoscalers'], verbs: ['create'] }]);
    assert.deepEqual(container(find(withCreate, 'CronJob', 'mora-recommender')).args, [...(container(cronJob()).args as string[]), '--create-vpas']);
    const rest = (objs: Json[]) => objs.filter((o) => o.kind !== 'ClusterRole' && o.kind !== 'CronJob');
    assert.deepEqual(rest(withCreate), rest(base), 'nothing else changes');

    const probe = { apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'probe', namespace: 'catalog' }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } };
    const createAsSa = () => cp!.raw('POST', `${vpaPath('catalog')}?dryRun=All`, probe, { credentials: sa, timeoutMs: 10_000 });
    assert.equal((await createAsSa()).status, 403, 'the base role may not create VPAs');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp!.kubeconfig);
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    const apply = (o: Json) => client.patch(o as k8s.KubernetesObject, undefined, undefined, 'mora-deploy-test', true, k8s.PatchStrategy.ServerSideApply);
    await apply(find(withCreate, 'ClusterRole', 'mora-recommender'));
    try {
      const ok = await until(createAsSa, (r) => r.status === 201, 20_000);
      assert.equal(ok.status, 201, JSON.stringify(ok.body).slice(0, 300));
      // The shard of the labelled namespace, run as its pod with the component's args, creates the VPA and fills it.
      const n = Number(jobSpec(cronJob()).completions);
      const i = summaries.find((x) => x.namespaces.includes('catalog'))!.shard.index;
      const kubeconfig = cp!.writeKubeconfig([{ name: 'in-cluster', credentials: sa, namespace: NS }], 'mora-recommender-create');
      const r = await runPod(i, kubeconfig, [], withCreate);
      assert.equal(r.code, 0, `shard ${i} of ${n} (${r.args.join(' ')}): exit ${r.code}\n${r.err}\n${r.out}`);
      assert.ok(r.args.includes('--create-vpas'));
      const s = JSON.parse(r.out) as ShardSummary;
      assert.deepEqual(s.created?.map((c) => `${c.namespace}/${c.name} ${c.outcome}`), ['catalog/web-mora created']);
      const created = await cp!.api('GET', vpaPath('catalog', 'web-mora'));
      assert.equal(((created.status as VpaStatus).conditions ?? []).find((c) => c.type === 'RecommendationProvided')?.reason, 'MOrARecommendation');
    } finally {
      await apply(find(base, 'ClusterRole', 'mora-recommender'));
    }
    assert.equal((await until(createAsSa, (r) => r.status === 403, 20_000)).status, 403, 'the base role again');
  });

  it('the example overlay: 8 shards follow completions, image and Prometheus/Pushgateway set, API server ipBlock narrowed, the PrometheusRule added', () => {
    const ex = render(kustomize, path.join(repo, 'deploy', 'overlays', 'example'));
    const cj = find(ex, 'CronJob', 'mora-recommender');
    assert.equal(jobSpec(cj).completions, 8);
    assert.equal(jobSpec(cj).parallelism, 8);
    assert.equal(envOf(container(cj)).MORA_SHARDS, '8');
    assert.equal(container(cj).image, 'registry.example.com/platform/mora:0.1.0');
    const cmName = String((((container(cj).envFrom as Json[])[0]).configMapRef as Json).name);
    const cm = find(ex, 'ConfigMap', cmName).data as Record<string, string>;
    assert.match(cm.MORA_PUSHGATEWAY_URL, /^http:\/\/.+:9091$/);
    assert.equal(cm.MORA_CPU_RISK, '0.05', 'the base settings kept');
    const np = find(ex, 'NetworkPolicy', 'mora-recommender');
    assert.deepEqual((((np.spec as Json).egress as Json[])[1].to as Json[])[0], { ipBlock: { cidr: '10.0.0.10/32' } });
    assert.equal((find(ex, 'PrometheusRule', 'mora-recommender').metadata as Json).namespace, NS);
    // The discovery component adds exactly the two rules discovery needs, and clears the Prometheus URL.
    const dir = fs.mkdtempSync(path.join(tmp, 'discovery-'));
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), stringify({
      resources: [path.relative(dir, path.join(repo, 'deploy', 'base'))], components: [path.relative(dir, path.join(repo, 'deploy', 'components', 'prometheus-discovery'))],
    }));
    const withDiscovery = render(kustomize, dir);
    const rules = (find(withDiscovery, 'ClusterRole', 'mora-recommender').rules as Json[]);
    const baseRules = (find(base, 'ClusterRole', 'mora-recommender').rules as Json[]);
    // Cluster-wide only the Service list discovery needs; the proxy only on one Service, in the Prometheus namespace.
    assert.deepEqual(rules.slice(baseRules.length), [{ apiGroups: [''], resources: ['services'], verbs: ['list'] }]);
    const proxyRole = find(withDiscovery, 'Role', 'mora-prometheus-proxy');
    assert.equal((proxyRole.metadata as Json).namespace, 'monitoring');
    assert.deepEqual(proxyRole.rules, [{ apiGroups: [''], resources: ['services/proxy'], verbs: ['get'], resourceNames: ['http:kube-prometheus-stack-prometheus:9090'] }]);
    const proxyBinding = find(withDiscovery, 'RoleBinding', 'mora-prometheus-proxy');
    assert.equal((proxyBinding.metadata as Json).namespace, 'monitoring');
    assert.deepEqual(proxyBinding.subjects, [{ kind: 'ServiceAccount', name: 'mora-recommender', namespace: 'mora-system' }]);
    const dcm = find(withDiscovery, 'ConfigMap').data as Record<string, string>;
    assert.equal(dcm.MORA_PROMETHEUS_URL, '');
    // NodeLocal DNSCache (optional component): DNS to its link-local address as well as to the kube-dns pods.
    const dnsDir = fs.mkdtempSync(path.join(tmp, 'nodelocal-dns-'));
    fs.writeFileSync(path.join(dnsDir, 'kustomization.yaml'), stringify({
      resources: [path.relative(dnsDir, path.join(repo, 'deploy', 'base'))], components: [path.relative(dnsDir, path.join(repo, 'deploy', 'components', 'nodelocal-dns'))],
    }));
    const dnsEgress = ((find(render(kustomize, dnsDir), 'NetworkPolicy', 'mora-recommender').spec as Json).egress as Json[]);
    const baseEgress = ((find(base, 'NetworkPolicy', 'mora-recommender').spec as Json).egress as Json[]);
    assert.deepEqual(dnsEgress.slice(0, baseEgress.length), baseEgress, 'the base rules kept');
    assert.deepEqual(dnsEgress.slice(baseEgress.length), [{ to: [{ ipBlock: { cidr: '169.254.20.10/32' } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }]);
  });

  it('the alert rules parse with promtool check rules and fire as meant (promtool test rules)', async () => {
    const rule = find(render(kustomize, path.join(repo, 'deploy', 'overlays', 'example')), 'PrometheusRule', 'mora-recommender');
    const dir = fs.mkdtempSync(path.join(tmp, 'rules-'));
    const groups = (rule.spec as Json).groups as Array<{ rules: Json[] }>;
    fs.writeFileSync(path.join(dir, 'rules.yml'), stringify({ groups }));
    const check = await run('promtool', ['check', 'rules', path.join(dir, 'rules.yml')]);
    assert.match(check.stdout, /SUCCESS: 6 rules found/);
    // What fires and with which labels (the annotation templates were checked above); one case checks an annotation.
    const bare = groups.map((g) => ({ ...g, rules: g.rules.map((r) => (r.alert === 'MoraRecommenderShardFailed' ? r : { ...r, annotations: undefined })) }));
    fs.writeFileSync(path.join(dir, 'rules.yml'), stringify({ groups: bare }));
    const shard = (i: number) => `job="mora-recommender",shard="${i}",shards="2"`;
    const job = 'namespace="mora-system",job_name="mora-recommender-29400000"';
    const oldJob = 'namespace="mora-system",job_name="mora-recommender-29300000"';
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          { series: `mora_recommender_run_success{${shard(0)}}`, values: '1x60' },
          { series: `mora_recommender_run_success{${shard(1)}}`, values: '0x60' },
          { series: `mora_recommender_prometheus_reachable{${shard(0)}}`, values: '1x60' },
          { series: `mora_recommender_prometheus_reachable{${shard(1)}}`, values: '0x60' },
          { series: `kube_job_failed{${job},condition="true"}`, values: '1x60' },
          { series: `kube_job_status_start_time{${job}}`, values: '0x60' },
          // A Job that failed over a day ago (kept by failedJobsHistoryLimit) no longer alerts.
          { series: `kube_job_failed{${oldJob},condition="true"}`, values: '1x60' },
          { series: `kube_job_status_start_time{${oldJob}}`, values: '-100000x60' },
          { series: `mora_recommender_run_start_time_seconds{${shard(0)}}`, values: '100x60' },
          { series: `mora_recommender_run_start_time_seconds{${shard(1)}}`, values: '130x60' },
          { series: `mora_recommender_shard_duration_seconds{${shard(0)}}`, values: '40x60' },
          { series: `mora_recommender_shard_duration_seconds{${shard(1)}}`, values: '20x60' },
        ],
        alert_rule_test: [
          {
            eval_time: '10m', alertname: 'MoraRecommenderShardFailed', exp_alerts: [{
              exp_labels: { severity: 'warning', job: 'mora-recommender', shard: '1', shards: '2' },
              exp_annotations: {
                summary: 'MOrA recommender shard 1 of 2 failed its last run',
                description: 'Its VPAs keep their previous recommendation. See the shard\'s pod logs: kubectl -n mora-system logs -l batch.kubernetes.io/job-completion-index=1 --tail=50',
              },
            }],
          },
          { eval_time: '10m', alertname: 'MoraRecommenderPrometheusUnreachable', exp_alerts: [{ exp_labels: { severity: 'critical', job: 'mora-recommender', shard: '1', shards: '2' } }] },
          { eval_time: '10m', alertname: 'MoraRecommenderJobFailed', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'mora-system', job_name: 'mora-recommender-29400000', condition: 'true' } }] },
          { eval_time: '10m', alertname: 'MoraRecommendationsStale', exp_alerts: [] },
        ],
        promql_expr_test: [{ expr: 'mora:recommender_run_duration_seconds', eval_time: '10m', exp_samples: [{ labels: 'mora:recommender_run_duration_seconds', value: 50 }] }],
      }, {
        // Shard 0 last succeeded at t=0 and never again; shard 1 succeeds every minute; the CronJob's last success at 0.
        interval: '1m',
        input_series: [
          { series: `mora_recommender_last_success_timestamp_seconds{${shard(0)}}`, values: '0x2300' },
          { series: `mora_recommender_last_success_timestamp_seconds{${shard(1)}}`, values: '0+60x2300' },
          { series: 'kube_cronjob_status_last_successful_time{namespace="mora-system",cronjob="mora-recommender"}', values: '0x2300' },
        ],
        alert_rule_test: [
          { eval_time: '35h', alertname: 'MoraRecommendationsStale', exp_alerts: [] },
          { eval_time: '37h', alertname: 'MoraRecommendationsStale', exp_alerts: [{ exp_labels: { severity: 'warning', job: 'mora-recommender', shard: '0', shards: '2' } }] },
          { eval_time: '37h', alertname: 'MoraRecommenderCronJobNotSucceeding', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'mora-system', cronjob: 'mora-recommender' } }] },
        ],
      }],
    };
    fs.writeFileSync(path.join(dir, 'tests.yml'), stringify(tests));
    const r = await run('promtool', ['test', 'rules', path.join(dir, 'tests.yml')]).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? String(e) }));
    assert.match(r.stdout, /SUCCESS/, `${r.stdout}\n${r.stderr}`);
  });
});
