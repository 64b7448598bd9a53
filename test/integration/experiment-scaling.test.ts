// How an experiment scales a workload, against a REAL kube-apiserver (control-plane.ts) and the real `mora` CLI process.
// No kubelet and no controller-manager run: a Deployment scaled up never gets ready replicas unless the test writes
// its status, which is how "waiting for the replicas" is held open. No Prometheus is needed before the first level.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { kubeScaler } from '../../src/data/experiments/plan';
import { KubeClient } from '../../src/data/kube/client';
import type { WorkloadRef } from '../../src/core/workload';
import { parseAllDocuments } from 'yaml';
import { ControlPlane } from '../harness/control-plane';
import { until } from '../harness/wait';

const ROOT = path.join(__dirname, '..', '..');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function runCli(args: string[], children: ChildProcess[]): { child: ChildProcess; stderr: () => string; stdout: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mora.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '', stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000); // bounded, whatever happens
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => { clearTimeout(killer); r(c); }));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

/** A Prometheus that answers an empty result to any query, the pre-check's vector(1) too (the runs below never get to a level). */
async function answeringPrometheus(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/**
 * A plan file of one service loading a closed port (:9) for 2 s at 10 req/s (resources: process), scaling
 * shop/Deployment/`workload` (in `context` when given) to each of `replicas` first; records under `out`.
 */
function writeProcessPlan(file: string, p: { prometheus: string; out: string; service: string; replicas: number[]; workload: string; context?: string }): void {
  fs.writeFileSync(file, [
    `prometheus: ${p.prometheus}`, 'scrapeInterval: 1s', 'rateCap: 50', `out: ${p.out}`, 'services:',
    `  - name: ${p.service}`, '    target: http://127.0.0.1:9/', `    replicas: [${p.replicas.join(', ')}]`, '    levels: [10]', '    duration: 2s',
    '    slo: { latencyP95Ms: 250 }', `    workload: { namespace: shop, kind: Deployment, name: ${p.workload}${p.context ? `, context: ${p.context}` : ''} }`, '    resources: process', '',
  ].join('\n'));
}

describe('experiment scaling on a real kube-apiserver (real CLI)', function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let dir: string;
  let kubeconfig: string;
  const children: ChildProcess[] = [];
  /** mora experiment asks Prometheus before it scales anything (2390737): one that answers, for scaledAndWaiting. */
  let prom: { url: string; close: () => void } | undefined;

  before(async function () {
    this.timeout(120_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-exp-scaling-'));
    cp = await ControlPlane.start();
    await cp.createNamespace('shop');
    kubeconfig = cp.writeKubeconfig([{ name: 'mora-real', credentials: cp.admin, namespace: 'shop' }], 'shop');
    prom = await answeringPrometheus();
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    prom?.close();
    await cp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const spec = async (name: string, c = cp!) => ((await c.get('apps/v1', 'Deployment', 'shop', name)).spec as { replicas: number }).replicas;

  /** A new 1-replica Deployment `name` in shop, and `mora experiment` flags (JSON to `out`) that scale it to `replicas`. */
  const flagExperiment = async (name: string, promUrl: string, out: string) => {
    await cp!.createDeployment('shop', { name, replicas: 1, containers: [{ name: 'server', image: 'sample:1' }] });
    return (replicas: string) => ['experiment', '--target', 'http://127.0.0.1:9/', '--prometheus', promUrl, '--levels', '10', '--duration', '2s',
      '--scrape-interval', '1s', '--out', out, '--workload', `Deployment/${name}`, '--namespace', 'shop', '--replicas', replicas,
      '--kubeconfig', kubeconfig, '--context', 'mora-real', '--format', 'json'];
  };

  /** Waits until `run` says it scales Deployment/`name` to `n` and the API server has that count (fails if it exits first). */
  const untilScaled = async (run: ReturnType<typeof runCli>, name: string, n: number) => {
    const said = new RegExp(`scaling Deployment/${name} to ${n} replica\\(s\\) and waiting`);
    assert.ok(await until(async () => said.test(run.stderr()) || run.child.exitCode !== null, Boolean, 60_000), run.stderr());
    assert.ok(await until(async () => (await spec(name)) === n || run.child.exitCode !== null, Boolean, 30_000), run.stderr());
  };

  /** `mora experiment` on a new 1-replica Deployment `name`, once it has scaled it to 2 and waits for them to be ready
   *  (no pod ever becomes ready here: no kubelet). */
  const scaledAndWaiting = async (name: string) => {
    await cp!.createDeployment('shop', { name, replicas: 1, containers: [{ name: 'server', image: 'sample:1' }] });
    const out = path.join(dir, name);
    const run = runCli(['experiment', '--target', 'http://127.0.0.1:9/', '--prometheus', prom!.url, '--levels', '10', '--duration', '2s',
      '--scrape-interval', '1s', '--out', out, '--workload', `Deployment/${name}`, '--namespace', 'shop', '--replicas', '2',
      '--kubeconfig', kubeconfig, '--context', 'mora-real', '--format', 'json'], children);
    assert.ok(await until(async () => new RegExp(`scaling Deployment/${name} to 2 replica\\(s\\) and waiting`).test(run.stderr()) || run.child.exitCode !== null, Boolean, 60_000), `timed out waiting for the CLI to wait for 2 ready replicas:\n${run.stderr()}`);
    assert.ok(await until(async () => (await spec(name)) === 2 || run.child.exitCode !== null, Boolean, 30_000), `timed out waiting for spec.replicas 2:\n${run.stderr()}`);
    return run;
  };

  it('mora experiment: Ctrl-C while waiting for the replicas is a cancel (partial, exit 130), the count put back', async () => {
    const run = await scaledAndWaiting('wait');
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130, run.stderr());
    const res = JSON.parse(run.stdout()) as { status: string; json: string };
    assert.equal(res.status, 'partial');
    const doc = JSON.parse(fs.readFileSync(res.json, 'utf8')) as { status: string; error?: string; interrupted?: string; scaling: { restored: boolean } };
    assert.deepEqual([doc.status, doc.error, doc.scaling.restored], ['partial', undefined, true]);
    assert.match(doc.interrupted ?? '', /cancelled while waiting for the replicas/);
    assert.equal(await spec('wait'), 1);
  });

  const setReplicas = (name: string, n: number) => cp!.api('PATCH', `/apis/apps/v1/namespaces/shop/deployments/${name}/scale`, { spec: { replicas: n } }, { contentType: 'application/merge-patch+json' });
  const hpa = (name: string, target: string) => cp!.create({
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: 'shop' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: 2, maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
  });
  /** What the kubelet and the Deployment controller would report once n replicas run (neither runs here). */
  const markReady = async (name: string, n: number) => {
    const d = await cp!.get('apps/v1', 'Deployment', 'shop', name);
    await cp!.setStatus(d, { observedGeneration: (d.metadata as { generation: number }).generation, replicas: n, readyReplicas: n, availableReplicas: n, updatedReplicas: n });
  };

  it('kubeScaler refuses a workload a HorizontalPodAutoscaler targets, naming it, before reading or writing its count', async () => {
    await cp!.createDeployment('shop', { name: 'auto', replicas: 3, containers: [{ name: 'server', image: 'sample:1' }] });
    await cp!.createDeployment('shop', { name: 'manual', replicas: 3, containers: [{ name: 'server', image: 'sample:1' }] });
    await hpa('auto-hpa', 'auto');
    await hpa('other-hpa', 'elsewhere');
    const kube = KubeClient.load({ kubeconfig });
    const ref = (name: string): WorkloadRef => ({ context: 'mora-real', namespace: 'shop', kind: 'Deployment', name });
    const refused = /HorizontalPodAutoscaler "auto-hpa" in namespace "shop" \(context "mora-real"\) scales Deployment\/auto \(2–6 replicas\): it would undo the replica counts the experiment sets, so MOrA does not scale this workload; nothing was scaled\. Take the autoscaler out .*kubectl --context mora-real -n shop get hpa auto-hpa -o yaml/;
    await assert.rejects(kubeScaler(kube, ref('auto')).current!(), refused);
    await assert.rejects(kubeScaler(kube, ref('auto'), { pollMs: 50, timeoutMs: 2_000 }).scale(5), refused);
    assert.equal(await spec('auto'), 3);
    // An HPA on another workload of the namespace does not stop this one.
    assert.equal(await kubeScaler(kube, ref('manual')).current!(), 3);
  });

  it('kubeScaler refuses when RBAC hides the HPAs: it cannot rule one out, says which permission is missing, scales nothing', async () => {
    await cp!.createRole('shop', 'scale-only', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }]);
    await cp!.bind('shop', 'scale-only', { kind: 'Role', name: 'scale-only' }, ['user:mora-scaler']);
    const file = cp!.writeKubeconfig([{ name: 'scaler', credentials: await cp!.userCredentials('mora-scaler'), namespace: 'shop' }], 'scaler');
    const kube = KubeClient.load({ kubeconfig: file });
    const scaler = kubeScaler(kube, { context: 'scaler', namespace: 'shop', kind: 'Deployment', name: 'manual' }, { pollMs: 50, timeoutMs: 2_000 });
    const hint = /RBAC denied: cannot list horizontalpodautoscalers\.autoscaling in namespace "shop".* — MOrA does not scale Deployment\/manual for an experiment without ruling out a HorizontalPodAutoscaler on it; nothing was scaled \(grant "list" on horizontalpodautoscalers\.autoscaling in namespace "shop" \(context "scaler"\); the mora-applier role in deploy\/rbac\/ grants it\)$/;
    await assert.rejects(scaler.current!(), hint);
    await assert.rejects(scaler.scale(4), hint);
    assert.equal(await spec('manual'), 3);
  });

  it('the shipped mora-applier role, bound in the namespace alone, is enough to scale for an experiment and restore', async () => {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(ROOT, 'deploy', 'rbac', 'mora-applier.yaml'), 'utf8'))) {
      const obj = doc.toJS() as Record<string, unknown> | null;
      if (obj) await cp!.create(obj);
    }
    await cp!.bind('shop', 'applier-only', { kind: 'ClusterRole', name: 'mora-applier' }, ['user:mora-applier-user']);
    await cp!.createDeployment('shop', { name: 'applied', replicas: 3, containers: [{ name: 'server', image: 'sample:1' }] });
    const file = cp!.writeKubeconfig([{ name: 'applier', credentials: await cp!.userCredentials('mora-applier-user'), namespace: 'shop' }], 'applier');
    const scaler = kubeScaler(KubeClient.load({ kubeconfig: file }), { context: 'applier', namespace: 'shop', kind: 'Deployment', name: 'applied' }, { pollMs: 50, timeoutMs: 30_000 });
    // A new binding takes a moment to reach the authorizer: a refusal until then, with a deadline.
    const current = await until(() => scaler.current!().catch((e: Error) => e), (x) => typeof x === 'number', 10_000);
    assert.equal(current, 3, String(current));
    const scaled = scaler.scale(2);
    assert.equal(await until(() => spec('applied'), (n) => n === 2, 10_000), 2);
    await markReady('applied', 2);
    await scaled;
    assert.equal(await scaler.restore!(3, 2), undefined);
    assert.equal(await spec('applied'), 3);
  });

  it('mora experiment run on a workload an HPA scales: exit 2, the HPA named, nothing scaled', async () => {
    const planFile = path.join(dir, 'auto.mora-plan.yaml');
    writeProcessPlan(planFile, { prometheus: prom!.url, out: 'results-auto', service: 'auto', replicas: [1, 2], workload: 'auto' });
    const run = runCli(['experiment', 'run', planFile, '--yes', '--kubeconfig', kubeconfig, '--context', 'mora-real'], children);
    assert.equal(await run.exited, 2, run.stderr());
    assert.match(run.stderr(), /HorizontalPodAutoscaler "auto-hpa" in namespace "shop" \(context "mora-real"\) scales Deployment\/auto/);
    assert.doesNotMatch(run.stderr(), /scaling Deployment\/auto/);
    assert.equal(await spec('auto'), 3);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'results-auto', 'auto.json'), 'utf8')) as { status: string; scaling: Record<string, unknown> };
    assert.deepEqual([doc.status, doc.scaling], ['failed', {}]);
  });

  it('kubeScaler restores only over the count it set: a count changed meanwhile is left, and the outcome says so', async () => {
    await cp!.createDeployment('shop', { name: 'shared', replicas: 3, containers: [{ name: 'server', image: 'sample:1' }] });
    const kube = KubeClient.load({ kubeconfig });
    const scaler = kubeScaler(kube, { context: 'mora-real', namespace: 'shop', kind: 'Deployment', name: 'shared' }, { pollMs: 50, timeoutMs: 30_000 });
    const scaled = scaler.scale(2);
    assert.ok(await until(async () => (await spec('shared')) === 2, Boolean, 10_000), 'timed out waiting for spec.replicas 2');
    await markReady('shared', 2);
    await scaled;
    await setReplicas('shared', 5); // someone else, during the experiment
    const outcome = await scaler.restore!(3, 2);
    assert.ok(outcome, 'not restored');
    assert.equal(outcome.left, 5);
    assert.match(outcome.reason, /Deployment\/shared in namespace "shop" \(context "mora-real"\) has 5 replica\(s\), not the 2 the experiment set: it was changed during the run .*so MOrA left it instead of writing back the original 3; .*kubectl --context mora-real -n shop scale deployment\/shared --replicas=3$/);
    assert.equal(await spec('shared'), 5);
    // Still at the count it set: written back.
    await setReplicas('shared', 2);
    assert.equal(await scaler.restore!(3, 2), undefined);
    assert.equal(await spec('shared'), 3);
  });

  it('mora experiment: a count changed by someone else while MOrA waits is left on restore, with a warning in stderr and the JSON', async () => {
    const run = await scaledAndWaiting('busy');
    await setReplicas('busy', 4); // the operator, meanwhile
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130, run.stderr());
    assert.match(run.stderr(), /mora: warning: Deployment\/busy in namespace "shop" \(context "mora-real"\) has 4 replica\(s\), not the 2 the experiment set: .*MOrA left it instead of writing back the original 1/);
    assert.equal(await spec('busy'), 4);
    const res = JSON.parse(run.stdout()) as { json: string };
    const note = (JSON.parse(fs.readFileSync(res.json, 'utf8')) as { scaling: { restored: boolean; scaledTo: number; restoreSkipped?: string } }).scaling;
    assert.deepEqual([note.restored, note.scaledTo], [false, 2]);
    assert.match(note.restoreSkipped ?? '', /has 4 replica\(s\), not the 2 the experiment set/);
  });

  it('mora experiment run scales a workload in the context its plan pins, not the current one; the other cluster is untouched', async function () {
    this.timeout(150_000);
    const other = await ControlPlane.start();
    let flaky: http.Server | undefined;
    try {
      await other.createNamespace('shop');
      await cp!.createDeployment('shop', { name: 'web', replicas: 1, containers: [{ name: 'server', image: 'sample:1' }] });
      await other.createDeployment('shop', { name: 'web', replicas: 1, containers: [{ name: 'server', image: 'sample:1' }] });
      const before = await cp!.get('apps/v1', 'Deployment', 'shop', 'web');
      // One kubeconfig, two clusters: the current context is cluster-a's.
      const user = (name: string, c: ControlPlane) => {
        const a = c.admin as { clientCert: string; clientKey: string };
        return [`- name: ${name}`, '  user:', `    client-certificate-data: ${Buffer.from(a.clientCert).toString('base64')}`, `    client-key-data: ${Buffer.from(a.clientKey).toString('base64')}`];
      };
      const cluster = (name: string, c: ControlPlane) => [`- name: ${name}`, '  cluster:', `    certificate-authority-data: ${Buffer.from(c.caPem).toString('base64')}`, `    server: ${c.url}`];
      const two = path.join(dir, 'two-clusters.kubeconfig');
      fs.writeFileSync(two, ['apiVersion: v1', 'kind: Config', 'current-context: cluster-a',
        'clusters:', ...cluster('a', cp!), ...cluster('b', other), 'users:', ...user('ua', cp!), ...user('ub', other),
        'contexts:', '- name: cluster-a', '  context: { cluster: a, user: ua, namespace: shop }', '- name: cluster-b', '  context: { cluster: b, user: ub, namespace: shop }', ''].join('\n'));
      // Prometheus answers the run's pre-check (vector(1), before anything is written or scaled; the dry run and the
      // refused --context ask nothing), then 503s: the run fails after cluster-b's workload was scaled.
      let asked = 0;
      flaky = http.createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        if (asked++ === 0) return res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '1'] }] } }));
        res.statusCode = 503;
        res.end(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'going away' }));
      });
      await new Promise<void>((r) => flaky!.listen(0, '127.0.0.1', r));
      const planFile = path.join(dir, 'pinned.mora-plan.yaml');
      writeProcessPlan(planFile, { prometheus: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`, out: 'results-pinned', service: 'web', replicas: [2], workload: 'web', context: 'cluster-b' });
      const dry = runCli(['experiment', 'run', planFile, '--dry-run', '--kubeconfig', two], children);
      assert.equal(await dry.exited, 0, dry.stderr());
      assert.match(dry.stdout(), /scales shop\/Deployment\/web \(service web\) in context "cluster-b" \(the plan's\)/);
      const clash = runCli(['experiment', 'run', planFile, '--yes', '--kubeconfig', two, '--context', 'cluster-a'], children);
      assert.equal(await clash.exited, 2, clash.stderr());
      assert.match(clash.stderr(), /--context "cluster-a" disagrees with the plan: service web's workload is pinned to context "cluster-b"/);

      const run = runCli(['experiment', 'run', planFile, '--yes', '--kubeconfig', two], children);
      assert.ok(await until(async () => (await spec('web', other)) === 2 || run.child.exitCode !== null, Boolean, 60_000), `timed out waiting for cluster-b's web at 2 replicas:\n${run.stderr()}`);
      const d = await other.get('apps/v1', 'Deployment', 'shop', 'web');
      await other.setStatus(d, { observedGeneration: (d.metadata as { generation: number }).generation, replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 });
      // Then Prometheus answers 503: the run stops, exit 3, and puts cluster-b's count back.
      assert.equal(await run.exited, 3, run.stderr());
      assert.equal(await spec('web', other), 1);
      const after = await cp!.get('apps/v1', 'Deployment', 'shop', 'web');
      assert.equal((after.metadata as { resourceVersion: string }).resourceVersion, (before.metadata as { resourceVersion: string }).resourceVersion, 'cluster-a was never written');
      const note = (JSON.parse(fs.readFileSync(path.join(dir, 'results-pinned', 'pinned.json'), 'utf8')) as { scaling: Record<string, { context?: string; restored: boolean }> }).scaling.web;
      assert.deepEqual([note.context, note.restored], ['cluster-b', true]);
    } finally {
      flaky?.close();
      await other.stop();
    }
  });

  const jsonsIn = (out: string) => fs.readdirSync(out).filter((f) => f.endsWith('.json')).sort()
    .map((f) => ({ file: f, doc: JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as { status: string; scaling?: { originalReplicas: number; restored: boolean; scaledTo?: number } } }));

  // A closed terminal or a dropped SSH session sends SIGHUP, and whatever MOrA writes then goes nowhere (EPIPE here:
  // the test closes the pipes first). Before: SIGHUP was not handled, the process died (signal, exit 129 in a shell)
  // with the Deployment left at 2 and the JSON "running".
  it('mora experiment: SIGHUP (terminal gone, output closed) while scaled restores the count, records partial, exit 130', async () => {
    const prom = await answeringPrometheus();
    try {
      await cp!.createDeployment('shop', { name: 'hup', replicas: 1, containers: [{ name: 'server', image: 'sample:1' }] });
      const out = path.join(dir, 'hup');
      const run = runCli(['experiment', '--target', 'http://127.0.0.1:9/', '--prometheus', prom.url, '--levels', '10', '--duration', '2s',
        '--scrape-interval', '1s', '--out', out, '--workload', 'Deployment/hup', '--namespace', 'shop', '--replicas', '2',
        '--kubeconfig', kubeconfig, '--context', 'mora-real', '--format', 'json'], children);
      assert.ok(await until(async () => /scaling Deployment\/hup to 2 replica\(s\) and waiting/.test(run.stderr()) || run.child.exitCode !== null, Boolean, 60_000), run.stderr());
      assert.ok(await until(async () => (await spec('hup')) === 2 || run.child.exitCode !== null, Boolean, 30_000), run.stderr());
      const seen = run.stderr();
      run.child.stdout!.destroy();
      run.child.stderr!.destroy();
      run.child.kill('SIGHUP');
      assert.equal(await run.exited, 130, seen);
      assert.equal(await spec('hup'), 1);
      assert.deepEqual(jsonsIn(out).map(({ doc }) => [doc.status, doc.scaling?.originalReplicas, doc.scaling?.restored]), [['partial', 1, true]]);
    } finally {
      prom.close();
    }
  });

  // A real hangup: the terminal is a pty (util-linux script) that goes away. The kernel hangs it up and sends SIGHUP to
  // the session leader, a bash that, as an interactive shell does on a hangup, passes SIGHUP on to the job it runs
  // (mora, its stdin and output the pty) and records mora's exit status. A write to the terminal then fails with EIO,
  // not EPIPE. Before 8b2a4c8: the process died, the Deployment left at 2. Before the exit hook in bin/mora.js: all was
  // restored and recorded, then Node aborted at exit resetting the hung-up tty (node::ResetStdio assertion, rc 134).
  it('mora experiment: SIGHUP from a real terminal hangup (its pty closed) while scaled: the count is put back, the JSON says partial, exit 130', async function () {
    const script = ['/usr/bin/script', '/bin/script'].find((p) => fs.existsSync(p));
    const bash = ['/bin/bash', '/usr/bin/bash'].find((p) => fs.existsSync(p));
    if (!script || !bash) this.skip();
    const prom = await answeringPrometheus();
    const pidFile = path.join(dir, 'hup-tty.pid');
    const rcFile = path.join(dir, 'hup-tty.rc');
    let child: ChildProcess | undefined;
    try {
      await cp!.createDeployment('shop', { name: 'hup-tty', replicas: 1, containers: [{ name: 'server', image: 'sample:1' }] });
      const out = path.join(dir, 'hup-tty');
      const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
      const mora = [process.execPath, path.join(ROOT, 'bin', 'mora.js'), 'experiment', '--target', 'http://127.0.0.1:9/', '--prometheus', prom.url, '--levels', '10',
        '--duration', '2s', '--scrape-interval', '1s', '--out', out, '--workload', 'Deployment/hup-tty', '--namespace', 'shop', '--replicas', '2',
        '--kubeconfig', kubeconfig, '--context', 'mora-real'].map(q).join(' ');
      // mora runs as a job (&, its stdin the pty through fd 3: a job's stdin would be /dev/null) so bash can take the
      // hangup while it waits; stdin of script stays open (a pipe): script keeps the pty until it is killed.
      const wrapper = path.join(dir, 'hup-tty.sh');
      fs.writeFileSync(wrapper, [
        'exec 3<&0', `${mora} <&3 3<&- &`, 'pid=$!',
        `trap 'kill -HUP $pid; wait $pid; echo $? > ${q(rcFile)}; exit' HUP`, `echo $pid > ${q(pidFile)}`, `wait $pid; echo $? > ${q(rcFile)}`, '',
      ].join('\n'));
      child = spawn(script, ['-qfec', `exec ${q(bash!)} ${q(wrapper)}`, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(child);
      let tty = '';
      child.stdout!.on('data', (d: Buffer) => (tty += d.toString()));
      assert.ok(await until(async () => /scaling Deployment\/hup-tty to 2 replica\(s\) and waiting/.test(tty) || child!.exitCode !== null, Boolean, 60_000), tty);
      assert.ok(await until(async () => (await spec('hup-tty')) === 2, Boolean, 30_000), tty);
      assert.ok(fs.existsSync(pidFile) && !fs.existsSync(rcFile), `bash has not taken SIGHUP yet, or mora ended before the hangup:\n${tty}`);
      child.kill('SIGKILL'); // the terminal closes
      const rc = await until(async () => (fs.existsSync(rcFile) ? fs.readFileSync(rcFile, 'utf8').trim() : ''), (r) => r !== '', 60_000);
      assert.equal(rc, '130', `mora's exit status after the hangup (134: Node aborted resetting the gone tty):\n${tty}`);
      assert.equal(await spec('hup-tty'), 1, `the count was not put back:\n${tty}`);
      assert.deepEqual(jsonsIn(out).map(({ doc }) => [doc.status, doc.scaling?.originalReplicas, doc.scaling?.restored]), [['partial', 1, true]]);
    } finally {
      prom.close();
      const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : NaN;
      if (pid > 0 && !fs.existsSync(rcFile)) try { process.kill(pid, 'SIGKILL'); } catch { /* ended */ }
    }
  });

  it('mora experiment run: SIGHUP (terminal gone, output closed) while scaled restores the count, records partial, exit 130', async () => {
    const prom = await answeringPrometheus();
    try {
      await cp!.createDeployment('shop', { name: 'hup-plan', replicas: 1, containers: [{ name: 'server', image: 'sample:1' }] });
      const planFile = path.join(dir, 'hup.mora-plan.yaml');
      writeProcessPlan(planFile, { prometheus: prom.url, out: 'results-hup', service: 'hp', replicas: [2], workload: 'hup-plan' });
      const run = runCli(['experiment', 'run', planFile, '--yes', '--kubeconfig', kubeconfig, '--context', 'mora-real'], children);
      assert.ok(await until(async () => /scaling Deployment\/hup-plan \(service hp\) to 2 replica\(s\) and waiting/.test(run.stderr()) || run.child.exitCode !== null, Boolean, 60_000), run.stderr());
      assert.ok(await until(async () => (await spec('hup-plan')) === 2 || run.child.exitCode !== null, Boolean, 30_000), run.stderr());
      const seen = run.stderr();
      run.child.stdout!.destroy();
      run.child.stderr!.destroy();
      run.child.kill('SIGHUP');
      assert.equal(await run.exited, 130, seen);
      assert.equal(await spec('hup-plan'), 1);
      const doc = JSON.parse(fs.readFileSync(path.join(dir, 'results-hup', 'hup.json'), 'utf8')) as { status: string; scaling: Record<string, { restored: boolean }> };
      assert.deepEqual([doc.status, doc.scaling.hp.restored], ['partial', true]);
    } finally {
      prom.close();
    }
  });

  /** SIGTERM, and again as soon as MOrA has taken the first (`timeout`'s pair: the child, then its group). */
  const sigtermTwice = async (run: ReturnType<typeof runCli>) => {
    run.child.kill('SIGTERM');
    assert.ok(await until(async () => /mora: interrupted/.test(run.stderr()) || run.child.exitCode !== null, Boolean, 30_000, 5), run.stderr());
    run.child.kill('SIGTERM');
  };

  // Before: the second SIGTERM quit at once — the Deployment left at 2 and the record "running".
  it('mora experiment: SIGTERM twice in quick succession while scaled: the second is absorbed, the count put back, partial, exit 130', async () => {
    const run = await scaledAndWaiting('twice');
    await sigtermTwice(run);
    assert.equal(await run.exited, 130, run.stderr());
    assert.equal(await spec('twice'), 1, run.stderr());
    assert.deepEqual(jsonsIn(path.join(dir, 'twice')).map(({ doc }) => [doc.status, doc.scaling?.originalReplicas, doc.scaling?.restored]), [['partial', 1, true]]);
    // Under COALESCE_MS after the first the second SIGTERM is the same press (absorbed silently); later, said once.
    assert.ok(run.stderr().split('mora: SIGTERM again: still writing the completed levels and scaling Deployment/twice back to 1').length <= 2, run.stderr());
    assert.match(run.stderr(), /^restored Deployment\/twice to 1 replica\(s\)$/m);
  });

  it('mora experiment run: SIGTERM twice in quick succession while scaled: the second is absorbed, the count put back, partial, exit 130', async () => {
    await cp!.createDeployment('shop', { name: 'twice-plan', replicas: 1, containers: [{ name: 'server', image: 'sample:1' }] });
    const planFile = path.join(dir, 'twice.mora-plan.yaml');
    writeProcessPlan(planFile, { prometheus: prom!.url, out: 'results-twice', service: 'tw', replicas: [2], workload: 'twice-plan' });
    const run = runCli(['experiment', 'run', planFile, '--yes', '--kubeconfig', kubeconfig, '--context', 'mora-real'], children);
    assert.ok(await until(async () => /scaling Deployment\/twice-plan \(service tw\) to 2 replica\(s\) and waiting/.test(run.stderr()) || run.child.exitCode !== null, Boolean, 60_000), run.stderr());
    assert.ok(await until(async () => (await spec('twice-plan')) === 2 || run.child.exitCode !== null, Boolean, 30_000), run.stderr());
    await sigtermTwice(run);
    assert.equal(await run.exited, 130, run.stderr());
    assert.equal(await spec('twice-plan'), 1, run.stderr());
    const record = path.join(dir, 'results-twice', 'twice.json');
    const doc = JSON.parse(fs.readFileSync(record, 'utf8')) as { status: string; scaling: Record<string, { restored: boolean }> };
    assert.deepEqual([doc.status, doc.scaling.tw.restored], ['partial', true]);
    // Under COALESCE_MS after the first the second SIGTERM is the same press (absorbed silently); later, said once.
    assert.ok(run.stderr().split(`mora: SIGTERM again: still recording the plan's run in ${record}; scaling Deployment/twice-plan back to 1 — please wait`).length <= 2, run.stderr());
  });

  // Before: B read A's 4 as the original and scaled to 6; A's restore was then skipped (not the 4 it set) and B, ending
  // last, "restored" 4 — the Deployment ended at 4, not its 2.
  it('mora experiment run: a second plan scaling a workload the first is scaling now is exit 2 naming the first; the first puts back the original', async () => {
    await cp!.createDeployment('shop', { name: 'shared-plan', replicas: 2, containers: [{ name: 'server', image: 'sample:1' }] });
    const planA = path.join(dir, 'share-a.mora-plan.yaml');
    const planB = path.join(dir, 'share-b.mora-plan.yaml');
    writeProcessPlan(planA, { prometheus: prom!.url, out: 'shared/a', service: 'sa', replicas: [4], workload: 'shared-plan' });
    writeProcessPlan(planB, { prometheus: prom!.url, out: 'shared/b', service: 'sb', replicas: [6], workload: 'shared-plan' });
    const a = runCli(['experiment', 'run', planA, '--yes', '--kubeconfig', kubeconfig, '--context', 'mora-real'], children);
    assert.ok(await until(async () => /scaling Deployment\/shared-plan \(service sa\) to 4 replica\(s\) and waiting/.test(a.stderr()) || a.child.exitCode !== null, Boolean, 60_000), a.stderr());
    assert.ok(await until(async () => (await spec('shared-plan')) === 4 || a.child.exitCode !== null, Boolean, 30_000), a.stderr());
    const b = runCli(['experiment', 'run', planB, '--yes', '--kubeconfig', kubeconfig, '--context', 'mora-real'], children);
    assert.equal(await b.exited, 2, b.stderr());
    assert.match(b.stderr(), /plan share-b: Deployment\/shared-plan in namespace shop \(context mora-real\) \(service sb\) is being scaled by plan share-a, which is running \(pid \d+ on [^;]+; its record [^)]*share-a\.json\): nothing was scaled or sent; run share-b once share-a has ended; if share-a is not running, delete [^ ]*share-a\.lock$/m);
    assert.equal(await spec('shared-plan'), 4, 'B changed nothing');
    assert.equal(fs.existsSync(path.join(dir, 'shared', 'b', 'share-b.json')), false, 'B wrote no record');
    a.child.kill('SIGINT');
    assert.equal(await a.exited, 130, a.stderr());
    assert.equal(await spec('shared-plan'), 2, 'A put back the original 2');
  });

  // Before: the rerun read the killed run's count (4) as the original, noted originalReplicas 4 and "restored" 4.
  it('mora experiment --workload --replicas after a kill -9: the rerun takes the original count from the killed run\'s note and puts it back', async () => {
    const prom = await answeringPrometheus();
    try {
      const out = path.join(dir, 'k9');
      const args = await flagExperiment('k9', prom.url, out);
      const killed = runCli(args('4'), children);
      await untilScaled(killed, 'k9', 4);
      killed.child.kill('SIGKILL');
      await killed.exited;
      assert.deepEqual(jsonsIn(out).map(({ doc }) => [doc.status, doc.scaling?.originalReplicas, doc.scaling?.restored]), [['running', 1, false]]);
      await markReady('k9', 4);

      const rerun = runCli(args('2'), children);
      await untilScaled(rerun, 'k9', 2);
      assert.match(rerun.stderr(), /Deployment\/k9 in namespace shop has 4 replica\(s\), but an earlier run \(127-0-0-1-9-r4-\S+\.json\) left it scaled from 1 and did not restore it: MOrA takes 1 as its original count, and puts it back when the plan ends/);
      rerun.child.kill('SIGINT');
      assert.equal(await rerun.exited, 130, rerun.stderr());
      assert.equal(await spec('k9'), 1, rerun.stderr());
      assert.match(rerun.stderr(), /restored Deployment\/k9 to 1 replica\(s\)/);
      // Both records settled: the killed run's note no longer asks a later run to restore anything.
      assert.deepEqual(jsonsIn(out).map(({ doc }) => [doc.status, doc.scaling?.originalReplicas, doc.scaling?.restored]).sort(), [['partial', 1, true], ['running', 1, true]]);
    } finally {
      prom.close();
    }
  });

  // Before: the second took the running one's note as a killed one's, scaled k9 during it, and restored over it.
  // Before 2026-12-01 each run read the records, then wrote its own: started at the same instant, both could find no
  // other run and both scale the workload. Both are spawned at once (no wait between them), a few times over. Each takes the
  // workload's lock before its first API request (de19ce7: the count is read under the lock), so the race is on the lock
  // itself; until then this test held both at their first API request, which a refused run now never makes.
  it('two mora experiment runs started at the same instant on one workload: one scales it, the other is exit 2 naming it (3 times over)', async () => {
    const prom = await answeringPrometheus();
    try {
      for (let round = 0; round < 3; round++) {
        const name = `race-${round}`;
        const args = (await flagExperiment(name, prom.url, path.join(dir, name)))('3');
        const runs = [runCli(args, children), runCli(args, children)];
        // One exits (refused) while the other holds the workload, scaled, waiting for ready replicas that never come.
        const refusedAt = await Promise.race(runs.map((r, i) => r.exited.then(() => i)));
        const [refused, holder] = [runs[refusedAt], runs[1 - refusedAt]];
        assert.equal(await refused.exited, 2, `${refused.stderr()}\n--- the other:\n${holder.stderr()}`);
        assert.match(refused.stderr(), new RegExp(`^mora: mora experiment: Deployment/${name} in namespace shop \\(context mora-real\\) \\(service 127\\.0\\.0\\.1:9\\) is being scaled by mora experiment \\(out ${escape(path.join(dir, name))}\\) \\(pid ${holder.child.pid} on [^;]+; lock \\S+\\.lock\\): nothing was scaled or sent; `, 'm'));
        await untilScaled(holder, name, 3);
        assert.equal(holder.child.exitCode, null, holder.stderr());
        holder.child.kill('SIGINT');
        assert.equal(await holder.exited, 130, holder.stderr());
        assert.equal(await spec(name), 1, 'the holder put back the original');
        assert.equal(jsonsIn(path.join(dir, name)).length, 1, 'one record: the refused run wrote none');
      }
    } finally {
      prom.close();
    }
  });

  it('mora experiment --workload while another mora experiment scales that workload: exit 2 naming it and its lock, nothing scaled; the first puts back the original', async () => {
    const prom = await answeringPrometheus();
    try {
      const out = path.join(dir, 'running-exp');
      const args = await flagExperiment('running-exp', prom.url, out);
      const first = runCli(args('4'), children);
      await untilScaled(first, 'running-exp', 4);
      const second = runCli(args('2'), children);
      assert.equal(await second.exited, 2, second.stderr());
      // The workload's lock (plan-lock.ts acquireWorkloadLock), taken before the records are read, names the first run.
      assert.match(second.stderr(), new RegExp(`^mora: mora experiment: Deployment/running-exp in namespace shop \\(context mora-real\\) \\(service 127\\.0\\.0\\.1:9\\) is being scaled by mora experiment \\(out ${escape(out)}\\) \\(pid ${first.child.pid} on [^;]+; lock ${escape(dir)}/\\.mora-workload-[0-9a-f]+\\.lock\\): nothing was scaled or sent; run it again once that run has ended`, 'm'));
      assert.equal(await spec('running-exp'), 4, 'the second changed nothing');
      assert.equal(jsonsIn(out).length, 1, 'the second wrote no record');
      first.child.kill('SIGINT');
      assert.equal(await first.exited, 130, first.stderr());
      assert.equal(await spec('running-exp'), 1, first.stderr());
    } finally {
      prom.close();
    }
  });
});
