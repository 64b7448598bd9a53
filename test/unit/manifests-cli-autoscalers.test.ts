/**
 * `mora manifests scan|apply` and `mora recommend --apply-to` follow the editor's rule for replicas an autoscaler owns
 * (src/cli/commands/manifest-autoscalers.ts over src/views/folder-autoscalers.ts): a HorizontalPodAutoscaler or KEDA
 * ScaledObject in the same file, another file of its folder, a kustomize overlay that renders it, or another file given
 * when both state the same namespace, with the same namespace and scaleTargetRef kind/name. Scan marks the row and prints the editor's note; apply never
 * writes spec.replicas there (it says so) and still writes the resources. Before: scan said nothing, apply wrote the
 * count (a warning only when the HPA was in the files given), and a sibling file's HPA counted for neither.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';

const deployment = (name: string, replicas: number, namespace?: string): string => [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, ...(namespace ? [`  namespace: ${namespace}`] : []), 'spec:',
  `  replicas: ${replicas}`, '  template:', '    spec:', '      containers:', '        - name: server', '          image: app:1',
  '          resources:', '            requests:', '              cpu: 100m', '              memory: 64Mi', '',
].join('\n');

const hpa = (name: string, target: string, min: number, max: number, namespace?: string): string => [
  'apiVersion: autoscaling/v2', 'kind: HorizontalPodAutoscaler', 'metadata:', `  name: ${name}`, ...(namespace ? [`  namespace: ${namespace}`] : []), 'spec:',
  '  scaleTargetRef:', '    apiVersion: apps/v1', '    kind: Deployment', `    name: ${target}`,
  `  minReplicas: ${min}`, `  maxReplicas: ${max}`, '',
].join('\n');

const keda = (name: string, target: string, namespace: string): string => [
  'apiVersion: keda.sh/v1alpha1', 'kind: ScaledObject', 'metadata:', `  name: ${name}`, `  namespace: ${namespace}`, 'spec:',
  '  scaleTargetRef:', `    name: ${target}`, '  minReplicaCount: 1', '  maxReplicaCount: 30', '',
].join('\n');

const replicas = (text: string): string[] => text.split('\n').filter((l) => /^ {2}replicas:/.test(l));

describe('manifests CLI: replicas an autoscaler owns (the editor\'s rule)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-cli-hpa-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('scan marks the HPA-owned replica row and prints the note; a namesake in another namespace is not marked', async () => {
    const file = join(dir, 'app.yaml');
    writeFileSync(file, [deployment('web', 3, 'shop'), hpa('web', 'web', 2, 8, 'shop'), deployment('web', 4, 'staging')].join('---\n'));
    const table = await mora(['manifests', 'scan', file]);
    assert.equal(table.code, 0, table.err);
    const rows = table.out.trim().split('\n').slice(1);
    assert.match(rows[0], /shop\s+web\s+server\s+\d+\s+3 \(HPA\)\s/);
    assert.match(rows[1], /staging\s+web\s+server\s+\d+\s+4\s/);
    assert.equal(table.err, 'mora: note: Deployment shop/web: replicas left to the HPA web (2..8); manifests apply does not write spec.replicas here\n');
    const json = await mora(['manifests', 'scan', file, '--format', 'json']);
    const parsed = (JSON.parse(json.out) as { containers: unknown[] }).containers as Array<{ namespace: string; replicas: number; autoscaler?: Record<string, unknown> }>;
    assert.deepEqual(parsed[0].autoscaler, { kind: 'HorizontalPodAutoscaler', name: 'web', namespace: 'shop', minReplicas: 2, maxReplicas: 8, note: 'replicas left to the HPA web (2..8)' });
    assert.equal(parsed[0].replicas, 3, 'the count is still reported');
    assert.equal(parsed[1].autoscaler, undefined);
  });

  it('scan of a folder: an HPA in another file and a KEDA ScaledObject count, and are named with their file', async () => {
    writeFileSync(join(dir, 'web.yaml'), deployment('web', 2, 'shop') + '---\n' + deployment('worker', 1, 'shop') + '---\n' + deployment('api', 2, 'shop'));
    writeFileSync(join(dir, 'scalers.yaml'), hpa('web-hpa', 'web', 2, 6, 'shop') + '---\n' + keda('queue', 'worker', 'shop'));
    const r = await mora(['manifests', 'scan', dir, '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const { containers } = JSON.parse(r.out) as { containers: Array<{ name: string; autoscaler?: { name: string; file?: string } }> };
    assert.deepEqual(containers.map((c) => [c.name, c.autoscaler?.name ?? null]), [['web', 'web-hpa'], ['worker', 'queue'], ['api', null]]);
    assert.equal(containers[0].autoscaler?.file, join(dir, 'scalers.yaml'));
    assert.match(r.err, /note: Deployment shop\/web: replicas left to the HPA web-hpa \(2\.\.6\) \(in .*scalers\.yaml\)/);
    assert.match(r.err, /note: Deployment shop\/worker: replicas left to the KEDA ScaledObject queue \(1\.\.30\) \(in .*scalers\.yaml\)/);
  });

  it('apply --replicas with --set: the resources are written, the HPA-owned replicas are not (and it says so); another workload\'s are', async () => {
    const file = join(dir, 'app.yaml');
    writeFileSync(file, [deployment('web', 3, 'shop'), hpa('web', 'web', 2, 8, 'shop'), deployment('api', 2, 'shop')].join('---\n'));
    const r = await mora(['manifests', 'apply', file, '--in-place', '--set', 'shop/Deployment/web/server=cpu=250m',
      '--replicas', 'shop/Deployment/web=5', '--replicas', 'shop/Deployment/api=4']);
    assert.equal(r.code, 0, r.err);
    const after = readFileSync(file, 'utf8');
    assert.deepEqual(replicas(after), ['  replicas: 3', '  replicas: 4']);
    assert.match(after, /cpu: 250m/);
    assert.match(r.err, /mora: note: Deployment shop\/web: replicas left to the HPA web \(2\.\.8\); spec\.replicas not written \(--replicas asked for 5\): the autoscaler sets the count, change its bounds instead/);
    assert.match(r.err, /mora: updated /);
  });

  it('apply on one file counts an HPA in another file of its folder (not given), as the editor does; only replicas asked: nothing written', async () => {
    const file = join(dir, 'deployment.yaml');
    const before = deployment('web', 3);
    writeFileSync(file, before);
    writeFileSync(join(dir, 'hpa.yaml'), hpa('web', 'web', 2, 8));
    const r = await mora(['manifests', 'apply', file, '--in-place', '--replicas', 'Deployment/web=5']);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(file, 'utf8'), before);
    assert.match(r.err, /note: Deployment default\/web: replicas left to the HPA web \(2\.\.8\) \(in .*hpa\.yaml\); spec\.replicas not written/);
    assert.doesNotMatch(r.err, /already has these values|updated/);
    const diff = await mora(['manifests', 'apply', dir, '--diff', '--replicas', 'Deployment/web=5']);
    assert.equal(diff.code, 0, diff.err);
    assert.equal(diff.out, '', 'the folder diff changes nothing either');
  });

  it('an HPA in another folder does not own a namesake without a stated namespace, whichever paths are given; with the same stated namespace it does', async () => {
    const dev = join(dir, 'apps', 'dev');
    const prod = join(dir, 'apps', 'prod');
    mkdirSync(dev, { recursive: true });
    mkdirSync(prod, { recursive: true });
    const devWeb = join(dev, 'web.yaml');
    writeFileSync(devWeb, deployment('web', 1));
    writeFileSync(join(prod, 'web.yaml'), deployment('web', 4));
    writeFileSync(join(prod, 'hpa.yaml'), hpa('web', 'web', 2, 8));
    const scan = await mora(['manifests', 'scan', join(dir, 'apps'), '--format', 'json']);
    assert.equal(scan.code, 0, scan.err);
    const { containers } = JSON.parse(scan.out) as { containers: Array<{ file: string; replicas: number; autoscaler?: { file?: string } }> };
    const owner = (f: string) => containers.find((c) => c.file === f)?.autoscaler?.file ?? null;
    assert.equal(owner(devWeb), null, 'dev\'s web is not prod\'s HPA\'s');
    assert.equal(owner(join(prod, 'web.yaml')), join(prod, 'hpa.yaml'));
    const apply = await mora(['manifests', 'apply', devWeb, join(prod, 'hpa.yaml'), '--in-place', '--replicas', 'Deployment/web=3']);
    assert.equal(apply.code, 0, apply.err);
    assert.deepEqual(replicas(readFileSync(devWeb, 'utf8')), ['  replicas: 3']);
    assert.doesNotMatch(apply.err, /left to the HPA/);
    // Both stating namespace shop: the same workload wherever its files lie.
    writeFileSync(devWeb, deployment('web', 1, 'shop'));
    writeFileSync(join(prod, 'hpa.yaml'), hpa('web', 'web', 2, 8, 'shop'));
    const stated = await mora(['manifests', 'apply', devWeb, join(prod, 'hpa.yaml'), '--in-place', '--replicas', 'shop/Deployment/web=3']);
    assert.equal(stated.code, 0, stated.err);
    assert.deepEqual(replicas(readFileSync(devWeb, 'utf8')), ['  replicas: 1']);
    assert.match(stated.err, /replicas left to the HPA web \(2\.\.8\) \(in .*prod\/hpa\.yaml\)/);
  });

  it('a kustomize overlay\'s HPA owns the base\'s replicas for scan, apply and recommend --apply-to (searched within the repository)', async () => {
    mkdirSync(join(dir, '.git'));
    const base = join(dir, 'k8s', 'base');
    const prod = join(dir, 'k8s', 'overlays', 'prod');
    mkdirSync(base, { recursive: true });
    mkdirSync(prod, { recursive: true });
    const file = join(base, 'deployment.yaml');
    const before = deployment('currencyservice', 2, 'shop');
    writeFileSync(file, before);
    writeFileSync(join(base, 'kustomization.yaml'), 'resources:\n  - deployment.yaml\n');
    writeFileSync(join(prod, 'kustomization.yaml'), 'resources:\n  - ../../base\n  - hpa.yaml\n');
    writeFileSync(join(prod, 'hpa.yaml'), hpa('currencyservice', 'currencyservice', 2, 8, 'shop'));
    const scan = await mora(['manifests', 'scan', file]);
    assert.match(scan.out, /2 \(HPA\)/);
    assert.match(scan.err, /replicas left to the HPA currencyservice \(2\.\.8\) \(in overlay .*overlays\/prod: .*overlays\/prod\/hpa\.yaml\)/);
    const apply = await mora(['manifests', 'apply', file, '--in-place', '--replicas', 'Deployment/currencyservice=5']);
    assert.equal(apply.code, 0, apply.err);
    assert.equal(readFileSync(file, 'utf8'), before);
    const rec = await mora(['recommend', '--source', 'demo', '-w', 'currencyservice', '--apply-to', file, '--replicas']);
    assert.equal(rec.code, 0, rec.err);
    const after = readFileSync(file, 'utf8');
    assert.deepEqual(replicas(after), ['  replicas: 2']);
    assert.doesNotMatch(after, /memory: 64Mi/, 'the resources are written');
    assert.match(rec.err, /note: Deployment shop\/currencyservice: replicas left to the HPA currencyservice \(2\.\.8\): .* \(in overlay .*overlays\/prod: .*hpa\.yaml\); spec\.replicas not written/);
  });
});
