/**
 * `recommend --apply-to` and the kinds no recommendation names: a DeploymentConfig (OpenShift), a ReplicationController,
 * a Knative Service. `manifests scan|apply` read and edit them, but the cluster reader lists none of them (a Knative
 * Service's pods are its revision's Deployment's, <ksvc>-<revision>-deployment; a DeploymentConfig's a
 * ReplicationController's), so a recommendation never matches one. Before, such a workload was left as written without
 * a word (`unchanged (no matching recommendation)`); now each is named with why and the command that sets it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { applyToReport as report, recommendationFor } from '../harness/manifest-tree';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';

const rec = (kind: string, name: string, container: string) => recommendationFor({ namespace: 'shop', kind, name, container });

const DC = 'apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata:\n  name: frontend\n  namespace: shop\n'
  + 'spec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1\n';
const KSVC = 'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\n  namespace: shop\n'
  + 'spec:\n  template:\n    spec:\n      containers:\n      - name: user-container\n        image: hello:1\n';
const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n'
  + 'spec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1\n';

describe('recommend --apply-to: DeploymentConfig, ReplicationController, Knative Service are named, not silently unchanged', () => {
  it('a folder with a Deployment, a DeploymentConfig and a Knative Service: the Deployment written, the other two noted with why', () => {
    const dir = tempDir('mora-apply-never-');
    writeFileSync(join(dir, 'dc.yaml'), DC);
    writeFileSync(join(dir, 'ksvc.yaml'), KSVC);
    writeFileSync(join(dir, 'web.yaml'), DEPLOY);
    // The cluster's view of them: the Deployment, and the Knative revision's Deployment (never the Service itself).
    const recs = [rec('Deployment', 'web', 'web'), rec('Deployment', 'hello-00002-deployment', 'user-container'), rec('Deployment', 'frontend', 'web')];
    const results = applyToManifests(dir, recs, 'default');
    const { err, failure } = report(results);
    assert.equal(failure, undefined, err);
    assert.match(readFileSync(join(dir, 'web.yaml'), 'utf8'), /cpu: 200m/);
    assert.equal(readFileSync(join(dir, 'dc.yaml'), 'utf8'), DC);
    assert.equal(readFileSync(join(dir, 'ksvc.yaml'), 'utf8'), KSVC);
    assert.match(err, /dc\.yaml: unchanged \(no matching recommendation: no recommendation names a DeploymentConfig, ReplicationController or Knative Service \(noted below\)\)/);
    assert.match(err, /dc\.yaml: note: DeploymentConfig shop\/frontend: not matched: no recommendation names a DeploymentConfig — MOrA reads no DeploymentConfig from a cluster, nor the ReplicationControllers \(<name>-<n>\) that run its pods.*; set its values with mora manifests apply <file> --set DeploymentConfig\/frontend\/<container>=cpu=…,memory=…\n/);
    assert.match(err, /ksvc\.yaml: note: Knative Service shop\/hello: not matched: no recommendation names a Knative Service — a cluster's recommendations are for the Deployment of each of its revisions \(<revision>-deployment\) \(here: Deployment shop\/hello-00002-deployment\), never written into the Service: .*--set ksvc\/hello\/<container>=cpu=…,memory=…\n/);
  });

  it('a file holding only a ReplicationController: the nothing-matched error says its kind is one no recommendation names', () => {
    const dir = tempDir('mora-apply-never-');
    const file = join(dir, 'rc.yaml');
    const text = DEPLOY.replace('apps/v1', 'v1').replace('Deployment', 'ReplicationController');
    writeFileSync(file, text);
    const { err, failure } = report(applyToManifests(file, [rec('Deployment', 'web', 'web')], 'default'));
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.match(err, /rc\.yaml: note: ReplicationController shop\/web: not matched: no recommendation names a ReplicationController — MOrA reads no ReplicationController from a cluster/);
    assert.match(failure ?? '', /^--apply-to: nothing matched: no workload in its file matched a recommendation by kind, .* \(1 of them is of a kind that no recommendation can name: a DeploymentConfig, ReplicationController or Knative Service; mora manifests apply --set sets it\); nothing was written$/);
  });
});
