/**
 * Extended resources (`nvidia.com/gpu`, `example.com/foo`), `ephemeral-storage` and `hugepages-2Mi` beside cpu and
 * memory: an apply of cpu/memory leaves them byte-for-byte, and the "only what was asked changed" guard
 * (src/manifests/semantics.ts) reads them as Kubernetes does: by key (a name with dots or a slash is one key, not a
 * path), as quantities (`1` and `1000m` are one amount).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editManifest, parseChangeSpecs } from '../../src/manifests';
import { checkOnlyAsked } from '../../src/manifests/semantics';
import { mora } from './helpers/run-cli';

const deployment = (resources: string[]): string => [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  '  annotations:',
  '    example.com/resources.limits.cpu: "1"',
  '    team.resources.limits.cpu: "1"',
  'spec:',
  '  replicas: 2',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: web',
  '          image: nginx',
  '          resources:',
  ...resources.map((l) => `            ${l}`),
  '',
].join('\n');

const flow = deployment([
  'limits: {nvidia.com/gpu: 1, ephemeral-storage: 2Gi, cpu: "1", memory: 1Gi}',
  'requests: {ephemeral-storage: "2048Mi", cpu: 250m, memory: 256Mi}',
]);

const block = deployment([
  'limits:',
  '  nvidia.com/gpu: 1',
  '  example.com/foo: "1"',
  '  ephemeral-storage: 2Gi',
  '  hugepages-2Mi: 100Mi',
  '  cpu: 1',
  '  memory: 1Gi',
  'requests:',
  '  ephemeral-storage: "2048Mi"',
  '  example.com/foo: 1000m',
  '  cpu: 250m',
  '  memory: 256Mi',
]);

/** The lines holding anything but cpu and memory: what a cpu/memory apply must leave byte-for-byte. */
const others = (text: string): string[] => text.match(/(?:nvidia\.com\/gpu|example\.com\/foo|ephemeral-storage|hugepages-2Mi|annotations|resources\.limits\.cpu): [^,}\n]*/g) ?? [];

describe('manifests: extended resources beside cpu and memory', () => {
  for (const [name, text] of [['flow', flow], ['block', block]] as const) {
    it(`a cpu/memory apply (${name} style) succeeds and leaves the other resources byte-for-byte`, () => {
      const { text: out } = editManifest(text, parseChangeSpecs({ set: ['deploy/web/web=cpu=100m,memory=128Mi,limits.cpu=500m,limits.memory=512Mi'] }));
      assert.notEqual(out, text);
      assert.deepEqual(others(out), others(text));
      assert.match(out, /cpu: 100m/);
      assert.match(out, /memory: 512Mi/);
    });
  }

  it('mora manifests apply --in-place writes cpu/memory and no other byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-extended-'));
    try {
      const file = join(dir, 'web.yaml');
      writeFileSync(file, flow);
      const r = await mora(['manifests', 'apply', file, '--set', 'deploy/web/web=cpu=100m,memory=128Mi', '--in-place']);
      assert.equal(r.code, 0, r.err);
      const out = readFileSync(file, 'utf8');
      assert.equal(out, flow.replace('cpu: 250m, memory: 256Mi', 'cpu: 100m, memory: 128Mi'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const asked = parseChangeSpecs({ set: ['deploy/web/web=cpu=100m'] });
  const applied = block.replace('cpu: 250m', 'cpu: 100m');

  it('the guard reads an amount under a name with dots or a slash as a quantity, like hugepages-2Mi', () => {
    assert.doesNotThrow(() => checkOnlyAsked(block, applied, asked));
    // The same amount written another way is no change to what Kubernetes reads.
    for (const [from, to] of [
      ['nvidia.com/gpu: 1', 'nvidia.com/gpu: 1000m'], ['nvidia.com/gpu: 1', 'nvidia.com/gpu: "1"'],
      ['example.com/foo: 1000m', 'example.com/foo: 1'], ['hugepages-2Mi: 100Mi', 'hugepages-2Mi: 104857600'],
      ['ephemeral-storage: "2048Mi"', 'ephemeral-storage: 2Gi'],
    ] as const) {
      assert.doesNotThrow(() => checkOnlyAsked(block, applied.replace(from, to), asked), `${from} -> ${to}`);
    }
  });

  it('the guard still sees a different amount under a name with dots or a slash, and names the key', () => {
    assert.throws(() => checkOnlyAsked(block, applied.replace('nvidia.com/gpu: 1', 'nvidia.com/gpu: 2'), asked),
      /resources\.limits\["nvidia\.com\/gpu"\]/);
    assert.throws(() => checkOnlyAsked(block, applied.replace('example.com/foo: 1000m', 'example.com/foo: 1001m'), asked),
      /resources\.requests\["example\.com\/foo"\]/);
    assert.throws(() => checkOnlyAsked(block, applied.replace('ephemeral-storage: 2Gi', 'ephemeral-storage: 2G'), asked),
      /resources\.limits\.ephemeral-storage/);
  });

  it('a key that only reads like a resource path (an annotation "team.resources.limits.cpu") compares as text', () => {
    // "1" and "1000m" are one cpu amount, but this is an annotation: another string is another value.
    assert.throws(() => checkOnlyAsked(block, applied.replace('team.resources.limits.cpu: "1"', 'team.resources.limits.cpu: "1000m"'), asked),
      /metadata\.annotations\["team\.resources\.limits\.cpu"\]/);
    assert.throws(() => checkOnlyAsked(block, applied.replace('example.com/resources.limits.cpu: "1"', 'example.com/resources.limits.cpu: "1000m"'), asked),
      /metadata\.annotations\["example\.com\/resources\.limits\.cpu"\]/);
  });
});

/**
 * Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml): a plain `010` is the octal 8, not 10. The guard reads so
 * too, a copy written out for an alias user keeps each plain value's text, and a leading-zero amount from --set is
 * quoted (Kubernetes reads "010" as the quantity 10, which was asked).
 */
describe('manifests: amounts as Kubernetes\' YAML 1.1 reads them', () => {
  const shared = [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  template:', '    spec:', '      containers:',
    '        - name: web', '          image: nginx', '          resources: &res', '            limits:',
    '              cpu: 010', '              nvidia.com/gpu: 1.0', '              ephemeral-storage: 2e9', '              hugepages-2Mi: 0x10',
    '        - name: side', '          image: x', '          resources: *res', '',
  ].join('\n');

  it('the copy written out for an alias user keeps each plain value\'s text (010 stays 010, not 10; 2e9 not 2e+9)', () => {
    const { text } = editManifest(shared, parseChangeSpecs({ set: ['deploy/web/side=cpu=100m'] }));
    const side = text.slice(text.indexOf('- name: side'));
    for (const line of ['cpu: 010', 'nvidia.com/gpu: 1.0', 'ephemeral-storage: 2e9', 'hugepages-2Mi: 0x10']) {
      assert.ok(side.includes(`              ${line}\n`), `${line} in the copy:\n${side}`);
    }
    assert.ok(side.includes('requests:\n              cpu: 100m\n'), side);
  });

  it('the guard sees 010 -> 10 as a change (8 cores to 10 for Kubernetes)', () => {
    const asked = parseChangeSpecs({ set: ['deploy/web/web=cpu=100m'] });
    const plain = shared.replace('resources: &res', 'resources:').replace('resources: *res', 'resources: {}');
    const applied = plain.replace('            limits:\n', '            requests:\n              cpu: 100m\n            limits:\n');
    assert.doesNotThrow(() => checkOnlyAsked(plain, applied, asked));
    assert.throws(() => checkOnlyAsked(plain, applied.replace('cpu: 010', 'cpu: 10'), asked), /resources\.limits\.cpu/);
    assert.doesNotThrow(() => checkOnlyAsked(plain, applied.replace('cpu: 010', 'cpu: 8'), asked), 'the same 8 cores');
  });

  it('--set limits.cpu=010 is written "010" (plain 010 is 8 cores to Kubernetes)', () => {
    const { text } = editManifest(block, parseChangeSpecs({ set: ['deploy/web/web=limits.cpu=010,cpu=0100m'] }));
    assert.match(text, /hugepages-2Mi: 100Mi\n {14}cpu: "010"\n/);
    assert.match(text, /requests:\n {14}ephemeral-storage: "2048Mi"\n {14}example\.com\/foo: 1000m\n {14}cpu: 0100m\n/);
  });

  it('a plain 010 in the file is 8, not the 10 asked: --set limits.cpu=10 writes 10, --set limits.cpu=010 writes "010"', () => {
    const octal = block.replace('  cpu: 1\n', '  cpu: 010\n');
    assert.match(editManifest(octal, parseChangeSpecs({ set: ['deploy/web/web=limits.cpu=10'] })).text, /hugepages-2Mi: 100Mi\n {14}cpu: 10\n/);
    assert.match(editManifest(octal, parseChangeSpecs({ set: ['deploy/web/web=limits.cpu=010'] })).text, /hugepages-2Mi: 100Mi\n {14}cpu: "010"\n/);
    assert.equal(editManifest(octal, parseChangeSpecs({ set: ['deploy/web/web=limits.cpu=8'] })).text, octal, '8 cores already');
  });
});
