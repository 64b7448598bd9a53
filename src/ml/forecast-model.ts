/**
 * The shapes of the forecaster registry (request, run, model, context), apart from the registry itself so that models
 * (lstm/models.ts) can implement them without importing the registry that lists them (that was an import cycle).
 */
import type { Series } from '../core/series';
import type { Forecast, Forecaster, FittedModel } from './forecast-types';

export interface ForecastRequest {
  /** Number of future steps. */
  horizon: number;
  /** Step in seconds; default the history's median step. */
  step?: number;
  seed?: number;
  /** Per-model options as raw `name=value` strings, keyed by model name (the CLI's `--set model.name=value`). */
  options?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Runs that replace a registered model's in this request — e.g. the extension's LSTM, trained in a worker thread, so
   * the fusion weighs the same run the view draws. A model that depends on it (fused) gets the override's run.
   */
  overrides?: Readonly<Record<string, (history: Series, request: ResolvedRequest) => Promise<ModelRun>>>;
  /**
   * Work a model may keep for a later request on the same history, horizon, step, seed and options (the caller keeps
   * the map per history): e.g. the fusion's Prophet holdout fits and baseline, which do not depend on the LSTM, so the
   * forecast view's second pass (with the LSTM) reuses its first pass's.
   */
  memo?: Map<string, Promise<unknown>>;
}

export interface ModelRun {
  readonly model: string;
  readonly forecast: Forecast;
  /** The fitted model's `toJSON()` (parameters, scalers). */
  readonly fitted: unknown;
  readonly timings: { readonly fitMs: number; readonly predictMs: number };
}

export interface RunContext {
  /** The run of another registered model on the same history and request (computed once). */
  get(model: string): Promise<ModelRun>;
}

export interface ForecastModel {
  readonly name: string;
  readonly description: string;
  run(history: Series, request: ResolvedRequest, context: RunContext): Promise<ModelRun>;
}

export interface ResolvedRequest extends ForecastRequest {
  step: number;
  /** This model's raw options. */
  modelOptions: Readonly<Record<string, string>>;
}

/**
 * Wraps any `Forecaster` (fit then predict) as a registry entry that times both phases.
 * `create` turns the model's raw options into a configured forecaster (and validates them).
 */
export function forecasterModel(
  name: string, description: string,
  create: (rawOptions: Readonly<Record<string, string>>) => Promise<Forecaster> | Forecaster,
): ForecastModel {
  return {
    name, description,
    async run(history, request) {
      const forecaster = await create(request.modelOptions);
      const t0 = performance.now();
      const fitted: FittedModel = await forecaster.fit(history);
      const t1 = performance.now();
      const forecast = fitted.predict({ horizon: request.horizon, step: request.step, seed: request.seed });
      const t2 = performance.now();
      return { model: name, forecast, fitted: fitted.toJSON(), timings: { fitMs: t1 - t0, predictMs: t2 - t1 } };
    },
  };
}
