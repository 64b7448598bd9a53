/**
 * `mora forecast --set <model>.<option>=<value>`: parsed and checked before any model runs.
 *
 * Checking up front is what keeps an option mistake from passing as "this model cannot run on this input": with
 * `--model all` a member whose data is too short is skipped with a warning, and a model's own option errors share that
 * error type (ForecastInputError), so a typo such as `--set prophet.bogus=1` used to be swallowed and the command exited
 * 0 with empty prophet columns. An option error is a ModelOptionError (a UserError: exit 2) before anything is fitted.
 */
import { UserError } from '../errors';
import { parseOptionValues } from '../../ml/prophet';
import { parseFusionOptions, parseLstmOptions } from '../../ml/lstm/models';
import { loadGlobalLstm } from '../../ml/lstm/global';

/** A `--set` that names an unknown model or option, or a value the model refuses. */
export class ModelOptionError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelOptionError';
  }
}

export type ModelOptions = Record<string, Record<string, string>>;

/** Models a model runs underneath (their options apply to it too): fused blends Prophet and the LSTM. */
const MEMBERS: Readonly<Record<string, readonly string[]>> = { fused: ['prophet', 'lstm'] };

/** The LSTM keys handled before its own option parser: a saved global model and the series in its pool. */
const GLOBAL_LSTM_KEYS = ['global', 'series'];

/** Checks each built-in model's options the way the model itself will read them. */
const VALIDATORS: Readonly<Record<string, (raw: Readonly<Record<string, string>>) => void>> = {
  prophet: (raw) => { parseOptionValues(raw); },
  lstm: (raw) => {
    if (raw.series !== undefined && raw.global === undefined) throw new Error('lstm.series names a series of a saved global model: give lstm.global=<model.json> too');
    if (raw.global !== undefined) {
      // A model file that cannot be used is the option's fault too (under --model all it read as a skipped LSTM).
      let model;
      try {
        model = loadGlobalLstm(raw.global);
      } catch (e) {
        throw new Error(`lstm.global: cannot use "${raw.global}" as a global LSTM: ${(e as Error).message}`);
      }
      if (raw.series !== undefined && !model.state.scalers[raw.series]) {
        throw new Error(`lstm.series: "${raw.series}" is not in the global model's pool (${Object.keys(model.state.scalers).length} series); omit it to forecast zero shot`);
      }
    }
    parseLstmOptions(Object.fromEntries(Object.entries(raw).filter(([k]) => !(raw.global !== undefined && GLOBAL_LSTM_KEYS.includes(k)))));
  },
  fused: (raw) => { parseFusionOptions(raw); },
};

/** The model prefixes `--set` may use with these models: each model and the members it runs. */
export function optionPrefixes(models: readonly string[]): string[] {
  const out = new Set<string>();
  for (const m of models) for (const p of [m, ...(MEMBERS[m] ?? [])]) out.add(p);
  return [...out];
}

/** Parses `--set model.option=value` (repeatable) for the selected models, and checks every option now. */
export function parseModelSets(sets: readonly string[], models: readonly string[], available: readonly string[]): ModelOptions {
  const out: ModelOptions = {};
  const prefixes = optionPrefixes(models);
  for (const s of sets) {
    const m = /^([a-z0-9_-]+)\.([a-z0-9_]+)=(.*)$/i.exec(s.trim());
    if (!m) throw new ModelOptionError(`--set "${s}": expected model.option=value, e.g. prophet.changepoint_prior_scale=0.1`);
    const model = m[1].toLowerCase();
    if (!prefixes.includes(model)) {
      const why = available.includes(model) ? `"${model}" is not run by --model ${models.join(',')}` : `unknown model "${model}" (models: ${available.join(', ')})`;
      throw new ModelOptionError(`--set "${s}": ${why}; with this --model the option prefixes are ${prefixes.map((p) => `${p}.`).join(', ')}`);
    }
    (out[model] ??= {})[m[2]] = m[3];
  }
  for (const [model, raw] of Object.entries(out)) {
    try {
      VALIDATORS[model]?.(raw);
    } catch (e) {
      throw new ModelOptionError(`--set: ${(e as Error).message}`);
    }
  }
  return out;
}
