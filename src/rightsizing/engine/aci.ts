/**
 * Adaptive conformal inference (Gibbs & Candès 2021, "Adaptive conformal inference under distribution shift") for MOrA's
 * margin: the level α_t at which k is read from the series' own calibration is moved, after each completed day, by what the
 * value applied that day actually missed, so that each series' long-run miss rate is held at its target α however its
 * usage shifts (docs/ENGINE.md § Risk, "Adaptive level").
 *
 * The paper's update, α_{t+1} = α_t + γ(α − err_t) (err_t: the day's share of samples above the value, CPU; 1 for an OOM
 * day, memory), kept in units of the target, a_t = α_t / α:  a_{t+1} = a_t + γ (1 − err_t / α).
 * Summing the steps telescopes — Σ_t (α − err_t) = α (a_{T+1} − a_1) / γ — so while a_t stays within its bounds the mean
 * miss over T days is off α by exactly α·|a_{T+1} − 1| / (γT): the series' own misses, not the pooled ones, are held to α.
 *
 * - k is read at α·a_t, clamped to [α / C, min(ACI_MAX_LEVEL, α·C)] (C = 10, the same tenfold tighter target
 *   `recommend` takes for its upper bound). Below α / C the calibration's quantile is its largest ratios and the cap
 *   (mora-strategy.ts) decides, so going further buys nothing.
 * - The state a_t is kept in [−C, C]: a miss beyond what the most cautious level can repay is carried as a debt (safe
 *   days at the most cautious level repay about γ a day), so the telescoping sum holds; only a debt beyond −C (a level
 *   shift the cap cannot follow, day after day) is forgotten. Flooring it at 0 instead forgot every large miss: on
 *   generated bursty days (30% of days at 3×, test/unit/risk-aci.test.ts's series) the 1% target ran at 2.1% after the shift.
 * - γ (the paper's trade-off between following a shift and a noisy α_t): on a stationary series where the
 *   day's err/α varies by about 1 around 1 (CPU days do: docs/ENGINE.md § Risk, "Per series"), a_t wanders around 1
 *   with a standard deviation of about √(γ/2). γ = 2 × 0.25² = 0.125 keeps that at the issue's tolerance (±25%);
 *   it corrects a bias with a time constant 1/γ = 8 days, the CPU base window. Not fitted to any dataset.
 */

/** The clamp: k is read within a factor C of the target. */
export const ACI_CLAMP = 10;
/** The relative calibration tolerance. */
const ACI_TOLERANCE = 0.25;
/** γ = 2 × tolerance²: the working level's stationary spread ≈ √(γ/2) = the tolerance. */
export const ACI_GAMMA = 2 * ACI_TOLERANCE * ACI_TOLERANCE;
/** Above this the quantile of the ratios is the body, no longer a tail: the working level never goes higher. */
export const ACI_MAX_LEVEL = 0.5;

export class AdaptiveLevel {
  /** a_t = α_t / α. */
  private a = 1;

  constructor(readonly target: number, readonly gamma = ACI_GAMMA, readonly clamp = ACI_CLAMP) {
    if (!(target > 0 && target < 1)) throw new Error(`ACI: the risk target must be in (0, 1), got ${target}`);
    if (!(gamma >= 0) || !(clamp >= 1)) throw new Error(`ACI: gamma must be ≥ 0 and clamp ≥ 1 (got ${gamma}, ${clamp})`);
  }

  /** The working level α_t that k is read at. */
  get level(): number {
    return Math.max(this.target / this.clamp, Math.min(Math.max(this.target, ACI_MAX_LEVEL), this.target * this.a, this.target * this.clamp));
  }

  /** One completed day: `err` is the share of the day the applied value missed (CPU) or 1 for an OOM day (memory). */
  update(err: number): void {
    if (!Number.isFinite(err)) return;
    this.a = Math.min(this.clamp, Math.max(-this.clamp, this.a + this.gamma * (1 - err / this.target)));
  }
}
