// `mora recommend --source cluster --apply-to <manifests> --apply-cluster` against a REAL kube-apiserver (RBAC and
// admission on) and a real Prometheus: both previewed, one prompt (--yes here) for both, the files written before the
// first patch. Until 2026-12-01 the files were written first, before the cluster's dry run: an RBAC denial there left
// them written and the cluster untouched, with nothing saying so.
//   - both succeed: the files and the cluster hold the recommended values, exit 0;
//   - the cluster's dry run denied by RBAC (a reader): nothing written anywhere, said so, exit 2;
//   - a patch denied after its dry run passed (a ValidatingAdmissionPolicy that refuses all but dry runs), so after
//     the files were written: the cluster rolled back, the files named as written and kept, exit 2;
//   - --dry-run: both diffs printed, nothing written anywhere.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { formatCpu } from '../../src/core/quantity';
import type { Recommendation } from '../../src/core/recommendation';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';
import { ControlPlane } from '../harness/control-plane';
import { usageSeries } from '../harness/live-cluster';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';
import { until } from '../harness/wait';

type Json = Record<string, unknown>;
type Container = { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
const repo = path.resolve(__dirname, '..', '..');
const containersOf = (o: Json) => ((o.spec as Json).template as { spec: { containers: Container[] } }).spec.containers;
const rvOf = (o: Json) => String((o.metadata as Json).resourceVersion);
const ORIGINAL = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } };
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The manifests of `names` in `namespace`, each with one container "server" at ORIGINAL. */
const manifest = (namespace: string, names: string[]) => names.map((name) => [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, `  namespace: ${namespace}`, 'spec:', '  replicas: 1',
  '  selector:', '    matchLabels:', `      app: ${name}`, '  template:', '    metadata:', '      labels:', `        app: ${name}`, '    spec:', '      containers:',
  '        - name: server', '          image: shop/x:1', '          resources:', '            requests:', '              cpu: 500m', '              memory: 512Mi',
  '            limits:', '              memory: 1Gi', '',
].join('\n')).join('---\n');

describe('mora recommend --apply-to with --apply-cluster against a real API server', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let dir: string;
  let readerKubeconfig: string;
  const namespaces = ['both', 'denied', 'late', 'dry'];
  const names = ['alpha', 'beta'];
  const mora = (args: string[]) => moraProcess(args, cleanEnv({ XDG_STATE_HOME: path.join(dir, 'state') }));
  const args = (ns: string, kubeconfig = cp!.kubeconfig) => ['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig, '--context', kubeconfig === cp!.kubeconfig ? 'mora-real' : 'reader',
    '--prometheus', prom!.url, '-n', ns, '-f', 'json', '--default-namespace', ns];
  const live = async (ns: string) => Promise.all(names.map(async (n) => containersOf(await cp!.get('apps/v1', 'Deployment', ns, n))[0].resources));
  const versions = async (ns: string) => Promise.all(names.map(async (n) => rvOf(await cp!.get('apps/v1', 'Deployment', ns, n))));
  const manifestFile = (ns: string) => {
    const file = path.join(dir, `${ns}.yaml`);
    fs.writeFileSync(file, manifest(ns, names));
    return file;
  };
  /** Each workload's server container's CPU request in the file. */
  const fileCpu = (file: string) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => (d.toJS() as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0].resources?.requests?.cpu);

  before(async function () {
    this.timeout(180_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-apply-both-'));
    cp = await ControlPlane.start();
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    const start = end - 6 * 3600;
    const series = [];
    for (const ns of namespaces) {
      await cp.createNamespace(ns, ns === 'late' ? { 'mora-test/policy': 'dry-run-only' } : {});
      for (const name of names) {
        const d = await cp.createDeployment(ns, { name, replicas: 1, containers: [{ name: 'server', image: 'shop/x:1', ...ORIGINAL }] });
        series.push(...usageSeries(d.pods, ns, { server: { cpu: 0.1, memory: 150e6 } }, start, end));
      }
    }
    prom = await startPrometheus({ openMetrics: toOpenMetrics(series) });
    // A reader: reads everything MOrA reads, may patch nothing (deploy/rbac/mora-reader.yaml, as shipped).
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(repo, 'deploy', 'rbac', 'mora-reader.yaml'), 'utf8'))) {
      const obj = doc.toJS() as Json | null;
      if (obj) await cp.create(obj);
    }
    await cp.createNamespace('mora');
    await cp.createServiceAccount('mora', 'ro');
    await cp.bind(undefined, 'mora-ro-reader', { kind: 'ClusterRole', name: 'mora-reader' }, ['serviceaccount:mora:ro']);
    readerKubeconfig = cp.writeKubeconfig([{ name: 'reader', credentials: await cp.serviceAccountCredentials('mora', 'ro'), namespace: 'denied' }], 'reader');
    // In namespace "late", only dry runs of a Deployment update are admitted: the preview passes, every real patch is denied.
    await cp.api('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'mora-test-dry-run-only' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['deployments'] }] },
        validations: [{ expression: "request.dryRun == true || object.metadata.name != 'beta'", message: 'beta is frozen this week' }],
      },
    });
    await cp.api('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'mora-test-dry-run-only' },
      spec: { policyName: 'mora-test-dry-run-only', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'mora-test/policy': 'dry-run-only' } } } },
    });
  });
  after(async () => {
    await prom?.stop();
    await cp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('both succeed: the files and the cluster hold the recommended values; the manifests\' diffs before the cluster\'s; exit 0', async () => {
    const file = manifestFile('both');
    const r = await mora([...args('both'), '--apply-to', file, '--apply-cluster', '--yes']);
    assert.equal(r.code, 0, r.err);
    const recs = JSON.parse(r.out) as Recommendation[];
    const cpu = names.map((n) => formatCpu(recs.find((x) => x.workload.name === n)!.containers[0].cpu!.request.value));
    assert.notDeepEqual(cpu, ['500m', '500m'], 'the recommendations change something');
    assert.deepEqual(fileCpu(file), cpu, 'the files hold the recommended values');
    assert.deepEqual((await live('both')).map((x) => x?.requests?.cpu), cpu, 'so does the cluster');
    const diffAt = r.err.indexOf(`--- a/${file.replace(/^\/+/, '')}\n`); // named as git diff names files (format/diff.ts)
    assert.ok(diffAt >= 0, `the manifests' diff on stderr:\n${r.err}`);
    assert.ok(diffAt < r.err.indexOf('--- Deployment both/alpha (context mora-real) live'), r.err);
    assert.ok(r.err.indexOf(`${file}: `) < r.err.indexOf('patched Deployment both/alpha'), `the files are written before the first patch:\n${r.err}`);
    assert.doesNotMatch(r.err, /not rolled back/);
  });

  it('the cluster\'s dry run denied by RBAC (a reader): nothing written anywhere, said so, exit 2', async () => {
    const file = manifestFile('denied');
    const before = await versions('denied');
    const records = () => (fs.existsSync(path.join(dir, 'state', 'mora', 'undo')) ? fs.readdirSync(path.join(dir, 'state', 'mora', 'undo')).sort() : []);
    const recordsBefore = records();
    // The binding reaches the authorizer after a moment: until the reader can read the workloads.
    const r = await until(() => mora([...args('denied', readerKubeconfig), '--apply-to', file, '--apply-cluster', '--yes']), (x) => /RBAC denied: cannot patch/.test(x.err), 20_000, 200);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^mora: Deployment denied\/alpha: the server-side dry run was refused, nothing was changed: RBAC denied: cannot patch deployments\.apps "alpha"|^mora: Deployment denied\/alpha: RBAC denied: cannot patch deployments\.apps "alpha"/m);
    assert.match(r.err, /^mora: --apply-cluster: 2 workload\(s\) would not be patched \(named above\), so nothing was written: neither the cluster nor the manifests \(--apply-to\)$/m);
    assert.equal(fs.readFileSync(file, 'utf8'), manifest('denied', names), 'the manifests as they were');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('denied')), ['denied.yaml']);
    assert.deepEqual(await versions('denied'), before, 'the cluster as it was');
    assert.deepEqual(records(), recordsBefore, 'no undo record: nothing was to be patched');
  });

  it('a patch denied after its dry run passed, after the files were written: the cluster rolled back, the files named and kept, exit 2', async () => {
    const file = manifestFile('late');
    // The API server picks a new policy up within a moment: until a real patch of beta is denied (its dry run passes).
    const r = await until(() => mora([...args('late'), '--apply-to', file, '--apply-cluster', '--yes']), (x) => /beta is frozen this week/.test(x.err) || x.code !== 0, 30_000, 500);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^mora: Deployment late\/beta: .*beta is frozen this week/m);
    assert.match(r.err, /^put back Deployment late\/alpha \(context mora-real, resourceVersion \d+\)$/m);
    assert.match(r.err, /^mora: the cluster is as it was before this run; the record \S+ says so \(its --undo has nothing to do\)$/m);
    assert.match(r.err, new RegExp(`^mora: the manifests were written before the patches and are not rolled back: ${escape(file)} keep the new values \\(git restore, or git checkout -- <file>, puts a file back\\)$`, 'm'));
    assert.match(r.err, new RegExp(`^mora: --apply-cluster: 1 workload\\(s\\) were not patched \\(named above\\); the manifest file\\(s\\) --apply-to wrote before the patches keep the new values \\(not rolled back\\): ${escape(file)}$`, 'm'));
    const recs = JSON.parse(r.out) as Recommendation[];
    assert.deepEqual(fileCpu(file), names.map((n) => formatCpu(recs.find((x) => x.workload.name === n)!.containers[0].cpu!.request.value)), 'the files written');
    assert.deepEqual(await live('late'), [ORIGINAL, ORIGINAL], 'the cluster as it was');
  });

  it('--dry-run with both: both diffs printed, nothing written anywhere', async () => {
    const file = manifestFile('dry');
    const before = await versions('dry');
    const r = await mora([...args('dry'), '--apply-to', file, '--apply-cluster', '--dry-run']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`^--- a/${escape(file.replace(/^\/+/, ''))}$`, 'm'));
    assert.match(r.err, /^dry run: 1 file\(s\) would change; nothing was written$/m);
    for (const n of names) assert.match(r.err, new RegExp(`^--- Deployment dry/${n} \\(context mora-real\\) live$`, 'm'));
    assert.match(r.err, /^dry run: 2 workload\(s\) would be patched; nothing was changed$/m);
    assert.equal(fs.readFileSync(file, 'utf8'), manifest('dry', names));
    assert.deepEqual(await versions('dry'), before);
  });
});
