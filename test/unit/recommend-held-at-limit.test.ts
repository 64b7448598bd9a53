import assert from 'node:assert/strict';
import { heldAtCpuLimit, heldFootnotes } from '../../src/cli/format/recommendations';
import type { ContainerRecommendation, Evidence, Recommendation } from '../../src/core/recommendation';
import type { EngineResult } from '../../src/rightsizing/engine';
import { mora } from './helpers/run-cli';

// The demo's currencyservice needs ~195m of CPU but has a 100m CPU limit that MOrA keeps (CPU limits only with
// --cpu-limits); Kubernetes rejects a request above its limit, so the request is held at 100m and its risk stays ≈47%
// against a 5% target. Only the JSON notes said why and what to do; the tables showed 100m and 47% without a word.
describe('mora recommend / demo: a CPU request held at its kept CPU limit is marked, with the fix in a footnote', () => {
  const at = (request: number, expected: number, notes: string[] = []): ContainerRecommendation => ({
    container: 'c', verdict: 'ok', confidence: 0.9,
    current: { requests: { cpu: 0.05 }, limits: { cpu: 0.1 } },
    cpu: { request: { value: request, lower: request, upper: request }, confidence: 0.9,
      evidence: { observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 1 }, margin: 0, method: 'm', reason: 'r', completeness: 1, notes,
        risk: { measure: 'exceedance', target: 0.05, expected } } as Evidence },
  } as ContainerRecommendation);
  // The row's 47% is the CPU's at the current 2 replicas, and the engine also advises 5, which lower it (review: the
  // footnote said only raising the limit lowers its risk, next to `2→5 (0%)`): the footnote names both fixes.
  const words = (s: string): RegExp => new RegExp(`^${s.replace(/[()]/g, '\\$&').replace(/ /g, '\\s+')}$`, 'm');
  const footnote = words('† currencyservice: CPU request held at its 100m limit, which throttles it; its 47% risk (and the 195m a pod needs) is at '
    + 'the current 2 replicas: the advised 5 replicas lower that risk (per-replica load above capacity at no time in the history), as would '
    + 'raising the CPU limit to 195m or more (MOrA keeps CPU limits unless --cpu-limits)');

  it('recommend table: † on the CPU request and the footnote; no mark on the others', async () => {
    const r = await mora(['recommend', '--source', 'demo', '-q']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^currencyservice\s+50m→100m†\s+100m\s/m);
    assert.match(r.out, footnote);
    assert.equal(r.out.split('†').length - 1, 2, 'one mark and one footnote');
  });

  it('--compare (the table mora demo prints): the same mark on MOrA\'s CPU column and the footnote', async () => {
    const r = await mora(['recommend', '--source', 'demo', '-q', '--compare']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^currencyservice\s+100m†\s/m);
    assert.match(r.out, footnote);
  });

  it('--cpu-limits: MOrA sets the limit itself, so nothing is held', async () => {
    const r = await mora(['recommend', '--source', 'demo', '-q', '--cpu-limits']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /†/);
  });

  it('without more replicas advised (or under an HPA) only raising the limit lowers the risk, and the footnote says so', () => {
    const held = at(0.1, 0.47, ['needs 195m, above the CPU limit 100m that is kept …']);
    const result = (replicas: Recommendation['replicas']): EngineResult => ({
      recommendation: { workload: { context: 'c', namespace: 'n', kind: 'Deployment', name: 'w' }, containers: [held], replicas, qos: 'Burstable', confidence: 0.9, generatedAt: 0 },
      details: [], savings: {},
    } as unknown as EngineResult);
    const only = /^† w: CPU request held at its 100m limit \(needs 195m\); the limit throttles it, so only raising the CPU limit to 195m or more lowers its risk \(MOrA keeps CPU limits unless --cpu-limits\)$/;
    assert.match(heldFootnotes([result(undefined)], 400).trim(), only);
    assert.match(heldFootnotes([result({ current: 2, recommended: { value: 2, lower: 2, upper: 2 }, reason: 'r', risk: { target: 0.05, expected: 0.47 } })], 400).trim(), only);
    const hpa = { minReplicas: 2, maxReplicas: 12, targetCpuUtilization: 0.7, reason: 'r', current: { minReplicas: 2, maxReplicas: 6 } };
    assert.match(heldFootnotes([result({ current: 3, recommended: { value: 7, lower: 5, upper: 8 }, reason: 'r', risk: { target: 0.05, expected: 0.02 }, hpa })], 400).trim(), only);
    // More replicas advised: its risk is at the current count, and the advised count's own risk is named.
    const more = heldFootnotes([result({ current: 2, recommended: { value: 4, lower: 2, upper: 4 }, reason: 'r', risk: { target: 0.05, expected: 0.012 } })], 400).trim();
    assert.equal(more, '† w: CPU request held at its 100m limit, which throttles it; its 47% risk (and the 195m a pod needs) is at the current 2 replicas: '
      + 'the advised 4 replicas lower that risk (per-replica load above capacity ≈1.2% of the time), as would raising the CPU limit to 195m or more '
      + '(MOrA keeps CPU limits unless --cpu-limits)');
  });

  it('not held: a request below the limit, or at it within its risk target without the engine\'s note', () => {
    assert.equal(heldAtCpuLimit(at(0.08, 0.2)), undefined);
    assert.equal(heldAtCpuLimit(at(0.1, 0.03)), undefined);
    assert.deepEqual(heldAtCpuLimit(at(0.1, 0.4)), { limit: 0.1 });
    assert.deepEqual(heldAtCpuLimit(at(0.1, 0.03, ['needs 195m, above the CPU limit 100m that is kept …'])), { limit: 0.1, need: '195m' });
  });
});
