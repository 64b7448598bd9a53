/**
 * Prophet's design: scalings, potential changepoints, Fourier seasonal features, with Prophet 1.x (R 1.0) semantics.
 * Kept apart from the optimiser so both fit and predict build features identically.
 */
import type { ProphetOptions, SeasonalityArg } from './options';

const DAY_S = 86400;

export interface Scaling {
  /** max |y| ('absmax'), 1 when all values are 0. */
  readonly yScale: number;
  /** First history timestamp, Unix seconds. */
  readonly start: number;
  /** History span in seconds (t = (ts - start) / tScale lies in [0, 1]). */
  readonly tScale: number;
}

export interface Seasonality {
  readonly name: string;
  readonly periodDays: number;
  readonly fourierOrder: number;
  readonly priorScale: number;
}

export function makeScaling(ts: Float64Array, y: Float64Array): Scaling {
  let yScale = 0;
  for (let i = 0; i < y.length; i++) yScale = Math.max(yScale, Math.abs(y[i]));
  if (yScale === 0) yScale = 1;
  const start = ts[0];
  const tScale = ts[ts.length - 1] - start;
  return { yScale, start, tScale: tScale > 0 ? tScale : 1 };
}

export function scaleTime(ts: ArrayLike<number>, s: Scaling): Float64Array {
  const out = new Float64Array(ts.length);
  for (let i = 0; i < ts.length; i++) out[i] = (ts[i] - s.start) / s.tScale;
  return out;
}

/** Prophet's `set_auto_seasonalities`: which built-in seasonalities are on, and their orders. */
export function chooseSeasonalities(ts: Float64Array, o: ProphetOptions): Seasonality[] {
  const spanDays = (ts[ts.length - 1] - ts[0]) / DAY_S;
  let minDtDays = Infinity;
  for (let i = 1; i < ts.length; i++) {
    const d = (ts[i] - ts[i - 1]) / DAY_S;
    if (d > 0 && d < minDtDays) minDtDays = d;
  }
  const out: Seasonality[] = [];
  const add = (name: string, arg: SeasonalityArg, autoDisable: boolean, defaultOrder: number, periodDays: number): void => {
    const order = arg === 'auto' ? (autoDisable ? 0 : defaultOrder) : arg === true ? defaultOrder : arg === false ? 0 : arg;
    if (order > 0) out.push({ name, periodDays, fourierOrder: order, priorScale: o.seasonality_prior_scale });
  };
  // Same order as Prophet (yearly, weekly, daily) so beta lines up with Prophet's for term-by-term comparison.
  add('yearly', o.yearly_seasonality, spanDays < 730, 10, 365.25);
  add('weekly', o.weekly_seasonality, spanDays < 14 || minDtDays >= 7, 3, 7);
  add('daily', o.daily_seasonality, spanDays < 2 || minDtDays >= 1, 4, 1);
  return out;
}

/** Round half to even, as R's round() and numpy's round() do (matters for changepoint indexes). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Prophet's `set_changepoints`: n potential changepoints at history rows (quantiles of the rows, not uniform
 * in time) spread over the first `changepoint_range` of the rows. Returns scaled times, sorted; when there are
 * none, Prophet's single dummy changepoint at t = 0. `count` is the effective number (0 for the dummy).
 */
export function placeChangepoints(ts: Float64Array, o: ProphetOptions, s: Scaling): { tChange: Float64Array; unix: number[]; count: number } {
  let unix: number[];
  if (o.changepoints !== null) {
    unix = [...o.changepoints].sort((a, b) => a - b);
    if (unix.length && (unix[0] < ts[0] || unix[unix.length - 1] > ts[ts.length - 1])) {
      throw new RangeError('changepoints must fall within the history');
    }
  } else {
    const histSize = Math.floor(ts.length * o.changepoint_range);
    let n = o.n_changepoints;
    if (n + 1 > histSize) n = Math.max(0, histSize - 1);
    unix = [];
    // R: round(seq.int(1, hist.size, length.out = n + 1))[-1], 1-based row numbers.
    for (let j = 1; j <= n; j++) unix.push(ts[roundHalfEven(1 + (j * (histSize - 1)) / n) - 1]);
  }
  if (unix.length === 0) return { tChange: Float64Array.of(0), unix: [], count: 0 };
  return { tChange: scaleTime(unix, s), unix, count: unix.length };
}

/** Fourier features for every seasonality, columns sin(1), cos(1), sin(2)... per seasonality; t in days since epoch. */
export function seasonalFeatures(ts: ArrayLike<number>, seasonalities: readonly Seasonality[]): { X: Float64Array; cols: number } {
  const cols = seasonalities.reduce((a, s) => a + 2 * s.fourierOrder, 0);
  const X = new Float64Array(ts.length * cols);
  for (let i = 0; i < ts.length; i++) {
    const days = ts[i] / DAY_S;
    let c = i * cols;
    for (const s of seasonalities) {
      const base = (2 * Math.PI * days) / s.periodDays;
      // sin/cos of multiples by recurrence would drift; fourier orders are small, so call the functions directly.
      for (let k = 1; k <= s.fourierOrder; k++) {
        const x = k * base;
        X[c++] = Math.sin(x);
        X[c++] = Math.cos(x);
      }
    }
  }
  return { X, cols };
}
