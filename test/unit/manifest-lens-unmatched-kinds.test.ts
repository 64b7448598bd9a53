/**
 * The editor and the kinds no recommendation names: a DeploymentConfig, a ReplicationController, a Knative Service.
 * `recommend --apply-to` names each with why it is not matched (bc47253); the editor showed no lens on one, without a
 * word, even with recommendations loaded for its pods. Now one informational lens says why (the CLI's note as its
 * tooltip), when loaded recommendations plausibly belong to it: a recommendation of its namespace and name under another
 * kind with a container of the same name, or a Knative Service's revision Deployment <ksvc>-…-deployment.
 */
import * as assert from 'node:assert/strict';
import type { Recommendation } from '../../src/core/recommendation';
import { shellWord } from '../../src/core/shell-word';
import { neverRecommendedNote } from '../../src/manifests/from-recommendation';
import { scanManifest } from '../../src/manifests/scan';
import { manifestView, type LensSpec, type RecommendationLookup } from '../../src/views/manifest-lens-model';

function rec(namespace: string, kind: string, name: string, container: string): Recommendation {
  const b = (v: number) => ({ value: v, lower: v, upper: v });
  const evidence = { observed: { p50: 1, p95: 1, p99: 1, max: 1, samples: 10, days: 14 }, margin: 0.1, method: 'mora', reason: 'r', completeness: 1, notes: [] };
  return {
    workload: { context: 'c', namespace, kind, name }, qos: 'Burstable', confidence: 0.8, generatedAt: 0,
    containers: [{
      container, current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.8,
      cpu: { request: b(0.2), confidence: 0.8, evidence }, memory: { request: b(96 * 2 ** 20), confidence: 0.8, evidence },
    }],
  } as unknown as Recommendation;
}

const DC = 'apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata:\n  name: frontend\n  namespace: shop\n'
  + 'spec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1\n';
const KSVC = 'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\n  namespace: shop\n'
  + 'spec:\n  template:\n    spec:\n      containers:\n      - name: user-container\n        image: hello:1\n';
// No namespace: in the default namespace, as the CLI's --default-namespace places it.
const RC = 'apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: web\n'
  + 'spec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1\n';
const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n'
  + 'spec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1\n';

/** The store's lookup over `recs` (by kind, namespace and name, as RecommendationIndex.forManifest). */
const lookupIn = (recs: readonly Recommendation[]): RecommendationLookup =>
  (namespace, kind, name) => recs.find((r) => r.workload.namespace === namespace && r.workload.kind === kind && r.workload.name === name);

function unmatched(text: string, recs: readonly Recommendation[], defaultNamespace = 'default'): LensSpec[] {
  return manifestView(text, lookupIn(recs), defaultNamespace, { recommendations: () => recs }).lenses.filter((l) => l.kind === 'unmatched');
}

/** The CLI's note for the (first) workload of `text`: the lens's tooltip must be it, word for word. */
const cliNote = (text: string, recs: readonly Recommendation[], defaultNamespace = 'default') =>
  neverRecommendedNote(scanManifest(text).containers[0], recs, defaultNamespace);

describe('manifest lenses: a DeploymentConfig, ReplicationController or Knative Service says why it has no recommendation', () => {
  it('a DeploymentConfig with a recommendation for its name under another kind: one informational lens, the CLI\'s reason', () => {
    const recs = [rec('shop', 'Deployment', 'frontend', 'web')];
    const lenses = manifestView(DC, lookupIn(recs), 'default', { recommendations: () => recs }).lenses;
    assert.equal(lenses.length, 1, JSON.stringify(lenses));
    const [lens] = lenses;
    assert.equal(lens.kind, 'unmatched');
    assert.equal(lens.title, 'MOrA: not matched: no recommendation names a DeploymentConfig');
    assert.deepEqual(lens.changes, []);
    assert.equal(lens.target, undefined);
    assert.equal(DC.split('\n')[lens.line], '      - name: web');
    assert.equal(lens.tooltip, cliNote(DC, recs));
    assert.match(lens.tooltip ?? '', /^DeploymentConfig shop\/frontend: not matched: no recommendation names a DeploymentConfig — MOrA reads no DeploymentConfig from a cluster, nor the ReplicationControllers \(<name>-<n>\) that run its pods.*; set its values with mora manifests apply <file> --set DeploymentConfig\/frontend\/<container>=cpu=…,memory=…$/);
  });

  it('a Knative Service with its revision\'s Deployment recommended: the lens names the Deployment, as the CLI does', () => {
    const recs = [rec('shop', 'Deployment', 'hello-00002-deployment', 'user-container'), rec('shop', 'Deployment', 'web', 'web')];
    const [lens, ...more] = unmatched(KSVC, recs);
    assert.equal(more.length, 0);
    assert.equal(lens.title, 'MOrA: not matched: no recommendation names a Knative Service');
    assert.equal(lens.tooltip, cliNote(KSVC, recs));
    assert.match(lens.tooltip ?? '', /\(here: Deployment shop\/hello-00002-deployment\), never written into the Service: /);
  });

  it('a ReplicationController without a namespace: in the default namespace, as the CLI places it', () => {
    const recs = [rec('shop', 'Deployment', 'web', 'web')];
    assert.equal(unmatched(RC, recs, 'default').length, 0);
    const [lens] = unmatched(RC, recs, 'shop');
    assert.equal(lens.title, 'MOrA: not matched: no recommendation names a ReplicationController');
    assert.equal(lens.tooltip, cliNote(RC, recs, 'shop'));
  });

  it('nothing when no loaded recommendation plausibly belongs to it: not a lens on every such manifest', () => {
    // Other workloads of its namespace; its name in another namespace; its name without any of its containers.
    const recs = [rec('shop', 'Deployment', 'web', 'web'), rec('prod', 'Deployment', 'frontend', 'web'), rec('shop', 'Deployment', 'frontend', 'sidecar')];
    assert.deepEqual(unmatched(DC, recs), []);
    // A Deployment named like a revision of another Service, or in another namespace.
    assert.deepEqual(unmatched(KSVC, [rec('shop', 'Deployment', 'helloworld-00001-deployment', 'user-container'), rec('prod', 'Deployment', 'hello-00001-deployment', 'user-container')]), []);
    assert.deepEqual(unmatched(DC, []), []);
    // No recommendations given (the model without the store): nothing, as before.
    assert.deepEqual(manifestView(DC, lookupIn([rec('shop', 'Deployment', 'frontend', 'web')]), 'default').lenses, []);
  });

  it('a file of kinds a recommendation names never reads every recommendation; a matched one keeps its own lenses only', () => {
    let asked = 0;
    const recs = [rec('shop', 'Deployment', 'web', 'web')];
    const view = manifestView(DEPLOY, lookupIn(recs), 'default', { recommendations: () => { asked++; return recs; } });
    assert.equal(asked, 0);
    assert.ok(view.lenses.some((l) => l.kind === 'container'));
    assert.ok(!view.lenses.some((l) => l.kind === 'unmatched'));
    // Both in one file: the Deployment's lenses and the DeploymentConfig's note, each above its own container.
    const both = `${DEPLOY}---\n${DC}`;
    const withFrontend = [...recs, rec('shop', 'Deployment', 'frontend', 'web')];
    const lenses = manifestView(both, lookupIn(withFrontend), 'default', { recommendations: () => withFrontend }).lenses;
    const note = lenses.filter((l) => l.kind === 'unmatched');
    assert.equal(note.length, 1);
    assert.ok(note[0].line > DEPLOY.split('\n').length);
    assert.ok(lenses.some((l) => l.kind === 'container' && l.target?.name === 'web'));
  });

  it('the tooltip\'s command names the document (options.file) instead of <file>, quoted for a shell when it must be', () => {
    const recs = [rec('shop', 'Deployment', 'frontend', 'web'), rec('shop', 'Deployment', 'hello-00002-deployment', 'user-container')];
    const tooltip = (text: string, file?: string) =>
      manifestView(text, lookupIn(recs), 'default', { recommendations: () => recs, file }).lenses.find((l) => l.kind === 'unmatched')?.tooltip ?? '';
    const named = tooltip(DC, 'openshift/dc.yaml');
    assert.ok(named.endsWith('; set its values with mora manifests apply openshift/dc.yaml --set DeploymentConfig/frontend/<container>=cpu=…,memory=…'), named);
    assert.ok(!named.includes('<file>'), named);
    // The rest is the CLI's note word for word: only the placeholder differs.
    assert.equal(named.replace('openshift/dc.yaml', '<file>'), cliNote(DC, recs));
    assert.match(tooltip(KSVC, 'my app/ksvc.yaml'), /; set its values with mora manifests apply 'my app\/ksvc\.yaml' --set ksvc\/hello\/<container>=cpu=…,memory=…$/);
    assert.match(tooltip(DC, "it's here.yaml"), / apply 'it'\\''s here\.yaml' --set /);
    // No file known (an untitled document): the placeholder, as the CLI writes it.
    assert.equal(tooltip(DC), cliNote(DC, recs));
    assert.ok(tooltip(DC).includes('mora manifests apply <file> --set'));
  });

  it('shellWord: a path bare when no shell reads it specially, else single-quoted', () => {
    assert.equal(shellWord('overlays/prod/deployment.yaml'), 'overlays/prod/deployment.yaml');
    assert.equal(shellWord('k8s/web-1_v2.yml'), 'k8s/web-1_v2.yml');
    assert.equal(shellWord('my app/dc.yaml'), "'my app/dc.yaml'");
    assert.equal(shellWord("it's.yaml"), "'it'\\''s.yaml'");
    assert.equal(shellWord('a$b*.yaml'), "'a$b*.yaml'");
    assert.equal(shellWord(''), "''");
  });
});
