/**
 * MOrA's default CPU base for tail targets (α < 10%) is the body quantile 1 − 2α, never below p90, and k carries the tail
 * (docs/ENGINE.md § Risk, "Body base"; 2026-11-29). On generated series where only some days carry bursts, the default
 * must waste less than the (1−α)-quantile base at the same achieved risk, keep to its target, start cold from the same
 * value (the prior is a margin over the (1−α) quantile) and leave targets from 10% up exactly as they were.
 */
import { strict as assert } from 'node:assert';
import { MoraStrategy, type MoraStrategyOptions } from '../../src/rightsizing/engine/mora-strategy';
import { replay } from '../../src/rightsizing/replay/replay';
import { burstySeries, point, wasteAt } from './helpers/risk-curve';

const DAY = 86400;
/** The rule before the body base: the base at the (1−α) quantile of the window. */
const TAIL_BASE: MoraStrategyOptions = { cpuBaseRiskFactor: 1, cpuBaseQuantile: 0 };

describe('MOrA CPU default: a body base for tail targets', function () {
  // Backtests over generated series: computation only, 4× slower on a busy machine; the answer is what is checked.
  this.timeout(90_000);
  const list = [31, 32, 33].map(burstySeries);
  const targets = [0.01, 0.02, 0.05, 0.1, 0.2];
  const tail = targets.map((risk) => point(list, { ...TAIL_BASE, risk }));

  it('wastes less than the (1−α) base at the same achieved risk (5%: by more than a tenth; 2%: less; 1%: within 5%)', () => {
    for (const [risk, bar] of [[0.01, 1.05], [0.02, 1], [0.05, 0.9]]) {
      const p = point(list, { risk });
      const same = wasteAt(tail, p.risk);
      assert.ok(p.waste < bar * same, `target ${risk}: default waste ${p.waste.toFixed(3)} at ${p.risk.toFixed(4)} vs the (1−α) base's ${same.toFixed(3)} at the same risk`);
    }
  });

  it('keeps to the target (±25%, ±0.5 points under 2%)', () => {
    for (const risk of targets) {
      const p = point(list, { risk });
      const tol = risk < 0.02 ? 0.005 : 0.25 * risk;
      assert.ok(Math.abs(p.risk - risk) <= tol, `target ${risk}: achieved ${p.risk.toFixed(4)}`);
    }
  });

  it('from 10% up the base is the (1−α) quantile as before: the same values', () => {
    for (const risk of [0.1, 0.2]) {
      const a = replay(list[0], [new MoraStrategy('cpu', { ...TAIL_BASE, risk })])[0].days.map((d) => d.value);
      const b = replay(list[0], [new MoraStrategy('cpu', { risk })])[0].days.map((d) => d.value);
      assert.deepEqual(b, a);
    }
  });

  it('starts cold from the same value: the prior margin is carried from the (1−α) quantile to the body base', () => {
    const s = list[1];
    const one = (o: MoraStrategyOptions): { base: number; margin: number; value: number } => {
      const m = new MoraStrategy('cpu', o);
      const end = s.t.findIndex((x) => x >= DAY);
      m.observe(s.t.slice(0, end), s.v.slice(0, end));
      const e = m.explain(DAY)!;
      return { base: e.base, margin: e.margin, value: e.base * e.margin };
    };
    const body = one({ risk: 0.05 }), old = one({ ...TAIL_BASE, risk: 0.05 });
    assert.ok(body.base < old.base, `body base ${body.base} vs (1−α) base ${old.base}`);
    assert.ok(Math.abs(body.value - old.value) <= 1e-12 * old.value, `cold start ${body.value} vs ${old.value}`);
  });
});
