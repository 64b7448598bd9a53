/**
 * Argo Rollouts (argoproj.io/v1alpha1 Rollout): a Deployment with a progressive strategy, its pod template at
 * spec.template and its count at spec.replicas. `manifests scan` ignored them without a word and `apply` said
 * "no Rollout/checkout in this file"; they are now scanned and edited like a Deployment.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editManifest, parseChangeSpecs, scanManifest } from '../../src/manifests';
import { mora } from './helpers/run-cli';

const rollout = (replicas: string | null): string => [
  'apiVersion: argoproj.io/v1alpha1', 'kind: Rollout', 'metadata:', '  name: checkout', '  namespace: shop', 'spec:',
  ...(replicas === null ? [] : [`  replicas: ${replicas}`]),
  '  strategy:', '    canary:', '      steps:', '        - setWeight: 20', '        - pause: {duration: 10m}',
  '  template:', '    spec:', '      initContainers:', '        - name: migrate', '          image: migrate:1',
  '      containers:', '        - name: app # the service', '          image: checkout:1', '          resources:',
  '            requests:', '              cpu: 200m', '            limits:', '              memory: 512Mi', '',
].join('\n');

describe('manifests: Argo Rollouts', () => {
  it('scans a Rollout\'s containers, init containers and replicas', () => {
    const scan = scanManifest(rollout('3'));
    assert.deepEqual(scan.containers.map((c) => [c.kind, c.namespace, c.name, c.container, c.init, c.replicas?.value, c.requests.cpu?.value, c.limits.memory?.value]), [
      ['Rollout', 'shop', 'checkout', 'migrate', true, '3', undefined, undefined],
      ['Rollout', 'shop', 'checkout', 'app', false, '3', '200m', '512Mi'],
    ]);
  });

  it('a Rollout that points at a Deployment (spec.workloadRef, no template) has no containers', () => {
    const text = ['apiVersion: argoproj.io/v1alpha1', 'kind: Rollout', 'metadata:', '  name: ref', 'spec:', '  replicas: 2',
      '  workloadRef:', '    apiVersion: apps/v1', '    kind: Deployment', '    name: checkout', ''].join('\n');
    assert.deepEqual(scanManifest(text).containers, []);
  });

  it('sets resources and replicas of a Rollout (ro/rollout on the command line), only those values', () => {
    const original = rollout('3');
    const { text } = editManifest(original, parseChangeSpecs({ set: ['ro/checkout/app=cpu=300m,memory=256Mi'], replicas: ['shop/rollout/checkout=5'] }));
    assert.equal(text, original.replace('  replicas: 3', '  replicas: 5')
      .replace('              cpu: 200m\n', '              cpu: 300m\n              memory: 256Mi\n'));
    // Absent replicas are inserted as for a Deployment.
    const inserted = editManifest(rollout(null), parseChangeSpecs({ replicas: ['Rollout/checkout=4'] })).text;
    assert.equal(scanManifest(inserted).containers[0].replicas?.value, '4');
  });

  it('mora manifests scan lists it and mora manifests apply --in-place edits it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-rollout-'));
    try {
      const file = join(dir, 'rollout.yaml');
      writeFileSync(file, rollout('3'));
      const scan = await mora(['manifests', 'scan', file, '--format', 'json']);
      assert.equal(scan.code, 0, scan.err);
      assert.deepEqual((JSON.parse(scan.out) as { containers: Array<{ kind: string; container: string }> }).containers.map((r) => `${r.kind}/${r.container}`), ['Rollout/migrate', 'Rollout/app']);
      const apply = await mora(['manifests', 'apply', file, '--in-place', '--set', 'Rollout/checkout/app=cpu=250m']);
      assert.equal(apply.code, 0, apply.err);
      assert.match(readFileSync(file, 'utf8'), /^ {14}cpu: 250m$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
