/**
 * `mora forecast --step`: one grid for every model.
 *
 * Prophet predicts at any step it is given, but the LSTM (and so the fusion) steps forward at its training data's own
 * step: with 5-minute data and `--step 3600` its rows were 5-minute-ahead forecasts printed against Prophet's hourly
 * timestamps. So the CLI puts the history on the requested grid before any model sees it: a coarser --step averages
 * the history into one mean per step (buckets aligned to multiples of the step from the Unix epoch, so hours start on
 * the hour), and every model then forecasts those means at that step. A finer --step cannot be reached by averaging:
 * refused for the LSTM and the fusion, kept for Prophet alone (which interpolates its trend and seasonality as before).
 */
import { bucketed, clean, medianStep, type Series } from '../../core/series';
import { UserError } from '../errors';

/** Models that can only forecast at the step of the history they were given. */
const DATA_STEP_MODELS = new Set(['lstm', 'fused']);

/** A --step within this share of the data's median step is the data's step (timestamps jitter by a second or so). */
const SAME_STEP = 0.01;

export interface GridHistory {
  /** What the models see: the history itself, or its means per --step. */
  history: Series;
  /** Set when the history was averaged to --step. */
  aggregated?: { fromStep: number; step: number; points: number; droppedEdges: number };
}

/** The history on the forecast grid of `step` (undefined: the data's own step) for `models`; throws UserError when it cannot be. */
export function historyOnGrid(series: Series, step: number | undefined, models: readonly string[]): GridHistory {
  if (step === undefined) return { history: series };
  const s = clean(series).series;
  const dataStep = medianStep(s);
  if (!(dataStep > 0) || Math.abs(step - dataStep) <= SAME_STEP * dataStep) return { history: series };
  if (step < dataStep) {
    const stuck = models.filter((m) => DATA_STEP_MODELS.has(m));
    if (stuck.length === 0) return { history: series };
    throw new UserError(`--step ${step} is finer than the data's own ${dataStep} s step: ${stuck.join(' and ')} can only forecast at the step of `
      + `its history; give --step ${dataStep} or coarser (the history is then averaged to it), or --model prophet`);
  }
  const { history, droppedEdges } = bucketMeans(s, step, dataStep);
  if (history.t.length < 2) {
    throw new UserError(`--step ${step}: the history averaged to ${step} s steps is ${history.t.length} point${history.t.length === 1 ? '' : 's'}; `
      + `a forecast needs at least 2: give a finer --step (the data's own step is ${dataStep} s)`);
  }
  return { history, aggregated: { fromStep: dataStep, step, points: history.t.length, droppedEdges } };
}

/**
 * The mean of each `step`-long bucket (t = its start, a multiple of `step`); empty buckets stay gaps. A first or last
 * bucket the history covers less than half of (the data starts or ends mid-hour) is dropped while two buckets remain:
 * the mean of its few points is not the whole step's mean the models take it for.
 */
function bucketMeans(s: Series, step: number, dataStep: number): { history: Series; droppedEdges: number } {
  const { series, counts } = bucketed(s.t, s.v, step, 'mean');
  const full = step / dataStep;
  let from = 0, to = counts.length;
  if (to - from > 2 && counts[0] < full / 2) from++;
  if (to - from > 2 && counts[to - 1] < full / 2) to--;
  return { history: { t: series.t.slice(from, to), v: series.v.slice(from, to) }, droppedEdges: from + (counts.length - to) };
}
