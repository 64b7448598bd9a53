/**
 * Editing Kubernetes YAML: the Apply of a CodeLens and `mora manifests apply`. Each test compares the whole
 * file: expected = input with only the targeted lines changed (or the new lines added), written by hand here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyEdits, editManifest, ManifestEditError, parseChangeSpecs, planEdits, scanManifest, type ManifestChange,
} from '../../src/manifests';
import { splitDocuments } from '../../src/manifests/text';
import { generateManifest } from '../fixtures/manifests/generate';
import { Rng } from '../../src/core/random';

const FIXTURES = join(__dirname, '..', 'fixtures', 'manifests');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** An edit of the expected text: the first line equal to `line` after the first line equal to `after`. */
interface LineOp {
  after?: string;
  line: string;
  replace?: string;
  insertAfter?: string[];
  insertBefore?: string[];
}

function expectLines(text: string, ops: LineOp[]): string {
  const lines = text.split('\n');
  for (const op of ops) {
    const from = op.after === undefined ? 0 : lines.indexOf(op.after);
    assert.ok(from >= 0, `anchor not found: ${op.after}`);
    const at = lines.indexOf(op.line, from);
    assert.ok(at >= 0, `line not found: ${op.line}`);
    if (op.replace !== undefined) lines[at] = op.replace;
    if (op.insertAfter) lines.splice(at + 1, 0, ...op.insertAfter);
    if (op.insertBefore) lines.splice(at, 0, ...op.insertBefore);
  }
  return lines.join('\n');
}

const set = (target: string, values: string): ManifestChange[] => parseChangeSpecs({ set: [`${target}=${values}`] });

describe('manifests: edit', () => {
  it('replaces values in place and adds missing replicas, in a bundle with comments and varying key order', () => {
    const input = fixture('release-bundle.yaml');
    const changes = [
      ...set('Deployment/storefront/web', 'cpu=150m,memory=96Mi,limits.cpu=300m,limits.memory=192Mi'),
      ...set('Deployment/catalog/server', 'cpu=200m,limits.memory=384Mi'),
      ...parseChangeSpecs({ replicas: ['Deployment/catalog=3'] }),
    ];
    const expected = expectLines(input, [
      { after: '        - name: web', line: '              cpu: 100m', replace: '              cpu: 150m' },
      { after: '        - name: web', line: '              memory: 64Mi', replace: '              memory: 96Mi' },
      { after: '        - name: web', line: '              cpu: 200m', replace: '              cpu: 300m' },
      { after: '        - name: web', line: '              memory: 128Mi', replace: '              memory: 192Mi' },
      { after: '  name: catalog', line: '  selector:', insertBefore: ['  replicas: 3'] },
      { after: '      - name: server', line: '            memory: 256Mi', replace: '            memory: 384Mi' },
      { after: '      - name: server', line: '            cpu: 150m', replace: '            cpu: 200m' },
    ]);
    assert.equal(editManifest(input, changes).text, expected);
  });

  it('edits 99m, adds resources to the container of a two-container pod that has none, and changes replicas', () => {
    const input = fixture('shop-namespace.yaml');
    const changes = [
      ...set('Deployment/basket/basket', 'cpu=120m'),
      ...set('shop/Deployment/broker/broker-exporter', 'cpu=20m,memory=32Mi,limits.memory=64Mi'),
      ...parseChangeSpecs({ replicas: ['deploy/basket=2'] }),
    ];
    const expected = expectLines(input, [
      { line: '  replicas: 1', replace: '  replicas: 2' },
      { line: '            cpu: 99m', replace: '            cpu: 120m' },
      { after: '      - name: broker-exporter', line: '        - containerPort: 9090', insertAfter: [
        '        resources:', '          requests:', '            cpu: 20m', '            memory: 32Mi', '          limits:', '            memory: 64Mi'] },
    ]);
    assert.equal(editManifest(input, changes).text, expected);
  });

  it('fills `resources:` + `{}` in flow style, gives the sidecar a block, and never touches RBAC or PVC resources', () => {
    const input = fixture('helm-rendered.yaml');
    const changes = [
      ...set('StatefulSet/store/store', 'cpu=250m,memory=256Mi,limits.memory=512Mi'),
      ...set('StatefulSet/store/rules-sidecar', 'cpu=10m,memory=32Mi'),
    ];
    const expected = expectLines(input, [
      { line: '            {}', replace: '            {requests: {cpu: 250m, memory: 256Mi}, limits: {memory: 512Mi}}' },
      { after: '        - name: rules-sidecar', line: '              mountPath: /rules', insertAfter: [
        '          resources:', '            requests:', '              cpu: 10m', '              memory: 32Mi'] },
    ]);
    assert.equal(editManifest(input, changes).text, expected);
  });

  it('adds memory next to CPU-only values in kompose output, keeping creationTimestamp: null and status: {}', () => {
    const input = fixture('kompose.yaml');
    const expected = expectLines(input, [
      { line: '              cpu: 100m', insertAfter: ['              memory: 128Mi'] },
      { line: '              cpu: 1000m', replace: '              cpu: 2', insertAfter: ['              memory: 256Mi'] },
    ]);
    assert.equal(editManifest(input, set('Deployment/rates/hotel-rates', 'memory=128Mi,limits.cpu=2,limits.memory=256Mi')).text, expected);
  });

  it('edits CronJob, Job (after a block scalar) and Pod init containers', () => {
    const input = fixture('batch.yaml');
    const changes = [
      ...set('CronJob/nightly-report/report', 'limits.memory=512Mi'),
      ...set('Job/migrate/migrate', 'cpu=1'),
      ...set('Pod/debug-shell/wait-for-db', 'cpu=10m'),
    ];
    const expected = expectLines(input, [
      { line: '                memory: 256Mi', insertAfter: ['              limits:', '                memory: 512Mi'] },
      { line: '          ./migrate up', insertAfter: ['        resources:', '          requests:', '            cpu: 1'] },
      { line: "    command: ['sh', '-c', 'until nc -z db 5432; do sleep 1; done']", insertAfter: [
        '    resources:', '      requests:', '        cpu: 10m'] },
    ]);
    assert.equal(editManifest(input, changes).text, expected);
  });

  it('keeps irregular indentation, quoting style and flow mappings', () => {
    const input = fixture('irregular.yaml');
    const changes = [
      ...set('DaemonSet/node-agent/agent', 'cpu=600m,limits.memory=1Gi'),
      ...set('DaemonSet/node-agent/log-rotator', 'cpu=10m'),
      ...set('DaemonSet/node-agent/probe', 'cpu=5m,memory=16Mi'),
      ...set('ReplicaSet/legacy/legacy-app', 'memory=64Mi,limits.cpu=100m'),
    ];
    const expected = expectLines(input, [
      { line: '                            cpu: "500m"', replace: '                            cpu: "600m"' },
      { line: '                        limits: {cpu: "1", memory: 512Mi}', replace: '                        limits: {cpu: "1", memory: 1Gi}' },
      { line: '                    resources: {}', replace: '                    resources: {requests: {cpu: 10m}}' },
      { after: '                -   name: probe', line: '                    image: example/probe:1.0', insertAfter: [
        '                    resources:', '                        requests:', '                            cpu: 5m', '                            memory: 16Mi'] },
      { line: '      - {name: legacy-app, image: "example/legacy:1", resources: {requests: {cpu: 50m}}}',
        replace: '      - {name: legacy-app, image: "example/legacy:1", resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 100m}}}' },
    ]);
    assert.equal(editManifest(input, changes).text, expected);
  });

  it('puts a new cpu before an existing memory, and new requests before existing limits', () => {
    const head = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    resources:\n';
    const input = `${head}      limits:\n        memory: 1Gi # hard cap\n`;
    assert.equal(editManifest(input, set('Pod/p/a', 'cpu=250m,limits.cpu=1')).text,
      `${head}      requests:\n        cpu: 250m\n      limits:\n        cpu: 1\n        memory: 1Gi # hard cap\n`);
  });

  it('writes new quantities quoted the way the container already quotes them', () => {
    const input = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    resources:\n      requests:\n        cpu: "500m"\n';
    const expected = `${input}      limits:\n        memory: "1Gi"\n`;
    assert.equal(editManifest(input, set('Pod/p/a', 'cpu=500m,limits.memory=1Gi')).text, expected);
  });

  it('reads and edits a document that opens with a %YAML directive, keeping the directive', () => {
    const input = ['%YAML 1.2', '# rendered', '---', 'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  replicas: 2',
      '  template:', '    spec:', '      containers:', '      - name: app', '        resources:', '          requests:', '            cpu: 100m', '---',
      'apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', ''].join('\n');
    const scan = scanManifest(input);
    assert.deepEqual(scan.documents.map((d) => [d.status, d.kind, d.line]), [['ok', 'Deployment', 0], ['ok', 'Service', 16]]);
    assert.deepEqual(scan.containers.map((c) => [c.name, c.container, c.requests.cpu?.value]), [['web', 'app', '100m']]);
    const out = editManifest(input, [...set('Deployment/web/app', 'cpu=250m'), ...parseChangeSpecs({ replicas: ['Deployment/web=3'] })]).text;
    assert.equal(out, input.replace('cpu: 100m', 'cpu: 250m').replace('replicas: 2', 'replicas: 3'));
  });

  it('keeps CRLF line endings, for replaced values and for new blocks', () => {
    const lf = fixture('shop-namespace.yaml');
    const changes = [...set('Deployment/basket/basket', 'cpu=120m'), ...set('Deployment/broker/broker', 'memory=1Gi')];
    const expectedLf = editManifest(lf, changes).text;
    const crlf = editManifest(lf.replace(/\n/g, '\r\n'), changes).text;
    assert.equal(crlf, expectedLf.replace(/\n/g, '\r\n'));
    assert.doesNotMatch(crlf, /[^\r]\n/);
  });

  it('creates `resources:` under an empty key and after `resources: ~`', () => {
    const head = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n';
    assert.equal(editManifest(`${head}        resources:\n`, set('Deployment/d/a', 'cpu=1')).text,
      `${head}        resources:\n          requests:\n            cpu: 1\n`);
    assert.equal(editManifest(`${head}        resources: ~ # none yet\n`, set('Deployment/d/a', 'cpu=1')).text,
      `${head}        resources: # none yet\n          requests:\n            cpu: 1\n`);
  });

  it('refuses adding resources below a |+ / >+ block scalar that keeps blank lines, naming that cause and the ways out', () => {
    const head = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n';
    // The kept blank lines belong to the value: resources inserted above them would take them out of it.
    for (const [block, indicator] of [['command: |+\n          echo hi\n\n\n', '|+'], ['args: >+\n          x\n\n', '>+'], ['command: |2+\n            echo\n\n', '|2+']]) {
      assert.throws(() => editManifest(`${head}        ${block}`, set('Deployment/d/a', 'cpu=1')), (e: Error) => {
        assert.ok(e instanceof ManifestEditError);
        const key = block.slice(0, block.indexOf(':'));
        assert.equal(e.message, `cannot add "resources" below "${key}": it ends in a block scalar (${indicator}) that keeps its trailing blank lines, `
          + `and a key added after it would take those lines out of the value; nothing was changed: add it by hand above "${key}", `
          + `move "${key}" so it is not the last key, or use ${indicator.replace('+', '')} if the blank lines are not needed`);
        assert.doesNotMatch(e.message, /merge key/);
        return true;
      });
    }
    // Nothing to take out: |+ without blank lines, and | (clip) with them, still get resources below.
    assert.equal(editManifest(`${head}        command: |+\n          echo hi\n`, set('Deployment/d/a', 'cpu=1')).text,
      `${head}        command: |+\n          echo hi\n        resources:\n          requests:\n            cpu: 1\n`);
    assert.equal(editManifest(`${head}        command: |\n          echo hi\n\n`, set('Deployment/d/a', 'cpu=1')).text,
      `${head}        command: |\n          echo hi\n        resources:\n          requests:\n            cpu: 1\n\n`);
  });

  it('handles a file without a final newline and one starting with a byte order mark', () => {
    const body = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x';
    const added = '\n    resources:\n      requests:\n        cpu: 1';
    assert.equal(editManifest(body, set('Pod/p/a', 'cpu=1')).text, body + added);
    assert.equal(editManifest(`\uFEFF${body}`, set('Pod/p/a', 'cpu=1')).text, `\uFEFF${body}${added}`);
    assert.equal(scanManifest(`\uFEFF${body}`).documents[0].parsedBy, 'fast');
  });

  it('plans no edit when the values are already those asked for, however they are spelled', () => {
    const input = fixture('shop-namespace.yaml');
    assert.deepEqual(planEdits(input, set('Deployment/basket/basket', 'cpu=99m,memory=200Mi,limits.cpu=300m,limits.memory=500Mi')), []);
    assert.deepEqual(planEdits(input, set('Deployment/basket/basket', 'cpu=0.099,limits.cpu=0.3,limits.memory=524288000')), []);
    assert.equal(editManifest(input, set('Deployment/basket/basket', 'cpu=0.1')).text, input.replace('cpu: 99m', 'cpu: 0.1'));
  });

  it('refuses targets that do not exist or are ambiguous, bad quantities, templates and invalid documents', () => {
    const shop = fixture('shop-namespace.yaml');
    assert.throws(() => planEdits(shop, set('Deployment/nope/x', 'cpu=1')), /no Deployment\/nope in this file \(workloads found: Deployment\/basket, Deployment\/broker\)/);
    assert.throws(() => planEdits(shop, set('Deployment/broker/x', 'cpu=1')), /has no container named "x" \(containers: broker, broker-exporter\)/);
    assert.throws(() => planEdits(shop, set('other/Deployment/broker/broker', 'cpu=1')), /no Deployment\/broker in namespace other/);
    assert.throws(() => parseChangeSpecs({ set: ['Deployment/broker/broker=cpu=1x'] }), /"1x" is not a Kubernetes quantity/);
    assert.throws(() => parseChangeSpecs({ set: ['Deployment/broker=cpu=1'] }), /expected <Kind>\/<name>\/<container>=/);
    assert.throws(() => parseChangeSpecs({ replicas: ['Deployment/broker=two'] }), /whole number/);
    assert.throws(() => planEdits(fixture('batch.yaml'), parseChangeSpecs({ replicas: ['Job/migrate=2'] })), /a Job has no replicas/);
    const twice = `${shop}---\n${shop.replace(/namespace: shop/g, 'namespace: shop2')}`;
    assert.throws(() => planEdits(twice, set('Deployment/broker/broker', 'cpu=1')), /ambiguous: it appears in namespaces shop, shop2/);
    assert.equal(planEdits(twice, set('shop2/Deployment/broker/broker', 'cpu=1')).length, 1);
    assert.throws(() => planEdits(`${shop}---\n${shop}`, set('Deployment/broker/broker', 'cpu=1')), /ambiguous: it is defined 2 times/);
    assert.throws(() => planEdits(fixture('helm-source.yaml'), set('Deployment/x/y', 'cpu=1')), ManifestEditError);
    assert.throws(() => planEdits(fixture('malformed.yaml'), set('Deployment/broken/app', 'cpu=1')), /cannot be edited: its document is not valid YAML \(line 11/);
  });

  it('never edits through a YAML alias: its user gets its own copy, its anchor\'s owner is refused (manifests-anchors.test.ts)', () => {
    const input = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    resources: &r\n      requests: {cpu: 1}\n  - name: b\n    resources: *r\n';
    assert.equal(editManifest(input, set('Pod/p/b', 'cpu=2')).text, input.replace('resources: *r', 'resources:\n      requests: {cpu: 2}'));
    assert.throws(() => planEdits(input, set('Pod/p/a', 'cpu=2')), ManifestEditError);
  });

  it('applyEdits applies non-overlapping edits in any order and rejects overlaps', () => {
    assert.equal(applyEdits('abcdef', [{ offset: 4, length: 1, newText: 'E' }, { offset: 0, length: 0, newText: '>' }]), '>abcdEf');
    assert.throws(() => applyEdits('abcdef', [{ offset: 1, length: 3, newText: '' }, { offset: 2, length: 1, newText: 'x' }]), /overlapping/);
  });

  it('on generated manifests, changes exactly the targeted containers and leaves every other document byte-identical', () => {
    for (let seed = 100; seed < 115; seed++) {
      const g = generateManifest(seed, 300, seed % 2 === 0 ? '\r\n' : '\n');
      const rng = new Rng(seed);
      const before = scanManifest(g.text);
      const targets = before.containers.filter(() => rng.next() < 0.4);
      const changes: ManifestChange[] = targets.map((c, i) => ({
        type: 'resources', target: { kind: c.kind, name: c.name, container: c.container, namespace: c.namespace },
        set: i % 2 === 0 ? { requests: { cpu: `${11 + i}m`, memory: `${33 + i}Mi` } } : { limits: { memory: `${2 + i}Gi` } },
      }));
      const out = editManifest(g.text, changes).text;
      const after = scanManifest(out);
      assert.equal(after.containers.length, before.containers.length, `seed ${seed}`);
      before.containers.forEach((c, k) => {
        const a = after.containers[k];
        const i = targets.indexOf(c);
        const want = i === -1 ? c : undefined;
        if (want) {
          assert.deepEqual([a.requests.cpu?.value, a.requests.memory?.value, a.limits.cpu?.value, a.limits.memory?.value],
            [c.requests.cpu?.value, c.requests.memory?.value, c.limits.cpu?.value, c.limits.memory?.value], `seed ${seed} untouched ${c.container}`);
        } else if (i % 2 === 0) {
          assert.deepEqual([a.requests.cpu?.value, a.requests.memory?.value, a.limits.cpu?.value, a.limits.memory?.value],
            [`${11 + i}m`, `${33 + i}Mi`, c.limits.cpu?.value, c.limits.memory?.value], `seed ${seed} ${c.container}`);
        } else {
          assert.deepEqual([a.requests.cpu?.value, a.requests.memory?.value, a.limits.cpu?.value, a.limits.memory?.value],
            [c.requests.cpu?.value, c.requests.memory?.value, c.limits.cpu?.value, `${2 + i}Gi`], `seed ${seed} ${c.container}`);
        }
      });
      const touched = new Set(targets.map((c) => c.document));
      const docsBefore = splitDocuments(g.text).map((s) => g.text.slice(s.start, s.end));
      const docsAfter = splitDocuments(out).map((s) => out.slice(s.start, s.end));
      assert.equal(docsAfter.length, docsBefore.length);
      docsBefore.forEach((d, k) => { if (!touched.has(k)) assert.equal(docsAfter[k], d, `seed ${seed} document ${k}`); });
      if (seed % 2 === 0) assert.doesNotMatch(out, /[^\r]\n/, `seed ${seed}: CRLF kept`);
    }
  });
});
