// Applying to a cluster, safely, against a REAL kube-apiserver (test/harness/control-plane.ts: RBAC and admission on)
// and a real Prometheus backfilled with cAdvisor-shaped series for the pods that exist there:
//   - `mora recommend --apply-cluster --dry-run` prints the diff of the server-side dry run and changes nothing;
//     `--yes` patches exactly that; an Argo CD-managed workload gets the warning;
//   - refusals before anything changes, one line each, in the API server's words: validation (422), a
//     ValidatingAdmissionPolicy (403), and — judged by MOrA on the patched template, compared here with what the real
//     server says for such a pod — LimitRange and ResourceQuota;
//   - deploy/rbac/: the reader can read everything MOrA reads and is refused a patch with MOrA's RBAC line naming the
//     role that grants it; the applier can patch; the shipped example binding works as written;
//   - kubeconfig like kubectl: an exec credential plugin (static token file), KUBECONFIG with several files, in-cluster.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { formatCpu, formatMemory } from '../../src/core/quantity';
import type { Recommendation } from '../../src/core/recommendation';
import type { WorkloadRef } from '../../src/core/workload';
import { applyApproved, clusterChange, planApply, podAdmissionProblems } from '../../src/data/kube/apply-plan';
import { judgeWrite, readUndoRecord, recordBeforePatch } from '../../src/data/kube/undo-record';
import { applyWrites } from '../../src/cli/commands/apply-to-cluster';
import { COALESCE_MS } from '../../src/cli/commands/interrupt-signals';
import { KubeClient } from '../../src/data/kube/client';
import { KubeError } from '../../src/data/kube/errors';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';
import { ControlPlane, apiPath, type CreatedDeployment, type Credentials } from '../harness/control-plane';
import { usageSeries } from '../harness/live-cluster';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';
import { until } from '../harness/wait';

type Json = Record<string, unknown>;
type Container = { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
const repo = path.resolve(__dirname, '..', '..');
const containersOf = (o: Json) => ((o.spec as Json).template as { spec: { containers: Container[] } }).spec.containers;
const rvOf = (o: Json) => String((o.metadata as Json).resourceVersion);

// Undo records (--apply-cluster writes one before patching) go under the test's folder, not the user's home.
let stateHome = '';
const mora = (args: string[], env: NodeJS.ProcessEnv = {}) => moraProcess(args, cleanEnv({ XDG_STATE_HOME: stateHome, ...env }));

describe('Apply to cluster, RBAC and kubeconfig against a real API server', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let dir: string;
  let kube: KubeClient;
  let checkout: CreatedDeployment;
  let execToken: string;
  const ref = (namespace: string, name: string, context = 'mora-real'): WorkloadRef => ({ context, namespace, kind: 'Deployment', name });
  /**
   * A kubeconfig (context mora-real, default namespace `namespace`) whose exec credential plugin holds the request it
   * runs for once an undo record exists under `<gate>/state` (the run's XDG_STATE_HOME), until `<gate>/go` is written:
   * it touches `<gate>/blocked` when it holds one, `<gate>/released` once it let go (it holds at most once).
   */
  const gatedKubeconfig = (prefix: string, namespace: string) => {
    const gate = fs.mkdtempSync(path.join(dir, prefix));
    const state = path.join(gate, 'state');
    const plugin = path.join(gate, 'plugin.sh');
    fs.writeFileSync(plugin, [
      '#!/bin/sh',
      `if ls '${state}/mora/undo/'*.yaml >/dev/null 2>&1 && [ ! -e '${gate}/released' ]; then`,
      `  touch '${gate}/blocked'; n=0`,
      `  while [ ! -e '${gate}/go' ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done`,
      `  touch '${gate}/released'`,
      'fi',
      `printf '%s' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${execToken}","expirationTimestamp":"2000-01-01T00:00:00Z"}}'`,
      '',
    ].join('\n'), { mode: 0o755 });
    const kubeconfig = path.join(gate, 'kubeconfig.yaml');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      'clusters:', '- name: real', '  cluster:', `    certificate-authority-data: ${Buffer.from(cp!.caPem).toString('base64')}`, `    server: ${cp!.url}`,
      'users:', '- name: gated', '  user:', '    exec:', '      apiVersion: client.authentication.k8s.io/v1', `      command: ${plugin}`, '      interactiveMode: Never',
      // The context has the name undo records are written with (their workloads name their context).
      'contexts:', '- name: mora-real', '  context:', '    cluster: real', '    user: gated', `    namespace: ${namespace}`,
      'current-context: mora-real', '',
    ].join('\n'));
    return { gate, state, kubeconfig };
  };
  /** bin/mora.js as a process with XDG_STATE_HOME `state`: its stderr so far, and its exit code or signal once closed. */
  const spawnMora = (args: string[], state: string) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin', 'mora.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv({ XDG_STATE_HOME: state }) });
    const out = { child, err: '', closed: new Promise<number | string | null>((resolve) => child.once('close', (code, signal) => resolve(code ?? signal))) };
    child.stderr.setEncoding('utf8').on('data', (t: string) => { out.err += t; });
    child.stdout.resume();
    return out;
  };

  before(async function () {
    this.timeout(180_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-apply-cluster-'));
    stateHome = path.join(dir, 'state');
    // A static token for the exec-plugin user (the API server's --token-auth-file: token,user,uid,"groups").
    execToken = `mora-exec-${randomBytes(12).toString('hex')}`;
    const tokens = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokens, `${execToken},mora-exec,mora-exec-uid,"mora-testers"\n`, { mode: 0o600 });
    cp = await ControlPlane.start({ apiServerArgs: [`--token-auth-file=${tokens}`] });
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    await Promise.all(['shop', 'payments', 'limited', 'quota', 'staging', 'undo'].map((ns) => cp!.createNamespace(ns)));
    await cp.createNamespace('policed', { 'mora-test/policy': 'memory-cap' });
    checkout = await cp.createDeployment('shop', {
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
    // A second "frontend", in another namespace: -w frontend names two workloads.
    const stagingFrontend = await cp.createDeployment('staging', {
      name: 'frontend', replicas: 1,
      containers: [{ name: 'server', image: 'shop/frontend:2', requests: { cpu: '300m', memory: '256Mi' } }],
    });
    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    const start = end - 6 * 3600;
    const series = [
      ...usageSeries(checkout.pods, 'shop', { server: { cpu: 0.1, memory: 150e6 }, envoy: { cpu: 0.02, memory: 30e6 } }, start, end),
      ...usageSeries(frontend.pods, 'shop', { server: { cpu: 0.05, memory: 100e6 } }, start, end),
      ...usageSeries(stagingFrontend.pods, 'staging', { server: { cpu: 0.05, memory: 100e6 } }, start, end),
    ];
    prom = await startPrometheus({ openMetrics: toOpenMetrics(series) });
    kube = KubeClient.load({ kubeconfig: cp.kubeconfig });
  });
  after(async () => {
    await prom?.stop();
    await cp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('mora recommend --apply-cluster', () => {
    let recs: Recommendation[];
    const args = () => ['recommend', '--source', 'cluster', '--kubeconfig', cp!.kubeconfig, '--context', 'mora-real', '--prometheus', prom!.url, '-n', 'shop'];

    it('--dry-run: the diff of the server-side dry run (same as the library\'s plan), the Argo CD warning, nothing changed', async () => {
      const before = await Promise.all(['checkout', 'frontend'].map((n) => cp!.get('apps/v1', 'Deployment', 'shop', n)));
      const r = await mora([...args(), '-f', 'json', '--apply-cluster', '--dry-run']);
      assert.equal(r.code, 0, r.err);
      recs = JSON.parse(r.out) as Recommendation[];
      assert.deepEqual(recs.map((x) => x.workload.name).sort(), ['checkout', 'frontend']);
      // JSON stays parseable on stdout; the diffs went to stderr. They are exactly the plan MOrA's library makes.
      for (const rec of recs) {
        const plan = await planApply(kube, rec.workload, clusterChange(rec));
        assert.ok(plan.changed, `${rec.workload.name} changes`);
        assert.ok(r.err.includes(plan.diff), `stderr has the diff of ${rec.workload.name}:\n${plan.diff}\n--- stderr:\n${r.err}`);
      }
      const server = recs.find((x) => x.workload.name === 'checkout')!.containers.find((c) => c.container === 'server')!;
      assert.ok(r.err.includes([
        '--- Deployment shop/checkout (context mora-real) live',
        '+++ Deployment shop/checkout (context mora-real) after the patch (server-side dry run)',
      ].join('\n')), r.err);
      assert.match(r.err, new RegExp(`^-              cpu: 500m\\n-              memory: 512Mi\\n\\+              cpu: ${formatCpu(server.cpu!.request.value)}\\n\\+              memory: ${formatMemory(server.memory!.request.value)}$`, 'm'));
      assert.match(r.err, /^mora: warning: Deployment shop\/frontend is managed by Argo CD \(application "shop-prod"; label argocd\.argoproj\.io\/instance=shop-prod\): a live patch will be reverted — .* mora recommend --apply-to <path>\.$/m);
      assert.match(r.err, /^dry run: 2 workload\(s\) would be patched; nothing was changed$/m);
      const after = await Promise.all(['checkout', 'frontend'].map((n) => cp!.get('apps/v1', 'Deployment', 'shop', n)));
      assert.deepEqual(after.map(rvOf), before.map(rvOf), 'a dry run writes nothing');
    });

    it('table output: the diff follows the table on stdout', async () => {
      const r = await mora([...args(), '--apply-cluster', '--dry-run', '-q']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /checkout[\s\S]*\n--- Deployment shop\/checkout \(context mora-real\) live\n\+\+\+ Deployment shop\/checkout \(context mora-real\) after the patch \(server-side dry run\)\n@@ /);
      assert.match(r.out, /\n--- Deployment shop\/frontend \(context mora-real\) live\n/);
    });

    it('--yes patches what the diff showed; the object on the server has the recommended values', async () => {
      const r = await mora([...args(), '-f', 'json', '--apply-cluster', '--yes']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^patched Deployment shop\/checkout \(context mora-real, resourceVersion \d+\)$/m);
      assert.match(r.err, /^patched Deployment shop\/frontend \(context mora-real, resourceVersion \d+\)$/m);
      // The previous values were recorded before the first patch, and the way back is named.
      const [record] = fs.readdirSync(path.join(stateHome, 'mora', 'undo')).map((f) => path.join(stateHome, 'mora', 'undo', f));
      assert.match(r.err, new RegExp(`^previous values recorded in ${record.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(to put them back: mora recommend --undo \\S+ --kubeconfig \\S+\\)$`, 'm'));
      assert.match(fs.readFileSync(record, 'utf8'), /^kind: MoraUndoRecord\n/);
      const applied = JSON.parse(r.out) as Recommendation[];
      const rec = applied.find((x) => x.workload.name === 'checkout')!;
      const live = containersOf(await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout'));
      for (const c of rec.containers) {
        const got = live.find((x) => x.name === c.container)!.resources!;
        assert.equal(got.requests?.cpu, formatCpu(c.cpu!.request.value), `${c.container} cpu`);
        assert.equal(got.requests?.memory, formatMemory(c.memory!.request.value), `${c.container} memory`);
        if (c.memory?.limit) assert.equal(got.limits?.memory, formatMemory(c.memory.limit.value));
      }
      // The envoy's CPU limit was not part of the recommendation: it stays.
      assert.equal(live.find((x) => x.name === 'envoy')!.resources!.limits!.cpu, '200m');
      // managedFields name MOrA (fieldManager=mora) as the manager of the patch.
      const fields = ((await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout')) as { metadata?: { managedFields?: Array<{ manager?: string; operation?: string }> } }).metadata?.managedFields ?? [];
      assert.ok(fields.some((f) => f.manager === 'mora' && f.operation === 'Update'), JSON.stringify(fields.map((f) => [f.manager, f.operation])));
      // Run again: nothing left to patch.
      const again = await mora([...args(), '-f', 'json', '--apply-cluster', '--dry-run']);
      assert.equal(again.code, 0, again.err);
      assert.match(again.err, /^Deployment shop\/checkout: already at the recommended values, nothing to patch$/m);
      assert.ok(recs.length > 0);
    });
  });

  describe('-w with --apply-cluster: one workload, named as kubectl would', () => {
    const args = () => ['recommend', '--source', 'cluster', '--kubeconfig', cp!.kubeconfig, '--context', 'mora-real', '--prometheus', prom!.url, '-f', 'json', '--apply-cluster', '--yes'];
    const versions = () => Promise.all([['shop', 'frontend'], ['staging', 'frontend'], ['shop', 'checkout']].map(([ns, n]) => cp!.get('apps/v1', 'Deployment', ns, n).then(rvOf)));

    it('a plain name that matches two workloads is refused, listing both as -w can name them; nothing is patched', async () => {
      const before = await versions();
      const r = await mora([...args(), '-w', 'frontend']);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /^mora: --apply-cluster: -w "frontend" matches 2 workloads: shop\/Deployment\/frontend, staging\/Deployment\/frontend — nothing was changed; name the one to patch, e\.g\. -w shop\/Deployment\/frontend$/m);
      assert.doesNotMatch(r.err, /^patched /m);
      assert.deepEqual(await versions(), before, 'nothing written');
    });

    it('a kubeconfig with two contexts and no --context: the write scope is the current context, said on stderr', async () => {
      // "second" reaches the same server (so it would find the same workloads): a write through it would show as such.
      const kubeconfig = path.join(dir, 'two-contexts.yaml');
      fs.writeFileSync(kubeconfig, fs.readFileSync(cp!.kubeconfig, 'utf8').replace(/^contexts:\n- name: mora-real\n((?: {2}.*\n)+)/m, (all, body: string) => `${all}- name: second\n${body}`));
      const r = await mora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig, '--prometheus', prom!.url, '-f', 'json', '--apply-cluster', '--dry-run', '-w', 'shop/frontend']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^mora: --apply-cluster writes to the current context "mora-real" only, not "second" — --context <a,b> or --all-contexts for others$/m);
      assert.deepEqual((JSON.parse(r.out) as Recommendation[]).map((x) => x.workload.context), ['mora-real']);
      assert.doesNotMatch(r.err, /context second/);
    });

    it('namespace/name and namespace/kind/name patch that one only', async () => {
      const [shopFrontend, , checkoutRv] = await versions();
      const r = await mora([...args(), '-w', 'staging/frontend']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^patched Deployment staging\/frontend \(context mora-real, resourceVersion \d+\)$/m);
      assert.equal((r.err.match(/^patched /gm) ?? []).length, 1, r.err);
      const [shopAfter, , checkoutAfter] = await versions();
      assert.equal(shopAfter, shopFrontend, 'shop/frontend untouched');
      assert.equal(checkoutAfter, checkoutRv, 'checkout untouched');
      const again = await mora([...args(), '--dry-run', '-w', 'staging/deploy/frontend'].filter((a) => a !== '--yes'));
      assert.equal(again.code, 0, again.err);
      assert.match(again.err, /^Deployment staging\/frontend: already at the recommended values, nothing to patch$/m);
    });
  });

  describe('the way back: the previous values recorded, the loop stopped at a failure, --undo', () => {
    it('a workload changed between the prompt and its patch stops the loop; --undo <record> puts back the one patched, and leaves the failed and untried ones alone', async () => {
      const original = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } };
      for (const name of ['one', 'two', 'three']) {
        await cp!.createDeployment('undo', { name, containers: [{ name: 'server', image: 'shop/x:1', ...original }] });
      }
      const record = path.join(dir, 'undo-record.yaml');
      const lines: string[] = [];
      const change = { containers: [{ container: 'server', requests: { cpu: 0.125, memory: 200 * 2 ** 20 }, limits: { cpu: 0.25 } }] };
      const writes = ['one', 'two', 'three'].map((name) => ({ ref: ref('undo', name), change }));
      // rollback: false (the loop as --undo runs it): the partial state the --undo below starts from.
      await assert.rejects(applyWrites(kube, writes, { dryRun: false, yes: false, replicas: false, quiet: false, undoRecord: record, rollback: false }, {
        out: () => undefined,
        err: (l) => lines.push(l),
        // While the person reads the diff, someone scales "two"'s CPU: its approved patch must not go over that.
        confirm: async () => {
          await cp!.api('PATCH', apiPath('apps/v1', 'Deployment', 'undo', 'two'), { spec: { template: { spec: { containers: [{ name: 'server', resources: { requests: { cpu: '900m' } } }] } } } },
            { contentType: 'application/strategic-merge-patch+json' });
          return true;
        },
      }), (e: Error & { exitCode?: number }) => e.exitCode === 2);
      const server = async (name: string) => containersOf(await cp!.get('apps/v1', 'Deployment', 'undo', name))[0].resources;
      assert.deepEqual(await server('one'), { requests: { cpu: '125m', memory: '200Mi' }, limits: { cpu: '250m', memory: '1Gi' } });
      assert.equal((await server('two'))?.requests?.cpu, '900m', 'two keeps the other writer\'s value');
      assert.deepEqual(await server('three'), original, 'three is not tried after the failure');
      assert.ok(lines.some((l) => /^mora: Deployment\/two changed since the preview/.test(l)), lines.join('\n'));
      assert.ok(lines.includes('mora: stopped at the failure above: patched 1 of 3 workload(s): Deployment undo/one (context mora-real); '
        + 'not patched: Deployment undo/two (context mora-real) (failed), Deployment undo/three (context mora-real) (not tried)'), lines.join('\n'));
      assert.ok(lines.includes(`mora: to put back the previous values of the ones patched (recorded in ${record}): mora recommend --undo ${record}`), lines.join('\n'));

      // The way back, through the CLI: its dry run shows the diff and changes nothing; --yes puts "one" back.
      const undo = (extra: string[]) => mora(['recommend', '--undo', record, '--kubeconfig', cp!.kubeconfig, ...extra]);
      const rvOne = rvOf(await cp!.get('apps/v1', 'Deployment', 'undo', 'one'));
      const dry = await undo(['--dry-run']);
      assert.equal(dry.code, 0, dry.err); // "two" and "three" were not patched: the record says so, nothing to undo there
      assert.match(dry.out, /^--- Deployment undo\/one \(context mora-real\) live\n/m);
      assert.match(dry.out, /^-\s+cpu: 125m\n-\s+memory: 200Mi\n\+\s+cpu: 500m\n\+\s+memory: 512Mi$/m);
      assert.equal(rvOf(await cp!.get('apps/v1', 'Deployment', 'undo', 'one')), rvOne, 'the dry run writes nothing');
      const r = await undo(['--yes']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^patched Deployment undo\/one \(context mora-real, resourceVersion \d+\)$/m);
      assert.match(r.err, /^Deployment undo\/two: not patched by the recorded run \(failed\), nothing to undo$/m);
      assert.match(r.err, /^Deployment undo\/three: not patched by the recorded run \(not tried\), nothing to undo$/m);
      assert.deepEqual(await server('one'), original, 'one as it was before the apply (the CPU limit MOrA added removed)');
      assert.equal((await server('two'))?.requests?.cpu, '900m');
    });

    it('--undo puts back only the fields the patch set: a memory limit changed by someone else since stays; a CPU request set again is refused, naming it', async () => {
      const original = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } };
      for (const name of ['four', 'five']) {
        await cp!.createDeployment('undo', { name, containers: [{ name: 'server', image: 'shop/x:1', ...original }] });
      }
      const record = path.join(dir, 'undo-fields.yaml');
      const change = { containers: [{ container: 'server', requests: { cpu: 0.125 } }] }; // CPU request only
      await applyWrites(kube, ['four', 'five'].map((name) => ({ ref: ref('undo', name), change })),
        { dryRun: false, yes: true, replicas: false, quiet: true, undoRecord: record }, { out: () => undefined, err: () => undefined, confirm: async () => true });
      const smp = { contentType: 'application/strategic-merge-patch+json' };
      const set = (name: string, resources: Json) => cp!.api('PATCH', apiPath('apps/v1', 'Deployment', 'undo', name),
        { spec: { template: { spec: { containers: [{ name: 'server', resources }] } } } }, smp);
      await set('four', { limits: { memory: '2Gi' } }); // not MOrA's field
      await set('five', { requests: { cpu: '300m' } }); // MOrA's field, set again
      const r = await mora(['recommend', '--undo', record, '--kubeconfig', cp!.kubeconfig, '--yes']);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /^patched Deployment undo\/four \(context mora-real, resourceVersion \d+\)$/m);
      assert.match(r.err, /^mora: Deployment undo\/five: container "server" requests\.cpu is 300m, the recorded patch left 125m \(changed since, or never patched\): not undone/m);
      const server = async (name: string) => containersOf(await cp!.get('apps/v1', 'Deployment', 'undo', name))[0].resources;
      assert.deepEqual(await server('four'), { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } });
      assert.deepEqual(await server('five'), { requests: { cpu: '300m', memory: '512Mi' }, limits: { memory: '1Gi' } });
    });

    it('the editor\'s record (one workload, src/data/kube/undo-record.ts) is undone by mora recommend --undo; the shared judge refuses while a field MOrA set shows another writer\'s value', async () => {
      const original = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } };
      await cp!.createDeployment('undo', { name: 'six', containers: [{ name: 'server', image: 'shop/x:1', ...original }] });
      const record = path.join(dir, 'editor-record.yaml');
      // As Apply to Cluster in the editor: the plan, the record before the patch, the approved patch, the record marked.
      const plan = await planApply(kube, ref('undo', 'six'), { containers: [{ container: 'server', requests: { cpu: 0.125 }, limits: { cpu: 0.25 } }] });
      const mark = recordBeforePatch(record, plan);
      await applyApproved(kube, plan);
      mark('patched');
      const server = async () => containersOf(await cp!.get('apps/v1', 'Deployment', 'undo', 'six'))[0].resources;
      assert.deepEqual(await server(), { requests: { cpu: '125m', memory: '512Mi' }, limits: { cpu: '250m', memory: '1Gi' } });
      // Someone sets the CPU request MOrA set: the editor's Undo (judgeWrite) refuses, naming it, and writes nothing.
      const set = (resources: Json) => cp!.api('PATCH', apiPath('apps/v1', 'Deployment', 'undo', 'six'),
        { spec: { template: { spec: { containers: [{ name: 'server', resources }] } } } }, { contentType: 'application/strategic-merge-patch+json' });
      await set({ requests: { cpu: '200m' } }); // within the 250m limit MOrA set
      const rv = rvOf(await cp!.get('apps/v1', 'Deployment', 'undo', 'six'));
      const refused = await judgeWrite(kube, readUndoRecord(record, 'The undo record', '(changed since the patch): not undone')[0]);
      assert.deepEqual(refused.refusals, ['container "server" requests.cpu is 200m, the recorded patch left 125m (changed since the patch): not undone']);
      assert.equal(rvOf(await cp!.get('apps/v1', 'Deployment', 'undo', 'six')), rv);
      // Set back to what the patch left: the CLI undoes the editor's record.
      await set({ requests: { cpu: '125m' } });
      const r = await mora(['recommend', '--undo', record, '--kubeconfig', cp!.kubeconfig, '--yes']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^patched Deployment undo\/six \(context mora-real, resourceVersion \d+\)$/m);
      assert.deepEqual(await server(), original);
      const again = await judgeWrite(kube, readUndoRecord(record)[0]);
      assert.equal(again.nothing, 'already at its previous values, nothing to undo');
    });
  });

  describe('rolled back on a failure while patching', () => {
    it('the 3rd of 5 patches refused (changed since the preview): the two patched are put back through the real server, one another writer changed since is left as they set it; the last two never written', async () => {
      await cp!.createNamespace('rollback');
      const original = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } };
      const names = ['ra', 'rb', 'rc', 'rd', 're'];
      for (const name of names) await cp!.createDeployment('rollback', { name, containers: [{ name: 'server', image: 'shop/x:1', ...original }] });
      const set = (name: string, resources: Json) => cp!.api('PATCH', apiPath('apps/v1', 'Deployment', 'rollback', name),
        { spec: { template: { spec: { containers: [{ name: 'server', resources }] } } } }, { contentType: 'application/strategic-merge-patch+json' });
      const server = async (name: string) => containersOf(await cp!.get('apps/v1', 'Deployment', 'rollback', name))[0].resources;
      // The client MOrA uses, with other writers: just before MOrA's patch of "rc", someone sets "rc"'s CPU (so that patch
      // is refused by its resourceVersion check, as a denial would be) and "rb"'s CPU (after MOrA patched it).
      let interfered = false;
      const client = {
        podAdmissionObjects: (context: string, namespace: string) => kube.podAdmissionObjects(context, namespace),
        applyResources: async (r: WorkloadRef, changes: Parameters<KubeClient['applyResources']>[1], opts: Parameters<KubeClient['applyResources']>[2] = {}) => {
          if (!opts.dryRun && r.name === 'rc' && !interfered) {
            interfered = true;
            await set('rc', { requests: { cpu: '800m' } });
            await set('rb', { requests: { cpu: '200m' } }); // within the 250m limit MOrA set
          }
          return kube.applyResources(r, changes, opts);
        },
      };
      const record = path.join(dir, 'rollback-record.yaml');
      const lines: string[] = [];
      const change = { containers: [{ container: 'server', requests: { cpu: 0.125, memory: 200 * 2 ** 20 }, limits: { cpu: 0.25 } }] };
      const rvs = async () => Promise.all(names.map(async (n) => rvOf(await cp!.get('apps/v1', 'Deployment', 'rollback', n))));
      const before = await rvs();
      await assert.rejects(applyWrites(client, names.map((name) => ({ ref: ref('rollback', name), change })), { dryRun: false, yes: true, replicas: false, quiet: false, undoRecord: record },
        { out: () => undefined, err: (l) => lines.push(l), confirm: async () => true }),
      (e: Error & { exitCode?: number }) => e.exitCode === 2 && e.message === '--apply-cluster: 3 workload(s) were not patched (named above)');
      assert.deepEqual(await server('ra'), original, 'ra patched, then put back');
      assert.deepEqual(await server('rb'), { requests: { cpu: '200m', memory: '200Mi' }, limits: { cpu: '250m', memory: '1Gi' } }, 'rb: the other writer\'s value stays');
      assert.equal((await server('rc'))?.requests?.cpu, '800m', 'rc: MOrA\'s patch refused, the other writer\'s value');
      const after = await rvs();
      assert.deepEqual(after.slice(3), before.slice(3), 'rd and re never written');
      assert.ok(lines.some((l) => /^patched Deployment rollback\/ra /.test(l)) && lines.some((l) => /^patched Deployment rollback\/rb /.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /^mora: Deployment\/rc changed since the preview/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /^put back Deployment rollback\/ra \(context mora-real, resourceVersion \d+\)$/.test(l)), lines.join('\n'));
      assert.ok(lines.includes('mora: Deployment rollback/rb: not put back: container "server" requests.cpu is 200m, the recorded patch left 125m (changed since this run patched it): the other writer\'s values stay'), lines.join('\n'));
      assert.ok(lines.includes('mora: stopped at the failure above and rolled back: put back the previous values of Deployment rollback/ra (context mora-real); '
        + 'not put back: Deployment rollback/rb (context mora-real) (named above); not patched: Deployment rollback/rc (context mora-real) (failed), '
        + 'Deployment rollback/rd (context mora-real), Deployment rollback/re (context mora-real) (not tried)'), lines.join('\n'));
      const saved = parseAllDocuments(fs.readFileSync(record, 'utf8'))[0].toJS() as { workloads: Array<{ name: string; status: string }> };
      assert.deepEqual(saved.workloads.map((w) => [w.name, w.status]), [['ra', 'rolled back'], ['rb', 'patched'], ['rc', 'failed'], ['rd', 'not tried'], ['re', 'not tried']]);
      // The record's --undo, through the CLI: ra and the others have nothing to do; rb is still refused (the other writer's value).
      const undo = await mora(['recommend', '--undo', record, '--kubeconfig', cp!.kubeconfig, '--dry-run']);
      assert.equal(undo.code, 2, undo.err);
      assert.match(undo.err, /^Deployment rollback\/ra: put back by the recorded run itself \(rolled back after a failure or a signal\), nothing to undo$/m);
      assert.match(undo.err, /^mora: Deployment rollback\/rb: container "server" requests\.cpu is 200m, the recorded patch left 125m \(changed since, or never patched\): not undone/m);
    });
  });

  // SIGTERM: a CI job cancelled or timed out; SIGHUP: the terminal closed or an SSH session dropped.
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) describe(`${sig} while patching, through the CLI`, () => {
    it('stops before the next patch, names what was patched and the way back, exits 130', async () => {
      const ns = sig.toLowerCase();
      // The spawned `mora recommend --undo <record> --yes` runs the same patch loop as --apply-cluster (applyWrites).
      // It is held at its first patch: its credential plugin (re-run for every request, the credential expiring at
      // once) waits, once the new undo record exists (written just before the first patch), until the test has sent
      // SIGTERM and seen MOrA take it. So the signal lands while the first patch is in flight, every run.
      await cp!.createNamespace(ns);
      await cp!.bind(ns, `mora-exec-${ns}`, { kind: 'ClusterRole', name: 'cluster-admin' }, ['user:mora-exec']);
      const original = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } };
      const names = ['t1', 't2', 't3'];
      for (const name of names) await cp!.createDeployment(ns, { name, containers: [{ name: 'server', image: 'shop/x:1', ...original }] });
      const record = path.join(dir, `${ns}-record.yaml`);
      await applyWrites(kube, names.map((name) => ({ ref: ref(ns, name), change: { containers: [{ container: 'server', requests: { cpu: 0.125 } }] } })),
        { dryRun: false, yes: true, replicas: false, quiet: true, undoRecord: record }, { out: () => undefined, err: () => undefined, confirm: async () => true });

      const { gate, state, kubeconfig } = gatedKubeconfig('gate-', ns);

      const run = spawnMora(['recommend', '--undo', record, '--kubeconfig', kubeconfig, '--yes'], state);
      const { child, closed } = run;
      try {
        assert.ok(await until(async () => fs.existsSync(path.join(gate, 'blocked')), Boolean, 60_000, 20), `never reached the first patch:\n${run.err}`);
        child.kill(sig);
        assert.ok(await until(async () => run.err.includes(`mora: interrupted (${sig})`), Boolean, 30_000, 20), `${sig} not taken:\n${run.err}`);
      } finally {
        fs.writeFileSync(path.join(gate, 'go'), '');
      }
      assert.equal(await closed, 130, run.err);
      const undoRecordNow = fs.readdirSync(path.join(state, 'mora', 'undo')).filter((f) => f.endsWith('.yaml'));
      assert.equal(undoRecordNow.length, 1);
      const newRecord = path.join(state, 'mora', 'undo', undoRecordNow[0]);
      assert.ok(run.err.includes(`mora: stopped at ${sig}: patched 1 of 3 workload(s): Deployment ${ns}/t1 (context mora-real); `
        + `not patched: Deployment ${ns}/t2 (context mora-real), Deployment ${ns}/t3 (context mora-real) (not tried)`), run.err);
      assert.match(run.err, new RegExp(`^mora: to put back the previous values of the ones patched \\(recorded in ${newRecord.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): mora recommend --undo `, 'm'));
      const server = async (name: string) => containersOf(await cp!.get('apps/v1', 'Deployment', ns, name))[0].resources;
      assert.deepEqual(await server('t1'), original, 't1: the patch in flight finished');
      for (const name of ['t2', 't3']) assert.equal((await server(name))?.requests?.cpu, '125m', `${name}: not tried after ${sig}`);
    });
  });

  describe('refusals before anything changes, one line each', () => {
    it('validation (422): a request above the container\'s limit', async () => {
      const rv = rvOf(await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout'));
      const plan = await planApply(kube, ref('shop', 'checkout'), { containers: [{ container: 'envoy', requests: { cpu: 0.5 } }] });
      assert.equal(plan.changed, false);
      assert.deepEqual(plan.refusals, ['the server-side dry run was refused, nothing was changed: the Kubernetes API (context "mora-real") rejected the change to deployments.apps "checkout" in namespace "shop" as invalid: '
        + 'Deployment.apps "checkout" is invalid: spec.template.spec.containers[1].resources.requests: Invalid value: "500m": must be less than or equal to cpu limit of 200m']);
      assert.equal(rvOf(await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout')), rv);
    });

    it('a ValidatingAdmissionPolicy: its denial (422) worded as admission, not as RBAC or a malformed change', async () => {
      await cp!.createDeployment('policed', { name: 'api', containers: [{ name: 'server', requests: { cpu: '100m', memory: '256Mi' } }] });
      await cp!.api('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'mora-test-memory-cap' },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['deployments'] }] },
          validations: [{
            expression: "object.spec.template.spec.containers.all(c, !has(c.resources.requests) || !('memory' in c.resources.requests) || !quantity(c.resources.requests.memory).isGreaterThan(quantity('1Gi')))",
            message: 'memory requests above 1Gi need an exception from the platform team',
          }],
        },
      });
      await cp!.api('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'mora-test-memory-cap' },
        spec: { policyName: 'mora-test-memory-cap', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'mora-test/policy': 'memory-cap' } } } },
      });
      const rv = rvOf(await cp!.get('apps/v1', 'Deployment', 'policed', 'api'));
      const change = { containers: [{ container: 'server', requests: { memory: 2 * 2 ** 30 } }] };
      // The API server picks a new policy up within a moment. A policy's denial is 422 (reason Invalid) by default:
      // MOrA still words it as admission, not as a malformed change.
      const plan = await until(() => planApply(kube, ref('policed', 'api'), change), (p) => p.refusals.length > 0, 30_000, 200);
      assert.deepEqual(plan.refusals, ['the server-side dry run was refused, nothing was changed: the Kubernetes API (context "mora-real") refused to patch deployments.apps "api" in namespace "policed" (admission): '
        + 'deployments.apps "api" is forbidden: ValidatingAdmissionPolicy \'mora-test-memory-cap\' with binding \'mora-test-memory-cap\' denied request: memory requests above 1Gi need an exception from the platform team']);
      assert.equal(rvOf(await cp!.get('apps/v1', 'Deployment', 'policed', 'api')), rv);
    });

    /** What the real API server answers for a pod of this pod template (a dry-run create, as the ReplicaSet controller would create it). */
    async function realPodAnswer(namespace: string, deployment: Json): Promise<string> {
      const template = (deployment.spec as Json).template as { metadata?: Json; spec: Json };
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...(template.metadata ?? {}), name: 'mora-probe', namespace }, spec: { ...template.spec, nodeName: 'mora-node-1' } };
      const res = await cp!.raw('POST', `${apiPath('v1', 'Pod', namespace)}?dryRun=All`, pod);
      return res.status === 201 ? 'admitted' : String((res.body as Json).message);
    }

    it('LimitRange: MOrA refuses what the real server would refuse for the new pods, in the same words', async () => {
      await cp!.createLimitRange('limited', 'limits', { max: { cpu: '1' }, default: { cpu: '500m' } });
      await cp!.createDeployment('limited', { name: 'api', containers: [{ name: 'server', requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m' } }] });
      const rv = rvOf(await cp!.get('apps/v1', 'Deployment', 'limited', 'api'));
      const change = { containers: [{ container: 'server', limits: { cpu: 2 } }] };
      const plan = await planApply(kube, ref('limited', 'api'), change);
      assert.deepEqual(plan.refusals, ['the new pods would be refused in namespace "limited" (the patch itself would be accepted and the rollout would stall): '
        + 'LimitRange "limits" refuses container "server": maximum cpu usage per Container is 1, but limit is 2']);
      // The real server: the Deployment patch goes through (dry run), its pods would not.
      const dry = await kube.applyResources(ref('limited', 'api'), change.containers, { dryRun: true });
      assert.equal(await realPodAnswer('limited', dry.after as Json), 'pods "mora-probe" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
      assert.equal(rvOf(await cp!.get('apps/v1', 'Deployment', 'limited', 'api')), rv);
      // Within the max: no refusal, and the real server admits the pod.
      const ok = await planApply(kube, ref('limited', 'api'), { containers: [{ container: 'server', limits: { cpu: 0.8 } }] });
      assert.deepEqual(ok.refusals, []);
      assert.equal(await realPodAnswer('limited', (await kube.applyResources(ref('limited', 'api'), [{ container: 'server', limits: { cpu: 0.8 } }], { dryRun: true })).after as Json), 'admitted');
    });

    it('ResourceQuota: the first new pod over the quota, and a resource the quota needs left unset — as the real server says', async () => {
      await cp!.createDeployment('quota', { name: 'api', containers: [{ name: 'server', requests: { cpu: '100m', memory: '64Mi' } }] });
      const quota = await cp!.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'compute', namespace: 'quota' }, spec: { hard: { 'requests.cpu': '1' } } });
      // The quota controller's job (no controller-manager here): the usage of the one running pod.
      await cp!.setStatus(quota, { hard: { 'requests.cpu': '1' }, used: { 'requests.cpu': '100m' } });
      const change = { containers: [{ container: 'server', requests: { cpu: 0.95 } }] };
      const plan = await planApply(kube, ref('quota', 'api'), change);
      const predicted = 'exceeded quota: compute, requested: requests.cpu=950m, used: requests.cpu=100m, limited: requests.cpu=1';
      assert.deepEqual(plan.refusals, [`the new pods would be refused in namespace "quota" (the patch itself would be accepted and the rollout would stall): ${predicted}`]);
      const dry = await kube.applyResources(ref('quota', 'api'), change.containers, { dryRun: true });
      assert.equal(await realPodAnswer('quota', dry.after as Json), `pods "mora-probe" is forbidden: ${predicted}`);

      const limits = await cp!.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'limits', namespace: 'quota' }, spec: { hard: { 'limits.cpu': '4' } } });
      await cp!.setStatus(limits, { hard: { 'limits.cpu': '4' }, used: { 'limits.cpu': '0' } });
      const small = await kube.applyResources(ref('quota', 'api'), [{ container: 'server', requests: { cpu: 0.2 } }], { dryRun: true });
      const problems = podAdmissionProblems('Deployment', small.after, await kube.podAdmissionObjects('mora-real', 'quota'));
      assert.deepEqual(problems, ['failed quota: limits: must specify limits.cpu for: server']);
      assert.equal(await realPodAnswer('quota', small.after as Json), `pods "mora-probe" is forbidden: ${problems[0]}`);
    });
  });

  describe('deploy/rbac/', () => {
    let reader: Credentials;
    let example: Credentials;
    let kubeconfig: string;

    before(async () => {
      // The shipped YAML as a cluster admin would apply it: the two roles, then the example bindings as written.
      const files = ['mora-reader.yaml', 'mora-applier.yaml', 'examples/service-account.yaml'].map((f) => path.join(repo, 'deploy', 'rbac', f));
      for (const file of files) {
        for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
          const obj = doc.toJS() as Json | null;
          if (obj) await cp!.create(obj);
        }
      }
      // A second ServiceAccount with the reader role only (cluster-wide).
      await cp!.createServiceAccount('mora', 'mora-ro');
      await cp!.bind(undefined, 'mora-ro-reader', { kind: 'ClusterRole', name: 'mora-reader' }, ['serviceaccount:mora:mora-ro']);
      [reader, example] = await Promise.all([cp!.serviceAccountCredentials('mora', 'mora-ro'), cp!.serviceAccountCredentials('mora', 'mora')]);
      kubeconfig = cp!.writeKubeconfig([{ name: 'reader', credentials: reader, namespace: 'shop' }, { name: 'example', credentials: example, namespace: 'shop' }]);
    });

    async function allowed(creds: Credentials, attrs: { verb: string; group?: string; resource: string; subresource?: string; namespace?: string }): Promise<boolean> {
      const r = await cp!.api('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { group: '', ...attrs } } }, { credentials: creds });
      return Boolean((r.status as Json).allowed);
    }

    it('the reader reads everything MOrA reads (listings through MOrA, the rest by access review) and may write nothing', async () => {
      const client = KubeClient.load({ kubeconfig });
      const namespaces = await client.namespaces('reader');
      for (const ns of ['shop', 'payments', 'quota']) assert.ok(namespaces.includes(ns), namespaces.join(', '));
      const listing = await client.workloads('reader', 'shop');
      assert.deepEqual(listing.warnings, []);
      assert.deepEqual(listing.workloads.map((w) => w.name).sort(), ['checkout', 'frontend']);
      assert.deepEqual((await client.podAdmissionObjects('reader', 'quota')).warnings, []);
      const reads: Array<[string, string, string?]> = [
        ['', 'namespaces'], ['', 'pods'], ['', 'services'], ['', 'limitranges'], ['', 'resourcequotas'],
        ['apps', 'deployments'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['apps', 'replicasets'], ['batch', 'jobs'], ['batch', 'cronjobs'],
        ['autoscaling', 'horizontalpodautoscalers'], ['metrics.k8s.io', 'pods'], ['metrics.k8s.io', 'nodes'], ['autoscaling.k8s.io', 'verticalpodautoscalers'],
      ];
      for (const [group, resource] of reads) {
        for (const verb of ['get', 'list']) assert.ok(await allowed(reader, { verb, group, resource, namespace: 'shop' }), `${verb} ${resource}.${group}`);
      }
      // Prometheus through the API server's service proxy.
      assert.ok(await allowed(reader, { verb: 'get', resource: 'services', subresource: 'proxy', namespace: 'monitoring' }));
      for (const [verb, group, resource, subresource] of [['patch', 'apps', 'deployments'], ['update', 'apps', 'deployments'], ['patch', 'apps', 'deployments', 'scale'],
        ['create', '', 'pods'], ['delete', 'apps', 'deployments'], ['get', '', 'secrets']] as const) {
        assert.equal(await allowed(reader, { verb, group, resource, subresource, namespace: 'shop' }), false, `${verb} ${resource}`);
      }
    });

    it('a patch by the reader: MOrA\'s RBAC line (verb, resource, namespace, the role that grants it), nothing changed', async () => {
      const client = KubeClient.load({ kubeconfig });
      const rv = rvOf(await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout'));
      const err = await planApply(client, ref('shop', 'checkout', 'reader'), { containers: [{ container: 'server', requests: { cpu: 0.3 } }] })
        .then(() => assert.fail('expected RBAC to refuse'), (e: unknown) => e);
      assert.ok(err instanceof KubeError && err.kind === 'forbidden', String(err));
      assert.equal(err.message, 'RBAC denied: cannot patch deployments.apps "checkout" in namespace "shop" (context "reader") — ask for verb "patch" on resource "deployments" in API group "apps" (namespace "shop"): '
        + 'deployments.apps "checkout" is forbidden: User "system:serviceaccount:mora:mora-ro" cannot patch resource "deployments" in API group "apps" in the namespace "shop" — the mora-applier role in deploy/rbac/ grants it');
      assert.equal(rvOf(await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout')), rv);
    });

    it('the example binding: reads everywhere, patches in "shop" (dry run, then for real), refused in "payments"', async () => {
      const client = KubeClient.load({ kubeconfig });
      const change = { containers: [{ container: 'server', requests: { cpu: 0.123 } }] };
      const plan = await planApply(client, ref('shop', 'checkout', 'example'), change);
      assert.deepEqual(plan.refusals, []);
      assert.equal(plan.changed, true);
      const r = await client.applyResources(ref('shop', 'checkout', 'example'), change.containers);
      assert.equal(r.dryRun, false);
      assert.equal(containersOf(await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout'))[0].resources?.requests?.cpu, '123m');
      // Least privilege: nothing MOrA sends goes through the scale subresource, so the applier does not grant it.
      for (const verb of ['get', 'patch', 'update']) {
        assert.equal(await allowed(example, { verb, group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'shop' }), false, `${verb} deployments/scale`);
      }
      await cp!.createDeployment('payments', { name: 'ledger', containers: [{ name: 'server', requests: { cpu: '100m', memory: '64Mi' } }] });
      assert.deepEqual((await client.workloads('example', 'payments')).workloads.map((w) => w.name), ['ledger']);
      await assert.rejects(planApply(client, ref('payments', 'ledger', 'example'), change),
        (e: KubeError) => e.kind === 'forbidden' && /^RBAC denied: cannot patch deployments\.apps "ledger" in namespace "payments" .* — the mora-applier role in deploy\/rbac\/ grants it$/.test(e.message));
    });
  });

  describe('kubeconfig like kubectl, against the real server', () => {
    function execKubeconfig(): string {
      const plugin = path.join(dir, 'mora-test-credential-plugin.sh');
      fs.writeFileSync(plugin, `#!/bin/sh\nprintf '%s' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${execToken}"}}'\n`, { mode: 0o755 });
      const file = path.join(dir, 'exec-kubeconfig.yaml');
      fs.writeFileSync(file, [
        'apiVersion: v1', 'kind: Config',
        'clusters:', '- name: real', '  cluster:', `    certificate-authority-data: ${Buffer.from(cp!.caPem).toString('base64')}`, `    server: ${cp!.url}`,
        'users:', '- name: exec-user', '  user:', '    exec:', '      apiVersion: client.authentication.k8s.io/v1', `      command: ${plugin}`, '      interactiveMode: Never',
        'contexts:', '- name: exec', '  context:', '    cluster: real', '    user: exec-user', '    namespace: shop',
        'current-context: exec', '',
      ].join('\n'));
      return file;
    }

    it('an exec credential plugin gives the token (a static-token user bound to mora-reader)', async () => {
      await cp!.bind(undefined, 'mora-exec-reader', { kind: 'ClusterRole', name: 'mora-reader' }, ['user:mora-exec']);
      const client = KubeClient.load({ kubeconfig: execKubeconfig() });
      assert.equal(await client.version('exec'), cp!.version);
      assert.deepEqual((await client.workloads('exec', 'shop')).workloads.map((w) => w.name).sort(), ['checkout', 'frontend']);
      await assert.rejects(client.scale(ref('shop', 'checkout', 'exec'), 1), (e: KubeError) => /^RBAC denied: cannot patch deployments\.apps "checkout" .*User "mora-exec" cannot patch/.test(e.message));
    });

    it('KUBECONFIG with two files: both files\' contexts, each reaching the server with its own credentials', async () => {
      const env = { KUBECONFIG: [path.join(dir, 'missing.yaml'), cp!.kubeconfig, execKubeconfig()].join(path.delimiter) };
      const client = KubeClient.load({ env, home: dir });
      assert.deepEqual(client.contexts(), ['mora-real', 'exec']);
      assert.equal(client.currentContext(), 'mora-real', 'the first file\'s current-context wins');
      assert.ok((await client.namespaces('mora-real')).includes('kube-system'));
      assert.deepEqual((await client.workloads('exec', 'shop')).warnings, []);
    });

    it('in a pod: KUBERNETES_SERVICE_HOST/PORT and the service account files (the example ServiceAccount)', async () => {
      const sa = path.join(dir, 'serviceaccount');
      fs.mkdirSync(sa, { recursive: true });
      const creds = await cp!.serviceAccountCredentials('mora', 'mora');
      fs.writeFileSync(path.join(sa, 'token'), (creds as { token: string }).token);
      fs.writeFileSync(path.join(sa, 'ca.crt'), cp!.caPem);
      fs.writeFileSync(path.join(sa, 'namespace'), 'mora');
      const url = new URL(cp!.url);
      const client = KubeClient.load({ env: { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port }, home: dir, serviceAccountDir: sa });
      assert.deepEqual(client.contexts(), ['in-cluster']);
      assert.equal(await client.version('in-cluster'), cp!.version);
      assert.deepEqual((await client.workloads('in-cluster', 'shop')).workloads.map((w) => w.name).sort(), ['checkout', 'frontend']);
      const plan = await planApply(client, ref('shop', 'checkout', 'in-cluster'), { containers: [{ container: 'server', requests: { cpu: 0.11 } }] });
      assert.equal(plan.changed, true);
    });
  });

  // `timeout`, CI runners and process managers send SIGTERM twice: to the child, then to its process group. Before: the
  // first signal removed MOrA's listeners and the second got Node's default — exit 143, the cluster left patched, the
  // rollback cut off, and nothing on stderr pointing to the undo record.
  describe('SIGTERM twice in quick succession during mora recommend --source cluster --apply-cluster --yes', () => {
    it('the second is absorbed (said once, naming the record), the rollback completes, the cluster is as before, exit 130', async () => {
      // The run is held at its first patch as above: the user's credential plugin waits, once the undo record exists
      // (written just before the first patch), until the test has sent both signals and seen MOrA absorb the second.
      // Last in this file: the exec user's reader test (above) expects it refused a patch.
      await cp!.bind(undefined, 'mora-exec-twice', { kind: 'ClusterRole', name: 'cluster-admin' }, ['user:mora-exec']);
      const strategic = { contentType: 'application/strategic-merge-patch+json' };
      // Back to the values before the other tests patched them: recommendations to apply again.
      await cp!.api('PATCH', '/apis/apps/v1/namespaces/shop/deployments/checkout', { spec: { template: { spec: { containers: [
        { name: 'server', resources: { $patch: 'replace', requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } } },
        { name: 'envoy', resources: { $patch: 'replace', requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } } },
      ] } } } }, strategic);
      await cp!.api('PATCH', '/apis/apps/v1/namespaces/shop/deployments/frontend', { spec: { template: { spec: { containers: [
        { name: 'server', resources: { $patch: 'replace', requests: { cpu: '300m', memory: '256Mi' } } },
      ] } } } }, strategic);
      const resources = async () => Promise.all(['checkout', 'frontend'].map(async (n) => containersOf(await cp!.get('apps/v1', 'Deployment', 'shop', n)).map((c) => [c.name, c.resources])));
      const before = await resources();

      const { gate, state, kubeconfig } = gatedKubeconfig('twice-', 'shop');
      const args = ['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig, '--context', 'mora-real', '--prometheus', prom!.url, '-n', 'shop', '--apply-cluster'];
      // The binding reaches the authorizer after a moment: the dry run (no record, so never held) until it can read and plan both.
      const dry = await until(() => mora([...args, '--dry-run'], { XDG_STATE_HOME: state }), (r) => r.code === 0, 20_000, 200);
      assert.match(dry.err, /^dry run: 2 workload\(s\) would be patched; nothing was changed$/m, dry.err);

      const run = spawnMora([...args, '--yes'], state);
      const { child, closed } = run;
      try {
        assert.ok(await until(async () => fs.existsSync(path.join(gate, 'blocked')), Boolean, 60_000, 20), `never reached the first patch:\n${run.err}`);
        child.kill('SIGTERM');
        assert.ok(await until(async () => run.err.includes('mora: interrupted (SIGTERM)') || child.exitCode !== null, Boolean, 30_000, 5), `SIGTERM not taken:\n${run.err}`);
        // A second press, not the copy of the first (signals under COALESCE_MS apart are one press, RestoreSignals):
        // the gap is the input under test, not a wait for something; the patch is held by the gate meanwhile.
        const taken = Date.now();
        await until(async () => Date.now() - taken > COALESCE_MS + 100, Boolean, 5_000, 20);
        child.kill('SIGTERM');
        assert.ok(await until(async () => run.err.includes('mora: SIGTERM again: still') || child.exitCode !== null || child.signalCode !== null, Boolean, 30_000, 5), `the second SIGTERM not absorbed:\n${run.err}`);
      } finally {
        fs.writeFileSync(path.join(gate, 'go'), '');
      }
      assert.equal(await closed, 130, run.err);
      const [file] = fs.readdirSync(path.join(state, 'mora', 'undo')).filter((f) => f.endsWith('.yaml'));
      const record = path.join(state, 'mora', 'undo', file);
      const quoted = record.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.equal(run.err.split('SIGTERM again').length, 2, `said once:\n${run.err}`);
      assert.match(run.err, new RegExp(`^mora: SIGTERM again: still stopping after the patch in flight, then putting back what this run patched — please wait; the previous values are recorded in ${quoted} \\(mora recommend --undo `, 'm'));
      assert.match(run.err, /^mora: stopped at SIGTERM and rolled back: put back the previous values of Deployment shop\/\w+ \(context mora-real\); not patched: Deployment shop\/\w+ \(context mora-real\) \(not tried\)$/m);
      assert.match(run.err, new RegExp(`^mora: the cluster is as it was before this run; the record ${quoted} says so \\(its --undo has nothing to do\\)$`, 'm'));
      assert.deepEqual(await resources(), before, 'the cluster as it was before the run');
      const statuses = (parseAllDocuments(fs.readFileSync(record, 'utf8'))[0].toJS() as { workloads: Array<{ status: string }> }).workloads.map((w) => w.status);
      assert.deepEqual(statuses.sort(), ['not tried', 'rolled back']);
    });
  });
});
