/**
 * Prophet's additive model as a MOrA `Forecaster`: fit = exact MAP of Prophet's Stan objective (see map-fit.ts),
 * predict = yhat with trend and seasonal components plus Prophet's simulated band (see uncertainty.ts).
 */
import { clean, medianStep, type Series } from '../../core/series';
import type { FittedModel, Forecast, ForecastOptions, Forecaster } from '../forecast-types';
import { chooseSeasonalities, makeScaling, placeChangepoints, scaleTime, seasonalFeatures, type Scaling, type Seasonality } from './design';
import { fitMap, hingeGram, type MapResult } from './map-fit';
import { ProphetInputError, resolveOptions, seasonalitiesForSpan, type ProphetOptions } from './options';
import { simulateBand } from './uncertainty';

/** Prophet refuses fewer than 2 non-missing rows ("Dataframe has less than 2 non-NaN rows"). */
export const PROPHET_MIN_POINTS = 2;

export interface ProphetParams {
  /** Base growth rate, offset, rate changes, seasonal coefficients and noise, in Prophet's scaled space. */
  readonly k: number;
  readonly m: number;
  readonly delta: Float64Array;
  readonly beta: Float64Array;
  readonly sigma_obs: number;
}

export interface ProphetFitInfo {
  readonly points: number;
  /** Samples dropped as NaN/±Infinity (or duplicate timestamps) before fitting. */
  readonly dropped: number;
  readonly step: number;
  readonly lastTimestamp: number;
  /** −(Stan's log density) at the optimum; lower is better. */
  readonly objective: number;
  readonly rounds: number;
  /** Largest optimality-condition violation of the last θ step, relative to the L1 weight (≈ 0: exact). */
  readonly kkt: number;
}

export interface ProphetPredictOptions {
  seed?: number;
  /** Skip the band (yhat and components only). */
  uncertainty?: boolean;
}

export class ProphetModel implements FittedModel {
  constructor(
    readonly options: ProphetOptions,
    readonly scaling: Scaling,
    readonly seasonalities: readonly Seasonality[],
    /** Scaled changepoint times (Prophet's changepoints_t; [0] when there are none). */
    readonly changepointsT: Float64Array,
    readonly changepointsUnix: readonly number[],
    readonly params: ProphetParams,
    readonly info: ProphetFitInfo,
  ) {}

  /** `horizon` future steps after the last history timestamp, at `step` (default: the history's median step). */
  predict(options: ForecastOptions): Forecast {
    if (!(Number.isInteger(options.horizon) && options.horizon >= 0)) throw new ProphetInputError(`horizon must be a whole number of steps >= 0, got ${options.horizon}`);
    const step = options.step ?? this.info.step;
    if (!(step > 0)) throw new ProphetInputError(`step must be positive seconds, got ${step}`);
    const ts = new Float64Array(options.horizon);
    for (let i = 0; i < ts.length; i++) ts[i] = this.info.lastTimestamp + (i + 1) * step;
    return this.predictAt(ts, { seed: options.seed });
  }

  /** Predicts at arbitrary timestamps (Unix seconds, ascending), in-sample or future. */
  predictAt(ts: Float64Array, opts: ProphetPredictOptions = {}): Forecast {
    const { yScale } = this.scaling;
    const t = scaleTime(ts, this.scaling);
    const { k, m, delta, beta, sigma_obs } = this.params;
    const h = ts.length;
    const trend = new Float64Array(h);
    for (let i = 0; i < h; i++) {
      let v = k * t[i] + m;
      for (let j = 0; j < delta.length; j++) if (t[i] >= this.changepointsT[j]) v += delta[j] * (t[i] - this.changepointsT[j]);
      trend[i] = v;
    }
    const { X, cols } = seasonalFeatures(ts, this.seasonalities);
    const yhat = Float64Array.from(trend);
    const components: Record<string, Float64Array> = { trend: scaled(trend, yScale) };
    let c0 = 0;
    for (const s of this.seasonalities) {
      const comp = new Float64Array(h);
      for (let i = 0; i < h; i++) {
        let v = 0;
        for (let c = c0; c < c0 + 2 * s.fourierOrder; c++) v += X[i * cols + c] * beta[c];
        comp[i] = v;
        yhat[i] += v;
      }
      components[s.name] = scaled(comp, yScale);
      c0 += 2 * s.fourierOrder;
    }
    let lower: Float64Array = yhat, upper: Float64Array = yhat;
    if (opts.uncertainty !== false) {
      ({ lower, upper } = simulateBand({
        t, yhat, changepointCount: this.changepointsT.length, delta, sigma: sigma_obs,
        samples: this.options.uncertainty_samples, intervalWidth: this.options.interval_width, seed: opts.seed ?? this.options.seed,
      }));
    }
    return {
      t: Float64Array.from(ts), mean: scaled(yhat, yScale), lower: scaled(lower, yScale), upper: scaled(upper, yScale),
      intervalWidth: this.options.interval_width, components,
    };
  }

  toJSON(): unknown {
    const { k, m, delta, beta, sigma_obs } = this.params;
    return {
      model: 'prophet',
      options: this.options,
      params: { k, m, delta: [...delta], beta: [...beta], sigma_obs },
      scaling: { y_scale: this.scaling.yScale, start_unix: this.scaling.start, t_scale_s: this.scaling.tScale },
      seasonalities: this.seasonalities.map((s) => ({ name: s.name, period_days: s.periodDays, fourier_order: s.fourierOrder, prior_scale: s.priorScale })),
      changepoints_unix: this.changepointsUnix,
      fit: this.info,
    };
  }
}

function scaled(a: Float64Array, f: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * f;
  return out;
}

export function fitProphet(history: Series, partial: Partial<ProphetOptions> = {}): ProphetModel {
  resolveOptions(partial); // bad options are reported before the data
  const { series: s, dropped } = clean(history);
  const n = s.t.length;
  // Default seasonalities the history is too short for are off (and reported so in the fitted options).
  const options = resolveOptions({ ...partial, ...seasonalitiesForSpan(partial, n > 1 ? (s.t[n - 1] - s.t[0]) / 86400 : 0) });
  if (n < PROPHET_MIN_POINTS) {
    throw new ProphetInputError(`Prophet needs at least ${PROPHET_MIN_POINTS} non-missing points with distinct timestamps, got ${n}${dropped ? ` (${dropped} missing dropped)` : ''}`);
  }
  const scaling = makeScaling(s.t, s.v);
  const t = scaleTime(s.t, scaling);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = s.v[i] / scaling.yScale;
  const seasonalities = chooseSeasonalities(s.t, options);
  let cps: ReturnType<typeof placeChangepoints>;
  try {
    cps = placeChangepoints(s.t, options, scaling);
  } catch (e) {
    throw new ProphetInputError((e as Error).message);
  }
  const S = cps.tChange.length;
  const { X: F, cols: K } = seasonalFeatures(s.t, seasonalities);
  const p = 2 + S + K;
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const o = i * p;
    X[o] = t[i];
    X[o + 1] = 1;
    for (let j = 0; j < S; j++) X[o + 2 + j] = t[i] >= cps.tChange[j] ? t[i] - cps.tChange[j] : 0;
    for (let c = 0; c < K; c++) X[o + 2 + S + c] = F[i * K + c];
  }
  const ridge = new Float64Array(p);
  ridge[0] = ridge[1] = 1 / 25; // k, m ~ N(0, 5)
  let c0 = 2 + S;
  for (const ss of seasonalities) for (let c = 0; c < 2 * ss.fourierOrder; c++) ridge[c0++] = 1 / (ss.priorScale * ss.priorScale);
  // Prophet's initial point: the line through the first and last observations.
  const k0 = (y[n - 1] - y[0]) / (t[n - 1] - t[0] || 1);
  const m0 = y[0] - k0 * t[0];
  let fit: MapResult;
  let yMin = Infinity, yMax = -Infinity;
  for (let i = 0; i < n; i++) { yMin = Math.min(yMin, s.v[i]); yMax = Math.max(yMax, s.v[i]); }
  if (yMin === yMax) {
    // Nothing to fit (Prophet does the same): the initial line, no noise.
    const theta = new Float64Array(p);
    theta[0] = k0; theta[1] = m0;
    fit = { theta, sigma: 0, objective: NaN, rounds: 0, kkt: 0 };
  } else {
    const init = new Float64Array(p);
    init[0] = k0; init[1] = m0;
    fit = fitMap({ X, y, n, p, s: S, ridge, tau: options.changepoint_prior_scale }, { theta: init, gram: hingeGram(t, cps.tChange, F, K, y) });
  }
  let k = fit.theta[0];
  let delta = fit.theta.slice(2, 2 + S);
  if (cps.count === 0) {
    // Prophet folds the dummy changepoint's rate change into k.
    k += delta[0];
    delta = new Float64Array(S);
  }
  const params: ProphetParams = { k, m: fit.theta[1], delta, beta: fit.theta.slice(2 + S), sigma_obs: fit.sigma };
  const step = n >= 2 ? medianStep(s) : NaN;
  return new ProphetModel(options, scaling, seasonalities, cps.tChange, cps.unix, params, {
    points: n, dropped, step, lastTimestamp: s.t[n - 1], objective: fit.objective, rounds: fit.rounds, kkt: fit.kkt,
  });
}

/** The `Forecaster` face of Prophet for the model registry. */
export class Prophet implements Forecaster {
  readonly name = 'prophet';
  readonly options: Partial<ProphetOptions>;
  constructor(options: Partial<ProphetOptions> = {}) {
    resolveOptions(options); // fail at construction on bad options
    this.options = options;
  }
  fit(history: Series): ProphetModel {
    return fitProphet(history, this.options);
  }
}
