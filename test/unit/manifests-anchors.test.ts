/**
 * YAML anchors, aliases and merge keys in container resources (issue 10, item 2): an edit changes the targeted
 * container only. A container that uses a shared block (`resources: *res`, `<<: *res`, `requests: *req`) gets its own
 * copy, written in the file's style; the container that owns an anchor other containers use is refused with a message.
 * Checked on what Kubernetes reads (merge keys and aliases resolved), not only on the text.
 */
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { applyEdits, editManifest, ManifestEditError, parseChangeSpecs, planEdits, scanManifest, type ManifestChange } from '../../src/manifests';

const set = (target: string, values: string): ManifestChange[] => parseChangeSpecs({ set: [`${target}=${values}`] });

/** container name → its resources as Kubernetes reads them (aliases and `<<` merge keys resolved). */
function effective(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const doc of parseAllDocuments(text, { merge: true }) as import('yaml').Document[]) {
    assert.deepEqual(doc.errors, [], 'the edited text is valid YAML');
    const js = doc.toJS() as { spec: { template: { spec: { containers: { name: string; resources?: unknown }[] } } } };
    for (const c of js.spec.template.spec.containers) out[c.name] = c.resources ?? null;
  }
  return out;
}

const head = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n';

describe('manifests: anchors and aliases in resources', () => {
  it('gives a container that uses `resources: *res` its own copy; the anchor\'s owner keeps its values', () => {
    const input = head
      + '      - name: a\n        image: x\n        resources: &res\n          requests:\n            cpu: "100m"\n            memory: 128Mi\n'
      + '      - name: b\n        image: y\n        resources: *res\n'
      + '      - name: c\n        resources: *res\n';
    const out = editManifest(input, set('Deployment/web/b', 'cpu=200m')).text;
    assert.equal(out, head
      + '      - name: a\n        image: x\n        resources: &res\n          requests:\n            cpu: "100m"\n            memory: 128Mi\n'
      + '      - name: b\n        image: y\n        resources:\n          requests:\n            cpu: "200m"\n            memory: 128Mi\n'
      + '      - name: c\n        resources: *res\n');
    const want = { requests: { cpu: '100m', memory: '128Mi' } };
    assert.deepEqual(effective(out), { a: want, b: { requests: { cpu: '200m', memory: '128Mi' } }, c: want });
    // The editor's path (planEdits + its own apply) gives the same text.
    assert.equal(applyEdits(input, planEdits(input, set('Deployment/web/b', 'cpu=200m'))), out);
  });

  it('refuses to edit the container that owns an anchor others use, naming the anchor and the lines that use it', () => {
    const input = head
      + '      - name: a\n        resources: &res\n          requests: {cpu: 100m}\n'
      + '      - name: b\n        resources: *res\n';
    assert.throws(() => planEdits(input, set('Deployment/web/a', 'cpu=200m')),
      (e: unknown) => e instanceof ManifestEditError && /&res/.test(e.message) && /line 13/.test(e.message) && /container "a"/.test(e.message));
    // An anchor nobody uses is harmless.
    const unused = head + '      - name: a\n        resources: &res\n          requests: {cpu: 100m}\n';
    assert.match(editManifest(unused, set('Deployment/web/a', 'cpu=200m')).text, /requests: \{cpu: 200m\}/);
  });

  it('keeps what a `<<: *res` merge gave the container when it adds its own requests', () => {
    const input = head
      + '      - name: a\n        resources: &res\n          requests: &req\n            cpu: 100m\n            memory: 128Mi\n'
      + '      - name: b\n        resources:\n          <<: *res\n          limits:\n            cpu: 1\n'
      + '      - name: c\n        resources:\n          requests: *req\n';
    const before = effective(input);
    const out = editManifest(input, set('Deployment/web/b', 'cpu=200m')).text;
    const after = effective(out);
    assert.deepEqual(after.a, before.a);
    assert.deepEqual(after.c, before.c);
    assert.deepEqual(after.b, { requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: 1 } }, 'memory 128Mi still requested');
    // c's `requests: *req` (a nested alias) gets a copy too.
    const outC = editManifest(input, set('Deployment/web/c', 'memory=256Mi,limits.memory=512Mi')).text;
    const afterC = effective(outC);
    assert.deepEqual([afterC.a, afterC.b], [before.a, before.b]);
    assert.deepEqual(afterC.c, { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
  });

  it('copies resources a container merges from a shared container (`- <<: *base`)', () => {
    const input = head
      + '      - &base\n        name: a\n        image: x\n        resources:\n          requests: {cpu: 100m, memory: 64Mi}\n'
      + '      - <<: *base\n        name: b\n';
    const out = editManifest(input, set('Deployment/web/b', 'cpu=300m')).text;
    assert.deepEqual(effective(out), { a: { requests: { cpu: '100m', memory: '64Mi' } }, b: { requests: { cpu: '300m', memory: '64Mi' } } });
    assert.throws(() => planEdits(input, set('Deployment/web/a', 'cpu=300m')), /&base/);
  });

  it('frees the anchor\'s owner once every user is applied: alias, `<<: *res` and `requests: *req` users, in one set or one by one', () => {
    const input = head
      + '      - name: owner\n        resources: &res\n          requests: &req\n            cpu: 100m\n            memory: 128Mi\n'
      + '          limits:\n            cpu: 200m\n            memory: 256Mi\n'
      + '      - name: alias\n        resources: *res\n' // line 18
      + '      - name: merge\n        resources:\n          <<: *res\n' // line 21
      + '      - name: req\n        resources:\n          requests: *req\n'; // line 24
    const before = effective(input);
    const all = parseChangeSpecs({ set: ['owner', 'alias', 'merge', 'req'].map((c) => `Deployment/web/${c}=cpu=150m`) });
    const out = editManifest(input, all).text;
    const cpu150 = (r: unknown) => ({ ...(r as object), requests: { ...(r as { requests: object }).requests, cpu: '150m' } });
    assert.deepEqual(effective(out), { owner: cpu150(before.owner), alias: cpu150(before.alias), merge: cpu150(before.merge), req: cpu150(before.req) });
    assert.doesNotMatch(out, /<</, 'the merge user has its own copy, without the <<');
    // One by one: after the three users, the owner is free (the `<<: *res` line no longer holds it).
    let text = input;
    for (const c of ['alias', 'merge', 'req']) text = editManifest(text, set(`Deployment/web/${c}`, 'cpu=150m')).text;
    assert.deepEqual(effective(editManifest(text, set('Deployment/web/owner', 'cpu=150m')).text), effective(out));
    // The refusal names each anchor the edit sits in, with the lines of the input that use it.
    assert.throws(() => planEdits(input, set('Deployment/web/owner', 'cpu=150m')), (e: unknown) => e instanceof ManifestEditError
      && /&req, which line 24 also uses \(\*req\), and &res, which lines 18, 21 also use/.test(e.message));
    // With copies written above them first (alias and req applied with the owner), the lines are still the input's.
    assert.throws(() => planEdits(input, parseChangeSpecs({ set: ['owner', 'alias', 'req'].map((c) => `Deployment/web/${c}=cpu=150m`) })),
      (e: unknown) => e instanceof ManifestEditError && /anchor &res, which line 21 also uses/.test(e.message));
    // A container merging a whole container (`- <<: *base`) frees it once it has its own resources.
    const base = head + '      - &base\n        name: a\n        resources:\n          requests: {cpu: 100m}\n      - <<: *base\n        name: b\n';
    const b = editManifest(base, set('Deployment/web/b', 'cpu=300m')).text;
    assert.deepEqual(effective(editManifest(b, set('Deployment/web/a', 'cpu=200m')).text), { a: { requests: { cpu: '200m' } }, b: { requests: { cpu: '300m' } } });
  });

  it('scan (and so the CodeLens) reads each container\'s values as Kubernetes does: through aliases and merge keys', () => {
    const input = head
      + '      - &base\n        name: a\n        resources: &res\n          requests: &req\n            cpu: 100m\n            memory: 128Mi\n          limits: {cpu: 1}\n'
      + '      - name: b\n        resources: *res\n'
      + '      - name: c\n        resources:\n          <<: *res\n          limits: {memory: 1Gi}\n'
      + '      - name: d\n        resources:\n          requests:\n            <<: *req\n            cpu: 5m\n'
      + '      - <<: *base\n        name: e\n';
    const read = scanManifest(input).containers.map((c) => [c.container, c.requests.cpu?.value ?? null, c.requests.memory?.value ?? null,
      c.limits.cpu?.value ?? null, c.limits.memory?.value ?? null]);
    assert.deepEqual(read, [
      ['a', '100m', '128Mi', '1', null], ['b', '100m', '128Mi', '1', null], ['c', '100m', '128Mi', null, '1Gi'],
      ['d', '5m', '128Mi', null, null], ['e', '100m', '128Mi', '1', null]]);
  });

  it('writes the copy in the file\'s style: CRLF, four-space indentation, flow mappings stay flow', () => {
    const crlf = ('apiVersion: v1\nkind: Pod\nmetadata:\n    name: p\nspec:\n    containers:\n'
      + '    -   name: a\n        resources: &res\n            requests:\n                cpu: 1\n'
      + '    -   name: b\n        resources: *res   # shared\n').replace(/\n/g, '\r\n');
    const out = editManifest(crlf, set('Pod/p/b', 'memory=1Gi')).text;
    assert.equal(out, crlf.replace('resources: *res   # shared\r\n',
      'resources:   # shared\r\n            requests:\r\n                cpu: 1\r\n                memory: 1Gi\r\n'));
    const flow = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n'
      + '  - {name: a, resources: {requests: &req {cpu: 1}}}\n  - {name: b, resources: {requests: *req}}\n';
    assert.equal(editManifest(flow, set('Pod/p/b', 'cpu=2')).text,
      flow.replace('{name: b, resources: {requests: *req}}', '{name: b, resources: {requests: {cpu: 2}}}'));
  });
});
