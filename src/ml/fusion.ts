/**
 * Fusion of Prophet and the LSTM: weighted mean with fallback, a confidence in [0, 1] and error bounds.
 *
 *   fused = w_p · prophet + w_l · lstm            (default w_p 0.4, w_l 0.6; renormalised over the models kept)
 *
 * Fallback — a model is dropped, with the reason recorded, when it
 *   - failed (threw), or returned a non-finite value anywhere in its forecast, or
 *   - validated much worse than the other: holdout MAE > dropRatio (default 2) × the other's.
 *
 * Confidence (docs/LSTM.md § Confidence) is a weighted geometric mean of four scores in [0, 1]:
 *   V validation   1 / (1 + r)            r = fused holdout MAE / seasonal-naive holdout MAE (1 = no better than naive → 0.5)
 *   A agreement    1 / (1 + d)            d = mean |prophet − lstm| / seasonal-naive MAE of the history (0.5 with one model)
 *   Q quality      completeness · stability   completeness = observed / expected samples;
 *                                          stability = 1 / (1 + CV of the daily means)
 *   L history      min(1, days / 14)
 *   confidence = V^0.4 · A^0.2 · Q^0.2 · L^0.2
 *
 * Bounds: around the fused mean, Prophet's band (its distances below and above its own mean) widened on both sides by the
 * disagreement |prophet − lstm| at that step; with Prophet dropped, the LSTM's band; with the LSTM dropped, Prophet's.
 */
import type { Forecast } from './forecast-types';

export type ModelName = 'prophet' | 'lstm';

export interface ComponentResult {
  name: ModelName;
  /** Absent when the model failed; `error` says why. */
  forecast?: Forecast;
  error?: string;
  /** Mean absolute error on a holdout both models were scored on (original units). */
  validationMae?: number;
}

export interface FusionOptions {
  weights: Record<ModelName, number>;
  /** Drop a model whose holdout MAE exceeds this multiple of the other's. */
  dropRatio: number;
}

export const DEFAULT_FUSION: FusionOptions = { weights: { prophet: 0.4, lstm: 0.6 }, dropRatio: 2 };

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
  contributions: Partial<Record<ModelName, Float64Array>>;
  weights: Partial<Record<ModelName, number>>;
  used: ModelName[];
  dropped: Array<{ name: ModelName; reason: string }>;
  confidence: number;
  confidenceParts: ConfidenceParts;
}

const finite = (f: Forecast): boolean => [f.mean, f.lower, f.upper].every((a) => a.every((x) => Number.isFinite(x)));

/** Which models survive, and why the others do not. */
export function selectModels(components: ComponentResult[], dropRatio: number): { kept: ComponentResult[]; dropped: Array<{ name: ModelName; reason: string }> } {
  const dropped: Array<{ name: ModelName; reason: string }> = [];
  let kept = components.filter((c) => {
    if (!c.forecast) { dropped.push({ name: c.name, reason: `failed: ${c.error ?? 'no forecast'}` }); return false; }
    if (!finite(c.forecast)) { dropped.push({ name: c.name, reason: 'returned non-finite values (NaN/Infinity)' }); return false; }
    return true;
  });
  if (kept.length === 2) {
    const [a, b] = kept;
    const ea = a.validationMae, eb = b.validationMae;
    if (ea !== undefined && eb !== undefined && Number.isFinite(ea) && Number.isFinite(eb)) {
      const worse = ea > eb ? a : b, better = worse === a ? b : a;
      const ew = worse.validationMae!, eBetter = better.validationMae!;
      if (ew > dropRatio * eBetter) {
        dropped.push({ name: worse.name, reason: `validation MAE ${fmt(ew)} is ${fmt(ew / Math.max(eBetter, 1e-12))}× ${better.name}'s ${fmt(eBetter)} (limit ${dropRatio}×)` });
        kept = [better];
      }
    }
  }
  return { kept, dropped };
}

export function fuse(
  components: ComponentResult[], quality: DataQuality, holdout: { fusedMae?: number; naiveMae?: number } = {}, options: FusionOptions = DEFAULT_FUSION,
): FusedForecast {
  const { kept, dropped } = selectModels(components, options.dropRatio);
  if (kept.length === 0) throw new Error(`no model produced a usable forecast (${dropped.map((d) => `${d.name}: ${d.reason}`).join('; ')})`);
  const total = kept.reduce((s, c) => s + Math.max(0, options.weights[c.name]), 0);
  const weights: Partial<Record<ModelName, number>> = {};
  for (const c of kept) weights[c.name] = total > 0 ? Math.max(0, options.weights[c.name]) / total : 1 / kept.length;
  const ref = kept[0].forecast!;
  const H = ref.mean.length;
  const mean = new Float64Array(H);
  const contributions: Partial<Record<ModelName, Float64Array>> = {};
  for (const c of kept) {
    const w = weights[c.name]!;
    const part = c.forecast!.mean.map((x) => w * x);
    contributions[c.name] = part;
    for (let i = 0; i < H; i++) mean[i] += part[i];
  }
  const p = kept.find((c) => c.name === 'prophet')?.forecast;
  const l = kept.find((c) => c.name === 'lstm')?.forecast;
  const lower = new Float64Array(H), upper = new Float64Array(H);
  let disagreement = 0;
  for (let i = 0; i < H; i++) {
    const gap = p && l ? Math.abs(p.mean[i] - l.mean[i]) : 0;
    disagreement += gap;
    const band = p ?? l!;
    lower[i] = mean[i] - (band.mean[i] - band.lower[i]) - gap;
    upper[i] = mean[i] + (band.upper[i] - band.mean[i]) + gap;
  }
  disagreement = H ? disagreement / H : 0;
  const parts = confidenceParts(quality, p && l ? disagreement : undefined, holdout.fusedMae, holdout.naiveMae);
  return {
    t: ref.t, mean, lower, upper, intervalWidth: (p ?? l!).intervalWidth, contributions, weights, used: kept.map((c) => c.name), dropped,
    confidence: combineConfidence(parts), confidenceParts: parts,
  };
}

export function confidenceParts(q: DataQuality, disagreement: number | undefined, fusedMae: number | undefined, naiveMae: number | undefined): ConfidenceParts {
  const r = fusedMae !== undefined && naiveMae !== undefined && naiveMae > 0 ? fusedMae / naiveMae : 1;
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

/** Completeness, stability, length and noise scale of a history with timestamps `t` (s) and values `v`. */
export function dataQuality(t: ArrayLike<number>, v: ArrayLike<number>, step: number): DataQuality {
  const n = t.length;
  const span = n > 1 ? t[n - 1] - t[0] : 0;
  const expected = step > 0 ? Math.floor(span / step) + 1 : n;
  const completeness = clamp01(expected > 0 ? n / expected : 0);
  const days = span / 86400;
  const byDay = new Map<number, { s: number; c: number }>();
  for (let i = 0; i < n; i++) {
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
  let e = 0;
  for (let i = lag; i < n; i++) e += Math.abs(v[i] - v[i - lag]);
  const naiveMae = n > lag ? e / (n - lag) : 0;
  return { completeness, stability: 1 / (1 + cv), days, naiveMae };
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
