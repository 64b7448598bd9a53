/**
 * A HorizontalPodAutoscaler among the manifests owns its workload's spec.replicas: `recommend --apply-to --replicas`,
 * the editor's lenses (manifestView, "apply all") and `manifests apply --replicas` must not write a count over it
 * (apply says so instead). Only the cluster's HPA (rec.replicas.hpa) used to count. Also: no `replicas: 1` inserted
 * where the field is absent (Kubernetes' default).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyToManifests, reportApplyTo } from '../../src/cli/commands/apply-to-manifests';
import type { Recommendation } from '../../src/core/recommendation';
import { findAutoscalers } from '../../src/manifests/autoscalers';
import { scanManifest } from '../../src/manifests/scan';
import { manifestView } from '../../src/views/manifest-lens-model';
import { mora } from './helpers/run-cli';

const deployment = (name: string, replicas: number | null, namespace = 'shop'): string => [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, `  namespace: ${namespace}`, 'spec:',
  ...(replicas === null ? [] : [`  replicas: ${replicas}`]),
  '  template:', '    spec:', '      containers:', '        - name: server', '          image: app:1',
  '          resources:', '            requests:', '              cpu: 100m', '              memory: 64Mi', '',
].join('\n');

const hpa = (name: string, target: string, min: number, max: number, namespace = 'shop', apiVersion = 'autoscaling/v2'): string => [
  `apiVersion: ${apiVersion}`, 'kind: HorizontalPodAutoscaler', 'metadata:', `  name: ${name}`, `  namespace: ${namespace}`, 'spec:',
  '  scaleTargetRef:', '    apiVersion: apps/v1', '    kind: Deployment', `    name: ${target}`,
  `  minReplicas: ${min}`, `  maxReplicas: ${max}`, '',
].join('\n');

function rec(name: string, replicas: number, namespace = 'shop'): Recommendation {
  const b = (v: number) => ({ value: v, lower: v, upper: v });
  const evidence = { observed: { p50: 1, p95: 1, p99: 1, max: 1, samples: 10, days: 14 }, margin: 0.1, method: 'mora', reason: 'r', completeness: 1, notes: [] };
  return {
    workload: { context: 'c', namespace, kind: 'Deployment', name }, qos: 'Burstable', confidence: 0.8, generatedAt: 0,
    containers: [{
      container: 'server', current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.8,
      cpu: { request: b(0.2), confidence: 0.8, evidence }, memory: { request: b(96 * 2 ** 20), confidence: 0.8, evidence },
    }],
    replicas: { current: 2, recommended: b(replicas), reason: 'the peak needs it' },
  };
}

const replicasLine = (text: string): string | undefined => text.split('\n').find((l) => /^ {2}replicas:/.test(l));

describe('manifests: an HPA among the manifests owns the replicas', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-hpa-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads HPAs (v1, v2), a KEDA ScaledObject and an HPA inside a List; ignores other kinds', () => {
    const keda = ['apiVersion: keda.sh/v1alpha1', 'kind: ScaledObject', 'metadata:', '  name: q', 'spec:', '  scaleTargetRef:', '    name: worker', '  maxReplicaCount: 30', ''].join('\n');
    const list = ['apiVersion: v1', 'kind: List', 'items:', ...hpa('in-list', 'api', 1, 3).split('\n').filter(Boolean).map((l, i) => `${i === 0 ? '- ' : '  '}${l}`), ''].join('\n');
    const text = [deployment('web', 2), hpa('web', 'web', 2, 8), hpa('old', 'web', 3, 5, 'shop', 'autoscaling/v1'), keda, list].join('---\n');
    const found = findAutoscalers(text, scanManifest(text));
    assert.deepEqual(found.map((a) => [a.kind, a.name, a.target.kind, a.target.name, a.minReplicas, a.maxReplicas]), [
      ['HorizontalPodAutoscaler', 'web', 'Deployment', 'web', 2, 8],
      ['HorizontalPodAutoscaler', 'old', 'Deployment', 'web', 3, 5],
      ['ScaledObject', 'q', 'Deployment', 'worker', 0, 30],
      ['HorizontalPodAutoscaler', 'in-list', 'Deployment', 'api', 1, 3],
    ]);
  });

  it('recommend --apply-to --replicas leaves spec.replicas (present or absent) to an HPA in the same file, with a note', () => {
    const withCount = join(dir, 'hpa.yaml');
    const without = join(dir, 'no-count.yaml');
    writeFileSync(withCount, deployment('currencyservice', 2) + '---\n' + hpa('currencyservice', 'currencyservice', 2, 8));
    writeFileSync(without, deployment('currencyservice', null, 'other') + '---\n' + hpa('currencyservice', 'currencyservice', 2, 8, 'other'));
    const recs = [rec('currencyservice', 3), rec('currencyservice', 3, 'other')];
    const results = [...applyToManifests(withCount, recs, 'default', true), ...applyToManifests(without, recs, 'default', true)];
    assert.equal(replicasLine(readFileSync(withCount, 'utf8')), '  replicas: 2');
    assert.equal(replicasLine(readFileSync(without, 'utf8')), undefined, 'no replicas: inserted');
    for (const r of results) {
      assert.equal(r.changed, 2, 'the resources are still written');
      assert.match(r.notes?.join('\n') ?? '', /replicas left to the HPA currencyservice \(2\.\.8\): keep its bounds \(the 3 replicas the load needs are within them\)/);
    }
    // The note is on stderr, and says what to change in the HPA when the count is outside its bounds.
    writeFileSync(withCount, deployment('currencyservice', 2) + '---\n' + hpa('currencyservice', 'currencyservice', 1, 2));
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => { err.push(s); return true; }) as typeof process.stderr.write;
    try {
      reportApplyTo(applyToManifests(withCount, recs, 'default', true), false);
    } finally {
      process.stderr.write = write;
    }
    assert.match(err.join(''), /note: Deployment shop\/currencyservice: replicas left to the HPA currencyservice \(1\.\.2\): raise maxReplicas to 3 \(the load needs 3 replicas\)/);
  });

  it('mora recommend --source demo -w currencyservice --apply-to <file with its HPA> --replicas keeps replicas: 2', async () => {
    const file = join(dir, 'hpa.yaml');
    writeFileSync(file, deployment('currencyservice', 2) + '---\n' + hpa('currencyservice', 'currencyservice', 2, 8));
    const r = await mora(['recommend', '--source', 'demo', '-w', 'currencyservice', '--apply-to', file, '--replicas']);
    assert.equal(r.code, 0, r.err);
    const after = readFileSync(file, 'utf8');
    assert.equal(replicasLine(after), '  replicas: 2');
    assert.doesNotMatch(after, /memory: 64Mi/, 'the resources are written');
    assert.match(r.err, /note: Deployment shop\/currencyservice: replicas left to the HPA currencyservice \(2\.\.8\)/);
  });

  it('an HPA in another file of the folder counts too; one for another workload or namespace does not', () => {
    mkdirSync(join(dir, 'hpa'));
    writeFileSync(join(dir, 'web.yaml'), deployment('web', 2) + '---\n' + deployment('api', 2) + '---\n' + deployment('web', 2, 'staging'));
    writeFileSync(join(dir, 'hpa', 'web-hpa.yaml'), hpa('web-hpa', 'web', 2, 8));
    const results = applyToManifests(dir, [rec('web', 3), rec('api', 4), rec('web', 5, 'staging')], 'default', true);
    const text = readFileSync(join(dir, 'web.yaml'), 'utf8').split('---\n');
    assert.equal(replicasLine(text[0]), '  replicas: 2', 'web: left to web-hpa');
    assert.equal(replicasLine(text[1]), '  replicas: 4', 'api: no HPA');
    assert.equal(replicasLine(text[2]), '  replicas: 5', 'staging/web: the HPA is in shop');
    const notes = results.flatMap((r) => r.notes ?? []);
    assert.equal(notes.length, 1);
    assert.match(notes[0], /HPA web-hpa \(2\.\.8\).*\(in .*web-hpa\.yaml\)/);
  });

  it('does not insert replicas: 1 where the field is absent (Kubernetes\' default), but inserts another count', () => {
    const file = join(dir, 'w.yaml');
    writeFileSync(file, deployment('one', null) + '---\n' + deployment('three', null));
    applyToManifests(file, [rec('one', 1), rec('three', 3)], 'default', true);
    const [one, three] = readFileSync(file, 'utf8').split('---\n');
    assert.equal(replicasLine(one), undefined);
    assert.equal(replicasLine(three), '  replicas: 3');
  });

  it('the lens model offers no replica change for a workload an HPA in the file scales: a note instead, nothing in "apply all"', () => {
    const text = deployment('web', 2) + '---\n' + hpa('web', 'web', 2, 8) + '---\n' + deployment('api', 2);
    const recs = [rec('web', 3), rec('api', 4)];
    const view = manifestView(text, (ns, _kind, name) => recs.find((r) => r.workload.namespace === ns && r.workload.name === name), 'default');
    const replicaLenses = view.lenses.filter((l) => l.kind === 'replicas');
    assert.deepEqual(replicaLenses.map((l) => [l.title, l.changes.length]), [
      ['MOrA: replicas left to the HPA web (2..8): keep its bounds (the 3 replicas the load needs are within them)', 0],
      ['MOrA: replicas 2 → 4', 1],
    ]);
    const all = view.lenses.find((l) => l.kind === 'file');
    assert.ok(all);
    assert.ok(!all.changes.some((c) => c.type === 'replicas' && c.target.name === 'web'), 'apply all leaves web\'s replicas');
    assert.ok(all.changes.some((c) => c.type === 'replicas' && c.target.name === 'api'));
    assert.equal(view.autoscalers.length, 1);
  });

  it('manifests apply --replicas on a workload an HPA scales leaves spec.replicas, with a note naming the HPA (one file and a folder)', async () => {
    const file = join(dir, 'hpa.yaml');
    writeFileSync(file, deployment('web', 2) + '---\n' + hpa('web', 'web', 2, 8));
    const one = await mora(['manifests', 'apply', file, '--replicas', 'deploy/web=5']);
    assert.equal(one.code, 0, one.err);
    assert.match(one.out, /^ {2}replicas: 2$/m);
    assert.match(one.err, /note: Deployment shop\/web: replicas left to the HPA web \(2\.\.8\); spec\.replicas not written/);
    const quiet = await mora(['manifests', 'apply', file, '--replicas', 'deploy/other=5']);
    assert.doesNotMatch(quiet.err, /note/);
    writeFileSync(file, deployment('web', 2));
    writeFileSync(join(dir, 'web-hpa.yaml'), hpa('web', 'web', 2, 8));
    const many = await mora(['manifests', 'apply', dir, '--in-place', '--replicas', 'deploy/web=5']);
    assert.equal(many.code, 0, many.err);
    assert.match(many.err, /note: Deployment shop\/web: replicas left to the HPA web \(2\.\.8\) \(in .*web-hpa\.yaml\); spec\.replicas not written/);
    assert.equal(replicasLine(readFileSync(file, 'utf8')), '  replicas: 2');
  });
});
