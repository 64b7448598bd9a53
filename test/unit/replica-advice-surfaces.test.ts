/**
 * One sentence of HPA advice on every surface: the CodeLens and hover on an HPA-managed `replicas:` (against the
 * cluster's HPA) and the note `recommend --apply-to --replicas` writes for an HPA among the manifests both take it
 * from hpaBoundsAdvice (src/core/advice-text.ts), each in its own framing. Before, with the count inside the HPA's
 * bounds while the engine moved a bound, the lens said `lower maxReplicas to 5` and the note `within its bounds`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import type { Recommendation } from '../../src/core/recommendation';
import { manifestView } from '../../src/views/manifest-lens-model';
import { tempDir } from '../harness/temp-dir';

const text = [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', '  namespace: shop', 'spec:', '  replicas: 3',
  '  template:', '    spec:', '      containers:', '        - name: server', '          image: app:1',
  '          resources:', '            requests:', '              cpu: 100m', '              memory: 64Mi',
  '---',
  'apiVersion: autoscaling/v2', 'kind: HorizontalPodAutoscaler', 'metadata:', '  name: web', '  namespace: shop', 'spec:',
  '  scaleTargetRef:', '    apiVersion: apps/v1', '    kind: Deployment', '    name: web', '  minReplicas: 2', '  maxReplicas: 8',
  '  metrics:', '    - type: Resource', '      resource:', '        name: cpu', '        target:', '          type: Utilization', '          averageUtilization: 70',
  '',
].join('\n');

/** The engine's advice for web: the cluster runs the same HPA (2..8 at 70%), the load needs `need`, the advised bounds min..max. */
function rec(need: number, min: number, max: number): Recommendation {
  const b = (v: number) => ({ value: v, lower: v, upper: v });
  const evidence = { observed: { p50: 1, p95: 1, p99: 1, max: 1, samples: 10, days: 14 }, margin: 0.1, method: 'mora', reason: 'r', completeness: 1, notes: [] };
  return {
    workload: { context: 'c', namespace: 'shop', kind: 'Deployment', name: 'web' }, qos: 'Burstable', confidence: 0.8, generatedAt: 0,
    containers: [{
      container: 'server', current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.8,
      cpu: { request: b(0.1), confidence: 0.8, evidence }, memory: { request: b(64 * 2 ** 20), confidence: 0.8, evidence },
    }],
    replicas: {
      current: 3, recommended: b(need), reason: 'the peak needs it',
      hpa: { minReplicas: min, maxReplicas: max, targetCpuUtilization: 0.7, reason: 'max 1.5 × the peak', current: { minReplicas: 2, maxReplicas: 8, targetCpuUtilization: 0.7 } },
    },
  };
}

/** As the engine gives it: counts in pods of the recommended 80m request, max for 1.5 × the p99, the count at a 5% target. */
function sized(r: Recommendation): Recommendation {
  Object.assign(r.replicas!.hpa!, { podRequest: 0.08, maxFor: '1.5 × the p99 load' });
  r.replicas!.risk = { target: 0.05, expected: 0.03 };
  return r;
}

/** The advice each surface gives, its framing taken off. */
function surfaces(r: Recommendation): { lens?: string; hover: string; note: string } {
  const view = manifestView(text, () => r, 'default');
  const lens = view.lenses.find((l) => l.kind === 'replicas')?.title;
  const replicasLine = text.split('\n').indexOf('  replicas: 3');
  const hover = view.hovers.find((h) => h.span.line === replicasLine + 1 || h.span.line === replicasLine)!.markdown;
  const file = join(tempDir('mora-advice-'), 'web.yaml');
  writeFileSync(file, text);
  const notes = applyToManifests(file, [r], 'default', true).flatMap((x) => x.notes ?? []);
  assert.equal(notes.length, 1, notes.join('\n'));
  const strip = (s: string, head: RegExp): string => { assert.match(s, head); return s.replace(head, ''); };
  return {
    lens: lens === undefined ? undefined : strip(lens, /^MOrA: HPA 2–8 → /),
    hover: strip(hover, /^\*\*MOrA\*\* HPA 2–8 → /).replace(/: the peak needs it\. max 1\.5 × the peak$/, ''),
    note: strip(notes[0], /^Deployment shop\/web: replicas left to the HPA web \(2\.\.8\): /).replace(/; spec\.replicas not written$/, ''),
  };
}

describe('replica advice: the lens, the hover and the --apply-to note say the same thing', () => {
  const cases: Array<[string, Recommendation, string]> = [
    ['in bounds, the engine lowers maxReplicas', rec(3, 2, 5), 'lower maxReplicas to 5 (the 3 replicas the load needs are within its bounds)'],
    ['in bounds, the engine raises maxReplicas', rec(6, 2, 9), 'raise maxReplicas to 9 (the 6 replicas the load needs are within its bounds)'],
    ['in bounds, the engine lowers minReplicas', rec(3, 1, 8), 'lower minReplicas to 1 (the 3 replicas the load needs are within its bounds)'],
    // Without the engine's pod size and load levels (an older record): counts of replicas, the load unnamed.
    ['above maxReplicas', rec(10, 2, 15), 'raise maxReplicas to 15 (the load needs 10 replicas)'],
    // The engine's: every number with the load it carries and the pods it counts (max: 1.5 × the p99; the count: the
    // p95 its 5% target sizes to). Before: 'raise maxReplicas to 12 (the peak load needs 7 replicas)', 12 for 1.5 × the
    // p99, 7 for the p95, in pods of a size no surface named.
    ['above maxReplicas, the engine\'s pods and levels', sized(rec(7, 2, 12)), 'raise maxReplicas to 12 (1.5 × the p99 load needs 12 pods of 80m)'],
    ['in bounds, the engine\'s pods and levels', sized(rec(3, 1, 8)), 'lower minReplicas to 1 (the 3 pods of 80m the p95 load needs are within its bounds)'],
    ['below minReplicas, the engine\'s pods and levels', sized(rec(1, 1, 8)), 'lower minReplicas to 1 (the p95 load needs 1 pod of 80m, below its minReplicas)'],
  ];
  for (const [name, r, advice] of cases) {
    it(name, () => {
      const got = surfaces(r);
      assert.deepEqual(got, { lens: advice, hover: advice, note: advice });
    });
  }

  it('nothing to change: the hover and the note agree, and no lens', () => {
    const advice = 'keep its bounds (the 3 replicas the load needs are within them)';
    assert.deepEqual(surfaces(rec(3, 2, 8)), { lens: undefined, hover: advice, note: advice });
  });

  it('the manifest\'s CPU target counts as the cluster\'s does', () => {
    const r = rec(3, 2, 8);
    r.replicas!.hpa!.targetCpuUtilization = 0.6;
    const advice = 'target 60% CPU (the 3 replicas the load needs are within its bounds)';
    assert.deepEqual(surfaces(r), { lens: advice, hover: advice, note: advice });
  });
});
