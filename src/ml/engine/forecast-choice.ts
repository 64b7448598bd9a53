/**
 * Models are chosen by evidence. A forecast may replace the window rule's base only where it has beaten the window
 * on the series' own most recent day: both are computed from the history before that day, both are scored on it with
 * the backtest scorer, and the forecast must cover the day at least as well (memory: no OOM the window avoided;
 * CPU: no more exceedance) with less waste — or cover it strictly better. Otherwise the window result stands and the
 * reason says so.
 */
import { slice, type Series } from '../../core/series';
import { quantileSorted } from '../../core/stats';
import type { Forecast } from '../forecast-types';
import type { ResourceKind } from '../baselines/strategy';
import { scoreDay } from '../backtest/score';
import { MoraStrategy } from './mora-strategy';
import type { ForecastUse } from './resource';

const DAY = 86400;

/** Forecasts `horizon` steps of `step` seconds after the history (Prophet, LSTM, fusion, behind one call). */
export type ForecastProvider = (history: Series, horizon: number, step: number) => Promise<Forecast>;

/** What the next day needs according to a forecast: CPU the p99 of the band's upper edge, memory its peak. */
export function forecastNeed(kind: ResourceKind, f: Forecast): number {
  const up = Float64Array.from(f.upper).sort();
  return kind === 'cpu' ? quantileSorted(up, 0.99) : up[up.length - 1];
}

export async function checkForecast(kind: ResourceKind, history: Series, now: number, provider: ForecastProvider, method: string, step = 300): Promise<ForecastUse | undefined> {
  const lastDay = Math.floor(now / DAY) * DAY - DAY;
  const train = slice(history, history.t[0], lastDay);
  const hold = slice(history, lastDay, lastDay + DAY);
  if (train.t.length < 12 || hold.t.length < 12 || (train.t[train.t.length - 1] - train.t[0]) < 3 * DAY) {
    return { need: NaN, trusted: false, method, reason: 'history too short to check the forecast against the window (needs 4 days)' };
  }
  const horizon = Math.ceil(DAY / step);
  const window = new MoraStrategy(kind);
  window.observe(train.t, train.v);
  const e = window.explain(lastDay);
  if (!e) return undefined;
  let fHold: Forecast, fNext: Forecast;
  try {
    fHold = await provider(downsample(train, step, kind), horizon, step);
    fNext = await provider(downsample(history, step, kind), horizon, step);
  } catch (err) {
    return { need: NaN, trusted: false, method, reason: `${method} failed (${(err as Error).message.split('\n')[0]})` };
  }
  const wDay = scoreDay(lastDay, e.base * e.margin, hold.v);
  const fDay = scoreDay(lastDay, forecastNeed(kind, fHold) * e.margin, hold.v);
  const covered = kind === 'memory' ? (fDay.exceeded === 0 || wDay.exceeded > 0) && fDay.shortfall <= wDay.shortfall : fDay.exceeded <= wDay.exceeded;
  const trusted = (covered && fDay.waste < wDay.waste) || fDay.shortfall < wDay.shortfall * 0.5;
  const pct = (x: number, base: number): string => `${((100 * x) / Math.max(1e-12, base)).toFixed(1)}%`;
  const sumU = Math.max(1e-12, wDay.sumUsage);
  const detail = `last day: ${method} waste ${pct(fDay.waste, sumU)}, shortfall ${pct(fDay.shortfall, sumU)} vs window waste ${pct(wDay.waste, sumU)}, shortfall ${pct(wDay.shortfall, sumU)}`;
  return {
    need: forecastNeed(kind, fNext),
    trusted,
    method,
    reason: trusted ? `it beat the moving window on the last day (${detail})` : `it did not beat the moving window on the last day (${detail}); using the window`,
  };
}

/** Down-samples to `step` seconds (CPU: mean, memory: max, so peaks survive) to keep forecaster fits quick. */
export function downsample(s: Series, step: number, kind: ResourceKind): Series {
  const t: number[] = [], v: number[] = [];
  let bucket = NaN, acc = 0, n = 0;
  const flush = (): void => { if (n > 0) { t.push(bucket); v.push(kind === 'memory' ? acc : acc / n); } };
  for (let i = 0; i < s.t.length; i++) {
    const b = Math.floor(s.t[i] / step) * step;
    if (b !== bucket) { flush(); bucket = b; acc = kind === 'memory' ? -Infinity : 0; n = 0; }
    acc = kind === 'memory' ? Math.max(acc, s.v[i]) : acc + s.v[i];
    n++;
  }
  flush();
  return { t: Float64Array.from(t), v: Float64Array.from(v) };
}
