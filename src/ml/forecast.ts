/**
 * The forecaster registry and dispatcher: every model MOrA can forecast with, by name, behind one call.
 * Adding a model is one entry in `BUILTIN_MODELS` (or a `registerModel` call): the CLI, the extension and
 * the benchmarks list and run whatever is registered. A model that combines others (fusion) asks the
 * `RunContext` for their runs, which are computed once per `runForecasts` call and shared.
 */
import { clean, medianStep, type Series } from '../core/series';
import { forecasterModel, type ForecastModel, type ForecastRequest, type ModelRun, type RunContext } from './forecast-model';
import { Prophet, ProphetInputError, parseOptionValues } from './prophet';
import { floored, historyFloor } from './history-floor';
import { lstmModel, fusedModel } from './lstm/models';

/** Bad data or options for a model: callers show the message as one line (the CLI exits 2). */
export class ForecastInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForecastInputError';
  }
}

export { forecasterModel, type ForecastRequest, type ModelRun, type RunContext, type ForecastModel, type ResolvedRequest } from './forecast-model';

// Prophet is small pure TypeScript, so it is imported eagerly; a heavy model (TF.js) should load its module
// inside `create` with require() so listing models stays cheap.
const prophetFit = forecasterModel('prophet', "Prophet's additive model (trend + daily/weekly seasonality), MAP fit", (raw) => {
  try {
    return new Prophet(parseOptionValues(raw));
  } catch (e) {
    throw e instanceof ProphetInputError ? new ForecastInputError(e.message) : e;
  }
});

/**
 * Prophet, its forecast and band floored at 0 for a history that never went below 0 (usage, bytes, counts), or at its lowest
 * value for one below 0 only as noise (history-floor.ts), as the LSTM's and the fused member's are: its linear trend and Fourier terms swing below 0 on a draining or spiky series (4 of 46
 * held-out traces, docs/BENCHMARKS.md § Held-out traces). The fitted parameters and `components` stay the model's
 * (bench:prophet compares the model itself with R's).
 */
const prophetModel: ForecastModel = {
  name: prophetFit.name, description: prophetFit.description,
  async run(history, request, context) {
    const run = await prophetFit.run(history, request, context);
    const at = historyFloor(history.v);
    if (at === -Infinity) return run;
    const f = run.forecast, floor = (a: Float64Array): Float64Array => floored(a, at);
    return { ...run, forecast: { ...f, mean: floor(f.mean), lower: floor(f.lower), upper: floor(f.upper) } };
  },
};

/** Built-in models, in the order `all` runs them. Add new models here. */
const BUILTIN_MODELS: readonly ForecastModel[] = [prophetModel, lstmModel, fusedModel];

const registry = new Map<string, ForecastModel>(BUILTIN_MODELS.map((m) => [m.name, m]));

export function registerModel(model: ForecastModel): void {
  registry.set(model.name, model);
}

/** Removes a model added by `registerModel` (tests, plugins being unloaded). */
export function unregisterModel(name: string): void {
  registry.delete(name);
}

export function modelNames(): string[] {
  return [...registry.keys()];
}

export function getModel(name: string): ForecastModel {
  const m = registry.get(name);
  if (!m) throw new ForecastInputError(`unknown model "${name}"; available: ${modelNames().join(', ')}`);
  return m;
}

/** Runs several models on one history; models that depend on others reuse their runs. */
export async function runForecasts(history: Series, models: readonly string[], request: ForecastRequest): Promise<ModelRun[]> {
  for (const name of models) getModel(name);
  const context = createRunContext(history, request);
  const out: ModelRun[] = [];
  for (const name of models) out.push(await context.get(name));
  return out;
}

/**
 * The shared context `runForecasts` uses, for callers that want each model's run (or failure) on its own: every model
 * runs at most once per context, whoever asks first.
 */
export function createRunContext(history: Series, request: ForecastRequest): RunContext {
  if (!(Number.isInteger(request.horizon) && request.horizon >= 1)) {
    throw new ForecastInputError(`horizon must be a whole number of steps >= 1, got ${request.horizon}`);
  }
  let step = request.step;
  if (step === undefined) {
    const cleaned = clean(history).series;
    step = medianStep(cleaned);
    if (!(step > 0)) throw new ForecastInputError(`cannot infer the step from ${cleaned.t.length} point(s); need at least 2 distinct timestamps`);
  } else if (!(step > 0 && Number.isFinite(step))) {
    throw new ForecastInputError(`step must be a positive number of seconds, got ${step}`);
  }
  const resolvedStep = step;
  const runs = new Map<string, Promise<ModelRun>>();
  const context: RunContext = {
    get(name: string): Promise<ModelRun> {
      let p = runs.get(name);
      if (!p) {
        const resolved = { ...request, step: resolvedStep, modelOptions: request.options?.[name] ?? {} };
        const override = request.overrides?.[name];
        p = override ? override(history, resolved) : getModel(name).run(history, resolved, context);
        runs.set(name, p);
      }
      return p;
    },
  };
  return context;
}

export async function runForecast(history: Series, request: ForecastRequest & { model: string }): Promise<ModelRun> {
  const [run] = await runForecasts(history, [request.model], request);
  return run;
}
