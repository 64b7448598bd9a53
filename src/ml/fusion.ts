/**
 * Fusion of Prophet and the LSTM, anchored on a seasonal baseline: weighted mean with fallback, a confidence in [0, 1] and
 * error bounds.
 *
 *   without holdout scores:   fused = w_p · prophet + w_l · lstm      (default w_p 0.4, w_l 0.6; renormalised over the models kept)
 *   with holdout scores:      fused = Σ_k ω_k · model_k + ω_b · baseline
 *                             ω_k ∝ w_k / r_k²,  ω_b ∝ a (anchorWeight, default 1),  r_k = model k's holdout MAE / the baseline's
 *                             MAE on the same holdout window(s)
 *
 * The baseline (seasonal-baseline.ts: the median of the same time of day over the last 1, 3 or 7 days, or on a weekly
 * series of the same weekday over the last 1–3 weeks, chosen by holdout error; 1 day = seasonal-naive) is a strong
 * forecaster for daily- and weekly-periodic workloads. A model that validates as well as the
 * baseline (r = 1) keeps its prior weight against the anchor; one that validates k× worse gets 1/k² of it (inverse squared
 * error, the Bates–Granger inverse-variance rule); two models that validate alike keep their 0.4/0.6 ratio. The result's
 * `anchor` says how much weight the baseline got and why.
 *
 * Fallback — a model is dropped, with the reason recorded, when it
 *   - failed (threw), or returned a non-finite value anywhere in its forecast, or
 *   - validated much worse than the other: its holdout error > dropRatio (default 2) × the other's (relative to the baseline
 *     when both have that yardstick, since the models may be scored on different holdout windows; else raw holdout MAE), or
 *   - validated much worse than the baseline it is anchored on: r > dropRatio (with a baseline to fall back on). Weighted
 *     1/r² against the anchor's 1 such a model still kept a share (r = 2.5 for both: 12%) and, where the holdout was
 *     short or the models weak (4-day histories, bench:forecast --heldout), pulled fused below seasonal-naive. When
 *     every model is dropped so, the forecast is the baseline alone.
 *   - forecasts a level the history before the origin does not show (`levelOutside`, set by the caller from
 *     level-shift.ts outsideRecentDays: outside every one of the last days at nine leads of ten, e.g. an LSTM holding a
 *     burst's last value all day), with a baseline to fall back on.
 *
 * Validated leads — a holdout speaks only for the leads it reached. On a history under 5 days the holdout is 20% of it
 * (172 of a day's 288 points on 4 days): a model's r says how it did at leads 1–172 of a 288-step forecast and nothing
 * about the leads after, where a recursive model drifts (4-day windows of the tuning series, 36 at one origin: the LSTM
 * erred 1.09× the baseline at the leads its holdout reached and 1.81× beyond; where the holdout was a whole day no such
 * gap). Likewise past the first day of a longer forecast: the holdout is a day at most, and a 28-day forecast of a
 * generated sine (history 0.8–1.2) kept the 1-day weights to its end, the LSTM's (0.998, Prophet dropped) drifting
 * recursion reaching 2.03 with a band that followed it; lstm/models.ts now sets validatedLeads whenever the holdout is
 * shorter than the forecast. So a model with `validatedLeads` forecasts only those leads of the blend; from the first lead no kept model's
 * holdout reached, the forecast is the baseline alone (which reads observed values a day back: it does not degrade with
 * lead). `weights` are those of the validated leads. The switch is a crossfade, not a step: over about an hour of leads
 * from a model's first unvalidated one (baselineFadeLeads) its weight moves linearly to the baseline, so the chart shows
 * no jump where the holdout's reach ends (a step there is an artefact of where the holdout happened to end, not of the
 * series). Every validated lead keeps its validated weights. Fading after rather than before the reach measured better
 * on the short held-out histories (BENCHMARKS.md § Crossfade at baselineFrom): an hour past the reach a model has barely
 * begun to drift, while fading inside the validated leads gave up weight that had validated better than the baseline.
 *
 * Carried level. The baseline repeats the days before the origin, so on a trend it lags by a day's growth (a 3-day steady
 * ramp: fused MAE 0.237 where Prophet's was 0.004). What the fade hands over to is therefore the baseline plus the level
 * the blend held above (or below) it over the validated leads — the mean of fused − baseline there — shrunk by the share
 * of the baseline's holdout error the blend removed, 1 − r with r = fused holdout MAE / baseline holdout MAE
 * (baselineCarry): a blend that validated no better than the baseline (r ≥ 1) carries nothing, one that removed nearly
 * all of its error (the ramp: r ≈ 0.02) carries its whole offset. Only when the offset exceeds the blend's own holdout MAE
 * (a smaller one is noise: carried on 4-day held-out histories it cost MASE 0.001–0.003, BENCHMARKS.md § Trend past the
 * holdout's reach) and every kept model sits on the offset's side of the baseline over its validated leads (the models
 * agree). The offset comes from validated leads only, so a recursive
 * model's drift past them is not carried; it enters through the same fade, so no lead steps.
 * The carried level also needs the last observations behind it (supportedCarry): a ramp that stopped half a day before
 * the origin still validates an offset at the first leads (yesterday was still ramping there) that the baseline no
 * longer lags by later on (carried, it over-forecast the whole horizon: MAE 0.063 → 0.115). The baseline's own residual
 * over the last hour (d1) against the hour a holdout's length earlier (d0): a level or trend that holds keeps d1 ≈ d0,
 * one that stopped has drifted back, and carried on as far again gives 2·d1 − d0 — the carry's most, 0 when that crosses
 * the baseline. And a level carried down stops at the history's floor (history-floor.ts: 0 for a series that never went
 * below 0, its lowest value for one below 0 only as noise; its models are floored there, forecast.ts), as the band's
 * floor is (a draining series had 165 of 288 leads below 0).
 *
 * Confidence (docs/LSTM.md § Confidence) is a weighted geometric mean of four scores in [0, 1]:
 *   V validation   1 / (1 + r)            r = fused holdout MAE / baseline holdout MAE (1 = no better than the baseline → 0.5)
 *   A agreement    1 / (1 + d)            d = mean |prophet − lstm| / seasonal-naive MAE of the history (0.5 with one model)
 *   Q quality      completeness · stability   completeness = observed / expected samples;
 *                                          stability = 1 / (1 + CV of the daily means)
 *   L history      min(1, days / 14)
 *   confidence = V^0.4 · A^0.2 · Q^0.2 · L^0.2
 *
 * Bounds here (uncalibrated): around the fused mean, Prophet's band (its distances below and above its own mean; the LSTM's
 * with Prophet dropped) widened on both sides by the spread (max − min) of the members' means at that step — |prophet −
 * lstm| without the anchor; a model counts only at its validated leads, as in the mean. Too wide (covered 0.96–0.98 of
 * held-out points for a 90% band): the `fused` model replaces it by a band calibrated on the series' own holdout
 * residuals (band-calibration.ts, calibrationWindows in lstm/models.ts) whenever it has a holdout forecast of the blend.
 */
import type { Forecast } from './forecast-types';

export type ModelName = 'prophet' | 'lstm';
/** A member of the blend: a model, or the seasonal baseline it is anchored on. */
export type MemberName = ModelName | 'baseline';

export interface ComponentResult {
  name: ModelName;
  /** Absent when the model failed; `error` says why. */
  forecast?: Forecast;
  error?: string;
  /** Mean absolute error on a holdout both models were scored on (original units). */
  validationMae?: number;
  /** The seasonal baseline's MAE on the same holdout window(s) as `validationMae`: the yardstick for anchoring. */
  baselineValidationMae?: number;
  /**
   * Leads its holdout reached, when fewer than the forecast's: at later leads its weight goes to the baseline (header,
   * "Validated leads"). Absent: all of them.
   */
  validatedLeads?: number;
  /**
   * Why its forecast's level is not one the history shows at the origin (level-shift.ts, outsideRecentDays), when so:
   * with a baseline to fall back on, the model is dropped.
   */
  levelOutside?: string;
}

export interface FusionOptions {
  weights: Record<ModelName, number>;
  /** Drop a model whose holdout MAE exceeds this multiple of the other's. */
  dropRatio: number;
  /** Prior weight of the baseline anchor against the models' (which sum to 1); 0 turns anchoring off. */
  anchorWeight: number;
}

export const DEFAULT_FUSION: FusionOptions = { weights: { prophet: 0.4, lstm: 0.6 }, dropRatio: 2, anchorWeight: 1 };

export interface DataQuality {
  /** Observed samples / samples expected at the nominal step, in [0, 1]. */
  completeness: number;
  /** 1 / (1 + coefficient of variation of the daily means), in (0, 1]. */
  stability: number;
  /** History length in days. */
  days: number;
  /** Seasonal-naive (or naive) in-sample MAE: the scale disagreement is measured in. */
  naiveMae: number;
}

export interface ConfidenceParts { validation: number; agreement: number; quality: number; history: number }

export interface FusedForecast extends Forecast {
  /** Each kept model's contribution to the fused mean (weight × its forecast), for display. */
  contributions: Partial<Record<MemberName, Float64Array>>;
  weights: Partial<Record<MemberName, number>>;
  used: MemberName[];
  dropped: Array<{ name: ModelName; reason: string }>;
  /** Present when the baseline anchor took part: its weight, what the baseline is, and why. */
  anchor?: { weight: number; reason: string; baseline?: string };
  /**
   * Present when the blend holds only for the first leads (header, "Validated leads"): the first lead no kept model's
   * holdout reached; from it on the models fade into the baseline (baselineFade), after that the baseline alone.
   */
  baselineFrom?: number;
  /**
   * With baselineFrom, when the blend validated better than the baseline (header, "Carried level"): the level added to the
   * baseline from baselineFrom + baselineFade on (faded in over the crossfade).
   */
  baselineCarry?: number;
  /**
   * With baselineFrom: the leads from it on over which the models' weight crossfades into the baseline's
   * (baselineFadeLeads); from baselineFrom + baselineFade on, the baseline alone.
   */
  baselineFade?: number;
  confidence: number;
  confidenceParts: ConfidenceParts;
}

const finite = (f: Forecast): boolean => [f.mean, f.lower, f.upper].every((a) => a.every((x) => Number.isFinite(x)));

/** Which models survive, and why the others do not. */
export function selectModels(components: ComponentResult[], dropRatio: number, baselineAvailable = false): { kept: ComponentResult[]; dropped: Array<{ name: ModelName; reason: string }> } {
  const dropped: Array<{ name: ModelName; reason: string }> = [];
  let kept = components.filter((c) => {
    if (!c.forecast) { dropped.push({ name: c.name, reason: `failed: ${c.error ?? 'no forecast'}` }); return false; }
    if (!finite(c.forecast)) { dropped.push({ name: c.name, reason: 'returned non-finite values (NaN/Infinity)' }); return false; }
    if (baselineAvailable && c.levelOutside) { dropped.push({ name: c.name, reason: `${c.levelOutside}: the baseline forecasts instead` }); return false; }
    const r = baselineAvailable ? relativeError(c) : undefined;
    if (r !== undefined && r > dropRatio) {
      dropped.push({ name: c.name, reason: `validation MAE ${r === Infinity ? 'above 0 where the baseline was exact' : `${fmt(r)}× the baseline's`} (limit ${dropRatio}×): the baseline forecasts instead` });
      return false;
    }
    return true;
  });
  if (kept.length === 2) {
    const [a, b] = kept;
    const relative = relativeError(a) !== undefined && relativeError(b) !== undefined;
    const score = (c: ComponentResult): number | undefined => (relative ? relativeError(c) : c.validationMae);
    const ea = score(a), eb = score(b);
    if (ea !== undefined && eb !== undefined && !Number.isNaN(ea) && !Number.isNaN(eb)) {
      const worse = ea > eb ? a : b, better = worse === a ? b : a;
      const ew = score(worse)!, eBetter = score(better)!;
      if (ew > dropRatio * eBetter) {
        const what = relative ? 'validation MAE relative to the baseline' : 'validation MAE';
        dropped.push({ name: worse.name, reason: `${what} ${fmt(ew)} is ${fmt(ew / Math.max(eBetter, 1e-12))}× ${better.name}'s ${fmt(eBetter)} (limit ${dropRatio}×)` });
        kept = [better];
      }
    }
  }
  return { kept, dropped };
}

/** The leads of an H-step forecast a component's holdout reached (its validatedLeads, within 1..H; H when absent). */
export function validatedLeads(c: ComponentResult, H: number): number {
  const x = c.validatedLeads;
  return x !== undefined && Number.isFinite(x) && x >= 1 ? Math.min(H, Math.floor(x)) : H;
}

/**
 * Seconds of leads after the end of a model's validated leads over which its weight fades into the baseline's (header,
 * "Validated leads"). An hour: long enough that the step the switch would make is spread over several of the series'
 * own steps (4 at 15 min, 12 at 5 min), short against the leads a short history's holdout reaches (14 h on 3 days)
 * and against the drift of a recursive model past them.
 */
export const BASELINE_FADE_SECONDS = 3600;

/**
 * The leads of the crossfade from `leads` (a model's validated leads of an H-step forecast at `step` seconds) on: about
 * BASELINE_FADE_SECONDS, at least 2, never more than the validated leads themselves nor past the horizon; 0 when the
 * holdout reached every lead.
 */
export function baselineFadeLeads(leads: number, H: number, step: number): number {
  if (leads >= H) return 0;
  const hour = step > 0 && Number.isFinite(step) ? Math.round(BASELINE_FADE_SECONDS / step) : 2;
  return Math.max(0, Math.min(Math.max(2, hour), leads, H - leads));
}

/**
 * The share of its validated weight a model keeps at lead `i`: 1 at its validated leads (i < leads), linear down across
 * the `fade` leads after them, 0 from `leads + fade` on.
 */
export function fadeShare(i: number, leads: number, fade: number): number {
  if (i < leads) return 1;
  return i >= leads + fade ? 0 : (leads + fade - i) / (fade + 1);
}

/** Holdout MAE / the baseline's MAE on the same window(s); undefined without both. An exact baseline → ∞ for any error. */
export function relativeError(c: ComponentResult): number | undefined {
  const e = c.validationMae, n = c.baselineValidationMae;
  if (e === undefined || n === undefined || !Number.isFinite(e) || !Number.isFinite(n) || e < 0 || n < 0) return undefined;
  if (n === 0) return e === 0 ? 1 : Infinity;
  return e / n;
}

/**
 * Blend weights over the kept models and, when `baseline` is given and every kept model has a relative holdout error,
 * the baseline anchor (formula in the header).
 */
export function blendWeights(kept: ComponentResult[], options: FusionOptions, anchorAvailable: boolean): { weights: Partial<Record<MemberName, number>>; anchor?: { weight: number; reason: string; baseline?: string } } {
  const total = kept.reduce((s, c) => s + Math.max(0, options.weights[c.name]), 0);
  const prior = (c: ComponentResult): number => (total > 0 ? Math.max(0, options.weights[c.name]) / total : 1 / kept.length);
  const weights: Partial<Record<MemberName, number>> = {};
  const rel = kept.map(relativeError);
  if (!anchorAvailable || options.anchorWeight <= 0 || rel.some((r) => r === undefined)) {
    for (const c of kept) weights[c.name] = prior(c);
    return { weights };
  }
  const raw = kept.map((c, i) => prior(c) / Math.max(rel[i]!, 1e-6) ** 2);
  const sum = raw.reduce((a, b) => a + b, 0) + options.anchorWeight;
  kept.forEach((c, i) => { weights[c.name] = raw[i] / sum; });
  const weight = options.anchorWeight / sum;
  weights.baseline = weight;
  const how = kept.map((c, i) => `${c.name} ${fmt(rel[i]!)}×`).join(', ');
  return { weights, anchor: { weight, reason: `holdout MAE relative to the baseline: ${how}; weights ∝ prior / (relative MAE)², anchor prior ${options.anchorWeight}` } };
}

export function fuse(
  components: ComponentResult[], quality: DataQuality, holdout: { fusedMae?: number; baselineMae?: number } = {}, options: FusionOptions = DEFAULT_FUSION,
  baseline?: Forecast, baselineName?: string,
): FusedForecast {
  const H0 = components.find((c) => c.forecast)?.forecast?.mean.length;
  const usableBaseline = baseline && H0 !== undefined && baseline.mean.length === H0 && baseline.mean.every((x) => Number.isFinite(x)) && options.anchorWeight > 0 ? baseline : undefined;
  const { kept, dropped } = selectModels(components, options.dropRatio, usableBaseline !== undefined);
  if (kept.length === 0 && !(usableBaseline && dropped.some((d) => /the baseline forecasts instead$/.test(d.reason)))) {
    throw new Error(`no model produced a usable forecast (${dropped.map((d) => `${d.name}: ${d.reason}`).join('; ')})`);
  }
  // Every model validated more than dropRatio× worse than the baseline: the baseline alone, zero-width until the
  // caller calibrates a band on its holdout residuals (fuseWithHoldout always does: the models had holdouts).
  const ref = kept[0]?.forecast ?? usableBaseline!;
  const H = ref.mean.length;
  const { weights, anchor } = kept.length ? blendWeights(kept, options, usableBaseline !== undefined)
    : { weights: { baseline: 1 } as Partial<Record<MemberName, number>>, anchor: { weight: 1, reason: `every model validated more than ${options.dropRatio}× worse than the baseline` } };
  const members: Array<{ name: MemberName; mean: ArrayLike<number> }> = kept.map((c) => ({ name: c.name, mean: c.forecast!.mean }));
  if (anchor) {
    members.push({ name: 'baseline', mean: usableBaseline!.mean });
    if (baselineName) anchor.baseline = baselineName;
  }
  // Leads no kept model's holdout reached: the baseline alone there (header, "Validated leads").
  const reach = anchor && kept.length ? Math.max(...kept.map((c) => validatedLeads(c, H))) : H;
  const leadsOf = (name: MemberName): number => (name === 'baseline' ? H : validatedLeads(kept.find((c) => c.name === name)!, H));
  const step = H > 1 ? ref.t[1] - ref.t[0] : 0;
  if (reach < H) anchor!.reason += `; the models' holdouts reached the first ${reach} of ${H} leads, the baseline alone after (crossfaded over ${baselineFadeLeads(reach, H, step)})`;
  // Per member, the share of its weight it keeps at each lead: 1 at its validated leads, then fading to 0.
  const shares = new Map(members.map((m) => {
    const upTo = anchor && m.name !== 'baseline' ? leadsOf(m.name) : H, fade = baselineFadeLeads(upTo, H, step);
    return [m.name, Float64Array.from({ length: H }, (_, i) => (upTo < H ? fadeShare(i, upTo, fade) : 1))] as const;
  }));
  const mean = new Float64Array(H);
  const contributions: Partial<Record<MemberName, Float64Array>> = {};
  for (const m of members) {
    const w = weights[m.name]!, share = shares.get(m.name)!;
    const part = Float64Array.from({ length: H }, (_, i) => w * share[i] * m.mean[i]);
    contributions[m.name] = part;
    for (let i = 0; i < H; i++) mean[i] += part[i];
  }
  // What the models fade into: the baseline, plus past the reach the level the validated blend held (header, "Carried level").
  // The history's floor (history-floor.ts: 0 for a series that never went below 0, its lowest value for one below 0 only
  // as noise), which the baseline carries and its members are floored at (forecast.ts, models.ts), floors the carried
  // level, as it floors the calibrated band (models.ts, fusedBand). A baseline without one: inputs that never go below 0
  // floor it at 0.
  const baseFloor = (usableBaseline as { floor?: number } | undefined)?.floor;
  const floor = baseFloor !== undefined ? baseFloor : members.every((m) => Array.prototype.every.call(m.mean, (x: number) => x >= 0)) ? 0 : -Infinity;
  const target = usableBaseline ? Float64Array.from(usableBaseline.mean) : undefined;
  let carry: number | undefined;
  if (anchor && members.some((m) => leadsOf(m.name) < H)) {
    // The weight a model gives up (in its fade, and all of it past its validated leads) goes to the baseline.
    const given = Float64Array.from({ length: H }, (_, i) => members.reduce((s, m) => s + (m.name !== 'baseline' ? weights[m.name]! * (1 - shares.get(m.name)![i]) : 0), 0));
    const base = contributions.baseline!;
    for (let i = 0; i < H; i++) { const x = given[i] * usableBaseline!.mean[i]; base[i] += x; mean[i] += x; }
    const tail = carryTailLeads(reach, step);
    carry = reach < H ? carriedLevel(mean, usableBaseline!.mean, kept, reach, H, holdout) : undefined;
    if (carry !== undefined) carry = supportedCarry(carry, (usableBaseline as { recentResidual?: ArrayLike<number> }).recentResidual, reach, tail);
    if (carry !== undefined) {
      anchor.reason += `, carrying the level the blend held over them, as far as the last observations support it (${fmt(Math.abs(carry))} ${carry > 0 ? 'above' : 'below'} the baseline: its offset there × (1 − its holdout MAE / the baseline's))`;
      // Faded in as the models fade out (linearly, by the share they gave up), all of it from the end of the fade on; a
      // level carried down stops at the floor (header, "Carried level").
      const fade = baselineFadeLeads(reach, H, step);
      for (let i = reach; i < H; i++) {
        const c = Math.max(carry * (1 - fadeShare(i, reach, fade)), Math.min(0, floor - mean[i]));
        target![i] += c;
        base[i] += c; mean[i] += c;
      }
    }
  }
  const p = kept.find((c) => c.name === 'prophet')?.forecast;
  const l = kept.find((c) => c.name === 'lstm')?.forecast;
  const lower = new Float64Array(H), upper = new Float64Array(H);
  let disagreement = 0;
  for (let i = 0; i < H; i++) {
    if (p && l) disagreement += Math.abs(p.mean[i] - l.mean[i]);
    let lo = Infinity, hi = -Infinity;
    for (const m of members) {
      // A model counts as much as it moves the mean: once its weight went to the baseline it must not widen the band
      // (past the fade after baselineFrom the spread is 0: Prophet's own band around the baseline); in the fade it
      // counts by its share, so the band narrows without a step.
      const x = anchor ? (m.name === 'baseline' ? target![i] : target![i] + shares.get(m.name)![i] * (m.mean[i] - target![i])) : m.mean[i];
      lo = Math.min(lo, x); hi = Math.max(hi, x);
    }
    const spread = hi - lo;
    const band = p ?? l ?? usableBaseline!;
    lower[i] = mean[i] - (band.mean[i] - band.lower[i]) - spread;
    upper[i] = mean[i] + (band.upper[i] - band.mean[i]) + spread;
  }
  disagreement = H ? disagreement / H : 0;
  const parts = confidenceParts(quality, p && l ? disagreement : undefined, holdout.fusedMae, holdout.baselineMae);
  return {
    t: ref.t, mean, lower, upper, intervalWidth: (p ?? l ?? usableBaseline!).intervalWidth, contributions, weights, used: members.map((m) => m.name), dropped,
    ...(anchor ? { anchor } : {}), ...(reach < H ? { baselineFrom: reach, baselineFade: baselineFadeLeads(reach, H, step) } : {}), ...(carry !== undefined ? { baselineCarry: carry } : {}), confidence: combineConfidence(parts), confidenceParts: parts,
  };
}

/**
 * The level the baseline carries past the models' reach (header, "Carried level"): the mean of `mean` − `baseline` over the
 * first `reach` leads × (1 − fused / baseline holdout MAE), when the blend validated better than the baseline, the offset
 * exceeds the blend's own holdout MAE (less is noise it would carry rather than a level it validated), and every
 * kept model's mean offset from the baseline over its validated leads has the blend's sign; else undefined.
 */
export function carriedLevel(
  mean: ArrayLike<number>, baseline: ArrayLike<number>, kept: ComponentResult[], reach: number, H: number, holdout: { fusedMae?: number; baselineMae?: number },
): number | undefined {
  const { fusedMae: e, baselineMae: b } = holdout;
  if (e === undefined || b === undefined || !Number.isFinite(e) || !Number.isFinite(b) || b <= 0 || e < 0 || e >= b || reach < 1 || !kept.length) return undefined;
  let offset = 0;
  for (let i = 0; i < reach; i++) offset += (mean[i] - baseline[i]) / reach;
  // A level within the blend's own holdout error is noise it would carry, not a level it validated.
  if (!Number.isFinite(offset) || Math.abs(offset) <= e) return undefined;
  for (const c of kept) {
    const leads = validatedLeads(c, H);
    let d = 0;
    for (let i = 0; i < leads; i++) d += c.forecast!.mean[i] - baseline[i];
    if (Math.sign(d) !== Math.sign(offset)) return undefined;
  }
  return offset * (1 - e / b);
}

/**
 * `carry` limited to what the last observations support (header, "Carried level"): the baseline's residual over the last
 * `tail` points before the origin (d1) and over the `tail` points `reach` before those (d0) — how the series stood against
 * the baseline now and a holdout's length ago. A trend or level that holds keeps d1 ≈ d0 (the cap, 2·d1 − d0 ≈ d1, does
 * not bind); one that stopped drifts back towards the baseline, and that drift carried on over the next `reach` leads
 * gives 2·d1 − d0, where the carried level takes over. The carry keeps its sign and at most that size, 0 when the
 * evidence reaches the other side. Without residuals (under two periods of history), `carry` as it is.
 */
export function supportedCarry(carry: number, residual: ArrayLike<number> | undefined, reach: number, tail: number): number | undefined {
  const n = residual?.length ?? 0, m = Math.max(1, Math.floor(tail));
  if (!residual || n < reach + m) return carry;
  const at = (end: number): number | undefined => {
    let s = 0, k = 0;
    for (let i = end - m; i < end; i++) if (Number.isFinite(residual[i])) { s += residual[i]; k++; }
    return k ? s / k : undefined;
  };
  const d1 = at(n), d0 = at(n - reach);
  if (d1 === undefined || d0 === undefined) return carry;
  const cap = Math.sign(carry) * (2 * d1 - d0);
  if (!(cap > 0)) return undefined;
  return Math.sign(carry) * Math.min(Math.abs(carry), cap);
}

/**
 * The points at each end of supportedCarry's comparison (header, "Carried level"): BASELINE_FADE_SECONDS of them (at
 * least 2), never more than the validated leads.
 */
export function carryTailLeads(reach: number, step: number): number {
  const hour = step > 0 && Number.isFinite(step) ? Math.round(BASELINE_FADE_SECONDS / step) : 2;
  return Math.max(1, Math.min(reach, Math.max(2, hour)));
}

export function confidenceParts(q: DataQuality, disagreement: number | undefined, fusedMae: number | undefined, baselineMae: number | undefined): ConfidenceParts {
  const r = fusedMae !== undefined && baselineMae !== undefined && baselineMae > 0 ? fusedMae / baselineMae : 1;
  const d = disagreement === undefined ? 1 : disagreement / Math.max(q.naiveMae, 1e-12);
  return {
    validation: clamp01(1 / (1 + r)),
    agreement: clamp01(1 / (1 + d)),
    quality: clamp01(q.completeness * q.stability),
    history: clamp01(q.days / 14),
  };
}

export function combineConfidence(c: ConfidenceParts): number {
  return clamp01(c.validation ** 0.4 * c.agreement ** 0.2 * c.quality ** 0.2 * c.history ** 0.2);
}

/**
 * Completeness, stability, length and noise scale of a history with timestamps `t` (s) and values `v`. A NaN value is a
 * point that was not observed (a gap's straight line on the grid, core/series.ts observedValues): it counts as missing in
 * the completeness and is left out of the day means and the naive error. Before, the fusion passed the filled grid and a
 * series missing 4 of its 10 days was reported 100% complete.
 */
export function dataQuality(t: ArrayLike<number>, v: ArrayLike<number>, step: number): DataQuality {
  const n = t.length;
  const span = n > 1 ? t[n - 1] - t[0] : 0;
  const expected = step > 0 ? Math.floor(span / step) + 1 : n;
  let observed = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(v[i])) observed++;
  const completeness = clamp01(expected > 0 ? observed / expected : 0);
  const days = span / 86400;
  const byDay = new Map<number, { s: number; c: number }>();
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(v[i])) continue;
    const d = Math.floor(t[i] / 86400);
    const e = byDay.get(d) ?? { s: 0, c: 0 };
    e.s += v[i]; e.c++;
    byDay.set(d, e);
  }
  const means = [...byDay.values()].map((e) => e.s / e.c);
  const m = means.reduce((a, b) => a + b, 0) / Math.max(1, means.length);
  const sd = Math.sqrt(means.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, means.length));
  const cv = Math.abs(m) > 1e-12 ? sd / Math.abs(m) : sd > 0 ? 1 : 0;
  const period = step > 0 ? Math.round(86400 / step) : 0;
  const lag = period >= 2 && n > 2 * period ? period : 1;
  let e = 0, pairs = 0;
  for (let i = lag; i < n; i++) {
    const d = Math.abs(v[i] - v[i - lag]);
    if (Number.isNaN(d)) continue;
    e += d; pairs++;
  }
  const naiveMae = pairs > 0 ? e / pairs : 0;
  return { completeness, stability: 1 / (1 + cv), days, naiveMae };
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
