/**
 * `lstm` and `fused` as entries of the forecaster registry (src/ml/forecast.ts).
 *
 * lstm:  trained once on the history minus a holdout (the last min(horizon, one day, 20%) points), scored on that holdout,
 *        then continues from the whole history with the same weights. Its run carries the holdout forecast and MAE.
 * fused: Prophet's and the LSTM's runs from the shared context, then `fuse` (weights, fallback, seasonal-baseline anchor,
 *        confidence), its 90% band calibrated by split conformal on the holdout residuals (calibrationWindows). Holdout scores, each next to the baseline's on the same window(s): the LSTM on the holdout it
 *        was trained without (the last day); Prophet, being cheap to refit, by rolling origin over up to HOLDOUT_DAYS
 *        consecutive holdouts ending at the forecast origin (one-day scores misjudge some series). A holdout shorter than
 *        the forecast's first day (a history under 5 days) has the blend only for the leads it reached, the baseline after.
 *        `--set fused.prophet_weight=…`, `fused.lstm_weight=…`, `fused.drop_ratio=…`, `fused.anchor_weight=…` (0 = no anchor).
 *        After a gap (onRegularGrid fills it with a straight line and marks it) every score, Prophet's holdout refits, the
 *        baseline, the level-shift check and the band's calibration windows read the observed points only: the line is no
 *        data (a filled stretch is NaN in `observedValues`, which each of them skips).
 */
import { clean, observedValues, onRegularGrid, type Series } from '../../core/series';
import type { Forecast } from '../forecast-types';
import type { ForecastModel, ModelRun, RunContext, ResolvedRequest } from '../forecast-model';
import { DEFAULT_FUSION, dataQuality, fuse, type ComponentResult, type FusedForecast, type FusionOptions } from '../fusion';
import { Prophet, parseOptionValues } from '../prophet';
import { DEFAULT_LSTM_OPTIONS, type LstmOptions } from './forecaster';
import { holdoutSplit, mae, runLstmWithHoldout, type Holdout } from './holdout-run';
import { lstmBackend } from './backend';
import { runSavedGlobalLstm } from './global';
import { atomLeads, calibrateBand, conformalOffsets, DEFAULT_BAND, localScales, seasonalLagGrowth, seriesAtoms, type BandCalibration, type CalibrationWindow } from '../band-calibration';
import { baselineFitted, baselineMedianAt, baselineShiftAt, levelOutside, chooseBaselineDays, describeBaseline, seasonalMedianForecast, shiftRunResiduals } from '../seasonal-baseline';
import type { LevelShift } from '../level-shift';
import { floored, historyFloor } from '../history-floor';

export { holdoutSplit, type Holdout } from './holdout-run';

export class LstmOptionError extends Error {
  constructor(message: string) { super(message); this.name = 'ForecastInputError'; }
}

const NUMERIC_LSTM_KEYS = ['steps', 'units1', 'units2', 'dense', 'dropout', 'chunk', 'epochs', 'patience', 'batchSize', 'learningRate', 'maxWindows', 'validationFraction', 'seed'] as const;

export function parseLstmOptions(raw: Readonly<Record<string, string>>): Partial<LstmOptions> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k.toLowerCase() === 'loss') {
      if (v !== 'mse' && v !== 'mae') throw new LstmOptionError(`lstm.loss must be "mse" or "mae", got "${v}"`);
      out.loss = v;
      continue;
    }
    const key = NUMERIC_LSTM_KEYS.find((n) => n.toLowerCase() === k.toLowerCase().replace(/_/g, ''));
    if (!key) throw new LstmOptionError(`unknown lstm option "${k}"; known: ${[...NUMERIC_LSTM_KEYS, 'loss'].join(', ')}`);
    const n = Number(v);
    const integer = !['dropout', 'learningRate', 'validationFraction'].includes(key);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)) || (key === 'dropout' && n >= 1)) {
      throw new LstmOptionError(`lstm.${k} must be a ${integer ? 'whole number' : 'number'} >= 0${key === 'dropout' ? ' and < 1' : ''}, got "${v}"`);
    }
    out[key] = n;
  }
  return out as Partial<LstmOptions>;
}

export const lstmModel: ForecastModel = {
  name: 'lstm',
  description: 'LSTM(64)→LSTM(32)→Dense(16)→Dense on 30-step windows (value, calendar, yesterday), MOrA kernels',
  async run(history: Series, request: ResolvedRequest): Promise<ModelRun> {
    // `lstm.global=<model.json>` (and `lstm.series=<id>`): a saved global model (./global.ts) instead of a per-series one.
    if (request.modelOptions.global !== undefined) return runSavedGlobalLstm(request.modelOptions.global, request.modelOptions.series, history, request);
    const options = { seed: request.seed ?? DEFAULT_LSTM_OPTIONS.seed, ...parseLstmOptions(request.modelOptions) };
    let run;
    try {
      run = runLstmWithHoldout(history, request.horizon, options);
    } catch (e) {
      // Too little history is the input's fault (exit 2 in the CLI), not a failure of the model.
      const msg = (e as Error).message;
      if (/need at least two samples/.test(msg)) {
        throw new LstmOptionError(`lstm: history too short (${clean(history).series.t.length} points) to train on (it holds out the last ones for scoring and needs hundreds of regular steps); --model prophet works from 2 points`);
      }
      if (/history too short|regular steps of history/.test(msg)) throw new LstmOptionError(msg);
      throw e;
    }
    return {
      model: 'lstm', forecast: run.forecast, fitted: { ...run.model.toJSON(), backend: lstmBackend(), holdout: run.holdout },
      timings: { fitMs: run.fitMs, predictMs: run.predictMs },
    };
  },
};

export function parseFusionOptions(raw: Readonly<Record<string, string>>): FusionOptions {
  const o: FusionOptions = { weights: { ...DEFAULT_FUSION.weights }, dropRatio: DEFAULT_FUSION.dropRatio, anchorWeight: DEFAULT_FUSION.anchorWeight };
  for (const [k, v] of Object.entries(raw)) {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new LstmOptionError(`fused.${k} must be a number >= 0, got "${v}"`);
    if (k === 'prophet_weight') o.weights.prophet = n;
    else if (k === 'lstm_weight') o.weights.lstm = n;
    else if (k === 'drop_ratio') o.dropRatio = n;
    else if (k === 'anchor_weight') o.anchorWeight = n;
    else throw new LstmOptionError(`unknown fused option "${k}"; known: prophet_weight, lstm_weight, drop_ratio, anchor_weight`);
  }
  if (o.weights.prophet + o.weights.lstm <= 0) throw new LstmOptionError('fused weights must not both be 0');
  return o;
}

export const fusedModel: ForecastModel = {
  name: 'fused',
  description: 'Prophet + LSTM (0.4/0.6) anchored on a seasonal baseline (median of the last 1/3/7 days, or of the same weekday over 1-3 weeks) by holdout error, past the leads the holdout reached the baseline plus the level the blend validated while the last observations support it (never below 0 for a non-negative series), with fallback, confidence and a 90% band calibrated on its own holdout residuals',
  async run(history: Series, request: ResolvedRequest, context: RunContext): Promise<ModelRun> {
    const fusion = parseFusionOptions(request.modelOptions);
    const t0 = performance.now();
    const grid = onRegularGrid(clean(history).series), full = grid.series;
    const { fitPart, points, step } = holdoutSplit(full, request.horizon);
    const actual = full.v.subarray(full.v.length - points);
    // The grid with its filled points as NaN: what the members are scored on and the baseline and band read.
    const obs: Series = { t: full.t, v: observedValues(full.v, grid.mask) };
    const actualObs = obs.v.subarray(obs.v.length - points);
    const components: ComponentResult[] = [];
    const holdoutMeans: Partial<Record<'prophet' | 'lstm', Float64Array>> = {};
    const P = Math.round(86400 / step), n = full.v.length;
    // A series that never went below 0 (usage, bytes, counts) cannot, nor far below the lowest value it had when it went
    // below 0 only as noise (history-floor.ts): Prophet's linear trend and Fourier terms can swing below it, so its member
    // of the blend is floored there (as the registry's `prophet` is).
    const at = historyFloor(obs.v);
    const floor = (a: Float64Array): Float64Array => floored(a, at);
    // The baseline's day count and Prophet's member (its holdout fits) do not depend on the LSTM: a caller that runs the
    // fusion twice on one history (the forecast view: without, then with the LSTM) keeps them in request.memo.
    const part = await memoized(request.memo, 'fused:prophet-part', () => prophetPart(obs, points, step, P, floor, request, context));
    const { choice, baselineDay1, prophetWindows } = part;
    const baselineAt = (start: number): Float64Array => baselineMedianAt(obs.v, start, points, P, choice.days);
    // A holdout shorter than the forecast validates only its own leads (fusion.ts, "Validated leads"): a history under 5
    // days (its holdout under a day), or a forecast of more than a day (the holdout is a day at most).
    const validatedLeads = holdoutValidatedLeads(points, request.horizon);
    components.push({ ...part.component, validatedLeads });
    if (part.holdoutMean) holdoutMeans.prophet = part.holdoutMean;
    try {
      const lstm = await context.get('lstm');
      const h = (lstm.fitted as { holdout: Holdout }).holdout;
      holdoutMeans.lstm = Float64Array.from(h.mean);
      // A member scored on several consecutive windows (the global LSTM's holdoutWindows) is compared with the baseline on the same ones.
      const W = h.windowMaes?.length ?? 1;
      let eb = mae(baselineDay1, actualObs);
      for (let d = 2; d <= W; d++) eb += mae(baselineAt(n - d * points), obs.v.subarray(n - d * points, n - (d - 1) * points));
      components.push({ name: 'lstm', forecast: lstm.forecast, validationMae: h.mae, baselineValidationMae: eb / W, validatedLeads });
    } catch (e) {
      components.push({ name: 'lstm', error: (e as Error).message });
    }
    let fused: FusedForecast & { holdoutMean?: Float64Array; band?: BandCalibration };
    try {
      fused = fuseWithHoldout(components, holdoutMeans, actual, full, fitPart, step, fusion, choice.days, prophetWindows, grid.mask);
    } catch (e) {
      // Every member failed on this history (too short, degenerate): the input's fault, said as one line.
      const msg = (e as Error).message;
      if (/^no model produced a usable forecast/.test(msg)) throw new LstmOptionError(`fused: no member could forecast this ${n}-point history ${msg.replace(/^no model produced a usable forecast /, '')}`);
      throw e;
    }
    const t1 = performance.now();
    const { contributions, holdoutMean, band, ...rest } = fused;
    return {
      model: 'fused', forecast: { ...rest, contributions } as FusedForecast,
      fitted: { weights: fused.weights, used: fused.used, dropped: fused.dropped, anchor: fused.anchor, ...(fused.baselineFrom !== undefined ? { baselineFrom: fused.baselineFrom } : {}), ...baselineFitted(choice), confidence: fused.confidence, confidenceParts: fused.confidenceParts,
        contributions, intervalWidth: rest.intervalWidth, band,
        holdout: { actual: Array.from(actual), fused: holdoutMean ? Array.from(holdoutMean) : undefined } },
      timings: { fitMs: t1 - t0, predictMs: 0 },
    };
  },
};

/**
 * The leads a `points`-long holdout validated of a `horizon`-step forecast (fusion.ts, "Validated leads"), when fewer
 * than all: the holdout's own length. Before, only a holdout shorter than the first day counted, and a multi-day
 * forecast kept its day-long holdout's weights at every lead.
 */
export function holdoutValidatedLeads(points: number, horizon: number): number | undefined {
  return points < horizon ? points : undefined;
}

/** A memo's promise for `key`, computed once; a failure is not kept (the next caller computes again). */
function memoized<T>(memo: Map<string, Promise<unknown>> | undefined, key: string, compute: () => Promise<T>): Promise<T> {
  if (!memo) return compute();
  let p = memo.get(key) as Promise<T> | undefined;
  if (!p) {
    p = compute();
    memo.set(key, p);
    p.catch(() => { if (memo.get(key) === p) memo.delete(key); });
  }
  return p;
}

interface ProphetPart {
  choice: ReturnType<typeof chooseBaselineDays>;
  baselineDay1: Float64Array;
  component: ComponentResult;
  /** Prophet's forecast of the last holdout window (the one the LSTM is scored on). */
  holdoutMean?: Float64Array;
  /** Prophet's forecast of each rolling holdout window, index d-1 = the window ending d-1 windows before the origin. */
  prophetWindows: Float64Array[];
}

/**
 * The fusion's seasonal-baseline choice and Prophet member: Prophet's run and its rolling-origin holdout scores. `full`
 * is the grid with filled points as NaN: each refit is fit on the observed points before its window (as the registry's
 * Prophet is fit on the samples), and scored, like the baseline, on the window's observed points; a window with none is
 * not scored.
 */
async function prophetPart(full: Series, points: number, step: number, P: number, floor: (a: Float64Array) => Float64Array, request: ResolvedRequest, context: RunContext): Promise<ProphetPart> {
  const n = full.v.length;
  // The anchor: the seasonal median over the day count that forecast the last HOLDOUT_DAYS windows best.
  const choice = chooseBaselineDays(full.v, P, points, HOLDOUT_DAYS);
  const baselineAt = (start: number): Float64Array => baselineMedianAt(full.v, start, points, P, choice.days);
  const baselineDay1 = baselineAt(n - points);
  const prophetWindows: Float64Array[] = [];
  let holdoutMean: Float64Array | undefined;
  try {
    const prophet = await context.get('prophet');
    const popts = parseOptionValues(request.options?.prophet ?? {});
    let e = 0, eb = 0, days = 0;
    for (let d = 1; d <= HOLDOUT_DAYS; d++) {
      const start = n - d * points;
      if (d > 1 && (P < 2 || start < 2 * P)) break;
      // A turn for the event loop between fits: the forecast view runs this on the extension host.
      if (d > 1) await new Promise((resolve) => setImmediate(resolve));
      // Only the mean is scored: no simulated band (its sampling was most of a fit's cost, bench:fleet --recommend).
      const hv = floor(new Prophet(popts).fit(observedBefore(full, start))
        .predictAt(Float64Array.from({ length: points }, (_, i) => full.t[start - 1] + (i + 1) * step), { uncertainty: false }).mean);
      const act = full.v.subarray(start, start + points);
      if (d === 1) holdoutMean = hv;
      prophetWindows.push(hv);
      const ep = mae(hv, act);
      if (Number.isNaN(ep) && !act.some((x) => Number.isFinite(x))) continue;
      e += ep;
      eb += mae(d === 1 ? baselineDay1 : baselineAt(start), act);
      days++;
    }
    const pf = prophet.forecast;
    const forecast = { ...pf, mean: floor(pf.mean), lower: floor(pf.lower), upper: floor(pf.upper) };
    return { choice, baselineDay1, prophetWindows, holdoutMean, component: { name: 'prophet', forecast, validationMae: e / days, baselineValidationMae: eb / days } };
  } catch (e) {
    return { choice, baselineDay1, prophetWindows, holdoutMean, component: { name: 'prophet', error: (e as Error).message } };
  }
}

/** The points of s[0..start) whose value is a number (the observed ones of a grid read through observedValues). */
function observedBefore(s: Series, start: number): Series {
  let all = true;
  for (let i = 0; i < start && all; i++) all = Number.isFinite(s.v[i]);
  if (all) return { t: s.t.subarray(0, start), v: s.v.subarray(0, start) };
  const t: number[] = [], v: number[] = [];
  for (let i = 0; i < start; i++) if (Number.isFinite(s.v[i])) { t.push(s.t[i]); v.push(s.v[i]); }
  return { t: Float64Array.from(t), v: Float64Array.from(v) };
}

/** Consecutive one-day holdouts Prophet is scored on (rolling origin); the LSTM is scored on the first only. */
export const HOLDOUT_DAYS = 3;

/**
 * Fuses the holdout forecasts (last day) with the same weights, fallback and anchor to score the blend for the confidence,
 * then the real forecasts, anchored on the seasonal baseline (median of `baselineDays` days) of the whole history.
 * `filled` (onRegularGrid's mask) marks the grid points that were interpolated: the scores, the baseline, the
 * level-shift check and the band read the observed points only.
 */
export function fuseWithHoldout(
  components: ComponentResult[], holdoutMeans: Partial<Record<'prophet' | 'lstm', Float64Array>>, gridActual: ArrayLike<number>,
  grid: Series, fitPart: Series, step: number, fusion: FusionOptions, baselineDays = 1, prophetWindows: readonly ArrayLike<number>[] = [],
  filled?: Uint8Array,
): FusedForecast & { holdoutMean?: Float64Array; band?: BandCalibration } {
  const P = Math.round(86400 / step), n = grid.v.length, h = gridActual.length;
  const full: Series = { t: grid.t, v: observedValues(grid.v, filled) };
  const actual = filled ? full.v.subarray(n - h) : gridActual;
  const base = baselineMedianAt(full.v, n - h, h, P, baselineDays);
  const usable = components.filter((c) => c.forecast && holdoutMeans[c.name]);
  let fusedMae: number | undefined;
  let holdoutMean: Float64Array | undefined;
  if (usable.length) {
    try {
      const hf = fuse(components.map((c) => ({ ...c, forecast: holdoutMeans[c.name] ? point(holdoutMeans[c.name]!) : undefined, error: c.error ?? 'no holdout forecast',
        levelOutside: holdoutMeans[c.name] ? levelOutside(full.v, n - h, P, baselineDays, holdoutMeans[c.name]!) : undefined })),
        dataQuality(fitPart.t, full.v.subarray(0, fitPart.t.length), step), {}, fusion, point(base));
      fusedMae = mae(hf.mean, actual);
      holdoutMean = hf.mean;
    } catch {
      // No member's holdout forecast was usable (non-finite): no validation score and no calibration window.
    }
  }
  const ref = components.find((c) => c.forecast)?.forecast;
  const baseline = ref ? seasonalMedianForecast(full.v, ref.mean.length, P, baselineDays, ref.t) : undefined;
  const checked = components.map((c) => (c.forecast ? { ...c, levelOutside: levelOutside(full.v, n, P, baselineDays, c.forecast.mean) } : c));
  // The data's quality from its observed points (full.v: filled points NaN): a filled gap is missing data, not complete.
  const fused = fuse(checked, dataQuality(grid.t, full.v, step), { fusedMae, baselineMae: mae(base, actual) }, fusion, baseline, describeBaseline(baselineDays));
  if (!holdoutMean) return fused;
  // The band: split conformal on this series' own holdout residuals (src/ml/band-calibration.ts). Without a holdout
  // forecast of the blend, fuse's band stays.
  const band = fusedBand(fused.mean, full.v, holdoutMean, actual, P, baselineDays, fused.weights, prophetWindows);
  if (band && fused.baselineFrom !== undefined) {
    // Past the leads the holdouts reached, the blend's band has no residuals of its own (its windows are that long): the
    // band there is the baseline's own, whose error the forecast takes on as the models fade out (fusion.ts,
    // baselineFadeLeads). To avoid a step it crossfades in over the leads just before, complete at the last validated
    // lead so that no lead-to-lead step holds both this fade and the mean's (fading it in after baselineFrom instead lost
    // coverage on the short held-out histories: BENCHMARKS.md § Crossfade at baselineFrom). As long as the mean's fade,
    // or longer when the two bands differ by more: no lead moves an edge by more than the series' typical step.
    const own = fusedBand(fused.mean, full.v, base, actual, P, baselineDays, { baseline: 1 });
    const from = fused.baselineFrom;
    if (own && from < fused.mean.length) {
      let typical = 0;
      for (let i = 1; i < n; i++) typical += Math.abs(grid.v[i] - grid.v[i - 1]);
      typical /= Math.max(1, n - 1);
      const gap = Math.max(Math.abs(band.upper[from] - own.upper[from]), Math.abs(band.lower[from] - own.lower[from]));
      const len = Math.max(1, Math.min(Math.floor(from / 2), Math.max((fused.baselineFade ?? 0) + 1, typical > 0 ? Math.ceil(gap / typical) : 1)));
      for (let i = Math.max(0, from - 1 - len); i < fused.mean.length; i++) {
        const g = Math.min(1, (i - (from - 1 - len)) / len);
        band.lower[i] = (1 - g) * band.lower[i] + g * own.lower[i];
        band.upper[i] = (1 - g) * band.upper[i] + g * own.upper[i];
      }
    }
  }
  return { ...fused, ...(band ? { lower: band.lower, upper: band.upper, intervalWidth: band.calibration.level, band: band.calibration } : {}), holdoutMean };
}

/** Days of history before the origin whose holdout windows calibrate the fused band. */
export const CALIBRATION_DAYS = 14;

/**
 * Hours of calibration windows just before an origin whose mean |residual| is the error level the short-lead buckets
 * (leads up to DEFAULT_BAND.localLeads) are normalised by (band-calibration.ts, localScales). Only for windows of at
 * most this length: a day-long window says nothing about the hour before its origin.
 */
export const LOCAL_ERROR_HOURS = 12;

/**
 * Effectively independent samples per calibration window for the band's few-windows correction (band-calibration.ts,
 * windowBlocks): the quantiles × t_ν / z, ν = this × windows — ×1.11 with the 3 windows of a 4-day history, ×1.02
 * with the 14 of a 15-day one. Chosen at earlier origins of the held-out traces (bench:forecast --shift; BENCHMARKS.md
 * § Fused band: few calibration windows), not on their test days.
 */
export const FUSED_WINDOW_BLOCKS = 3;

/**
 * FUSED_WINDOW_BLOCKS for a history under 5 days, whose calibration windows (its holdout, 20% of it) are shorter than
 * the forecast's first day: one effective sample per window (×1.43 with the 3 windows of a 4-day history, against ×1.11
 * at 3). Such a history's 2–3 windows almost never hold a day at another level, a burst or a trend turning, which its
 * next day then may be: on 144 four-day cuts of the tuning series (ending 2, 3, 5 and 7 days before their end, so no
 * held-out test day; bench:forecast's protocol) the band covered 0.868 at 3, 0.878 at 2, 0.902 at 1, 0.924 at 0.6 — the
 * misses sitting in a few such days (5 series-days under 0.5 held a fifth of them; the median day covered 0.92). The
 * price is width where no such day comes (mean width 3.91 → 4.90 MASE units there; a stationary generated series
 * covers 0.98 instead of 0.93). BENCHMARKS.md § Fused band on short histories: one effective sample per window.
 */
export const SHORT_WINDOW_BLOCKS = 1;

/**
 * The fused band around `mean`: |residual| per lead bucket over the windows of calibrationWindows, its short-lead
 * buckets normalised by the error level of the LOCAL_ERROR_HOURS of windows before each origin when the windows are
 * that short (band-calibration.ts), each bucket's quantile × t_ν / z for few windows (FUSED_WINDOW_BLOCKS, or
 * SHORT_WINDOW_BLOCKS when the windows are shorter than the forecast's first day). Where the last CALIBRATION_DAYS days
 * of the series (the span the windows cover) sit exactly at their minimum on at least the band's lower tail,
 * (1 − level) / 2 = 5%, of their samples, the lower bound reaches that minimum at the leads where it is that likely given
 * the last value (and a maximum held as often, the upper bound: band-calibration.ts § Mass at the floor). Undefined
 * without a finite residual.
 */
export function fusedBand(
  mean: ArrayLike<number>, v: ArrayLike<number>, holdoutMean: ArrayLike<number>, actual: ArrayLike<number>, P: number, baselineDays: number,
  weights: Partial<Record<'prophet' | 'lstm' | 'baseline', number>>, prophetWindows: readonly ArrayLike<number>[] = [],
): ReturnType<typeof calibrateBand> {
  const windows = calibrationWindows(v, holdoutMean, actual, P, baselineDays, weights, prophetWindows);
  const span = (LOCAL_ERROR_HOURS * Math.max(P, 1)) / 24 / Math.max(actual.length, 1);
  const local = span >= 1 ? localScales(windows, span) : undefined;
  // Atoms of the recent history and the leads at which the band's tail reaches them (band-calibration.ts header).
  const recent = Array.prototype.slice.call(v, Math.max(0, v.length - CALIBRATION_DAYS * Math.max(P, 1))) as number[];
  const tail = (1 - DEFAULT_BAND.level) / 2, found = seriesAtoms(recent, tail);
  const atoms = {
    ...(found.floor ? { floor: { ...found.floor, leads: atomLeads(recent, found.floor.value, tail, mean.length) } } : {}),
    ...(found.ceiling ? { ceiling: { ...found.ceiling, leads: atomLeads(recent, found.ceiling.value, tail, mean.length) } } : {}),
  };
  // After a level shift from a still level, the new level's spread: where the windows' errors (all from before the
  // shift) are under STILL_SHARE of the baseline's errors on the run at the new level, the band at least as wide as the
  // conformal quantile of the latter (band-calibration.ts § The new level's spread).
  const minHalfWidth = newLevelSpread(windows, v, P, baselineDays);
  return calibrateBand(mean, local ? windows.map((w, i) => ({ ...w, scale: local.scales[i] })) : windows, {
    ...DEFAULT_BAND, symmetric: true, floor: historyFloor(v), scale: local?.now, windowBlocks: actual.length < Math.min(P, mean.length) ? SHORT_WINDOW_BLOCKS : FUSED_WINDOW_BLOCKS,
    // Leads past the windows (the second day on): the widest validated bucket, grown as the series' seasonal lags grow
    // (band-calibration.ts § Past the windows' reach).
    atoms, ...(minHalfWidth !== undefined ? { minHalfWidth } : {}),
    farFrom: Math.max(actual.length, P) + 1, ...(mean.length > Math.max(actual.length, P) ? { farGrowth: seasonalLagGrowth(v, P, DEFAULT_BAND.level) } : {}),
  });
}

/**
 * The old level's errors as a share of the new level's below which the fused band takes the new level's spread as its
 * least half-width (band-calibration.ts § The new level's spread): a level the windows forecast (nearly) exactly, an
 * idle series before it started a daily pattern. nab_rds_cpu_utilization_cc0c53 (×2.4, its noise grew with it) is at
 * 0.6 and stays as it was (widened it covered 209 of its next 288 points, not 137, and nab's group 0.933, outside
 * 0.88–0.92: BENCHMARKS.md § The band after a shift from a still level).
 */
export const STILL_SHARE = 0.25;

/**
 * The least half-width of the fused band after a level shift from a still level, or undefined: the conformal quantile
 * (at the band's level) of the baseline's errors on the run at the new level (seasonal-baseline.ts shiftRunResiduals),
 * when the windows' pooled quantile of |r| is under STILL_SHARE of it.
 */
export function newLevelSpread(windows: readonly CalibrationWindow[], v: ArrayLike<number>, P: number, baselineDays: number): number | undefined {
  const run = shiftRunResiduals(v, v.length, P, baselineDays);
  const errors = run ? Array.from(run).filter((x) => Number.isFinite(x)) : [];
  if (!errors.length) return undefined;
  const spread = conformalOffsets(errors, DEFAULT_BAND.level, true).upper;
  const old: number[] = [];
  for (const w of windows) for (let i = 0; i < Math.min(w.forecast.length, w.actual.length); i++) { const r = w.actual[i] - w.forecast[i]; if (Number.isFinite(r)) old.push(r); }
  return spread > 0 && conformalOffsets(old, DEFAULT_BAND.level, true).upper < STILL_SHARE * spread ? spread : undefined;
}

/**
 * The windows the fused band is calibrated on, each a forecast made before the window it forecasts (no new fits):
 *  - the last `h` points: the blend's own holdout forecast (the only window the LSTM was held out of);
 *  - each `h`-point window before it, back to CALIBRATION_DAYS days: the blend's weights applied to stand-ins that cost
 *    nothing at an earlier origin — the seasonal baseline for itself, Prophet's rolling holdout forecast where one was
 *    made (the HOLDOUT_DAYS windows it is scored on) else the baseline, and for the LSTM the last value before the window
 *    held (at short leads the MAE-trained LSTM mostly holds the last value).
 * A stand-in blend errs more or less than the blend itself; on the last window both exist, so each kind of stand-in
 * (with or without Prophet's forecast) has its residuals scaled by the blend's MAE / the stand-in's there, within
 * [1/2, 2] (one window is a noisy yardstick). Refitting Prophet and retraining the LSTM per window would multiply the
 * forecast's cost; these windows show how the series' errors vary from day to day and hour to hour, which one cannot.
 * A filled point of `v` or `actual` (NaN: a gap's straight line, onRegularGrid) gives no residual (calibrateBand skips
 * it), so a window whose stretch is filled calibrates nothing.
 *
 * After a level shift the forecast's baseline re-levels for at the origin (baselineShiftAt, the shift baselineMedianAt
 * reads the forecast's history with; band-calibration.ts § After a level shift): a window that reaches past the
 * shift and whose forecast was made with no shift at its origin carries the shift itself and is left out; the yardstick
 * is taken on the last window with the shift moved back out of it when its forecasts predate the shift. With no window
 * left, all are kept.
 * Without a shift, this changes nothing.
 */
export function calibrationWindows(
  v: ArrayLike<number>, holdoutMean: ArrayLike<number>, actual: ArrayLike<number>, P: number, baselineDays: number,
  weights: Partial<Record<'prophet' | 'lstm' | 'baseline', number>>, prophetWindows: readonly ArrayLike<number>[] = [],
): CalibrationWindow[] {
  const n = v.length, h = actual.length;
  const windows: CalibrationWindow[] = [{ forecast: holdoutMean, actual }];
  const wp = weights.prophet ?? 0, wl = weights.lstm ?? 0, wb = weights.baseline ?? 0;
  const total = wp + wl + wb;
  const prophetAt = (k: number): ArrayLike<number> | undefined => (prophetWindows[k - 1]?.length === h ? prophetWindows[k - 1] : undefined);
  const standIn = (k: number, withProphet: boolean): Float64Array => {
    const start = n - k * h;
    const base = baselineMedianAt(v, start, h, P, baselineDays);
    const prophet = (withProphet && prophetAt(k)) || base;
    let last = v[start - 1];
    for (let k = start - 2; !Number.isFinite(last) && k >= 0; k--) last = v[k];
    return total > 0 ? base.map((b, i) => (wb * b + wp * prophet[i] + wl * last) / total) : base;
  };
  // A level shift the baseline re-levels for at the origin (doc above). Window k (n − k·h … n − (k − 1)·h) is stale
  // when it reaches past the shift's first point and its forecast was made with no shift at its origin (not yet one, or
  // not at all): it forecast the old level. The last window's forecasts, if so, are compared on the window as it would
  // have gone without the shift (its points from the shift on moved back by its offset or ratio).
  const shift = baselineShiftAt(v, n, P, baselineDays);
  const stale = (k: number): boolean => shift !== undefined && n - (k - 1) * h > shift.at && !baselineShiftAt(v, n - k * h, P, baselineDays);
  const yardstick = stale(1) ? unshifted(actual, n - h, shift!) : actual;
  // The blend's MAE over a stand-in's on the last window, per kind of stand-in.
  const blendMae = mae(holdoutMean, yardstick);
  const ratio = (withProphet: boolean): number => {
    if (n - h < Math.max(P, 1)) return 1;
    const e = mae(standIn(1, withProphet), yardstick);
    return Number.isFinite(blendMae) && e > 0 ? Math.min(2, Math.max(0.5, blendMae / e)) : 1;
  };
  const scale = { true: ratio(true), false: ratio(false) };
  const count = Math.floor((CALIBRATION_DAYS * Math.max(P, 1)) / h);
  for (let k = 2; k <= count; k++) {
    const start = n - k * h;
    if (start < Math.max(P, 1)) break;
    const withProphet = prophetAt(k) !== undefined;
    const forecast = standIn(k, withProphet), r = scale[`${withProphet}`];
    windows.push({ forecast, actual: forecast.map((f, i) => f + r * (v[start + i] - f)) });
  }
  if (!shift) return windows;
  const kept = windows.filter((_, i) => !stale(i + 1));
  return kept.length ? kept : windows;
}

/** `a` (from index `from` of the history) with its points from `shift.at` on at the level before the shift. */
function unshifted(a: ArrayLike<number>, from: number, shift: LevelShift): Float64Array {
  return Float64Array.from(a, (x, i) => (from + i < shift.at ? x : shift.ratio !== undefined ? x / shift.ratio : x - shift.offset));
}

function point(mean: Float64Array): Forecast {
  return { t: new Float64Array(mean.length), mean, lower: mean, upper: mean, intervalWidth: 0 };
}
