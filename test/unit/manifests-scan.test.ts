/**
 * Scanning Kubernetes YAML for containers: what CodeLenses and `mora manifests scan` rely on.
 * Fixtures are project-written files reproducing the shapes of real manifests (test/fixtures/manifests),
 * plus seeded generated manifests whose ground truth the generator knows.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanManifest, type ManifestContainer, type ManifestScan } from '../../src/manifests';
import { generateManifest, type TruthContainer } from '../fixtures/manifests/generate';

const FIXTURES = join(__dirname, '..', 'fixtures', 'manifests');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

type Row = [kind: string, namespace: string | null, name: string, container: string, init: boolean, replicas: number | null,
  reqCpu: string | null, reqMem: string | null, limCpu: string | null, limMem: string | null];

function rows(scan: ManifestScan): Row[] {
  return scan.containers.map((c) => [c.kind, c.namespace, c.name, c.container, c.init, c.replicas ? Number(c.replicas.value) : null,
    c.requests.cpu?.value ?? null, c.requests.memory?.value ?? null, c.limits.cpu?.value ?? null, c.limits.memory?.value ?? null]);
}

function truthRows(truth: TruthContainer[]): Row[] {
  return truth.map((c) => [c.kind, c.namespace, c.name, c.container, c.init, c.replicas,
    c.requests.cpu, c.requests.memory, c.limits.cpu, c.limits.memory]);
}

/** Every place the scan reports must point at the text it claims, in both modes. */
function assertSpansPointAtText(text: string, scan: ManifestScan): void {
  const lines = text.split('\n');
  for (const c of scan.containers) {
    assert.match(lines[c.line - 1], new RegExp(`name:\\s*["']?${c.container}["']?`), `line ${c.line} should hold the name of ${c.container}`);
    assert.equal(text.slice(c.nameSpan.offset, c.nameSpan.offset + c.nameSpan.length).replace(/^["']|["']$/g, ''), c.container);
    assert.equal(c.nameSpan.line, c.line - 1);
    for (const v of [c.requests.cpu, c.requests.memory, c.limits.cpu, c.limits.memory, c.replicas]) {
      if (!v) continue;
      const raw = text.slice(v.span.offset, v.span.offset + v.span.length);
      const quoted = v.style === 'double' ? `"${v.value}"` : v.style === 'single' ? `'${v.value}'` : v.value;
      assert.equal(raw, quoted);
      assert.equal(lines[v.span.line].slice(v.span.character, v.span.character + v.span.length), raw);
    }
  }
}

function scanBoth(text: string): ManifestScan {
  const fast = scanManifest(text);
  const thorough = scanManifest(text, { mode: 'thorough' });
  assert.deepEqual(fast.containers, thorough.containers, 'the fast scanner and the yaml library must agree');
  assertSpansPointAtText(text, fast);
  return fast;
}

describe('manifests: scan', () => {
  it('finds the containers of a generated release bundle: licence header, region tags, commented-out env, no replicas', () => {
    const scan = scanBoth(fixture('release-bundle.yaml'));
    assert.deepEqual(rows(scan), [
      ['Deployment', null, 'storefront', 'web', false, null, '100m', '64Mi', '200m', '128Mi'],
      ['Deployment', null, 'catalog', 'server', false, null, '150m', '128Mi', '300m', '256Mi'],
    ]);
    assert.equal(scan.documents[0].status, 'not-kubernetes', 'the licence comment before the first --- is no object');
    assert.equal(scan.documents.filter((d) => d.kind === 'Service').length, 1);
  });

  it('reads namespaces, explicit replicas, 99m, and a pod with two containers where one has no resources', () => {
    const scan = scanBoth(fixture('shop-namespace.yaml'));
    assert.deepEqual(rows(scan), [
      ['Deployment', 'shop', 'basket', 'basket', false, 1, '99m', '200Mi', '300m', '500Mi'],
      ['Deployment', 'shop', 'broker', 'broker', false, 1, null, null, null, null],
      ['Deployment', 'shop', 'broker', 'broker-exporter', false, 1, null, null, null, null],
    ]);
  });

  it('ignores RBAC rule `resources:` lists and volumeClaimTemplates storage requests; reads `resources:` then `{}`', () => {
    const scan = scanBoth(fixture('helm-rendered.yaml'));
    assert.deepEqual(rows(scan), [
      ['StatefulSet', 'data', 'store', 'store', false, 1, null, null, null, null],
      ['StatefulSet', 'data', 'store', 'rules-sidecar', false, 1, null, null, null, null],
    ]);
    assert.equal(scan.documents.find((d) => d.kind === 'ClusterRole')?.status, 'ok');
  });

  it('reads kompose output: name after image, CPU-only resources, creationTimestamp: null; a PVC has no containers', () => {
    const scan = scanBoth(fixture('kompose.yaml'));
    assert.deepEqual(rows(scan), [['Deployment', null, 'rates', 'hotel-rates', false, 1, '100m', null, '1000m', null]]);
  });

  it('finds CronJob (jobTemplate), Job and Pod containers, and flags init containers', () => {
    const scan = scanBoth(fixture('batch.yaml'));
    assert.deepEqual(rows(scan), [
      ['CronJob', 'ops', 'nightly-report', 'report', false, null, '250m', '256Mi', null, null],
      ['Job', null, 'migrate', 'migrate', false, null, null, null, null, null],
      ['Pod', null, 'debug-shell', 'wait-for-db', true, null, null, null, null, null],
      ['Pod', null, 'debug-shell', 'shell', false, null, null, null, null, '64Mi'],
    ]);
  });

  it('reads irregular indentation, quoted quantities, flow mappings and a comment on the apiVersion line', () => {
    const scan = scanBoth(fixture('irregular.yaml'));
    assert.deepEqual(rows(scan), [
      ['DaemonSet', 'monitoring', 'node-agent', 'agent', false, null, '500m', '256Mi', '1', '512Mi'],
      ['DaemonSet', 'monitoring', 'node-agent', 'log-rotator', false, null, null, null, null, null],
      ['DaemonSet', 'monitoring', 'node-agent', 'probe', false, null, null, null, null, null],
      ['ReplicaSet', null, 'legacy', 'legacy-app', false, 3, '50m', null, null, null],
    ]);
    const agent = scan.containers[0];
    assert.equal(agent.requests.cpu?.style, 'double');
    assert.equal(agent.requests.memory?.style, 'single');
  });

  it('gives Helm template sources and malformed YAML no containers and no error', () => {
    for (const [file, status] of [['helm-source.yaml', 'template'], ['malformed.yaml', 'invalid']] as const) {
      for (const mode of ['fast', 'thorough'] as const) {
        const scan = scanManifest(fixture(file), { mode });
        assert.deepEqual(scan.containers, [], file);
        assert.equal(scan.documents[0].status, status, `${file} (${mode})`);
      }
    }
    assert.match(scanManifest(fixture('malformed.yaml')).documents[0].error ?? '', /^line 11:/);
  });

  it('keeps going past a bad document: the others still get their containers', () => {
    const text = `${fixture('kompose.yaml')}---\n${fixture('malformed.yaml')}---\n${fixture('helm-source.yaml')}---\n${fixture('batch.yaml')}`;
    const scan = scanManifest(text);
    assert.deepEqual(scan.containers.map((c) => c.container), ['hotel-rates', 'report', 'migrate', 'wait-for-db', 'shell']);
    assert.deepEqual(scan.documents.map((d) => d.status), ['ok', 'ok', 'invalid', 'template', 'ok', 'ok', 'ok']);
  });

  it('does not treat YAML that is not Kubernetes (no apiVersion/kind) as a workload', () => {
    const scan = scanBoth('spec:\n  template:\n    spec:\n      containers:\n      - name: x\n        resources: {}\n');
    assert.deepEqual(scan.containers, []);
    assert.equal(scan.documents[0].status, 'not-kubernetes');
    assert.deepEqual(scanBoth('kind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    spec:\n      containers:\n      - name: x\n').containers, []);
  });

  it('matches the ground truth of seeded generated manifests in every writing style, LF and CRLF', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const eol = seed % 3 === 0 ? '\r\n' : '\n';
      const g = generateManifest(seed, 400, eol);
      const scan = scanBoth(g.text);
      assert.deepEqual(rows(scan), truthRows(g.truth), `seed ${seed}`);
      assert.equal(scan.eol, eol);
      assert.ok(scan.documents.every((d) => d.status === 'ok' || d.status === 'not-kubernetes'), `seed ${seed}`);
      // the agreement above means something only if the fast scanner actually read most documents
      const fast = scan.documents.filter((d) => d.parsedBy === 'fast').length;
      assert.ok(fast >= 0.75 * scan.documents.length, `seed ${seed}: ${fast}/${scan.documents.length} read by the fast scanner`);
    }
  });

  it('falls back to the yaml library for what the fast scanner does not read (anchors, aliases, multi-line scalars); values read through aliases', () => {
    const text = [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: anchored', '  annotations:', '    note: a long',
      '      folded plain scalar', 'spec:', '  template:', '    spec:', '      containers:', '      - name: a',
      '        resources: &res', '          requests: {cpu: 10m}', '      - name: b', '        resources: *res', '',
    ].join('\n');
    const scan = scanBoth(text);
    assert.equal(scan.documents[0].parsedBy, 'yaml');
    assert.deepEqual(rows(scan), [
      ['Deployment', null, 'anchored', 'a', false, null, '10m', null, null, null],
      ['Deployment', null, 'anchored', 'b', false, null, '10m', null, null, null],
    ]);
  });

  it('reads tricky but valid YAML exactly as the yaml library does (or leaves it to the library)', () => {
    const head = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "p"\nspec:\n  containers:\n  - name: a\n';
    const snippets = [
      "    image: 'it''s'   # comment\n    resources:\n      requests:\n        cpu: a#b\n",
      '    "image": "x # not a comment"\n    resources: {"requests": {"cpu": \'1\', memory: 1Gi}}\n',
      '    args: [a, "b, c", [d]]\n    resources:\n      limits:\n        memory: 1Gi\n      requests: {}\n',
      '    command:\n    - - nested\n    resources:\n      requests:\n        cpu: 2\n',
      '    env: !!seq []\n    resources:\n      requests:\n        cpu: !!str 100m\n',
      '    resources:\n      requests:\n        cpu: 100m\n        memory:\n          128Mi\n',
      '    script: |2\n        indented\n    resources:\n      requests:\n        cpu: 3\n',
      '    resources:\n\n      # a comment between\n\n      requests:\n        cpu:    7m    \n',
      '    resources:\n      requests:\n        cpu: "1\\u0030m"\n',
      '    ? resources\n    : requests:\n        cpu: 1\n',
    ];
    for (const snippet of snippets) {
      const text = head + snippet;
      const fast = scanManifest(text);
      const thorough = scanManifest(text, { mode: 'thorough' });
      assert.equal(thorough.documents[0].status, 'ok', snippet);
      assert.deepEqual(fast.containers, thorough.containers, snippet);
      assert.equal(fast.containers.length, 1, snippet);
    }
  });

  it('does not take `---` inside an indented block scalar for a document boundary', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: |\n    ---\n    kind: Pod\n';
    const scan = scanBoth(text);
    assert.equal(scan.documents.length, 1);
  });

  it('reports lines and characters that a CodeLens can use (0-based positions, 1-based line for people)', () => {
    const text = fixture('shop-namespace.yaml').replace(/\n/g, '\r\n');
    const scan = scanManifest(text);
    const exporter: ManifestContainer = scan.containers[2];
    const lines = text.split('\r\n');
    assert.equal(lines[exporter.line - 1].trim(), '- name: broker-exporter');
    assert.equal(exporter.nameSpan.character, lines[exporter.line - 1].indexOf('broker-exporter'));
  });
});
