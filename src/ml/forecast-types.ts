/** What every forecaster returns, so fusion, the engine, the CLI and the webview read one shape. */
import type { Series } from '../core/series';

export interface Forecast {
  /** Future timestamps, Unix seconds. */
  readonly t: Float64Array;
  readonly mean: Float64Array;
  /** Lower/upper edge of the prediction band (90% unless stated in `intervalWidth`). */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly intervalWidth: number;
  /** Named additive parts (trend, daily, weekly...) where the model has them. */
  readonly components?: Readonly<Record<string, Float64Array>>;
}

export interface ForecastOptions {
  /** Number of future steps. */
  horizon: number;
  /** Step in seconds; defaults to the history's median step. */
  step?: number;
  seed?: number;
}

export interface FittedModel {
  predict(options: ForecastOptions): Forecast;
  /** Serialisable state (parameters, scalers) for persistence and --format json. */
  toJSON(): unknown;
}

export interface Forecaster {
  readonly name: string;
  fit(history: Series): FittedModel | Promise<FittedModel>;
}
