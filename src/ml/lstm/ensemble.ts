/**
 * Prophet + LSTM + fusion for one series, scored on a common holdout.
 *
 * Both models are first fitted on the history minus a holdout (the last min(horizon, one day, 20% of the history) points)
 * and scored on it — the validation MAEs fusion compares. Then the forecast: Prophet is refitted on the whole history
 * (cheap); the LSTM keeps its trained weights and continues from the whole history (`withHistory`), so it is trained once.
 */
import { clean, medianStep, type Series } from '../../core/series';
import type { Forecast, Forecaster } from '../forecast-types';
import { DEFAULT_FUSION, dataQuality, fuse, type ComponentResult, type FusedForecast, type FusionOptions } from '../fusion';
import { LstmForecaster, type LstmModel, type LstmOptions } from './forecaster';

export interface EnsembleResult {
  prophet?: Forecast;
  lstm?: Forecast;
  fused: FusedForecast;
  holdout: { points: number; prophetMae?: number; lstmMae?: number; fusedMae?: number; naiveMae: number };
  lstmModel?: LstmModel;
}

export interface EnsembleOptions {
  horizon: number;
  lstm?: Partial<LstmOptions>;
  fusion?: FusionOptions;
  /** Prophet comes from the dispatcher (src/ml/prophet), passed in so this module does not fix its options. */
  prophet?: Forecaster;
  /** Which models to run; fusion needs both to blend, and falls back to the one that works. */
  models?: Array<'prophet' | 'lstm'>;
}

const mae = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return a.length ? s / a.length : NaN;
};

export async function runEnsemble(input: Series, o: EnsembleOptions): Promise<EnsembleResult> {
  const history = clean(input).series;
  const n = history.t.length;
  const step = medianStep(history);
  const period = Math.round(86400 / step);
  const hold = Math.max(1, Math.min(o.horizon, period, Math.floor(n * 0.2)));
  const fitPart: Series = { t: history.t.subarray(0, n - hold), v: history.v.subarray(0, n - hold) };
  const actual = history.v.subarray(n - hold);
  const models = o.models ?? ['prophet', 'lstm'];

  // Seasonal-naive on the holdout: the scale of the validation score.
  const naive = new Float64Array(hold);
  for (let i = 0; i < hold; i++) {
    const k = n - hold + i;
    naive[i] = period >= 2 && k - period >= 0 && n - hold > period ? history.v[k - period] : history.v[n - hold - 1];
  }
  const naiveMae = mae(naive, actual);

  const components: ComponentResult[] = [];
  const holdoutMeans: Partial<Record<'prophet' | 'lstm', Float64Array>> = {};
  let prophet: Forecast | undefined, lstm: Forecast | undefined, lstmModel: LstmModel | undefined;
  if (models.includes('prophet')) {
    try {
      if (!o.prophet) throw new Error('prophet is not available');
      const pv = (await o.prophet.fit(fitPart)).predict({ horizon: hold, step });
      holdoutMeans.prophet = pv.mean;
      prophet = (await o.prophet.fit(history)).predict({ horizon: o.horizon, step });
      components.push({ name: 'prophet', forecast: prophet, validationMae: mae(pv.mean, actual) });
    } catch (e) {
      components.push({ name: 'prophet', error: (e as Error).message });
    }
  }
  if (models.includes('lstm')) {
    try {
      const m = new LstmForecaster(o.lstm).fit(fitPart);
      const lv = m.predict({ horizon: hold });
      holdoutMeans.lstm = lv.mean;
      lstmModel = m.withHistory(history);
      lstm = lstmModel.predict({ horizon: o.horizon });
      components.push({ name: 'lstm', forecast: lstm, validationMae: mae(lv.mean, actual) });
    } catch (e) {
      components.push({ name: 'lstm', error: (e as Error).message });
    }
  }
  const fusion = o.fusion ?? DEFAULT_FUSION;
  // Fused holdout error with the same weights and fallback as the forecast.
  const holdoutFused = fuse(
    components.map((c) => ({ ...c, forecast: holdoutMeans[c.name] ? pointForecast(holdoutMeans[c.name]!) : undefined })),
    dataQuality(fitPart.t, fitPart.v, step), {}, fusion,
  );
  const fusedMae = mae(holdoutFused.mean, actual);
  const fused = fuse(components, dataQuality(history.t, history.v, step), { fusedMae, naiveMae }, fusion);
  return {
    prophet, lstm, fused, lstmModel,
    holdout: { points: hold, prophetMae: components.find((c) => c.name === 'prophet')?.validationMae, lstmMae: components.find((c) => c.name === 'lstm')?.validationMae, fusedMae, naiveMae },
  };
}

function pointForecast(mean: Float64Array): Forecast {
  return { t: new Float64Array(mean.length), mean, lower: mean, upper: mean, intervalWidth: 0 };
}
