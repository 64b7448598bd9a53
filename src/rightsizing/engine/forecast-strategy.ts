/**
 * MOrA with a forecaster, as a backtestable strategy: every day it computes both the window rule's value and a
 * forecast-based value (the forecast's need for the next day × a margin calibrated to the same risk target on the
 * forecast's own past ratios, usage / forecast need, once 3 such days exist; before that the window rule's margin), remembers both, and
 * once the day has happened scores both on it. It applies the forecast's value only while, over the last `evidenceDays`
 * days, it cleared `forecastBeatsWindow` (at least the window's coverage with less waste, or clearly better coverage). Otherwise the window result stands. The forecaster is refit each day
 * on the last `fitDays` days (synchronous forecasters only, e.g. Prophet), and only when their samples cover at least
 * MIN_FIT_DAYS days (coveredDays). Evidence and calibration days expire by date, not by count: after a gap of two
 * weeks, the days scored before it are not evidence for a fit on what followed it.
 */
import { series } from '../../core/series';
import type { Forecaster } from '../../ml/forecast-types';
import type { ResourceKind, SizingStrategy, StrategyValue } from '../baselines/strategy';
import { cpuMargin, memoryMargin, type CalibrationDay } from './calibration';
import { scoreDay, type DayScore } from '../replay/score';
import { coveredDays, downsample, FORECAST_MAX_RAISE, forecastBeatsWindow, forecastNeed, MIN_FIT_DAYS, totals } from './forecast-choice';
import { MoraStrategy, type MoraStrategyOptions } from './mora-strategy';

const DAY = 86400;

export interface ForecastStrategyOptions extends MoraStrategyOptions {
  fitDays?: number;
  evidenceDays?: number;
  /** Step the forecaster is fit at (history is down-sampled to it; CPU by mean, memory by max). */
  step?: number;
}

interface Pending { day: number; window: number; forecast: number; need: number; samples: number[] }

/** Forecast calibration days needed before the forecast's own margin replaces the window rule's. */
const MIN_FORECAST_CALIBRATION = 3;
/** Days back the forecast's calibration days are kept (by date). */
const CALIBRATION_DAYS = 28;

export class ForecastGuardedStrategy implements SizingStrategy {
  readonly name: string;
  private readonly window: MoraStrategy;
  private t: number[] = [];
  private v: number[] = [];
  private pending: Pending | undefined;
  private readonly record: Array<{ w: DayScore; f: DayScore }> = [];
  /** The forecast's own calibration days: usage over the forecast's need (the window rule's ratios, for the forecast). */
  private readonly cal: Array<CalibrationDay & { day: number }> = [];
  private readonly fitDays: number;
  private readonly evidenceDays: number;
  private readonly step: number;
  /** Days the forecast's value was applied, for reporting. */
  forecastDays = 0;

  constructor(readonly kind: ResourceKind, private readonly forecaster: Forecaster, options: ForecastStrategyOptions = {}) {
    this.name = `mora-${forecaster.name}`;
    this.window = new MoraStrategy(kind, options);
    this.fitDays = options.fitDays ?? 14;
    this.evidenceDays = options.evidenceDays ?? 7;
    this.step = options.step ?? 300;
  }

  observe(t: ArrayLike<number>, v: ArrayLike<number>): void {
    this.window.observe(t, v);
    for (let i = 0; i < t.length; i++) {
      if (!Number.isFinite(v[i])) continue;
      this.t.push(t[i]); this.v.push(v[i]);
      const p = this.pending;
      if (p && t[i] >= p.day && t[i] < p.day + DAY) p.samples.push(v[i]);
      else if (p && t[i] >= p.day + DAY) this.settle();
    }
  }

  recommend(now: number): StrategyValue | undefined {
    if (this.pending && now >= this.pending.day + DAY) this.settle();
    const w = this.window.recommend(now);
    const e = this.window.explain(now);
    if (!w || !e) return undefined;
    // Keep only what the fit needs.
    let lo = 0;
    while (lo < this.t.length && this.t[lo] < now - this.fitDays * DAY) lo++;
    if (lo > 0) { this.t.splice(0, lo); this.v.splice(0, lo); }
    // Evidence and calibration from before the windows (a gap) expire, whatever their number.
    while (this.record.length > 0 && this.record[0].w.dayStart < now - this.evidenceDays * DAY) this.record.shift();
    while (this.cal.length > 0 && this.cal[0].day < now - CALIBRATION_DAYS * DAY) this.cal.shift();
    let f = NaN, need = NaN;
    if (this.t.length >= 24 && coveredDays(this.t) >= MIN_FIT_DAYS - 1e-9) {
      try {
        const hist = downsample(series(this.t, this.v), this.step, this.kind);
        const fitted = this.forecaster.fit(hist);
        if (fitted instanceof Promise) throw new Error('the backtest needs a synchronous forecaster');
        const fc = fitted.predict({ horizon: Math.ceil(DAY / this.step), step: this.step });
        need = forecastNeed(this.kind, fc);
        f = need * this.forecastMargin(e.margin);
        // Memory: a miss is an OOM kill, so a forecast may raise the limit ahead of growth but never cut below the window's.
        if (this.kind === 'memory') f = Math.max(f, w.value);
        f = Math.min(f, FORECAST_MAX_RAISE * w.value);
      } catch (err) {
        if ((err as Error).message.includes('synchronous')) throw err;
        f = NaN; // a failed fit leaves the window in charge
      }
    }
    this.pending = Number.isFinite(f) ? { day: now, window: w.value, forecast: f, need, samples: [] } : undefined;
    if (Number.isFinite(f) && this.trusted()) {
      this.forecastDays++;
      return { value: f, lower: Math.min(f, w.lower), upper: Math.max(f, w.upper), risk: w.risk, confidence: w.confidence };
    }
    return w;
  }

  private settle(): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p || p.samples.length < 12) return;
    const f = scoreDay(p.day, p.forecast, p.samples);
    this.record.push({ w: scoreDay(p.day, p.window, p.samples), f });
    while (this.record.length > this.evidenceDays) this.record.shift();
    if (p.need > 0) {
      const ratios = Float64Array.from(p.samples, (x) => x / p.need).sort();
      this.cal.push({ day: p.day, ratios, peakRatio: ratios[ratios.length - 1], achieved: this.kind === 'cpu' ? f.exceeded / f.samples : f.exceeded > 0 ? 1 : 0 });
      while (this.cal.length > CALIBRATION_DAYS) this.cal.shift();
    }
  }

  /** The margin on the forecast's need: calibrated on the forecast's own past ratios at the risk target, else the window's. */
  private forecastMargin(windowMargin: number): number {
    if (this.cal.length < MIN_FORECAST_CALIBRATION) return windowMargin;
    const k = this.kind === 'cpu' ? cpuMargin(this.cal, this.window.risk, 0).k : memoryMargin(this.cal, this.window.risk).k;
    return Number.isFinite(k) && k > 0 ? k : windowMargin;
  }

  private trusted(): boolean {
    if (this.record.length < 3) return false;
    return forecastBeatsWindow(this.kind, totals(this.record.map((r) => r.w)), totals(this.record.map((r) => r.f)));
  }
}
