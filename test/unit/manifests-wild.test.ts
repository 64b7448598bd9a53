/**
 * Real-world YAML shapes found by running `mora manifests` over public manifests (kube-prometheus, Argo CD, ingress-nginx,
 * Kubernetes examples…; docs/BENCHMARKS.md § Manifests in the wild). Each fixture here is a minimal one written for the test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { applyRecommendationsToFile } from '../../src/cli/commands/apply-to-manifests';
import { decodeManifest, editManifest, encodeManifest, firstNonUtf8, parseChangeSpecs, scanManifest } from '../../src/manifests';

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

  it('a ReplicationController (v1, as in the Kubernetes examples) is a workload: containers and replicas found and edited', () => {
    const text = 'apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: redis-master\nspec:\n  replicas: 1\n  selector:\n'
      + '    app: redis\n  template:\n    metadata:\n      labels:\n        app: redis\n    spec:\n      containers:\n      - name: master\n'
      + '        image: redis\n        resources:\n          limits:\n            cpu: "0.1"\n';
    const scan = scanManifest(text, { mode: 'thorough' });
    assert.deepEqual(scan.containers.map((c) => [c.kind, c.name, c.container, c.replicas?.value, c.limits.cpu?.value]),
      [['ReplicationController', 'redis-master', 'master', '1', '0.1']]);
    assert.deepEqual(scanManifest(text).containers.map((c) => c.container), ['master']);
    assert.equal(edit(text, ['rc/redis-master/master=limits.cpu=200m'], ['ReplicationController/redis-master=2']),
      text.replace('replicas: 1', 'replicas: 2').replace('cpu: "0.1"', 'cpu: "200m"'));
  });

  it('new keys in a block mapping are quoted as their siblings are (YAML converted from JSON quotes every key)', () => {
    const text = '"apiVersion": "apps/v1"\n"kind": "Deployment"\n"metadata":\n  "name": "web"\n"spec":\n  "template":\n    "spec":\n'
      + '      "containers":\n      - "name": "app"\n        "resources":\n          "limits":\n            "cpu": "1"\n      - "name": "side"\n';
    assert.equal(edit(text, ['Deployment/web/app=memory=1Gi,limits.memory=2Gi', 'Deployment/web/side=cpu=100m'], ['Deployment/web=2']),
      '"apiVersion": "apps/v1"\n"kind": "Deployment"\n"metadata":\n  "name": "web"\n"spec":\n  "replicas": 2\n  "template":\n    "spec":\n'
      + '      "containers":\n      - "name": "app"\n        "resources":\n          "requests":\n            "memory": "1Gi"\n'
      + '          "limits":\n            "cpu": "1"\n            "memory": "2Gi"\n      - "name": "side"\n'
      + '        "resources":\n          "requests":\n            "cpu": 100m\n');
    // Plain keys stay plain.
    assert.match(edit('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n', ['Pod/p/c=cpu=1']), /\n {4}resources:\n {6}requests:\n {8}cpu: 1\n$/);
  });

  it('a Job with only metadata.generateName (kubectl create) is found under that prefix and edited', () => {
    const text = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-\nspec:\n  template:\n    spec:\n      containers:\n'
      + '      - name: pi\n        image: perl\n      restartPolicy: Never\n';
    for (const mode of ['fast', 'thorough'] as const) {
      assert.deepEqual(scanManifest(text, { mode }).containers.map((c) => [c.kind, c.name, c.container]), [['Job', 'pi-', 'pi']], mode);
    }
    assert.equal(edit(text, ['Job/pi-/pi=cpu=1']), text.replace('image: perl\n', 'image: perl\n        resources:\n          requests:\n            cpu: 1\n'));
  });

  describe('{{ }} in rendered YAML', () => {
    // A Go-template flag and an annotation carrying template text: rendered output, not a Helm source.
    const rendered = [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: exporter', 'spec:', '  replicas: 2', '  template:',
      '    metadata:', '      annotations:', '        summary: "{{ $labels.instance }} is down"', '    spec:', '      containers:',
      '      - name: exp', '        image: exp:1', '        args:', '        - --log.format={{.Time}} {{.Msg}}', '        resources:',
      '          requests:', '            cpu: 50m # measured', '',
    ].join('\n');

    it('a workload whose strings hold {{ }} is read: its containers are found in both scan modes', () => {
      for (const mode of ['fast', 'thorough'] as const) {
        const scan = scanManifest(rendered, { mode });
        assert.equal(scan.documents[0].status, 'ok', mode);
        assert.deepEqual(scan.containers.map((c) => [c.name, c.container, c.replicas?.value, c.requests.cpu?.value]),
          [['exporter', 'exp', '2', '50m']], mode);
      }
    });

    it('and edited: only the asked values change, the {{ }} lines stay as they were', () => {
      const out = edit(rendered, ['Deployment/exporter/exp=cpu=75m'], ['Deployment/exporter=3']);
      assert.equal(out, rendered.replace('replicas: 2', 'replicas: 3').replace('cpu: 50m', 'cpu: 75m'));
    });

    it('a ConfigMap of alerting templates is a Kubernetes object, not a template source', () => {
      const scan = scanManifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\ndata:\n  msg.tmpl: |\n    {{ define "x" }}{{ .Status }}{{ end }}\n');
      assert.deepEqual(scan.documents.map((d) => [d.status, d.kind]), [['ok', 'ConfigMap']]);
    });

    it('stays a template source when {{ }} is anywhere MOrA reads or writes, even if it parses as YAML', () => {
      for (const [what, from, to] of [
        ['a quoted request', 'cpu: 50m # measured', 'cpu: "{{ .Values.cpu }}"'],
        ['a replicas flow mapping', 'replicas: 2', 'replicas: {{ .Values.replicas }}'],
        ['the container name', '- name: exp\n', '- name: "{{ .Chart.Name }}"\n'],
        ['the workload name', 'name: exporter\n', 'name: "{{ .Release.Name }}-exporter"\n'],
        ['a key', '        image: exp:1', '        "{{ .Values.key }}": exp:1'],
      ] as const) {
        const text = rendered.replace(from, to);
        assert.notEqual(text, rendered, what);
        const scan = scanManifest(text, { mode: 'thorough' });
        assert.equal(scan.documents[0].status, 'template', what);
        assert.deepEqual(scan.containers, [], what);
        assert.throws(() => edit(text, ['Deployment/exporter/exp=cpu=75m']), /Helm template source/, what);
      }
    });

    it('mora manifests scan lists it without a "skipped" note, and apply --in-place writes only the asked value', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mora-wild-'));
      try {
        const file = join(dir, 'exporter.yaml');
        writeFileSync(file, rendered);
        const scan = await mora(['manifests', 'scan', file, '--format', 'json']);
        assert.equal(scan.code, 0, scan.err);
        assert.doesNotMatch(scan.err, /skipped/);
        assert.deepEqual((JSON.parse(scan.out) as { containers: Array<{ container: string }> }).containers.map((r) => r.container), ['exp']);
        const apply = await mora(['manifests', 'apply', file, '--set', 'Deployment/exporter/exp=memory=64Mi', '--in-place']);
        assert.equal(apply.code, 0, apply.err);
        assert.equal(readFileSync(file, 'utf8'), rendered.replace('cpu: 50m # measured', 'cpu: 50m # measured\n            memory: 64Mi'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('JSON manifests (kubectl apply -f x.json; JSON is YAML)', () => {
    const json = (o: unknown, indent: number): string => `${JSON.stringify(o, null, indent)}\n`;
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        template: { spec: { containers: [
          { name: 'app', image: 'api:1', resources: { requests: { memory: '64Mi' } } },
          { name: 'proxy', image: 'envoy:1' },
        ] } },
      },
    };

    it('new keys are written as JSON: quoted, on their own line, indented like their siblings; the result is the same JSON', () => {
      for (const indent of [2, 4]) {
        const text = json(deployment, indent);
        const out = edit(text, ['Deployment/api/app=cpu=100m,limits.memory=128Mi', 'Deployment/api/proxy=cpu=50m'], ['Deployment/api=3']);
        type Container = { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
        const want = structuredClone(deployment) as unknown as { spec: { replicas?: number; template: { spec: { containers: Container[] } } } };
        want.spec.replicas = 3;
        const [app, proxy] = want.spec.template.spec.containers;
        app.resources = { requests: { memory: '64Mi', cpu: '100m' }, limits: { memory: '128Mi' } };
        proxy.resources = { requests: { cpu: '50m' } };
        assert.deepEqual(JSON.parse(out), want, `indent ${indent}`);
        // Only lines added: every original line is still there, in order.
        const kept = text.split('\n');
        let at = 0;
        for (const line of out.split('\n')) if (line === kept[at] || line === `${kept[at]},`) at++;
        assert.equal(at, kept.length, `indent ${indent}: an original line changed\n${out}`);
        const pad = ' '.repeat(indent * 2);
        assert.match(out, new RegExp(`\n${pad}"replicas": 3\n`), `indent ${indent}`);
      }
    });

    it('a JSON number replaced by a quantity with a unit becomes a JSON string; a whole number stays a number', () => {
      const text = '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "p"},\n  "spec": {"containers": [{"name": "c",\n'
        + '    "resources": {"requests": {"cpu": 1, "memory": null}, "limits": {"cpu": 2}}}]}\n}\n';
      const out = edit(text, ['Pod/p/c=cpu=250m,memory=1Gi,limits.cpu=4']);
      assert.equal(out, text.replace('"cpu": 1', '"cpu": "250m"').replace('"memory": null', '"memory": "1Gi"').replace('"cpu": 2', '"cpu": 4'));
      JSON.parse(out);
    });

    it('a JSON List (kubectl get -o json) with CRLF: edited as JSON, CRLF kept', () => {
      const text = json({ apiVersion: 'v1', kind: 'List', items: [deployment] }, 2).replace(/\n/g, '\r\n');
      const out = edit(text, ['Deployment/api/proxy=cpu=50m,memory=32Mi']);
      assert.doesNotMatch(out, /[^\r]\n/);
      const parsed = JSON.parse(out) as { items: typeof deployment[] };
      assert.deepEqual(parsed.items[0].spec.template.spec.containers[1], { name: 'proxy', image: 'envoy:1', resources: { requests: { cpu: '50m', memory: '32Mi' } } });
    });

    it('"resources": null in JSON, {resources: ~} in a flow mapping: the value is replaced in the mapping\'s own style', () => {
      const text = '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},\n "spec": {"containers": [{"name": "c", "resources": null}]}}\n';
      const out = edit(text, ['Pod/p/c=cpu=1']);
      assert.equal(out, text.replace('"resources": null', '"resources": {"requests": {"cpu": "1"}}'));
      const flow = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, resources: ~}]}\n';
      assert.equal(edit(flow, ['Pod/p/c=memory=1Gi']), flow.replace('resources: ~', 'resources: {requests: {memory: 1Gi}}'));
    });

    it('a one-line flow mapping keeps its one line and its unquoted keys', () => {
      const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i, resources: {requests: {memory: 1Gi}}}]}\n';
      assert.equal(edit(text, ['Pod/p/c=cpu=1,limits.cpu=2']),
        'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i, resources: {requests: {memory: 1Gi, cpu: 1}, limits: {cpu: 2}}}]}\n');
    });
  });

  describe('encodings', () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p # café\nspec:\n  containers:\n  - name: c\n    image: i\n';
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-wild-enc-')); });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('a Latin-1 file is refused with its line by scan, apply and --apply-to, and left as it was', async () => {
      const file = join(dir, 'latin1.yaml');
      const bytes = Buffer.from(pod, 'latin1'); // é is the single byte 0xE9: not UTF-8
      writeFileSync(file, bytes);
      const scan = await mora(['manifests', 'scan', file]);
      assert.equal(scan.code, 2);
      assert.match(scan.err, /latin1\.yaml: not UTF-8 text: byte 0xE9 at line 4 .*iconv/);
      const apply = await mora(['manifests', 'apply', file, '--set', 'Pod/p/c=cpu=1', '--in-place']);
      assert.equal(apply.code, 2);
      assert.match(apply.err, /not UTF-8 text: byte 0xE9 at line 4/);
      const r = applyRecommendationsToFile(file, [], 'default', false);
      assert.equal(r.exitCode, 2);
      assert.match(r.error ?? '', /^not UTF-8 text: byte 0xE9 at line 4/);
      assert.deepEqual(readFileSync(file), bytes);
    });

    it('a UTF-16 file with a byte order mark (PowerShell 5\'s `>`) is scanned, and edited back into UTF-16', async () => {
      for (const encoding of ['utf16le', 'utf16be'] as const) {
        const file = join(dir, `${encoding}.yaml`);
        const text = `\uFEFF${pod.replace(/\n/g, '\r\n')}`;
        writeFileSync(file, encodeManifest(text, encoding));
        assert.deepEqual(decodeManifest(readFileSync(file)), { text, encoding });
        const scan = await mora(['manifests', 'scan', file, '--format', 'json']);
        assert.equal(scan.code, 0, scan.err);
        assert.deepEqual((JSON.parse(scan.out) as { containers: Array<{ container: string }> }).containers.map((x) => x.container), ['c']);
        const apply = await mora(['manifests', 'apply', file, '--set', 'Pod/p/c=cpu=250m', '--in-place']);
        assert.equal(apply.code, 0, apply.err);
        const want = `${text}    resources:\r\n      requests:\r\n        cpu: 250m\r\n`;
        assert.deepEqual(readFileSync(file), Buffer.from(encodeManifest(want, encoding)), encoding);
      }
    });

    it('finds the first byte that is not UTF-8 as a strict decoder does (overlongs, surrogates, truncation)', () => {
      const cases: Array<[number[], number]> = [
        [[0x61, 0xc3, 0xa9], -1], [[0xc0, 0x80], 0], [[0x61, 0xed, 0xa0, 0x80], 1], [[0xe2, 0x82], 0], [[0xf4, 0x90, 0x80, 0x80], 0],
        [[0xf0, 0x9f, 0x98, 0x80, 0xff], 4],
      ];
      for (const [bytes, at] of cases) assert.equal(firstNonUtf8(Uint8Array.from(bytes)), at, JSON.stringify(bytes));
    });
  });
});
