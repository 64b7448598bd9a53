import * as assert from 'node:assert/strict';
import { formatCpu, formatMemory, parseQuantity } from '../../src/core/quantity';
import { Rng } from '../../src/core/random';
import type { Recommendation } from '../../src/core/recommendation';
import type { WorkloadKind } from '../../src/core/workload';
import { editManifest } from '../../src/manifests/edit';
import { scanManifest } from '../../src/manifests/scan';
import { hoverAt, manifestView, type RecommendationLookup } from '../../src/views/manifest-lens-model';

const Mi = 2 ** 20;
// The core kinds (apps/v1, batch/v1, v1); an Argo Rollout's manifests are covered by the manifests tests.
type CoreKind = Exclude<WorkloadKind, 'Rollout'>;
const POD_PATH: Record<CoreKind, string[]> = {
  Deployment: ['spec', 'template', 'spec'], StatefulSet: ['spec', 'template', 'spec'], DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'], Job: ['spec', 'template', 'spec'], CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'], Pod: ['spec'],
};
const KINDS = Object.keys(POD_PATH) as CoreKind[];

interface GenContainer { name: string; cpu?: string; memory?: string }
interface GenDoc { kind: CoreKind; name: string; namespace?: string; replicas?: number; containers: GenContainer[] }

/** Writes a workload the way people do (2-space block style), with a comment on every container's image line. */
function writeDoc(d: GenDoc): string {
  const out = [`apiVersion: ${d.kind === 'Pod' ? 'v1' : d.kind === 'Job' || d.kind === 'CronJob' ? 'batch/v1' : 'apps/v1'}`, `kind: ${d.kind}`, 'metadata:', `  name: ${d.name}`];
  if (d.namespace) out.push(`  namespace: ${d.namespace}`);
  let indent = '';
  for (const [i, key] of POD_PATH[d.kind].entries()) {
    out.push(`${indent}${key}:`);
    indent += '  ';
    if (i === 0 && d.replicas !== undefined) out.push(`${indent}replicas: ${d.replicas}`);
    if (i === 0 && d.kind === 'CronJob') out.push(`${indent}schedule: "*/5 * * * *"`);
  }
  out.push(`${indent}containers:`);
  for (const c of d.containers) {
    out.push(`${indent}  - name: ${c.name}`, `${indent}    image: ${c.name}:1 # pinned`);
    if (c.cpu || c.memory) {
      out.push(`${indent}    resources:`, `${indent}      requests:`);
      if (c.cpu) out.push(`${indent}        cpu: ${c.cpu}`);
      if (c.memory) out.push(`${indent}        memory: ${c.memory}`);
    }
  }
  return out.join('\n');
}

function generate(seed: number): GenDoc[] {
  const rng = new Rng(seed);
  const docs: GenDoc[] = [];
  const n = 2 + rng.int(5);
  for (let i = 0; i < n; i++) {
    const kind = KINDS[rng.int(KINDS.length)];
    const containers: GenContainer[] = [];
    const m = 1 + rng.int(3);
    for (let j = 0; j < m; j++) {
      containers.push({
        name: `c${j}`,
        cpu: rng.next() < 0.7 ? `${(1 + rng.int(20)) * 50}m` : undefined,
        memory: rng.next() < 0.7 ? `${(1 + rng.int(16)) * 64}Mi` : undefined,
      });
    }
    const hasReplicas = kind === 'Deployment' || kind === 'StatefulSet' || kind === 'ReplicaSet';
    docs.push({ kind, name: `w${i}`, namespace: rng.next() < 0.5 ? 'team' : undefined, replicas: hasReplicas ? 1 + rng.int(4) : undefined, containers });
  }
  return docs;
}

function recFor(d: GenDoc, namespace: string, rng: Rng, replicas?: number): Recommendation {
  const b = (v: number) => ({ value: v, lower: v, upper: v });
  const evidence = { observed: { p50: 1, p95: 1, p99: 1, max: 1, samples: 10, days: 14 }, margin: 0.1, method: 'mora', reason: 'r', completeness: 1, notes: [] };
  return {
    workload: { context: 'c', namespace, kind: d.kind, name: d.name }, qos: 'Burstable', confidence: 0.8, generatedAt: 0,
    containers: d.containers.map((c) => {
      const memory = (16 + rng.int(500)) * Mi;
      return {
        container: c.name, current: { requests: {}, limits: {} }, verdict: 'ok' as const, confidence: 0.8,
        cpu: { request: b((1 + rng.int(40)) * 0.005), confidence: 0.8, evidence },
        // As the engine gives it: a limit at or above its request (the edit refuses a request above its limit).
        memory: { request: b(memory), limit: b(memory + rng.int(500) * Mi), confidence: 0.8, evidence },
      };
    }),
    replicas: replicas === undefined ? undefined : { current: d.replicas ?? 1, recommended: b(replicas), reason: 'because' },
  };
}

describe('manifest lens model', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`lenses every container of generated manifests and applying them sets exactly the recommended values (seed ${seed})`, () => {
      const rng = new Rng(seed * 101);
      const docs = generate(seed);
      const text = docs.map(writeDoc).join('\n---\n') + '\n';
      const recs = docs.map((d) => recFor(d, d.namespace ?? 'default', rng, d.replicas === undefined ? undefined : d.replicas + 1));
      // A decoy with the same names in another namespace must never be matched.
      const decoys = docs.map((d) => recFor(d, 'elsewhere', rng));
      const lookup: RecommendationLookup = (ns, kind, name) => [...recs, ...decoys].find((r) => r.workload.namespace === ns && r.workload.kind === kind && r.workload.name === name);
      const view = manifestView(text, lookup, 'default');
      const lines = text.split('\n');

      const containerLenses = view.lenses.filter((l) => l.kind === 'container');
      assert.equal(containerLenses.length, docs.reduce((s, d) => s + d.containers.length, 0));
      for (const l of containerLenses) assert.match(lines[l.line], /^\s*- name: c\d$/);
      assert.equal(view.lenses.filter((l) => l.kind === 'replicas').length, docs.filter((d) => d.replicas !== undefined).length);
      for (const l of view.lenses.filter((x) => x.kind === 'replicas')) assert.match(lines[l.line], /^\s*replicas: \d$/);

      const all = view.lenses.find((l) => l.kind === 'file');
      const changes = all ? all.changes : view.lenses.flatMap((l) => l.changes);
      const out = editManifest(text, changes).text;
      const after = scanManifest(out);
      for (const [i, d] of docs.entries()) {
        for (const c of d.containers) {
          const found = after.containers.find((x) => x.name === d.name && x.kind === d.kind && x.container === c.name)!;
          const want = recs[i].containers.find((x) => x.container === c.name)!;
          assert.equal(parseQuantity(found.requests.cpu!.value), parseQuantity(formatCpu(want.cpu!.request.value)));
          assert.equal(found.requests.memory!.value, formatMemory(want.memory!.request.value));
          assert.equal(found.limits.memory!.value, formatMemory(want.memory!.limit!.value));
        }
        const rep = after.containers.find((x) => x.name === d.name)?.replicas;
        if (d.replicas !== undefined) assert.equal(rep?.value, String(d.replicas + 1));
      }
      // Nothing else changed: every non-resource line of the original is still there, in order.
      const kept = lines.filter((l) => !/^\s*(resources:|requests:|limits:|cpu:|memory:|replicas:)/.test(l));
      const outKept = out.split('\n').filter((l) => !/^\s*(resources:|requests:|limits:|cpu:|memory:|replicas:)/.test(l));
      assert.deepEqual(outKept, kept);
    });
  }

  it('matches documents without a namespace against the configured default namespace', () => {
    const d: GenDoc = { kind: 'Deployment', name: 'api', containers: [{ name: 'app', cpu: '1', memory: '1Gi' }] };
    const rng = new Rng(9);
    const recs = [recFor(d, 'default', rng), recFor(d, 'team', rng)];
    const lookup: RecommendationLookup = (ns, kind, name) => recs.find((r) => r.workload.namespace === ns && r.workload.kind === kind && r.workload.name === name);
    const text = writeDoc(d);
    const title = (ns: string) => manifestView(text, lookup, ns).lenses.find((l) => l.kind === 'container')!.title;
    assert.match(title('team'), new RegExp(`cpu 1 → ${formatCpu(recs[1].containers[0].cpu!.request.value)} `));
    assert.match(title('default'), new RegExp(`cpu 1 → ${formatCpu(recs[0].containers[0].cpu!.request.value)} `));
    assert.equal(manifestView(text, lookup, 'other').lenses.length, 0);
  });

  it('flags containers missing a CPU or memory request, and no others', () => {
    const docs = generate(42);
    const view = manifestView(docs.map(writeDoc).join('\n---\n'), () => undefined, 'default');
    const expected = docs.flatMap((d) => d.containers.filter((c) => !c.cpu || !c.memory).map((c) => `${c.name}:${[!c.cpu && 'cpu', !c.memory && 'memory'].filter(Boolean).join(',')}`));
    assert.deepEqual(view.missingRequests.map((m) => `${m.container}:${m.missing.join(',')}`), expected);
    assert.equal(view.lenses.length, 0, 'no recommendation, no lens');
  });

  it('reads a limit without a request as the request (Kubernetes defaults it so): shown "(from limit)", not flagged', () => {
    const text = [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: api', 'spec:', '  template:', '    spec:', '      containers:',
      '        - name: limited', '          resources:', '            limits:', '              cpu: 500m', '              memory: 1Gi',
      '        - name: half', '          resources:', '            limits:', '              cpu: "2"',
      '        - name: bare', '          image: x', '',
    ].join('\n');
    const d: GenDoc = { kind: 'Deployment', name: 'api', containers: [{ name: 'limited' }, { name: 'half' }, { name: 'bare' }] };
    const rec = recFor(d, 'default', new Rng(5));
    const view = manifestView(text, () => rec, 'default');
    assert.deepEqual(view.missingRequests.map((m) => `${m.container}:${m.missing.join(',')}`), ['half:memory', 'bare:cpu,memory']);
    const titles = view.lenses.filter((l) => l.kind === 'container').map((l) => l.title);
    const [limited, half, bare] = rec.containers;
    assert.match(titles[0], new RegExp(`^MOrA: cpu 500m \\(from limit\\) → ${formatCpu(limited.cpu!.request.value)} · mem 1Gi \\(from limit\\) → `));
    assert.match(titles[1], new RegExp(`^MOrA: cpu 2 \\(from limit\\) → ${formatCpu(half.cpu!.request.value)} · mem unset → `));
    assert.match(titles[2], new RegExp(`^MOrA: cpu unset → ${formatCpu(bare.cpu!.request.value)} · mem unset → `));
  });

  it('hovers the evidence on resource values and the container name only', () => {
    const d: GenDoc = { kind: 'Deployment', name: 'api', replicas: 2, containers: [{ name: 'app', cpu: '500m', memory: '1Gi' }] };
    const rec = recFor(d, 'default', new Rng(1), 2);
    const text = writeDoc(d);
    const view = manifestView(text, () => rec, 'default');
    const pos = (needle: string, delta = 0) => {
      const i = text.indexOf(needle) + delta;
      const before = text.slice(0, i).split('\n');
      return [before.length - 1, before[before.length - 1].length] as const;
    };
    assert.match(hoverAt(view, ...pos('500m', 2))!.markdown, /container `app`/);
    assert.match(hoverAt(view, ...pos('1Gi'))!.markdown, /\*\*Memory\*\*/);
    assert.match(hoverAt(view, ...pos('name: app', 7))!.markdown, /Deployment default\/api/);
    assert.equal(hoverAt(view, ...pos('image:', 2)), undefined);
    assert.equal(hoverAt(view, ...pos('kind:')), undefined);
    assert.equal(view.lenses.filter((l) => l.kind === 'replicas').length, 0, 'replicas 2 → 2 is not worth a lens');
  });

  it('raises a CPU limit the new request would exceed (Kubernetes rejects request > limit), and leaves higher limits alone', () => {
    const text = (limit: string) => [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: api', 'spec:', '  template:', '    spec:', '      containers:',
      '        - name: app', '          resources:', '            requests:', '              cpu: 50m', '            limits:', `              cpu: ${limit}`, '',
    ].join('\n');
    const d: GenDoc = { kind: 'Deployment', name: 'api', containers: [{ name: 'app' }] };
    const rec = recFor(d, 'default', new Rng(3));
    rec.containers[0].cpu!.request.value = 0.19; // no CPU limit recommended
    const apply = (limit: string) => {
      const lens = manifestView(text(limit), () => rec, 'default').lenses.find((l) => l.kind === 'apply')!;
      return scanManifest(editManifest(text(limit), lens.changes).text).containers[0];
    };
    const low = apply('100m');
    assert.equal(low.requests.cpu!.value, '190m');
    assert.equal(low.limits.cpu!.value, '190m');
    const high = apply('1');
    assert.equal(high.requests.cpu!.value, '190m');
    assert.equal(high.limits.cpu!.value, '1');
  });
});
