import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { mora } from './helpers/run-cli';

/** A Deployment with one container `server`; `namespace` null writes none. */
function deployment(name: string, namespace: string | null): string {
  return ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, ...(namespace ? [`  namespace: ${namespace}`] : []),
    'spec:', '  template:', '    spec:', '      containers:', '      - name: server', `        image: ${name}:1`,
    '        resources:', '          requests:', '            cpu: 100m', ''].join('\n');
}

/** A Helm template source: `{{ }}` in replicas and a name, not YAML MOrA edits. */
const helmSource = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: {{ .Release.Name }}-web', 'spec:',
  '  replicas: {{ .Values.replicas }}', '  template:', '    spec:', '      containers:', '      - name: web', '        image: web:1', ''].join('\n');

const SET = ['--set', 'shop/Deployment/checkoutservice/server=cpu=250m'];

describe('manifests apply: a target not found says what was found and what to do', () => {
  it('one file: a workload without a namespace counts as default, and the refusal suggests --default-namespace shop (which then works)', async () => {
    const file = join(tempDir('mora-hint-'), 'checkout.yaml');
    const text = deployment('checkoutservice', null);
    writeFileSync(file, text);
    const r = await mora(['manifests', 'apply', file, ...SET, '--diff']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no Deployment\/checkoutservice in namespace shop in this file \(workloads found: Deployment\/checkoutservice\)/);
    assert.match(r.err, /Deployment\/checkoutservice sets no namespace, so it counts as default: give --default-namespace shop if it runs in shop/);
    // The advice is right: with it the target is found.
    const ok = await mora(['manifests', 'apply', file, ...SET, '--default-namespace', 'shop', '--diff']);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /^\+\s+cpu: 250m$/m);
    assert.equal(readFileSync(file, 'utf8'), text);
  });

  it('a folder: names the workloads it did find, and suggests --default-namespace for one without a namespace', async () => {
    const dir = tempDir('mora-hint-');
    writeFileSync(join(dir, 'a.yaml'), deployment('checkoutservice', null));
    writeFileSync(join(dir, 'b.yaml'), deployment('frontend', 'prod'));
    writeFileSync(join(dir, 'c.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    const r = await mora(['manifests', 'apply', dir, ...SET, '--diff']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no shop\/Deployment\/checkoutservice\/server in 3 files read; nothing was written; workloads found: Deployment\/checkoutservice, prod\/Deployment\/frontend/);
    assert.match(r.err, /Deployment\/checkoutservice sets no namespace, so it counts as default: give --default-namespace shop if it runs in shop/);
    const ok = await mora(['manifests', 'apply', dir, ...SET, '--default-namespace', 'shop', '--diff']);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /^\+\s+cpu: 250m$/m);
  });

  it('a folder of many workloads: the list is bounded (the first 10, and how many more)', async () => {
    const dir = tempDir('mora-hint-');
    for (let i = 0; i < 12; i++) writeFileSync(join(dir, `w${String(i).padStart(2, '0')}.yaml`), deployment(`w${String(i).padStart(2, '0')}`, 'shop'));
    const r = await mora(['manifests', 'apply', dir, ...SET, '--diff']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /in 12 files read; nothing was written; workloads found: (shop\/Deployment\/w\d\d, ){9}shop\/Deployment\/w09 and 2 more/);
    assert.doesNotMatch(r.err, /w10|w11/);
  });

  it('a folder of only Helm template sources: says they were skipped as templates, not just "0 files read"', async () => {
    const dir = tempDir('mora-hint-');
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'web.yaml'), helmSource);
    writeFileSync(join(dir, 'templates', 'api.yaml'), helmSource.replace(/web/g, 'api'));
    const r = await mora(['manifests', 'apply', dir, ...SET, '--diff']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /in 0 files read; nothing was written; no workloads found; 2 files skipped as Helm\/Go template sources \(render them first: helm template …\): \S*api\.yaml, \S*web\.yaml/);
  });
});
