import { strict as assert } from 'node:assert';
import { looksLikeKubernetes } from '../../src/manifests/sniff';

describe('looksLikeKubernetes (which YAML gets MOrA\'s folder reads, watchers and status bar)', () => {
  it('a workload, a second document and a quoted key are Kubernetes', () => {
    assert.equal(looksLikeKubernetes('apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: a }\n'), true);
    assert.equal(looksLikeKubernetes('# values\nfoo: 1\n---\n"apiVersion": v1\n"kind": "Service"\n'), true);
  });
  it('CI, compose and Helm values files are not, nor a nested apiVersion/kind', () => {
    assert.equal(looksLikeKubernetes('on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n'), false);
    assert.equal(looksLikeKubernetes('services:\n  web:\n    image: nginx\n'), false);
    assert.equal(looksLikeKubernetes('ingress:\n  apiVersion: networking.k8s.io/v1\n  kind: Ingress\n'), false);
    assert.equal(looksLikeKubernetes('apiVersion: v1\n'), false);
    assert.equal(looksLikeKubernetes('kind:\napiVersion:\n'), false);
  });
});
