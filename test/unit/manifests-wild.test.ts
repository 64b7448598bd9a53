/**
 * Real-world YAML shapes found by running `mora manifests` over public manifests (kube-prometheus, Argo CD, ingress-nginx,
 * Kubernetes examples…; docs/BENCHMARKS.md § Manifests in the wild). Each fixture here is a minimal one written for the test.
 */
import assert from 'node:assert/strict';
import { editManifest, parseChangeSpecs, scanManifest } from '../../src/manifests';

const BOM = '\uFEFF';

function edit(text: string, set: string[], replicas: string[] = []): string {
  return editManifest(text, parseChangeSpecs({ set, replicas })).text;
}

describe('manifests in the wild', () => {
  it('a byte order mark before a top-level sequence (a kustomize JSON patch saved on Windows) is still valid YAML', () => {
    // The yaml library reads `\uFEFF- op: add` as a scalar followed by junk; the mark is no content.
    const text = `${BOM}- op: add\r\n  path: /spec/replicas\r\n  value: 2\r\n`;
    const scan = scanManifest(text, { mode: 'thorough' });
    assert.deepEqual(scan.documents.map((d) => d.status), ['not-kubernetes']);
    assert.equal(scan.containers.length, 0);
  });

  it('a byte order mark before a List of workloads: found and edited, the mark and CRLF kept', () => {
    const text = `${BOM}apiVersion: v1\r\nkind: List\r\nitems:\r\n- apiVersion: apps/v1\r\n  kind: Deployment\r\n  metadata:\r\n    name: web\r\n`
      + '  spec:\r\n    replicas: 1\r\n    template:\r\n      spec:\r\n        containers:\r\n        - name: app\r\n          image: app:1\r\n';
    const scan = scanManifest(text, { mode: 'thorough' });
    assert.deepEqual(scan.containers.map((c) => [c.kind, c.name, c.container, c.item]), [['Deployment', 'web', 'app', 0]]);
    const out = edit(text, ['Deployment/web/app=cpu=100m'], ['Deployment/web=3']);
    assert.ok(out.startsWith(BOM));
    assert.doesNotMatch(out, /[^\r]\n/);
    assert.match(out, /replicas: 3\r\n/);
    assert.match(out, /- name: app\r\n {10}image: app:1\r\n {10}resources:\r\n {12}requests:\r\n {14}cpu: 100m\r\n$/);
  });
});
