/**
 * Models are chosen by evidence. A forecast may replace the window rule's base only where it has beaten the window
 * on the series' own most recent day: both are computed from the history before that day, both are scored on it with
 * the backtest scorer, and the forecast must cover the day at least as well (memory: no OOM the window avoided;
 * CPU: no more exceedance) with less waste — or cover it strictly better. Otherwise the window result stands and the
 * reason says so.
 *
 * The forecast's need is multiplied by the window rule's margin at the same risk target (one held-out day cannot calibrate a
 * margin of its own; the backtested ForecastGuardedStrategy calibrates the forecast's own ratios once it has 3 days).
 */
import { bucketed, lowerBound, slice, type Series } from '../../core/series';
import { quantileSorted } from '../../core/stats';
import { studentQuantile } from '../../ml/band-calibration';
import type { Forecast } from '../../ml/forecast-types';
import type { ResourceKind } from '../baselines/strategy';
import { typicalStep } from '../replay/replay';
import { scoreDay, type DayScore } from '../replay/score';
import { MoraStrategy } from './mora-strategy';

const DAY = 86400;

/**
 * A forecast may raise the value at most to this multiple of the window rule's value. A forecast earns its place by
 * beating the window on recent days, but a fit can still run away on the next one (a Prophet trend extrapolated into
 * terabytes for a VM that peaked at 37 GB, bench:frontier 2026-11-29): growth faster than doubling in a day is a case
 * for a person, not for a limit no node can hold.
 */
export const FORECAST_MAX_RAISE = 2;

/**
 * Days of samples a forecaster must be fitted on, counted as the time its samples cover (coveredDays), not the span from
 * the first to the last: after a long gap a fit window can hold one day (a Prophet fit on one day after 20 missing ones
 * doubled the value, the FORECAST_MAX_RAISE cap). With less, the window rule stands (as when the forecast is not trusted).
 */
export const MIN_FIT_DAYS = 3;

/**
 * The time the samples `t` (sorted) cover, in days: each stretch of samples without missing data counts from its first
 * sample to its last plus one typical step (typicalStep, as wholeDays in backtest/warmup.ts counts a trace: the last
 * sample stands for the step after it), and a gap longer than max(1 h, 4 × the median gap) is missing data and counts
 * nothing. A regular series covers its span plus one step: 3 × 288 five-minute samples are 3 days.
 */
export function coveredDays(t: ArrayLike<number>): number {
  const gaps: number[] = [];
  for (let i = 1; i < t.length; i++) if (t[i] > t[i - 1]) gaps.push(t[i] - t[i - 1]);
  if (gaps.length === 0) return 0;
  const median = Float64Array.from(gaps).sort()[Math.floor((gaps.length - 1) / 2)];
  const cap = Math.max(3600, 4 * median);
  const step = typicalStep(t);
  const last = Number.isFinite(step) ? step : 0; // samples a day or more apart: no step (wholeDays' rule)
  let s = last; // the first stretch's
  for (const g of gaps) s += g <= cap ? g : last; // a gap counts nothing; the stretch after it its last step
  return s / DAY;
}

/** A forecast as the engine may use it for one resource (resource.ts). */
export interface ForecastUse {
  /** What the forecast says the next day needs (CPU: its usage quantile at the window base's quantile; memory: the band's peak), base units. */
  need: number;
  /** Whether it beat the window rule on the last day of history. */
  trusted: boolean;
  method: string;
  reason: string;
  agreement?: number;
}

/** Forecasts `horizon` steps of `step` seconds after the history (Prophet, LSTM, fusion, behind one call). */
export type ForecastProvider = (history: Series, horizon: number, step: number) => Promise<Forecast>;

/** What the next day needs according to a forecast: CPU the p99 of the band's upper edge, memory its peak. */
export function forecastNeed(kind: ResourceKind, f: Forecast): number {
  const up = Float64Array.from(f.upper).sort();
  return kind === 'cpu' ? quantileSorted(up, 0.99) : up[up.length - 1];
}

/** Φ(x), the standard normal CDF (Abramowitz & Stegun 26.2.17, |error| < 7.5e-8): cheap enough for a bisection over a day's steps. */
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const tail = 0.3989422804014327 * Math.exp(-0.5 * x * x) * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - tail : tail;
}

/**
 * CPU: the q-quantile of the next day's usage as the forecast predicts it — the mixture over its steps of N(mean, σ),
 * σ from the band's upper half-width at its level, floored at 0. This is what the window rule's base is (its usage's
 * q-quantile, MoraExplanation.baseQuantile), so the window's margin k, calibrated on usage / base, applies to it. The
 * band's p99 (forecastNeed) sits far above a body base (p90 at a 5% target): times a k fitted from p90 it wasted more
 * than the window on nearly every last day, and 2 of 400 values on 200 demo workloads used the forecast (96 before the
 * body base, 626f9b3).
 */
export function forecastQuantile(f: Forecast, q: number): number {
  const zBand = studentQuantile(0.5 + Math.min(0.999, Math.max(0.5, f.intervalWidth || 0.9)) / 2, Infinity);
  const m: number[] = [], sd: number[] = [];
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < f.mean.length; i++) {
    const mean = f.mean[i], sigma = Math.max(0, f.upper[i] - mean) / zBand;
    if (!Number.isFinite(mean)) continue;
    const s = Number.isFinite(sigma) ? sigma : 0;
    m.push(mean); sd.push(s);
    lo = Math.min(lo, mean - 9 * s); hi = Math.max(hi, mean + 9 * s);
  }
  if (m.length === 0) return NaN;
  // The mixture's CDF at x: the mean over steps of P(usage ≤ x); bisection to the x where it reaches q.
  const cdf = (x: number): number => {
    let p = 0;
    for (let i = 0; i < m.length; i++) p += sd[i] > 0 ? normalCdf((x - m[i]) / sd[i]) : x >= m[i] ? 1 : 0;
    return p / m.length;
  };
  for (let it = 0; it < 60 && hi - lo > 1e-9 * Math.max(1, Math.abs(hi)); it++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < q) lo = mid; else hi = mid;
  }
  return Math.max(0, hi);
}

export async function checkForecast(kind: ResourceKind, history: Series, now: number, provider: ForecastProvider, method: string, step = 300, risk?: number): Promise<ForecastUse | undefined> {
  const lastDay = Math.floor(now / DAY) * DAY - DAY;
  const train = slice(history, history.t[0], lastDay);
  const hold = slice(history, lastDay, lastDay + DAY);
  // Covered, not spanned: a history with a long gap has fewer days to fit on than its first and last samples suggest.
  if (train.t.length < 12 || hold.t.length < 12 || coveredDays(train.t) < MIN_FIT_DAYS - 1e-9) {
    return { need: NaN, trusted: false, method, reason: `history too short to check the forecast against the window (needs ${MIN_FIT_DAYS} days of samples before the last day, and the last day)` };
  }
  const horizon = Math.ceil(DAY / step);
  const window = new MoraStrategy(kind, { risk });
  window.observe(train.t, train.v);
  const e = window.explain(lastDay);
  if (!e) return undefined;
  // One fit per series: trained up to the last day, forecasting two days — the first is checked against what happened,
  // the second is the need for the day ahead (a two-day-ahead forecast: slightly wider, but half the cost of refitting).
  let fHold: Forecast, fNext: Forecast;
  try {
    const f = await provider(downsample(train, step, kind), 2 * horizon, step);
    const cut = lowerBound(f.t, lastDay + DAY);
    fHold = part(f, 0, cut);
    fNext = part(f, cut, f.t.length);
    if (fHold.t.length === 0 || fNext.t.length === 0) throw new Error('forecast did not cover the next two days');
  } catch (err) {
    return { need: NaN, trusted: false, method, reason: `${method} failed (${(err as Error).message.split('\n')[0]})` };
  }
  const wDay = scoreDay(lastDay, e.base * e.margin, hold.v);
  // Memory: a miss is an OOM kill, so a forecast may raise the limit ahead of growth but never cut below the window's.
  const fValue = (need: number): number => (kind === 'memory' ? Math.max(need, e.base) : need) * e.margin;
  // CPU: the forecast stands in for the base, so it is read at the base's quantile; memory (and a base without one): the band's need.
  const need = (f: Forecast): number => (kind === 'cpu' && e.baseQuantile !== undefined ? forecastQuantile(f, e.baseQuantile) : forecastNeed(kind, f));
  const fDay = scoreDay(lastDay, fValue(need(fHold)), hold.v);
  const trusted = forecastBeatsWindow(kind, totals([wDay]), totals([fDay]));
  const pct = (x: number, base: number): string => `${((100 * x) / Math.max(1e-12, base)).toFixed(1)}%`;
  const sumU = Math.max(1e-12, wDay.sumUsage);
  const detail = `last day: ${method} waste ${pct(fDay.waste, sumU)}, shortfall ${pct(fDay.shortfall, sumU)} vs window waste ${pct(wDay.waste, sumU)}, shortfall ${pct(wDay.shortfall, sumU)}`;
  const nextNeed = need(fNext);
  return {
    need: kind === 'memory' ? Math.max(nextNeed, windowBase(kind, history, now, risk) ?? nextNeed) : nextNeed,
    trusted,
    method,
    reason: trusted ? `it beat the moving window on the last day (${detail})` : `it did not beat the moving window on the last day (${detail}); using the window`,
  };
}

function windowBase(kind: ResourceKind, history: Series, now: number, risk?: number): number | undefined {
  const m = new MoraStrategy(kind, { risk });
  m.observe(history.t, history.v);
  return m.explain(now)?.base;
}

export interface ScoreTotals { missDays: number; exceeded: number; waste: number; shortfall: number }

export function totals(days: readonly DayScore[]): ScoreTotals {
  const t: ScoreTotals = { missDays: 0, exceeded: 0, waste: 0, shortfall: 0 };
  for (const d of days) { t.missDays += d.exceeded > 0 ? 1 : 0; t.exceeded += d.exceeded; t.waste += d.waste; t.shortfall += d.shortfall; }
  return t;
}

/**
 * The bar a forecast must clear over the same days. Memory: no OOM day the window avoided and less waste, or fewer OOM days
 * outright (an avoided OOM is worth the headroom). CPU: no more samples above the request and less waste, or under half the
 * samples above for at most 25% more waste.
 */
export function forecastBeatsWindow(kind: ResourceKind, w: ScoreTotals, f: ScoreTotals): boolean {
  if (kind === 'memory') return (f.missDays <= w.missDays && f.waste < w.waste) || f.missDays < w.missDays;
  return (f.exceeded <= w.exceeded && f.waste < w.waste) || (f.exceeded < 0.5 * w.exceeded && f.waste <= 1.25 * w.waste);
}

/** Down-samples to `step` seconds (CPU: mean, memory: max, so peaks survive) to keep forecaster fits quick. */
export function downsample(s: Series, step: number, kind: ResourceKind): Series {
  return bucketed(s.t, s.v, step, kind === 'memory' ? 'max' : 'mean').series;
}

function part(f: Forecast, from: number, to: number): Forecast {
  return { t: f.t.subarray(from, to), mean: f.mean.subarray(from, to), lower: f.lower.subarray(from, to), upper: f.upper.subarray(from, to), intervalWidth: f.intervalWidth };
}
