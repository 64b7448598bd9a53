/**
 * Rounding that misstated a value next to its target: an expected 0.15% read `≈0.1% (target ≤0.15%)`, and the memory
 * targets 0.15 and 0.14 both read `≤1 OOM day in 7`, 0.35 `1 in 3`. Below 1% two significant digits; a target reads
 * `1 in n` only where that is (nearly) exactly it, else exact per 10 / per 100, else as a share of days.
 */
import { strict as assert } from 'node:assert';
import { riskBrief, riskTargetNote, riskTargetText, riskTargetCell, shareText } from '../../src/core/advice-text';
import type { ContainerRecommendation, Evidence, RiskStatement } from '../../src/core/recommendation';

const Mi = 2 ** 20;
const evidence = (risk: RiskStatement): Evidence => ({
  observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 14 }, margin: 0.1, method: 'moving-window', reason: 'p95', completeness: 1, notes: [], risk,
});
const container = (cpu: RiskStatement, memory: RiskStatement): ContainerRecommendation => ({
  container: 'server', current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.8,
  cpu: { request: { value: 0.18, lower: 0.15, upper: 0.2 }, confidence: 0.8, evidence: evidence(cpu) },
  memory: { request: { value: 420 * Mi, lower: 400 * Mi, upper: 440 * Mi }, limit: { value: 512 * Mi, lower: 512 * Mi, upper: 512 * Mi }, confidence: 0.8, evidence: evidence(memory) },
});

describe('risk texts never round a value or a target into another', () => {
  it('shares below 1% keep two significant digits', () => {
    const cases: Array<[number, string]> = [[0.0015, '0.15%'], [0.0012, '0.12%'], [0.009, '0.9%'], [0.0095, '0.95%'], [0.005, '0.5%'],
      [0.0004, '<0.1%'], [0.013, '1.3%'], [0.05, '5%'], [0.25, '25%']];
    for (const [x, text] of cases) assert.equal(shareText(x), text, String(x));
    const c = container({ measure: 'exceedance', target: 0.0015, expected: 0.0015, calibrationDays: 14 }, { measure: 'oom-days', target: 0.01, expected: 0.01, calibrationDays: 14 });
    assert.match(riskBrief(c), /^cpu request exceeded ≈0\.15% of the time \(target ≤0\.15%\)/);
  });

  it('a memory target reads as set: 0.15 and 0.14 apart, 0.35 not 1 in 3', () => {
    const cases: Array<[number, string]> = [
      [0.15, 'memory limit ≤15 OOM days in 100'], [0.14, 'memory limit ≤14 OOM days in 100'], [0.35, 'memory limit ≤35 OOM days in 100'],
      [0.3, 'memory limit ≤3 OOM days in 10'], [0.01, 'memory limit ≤1 OOM day in 100'], [0.2, 'memory limit ≤1 OOM day in 5'],
      [0.0015, 'memory limit ≤1 OOM day in 667'], [0.5, 'memory limit ≤1 OOM day in 2'], [0.155, 'memory limit ≤15.5% of days'],
    ];
    for (const [x, text] of cases) assert.equal(riskTargetText('oom-days', x), text, String(x));
    const risk: RiskStatement = { measure: 'oom-days', target: 0.15, expected: 0.1, calibrationDays: 14 };
    assert.ok(riskTargetNote(risk).startsWith('risk target ≤15 OOM days in 100,'), riskTargetNote(risk));
    const c = container({ measure: 'exceedance', target: 0.05, expected: 0.01, calibrationDays: 14 }, risk);
    assert.match(riskBrief(c), /≈1 OOM day in 10 at limit 512Mi \(target ≤15 in 100\)$/);
    assert.equal(riskTargetCell(c), '≤5%·≤15/100');
    assert.equal(riskTargetCell(container({ measure: 'exceedance', target: 0.05, expected: 0.01, calibrationDays: 14 }, { ...risk, target: 0.35 })), '≤5%·≤35/100');
  });
});
