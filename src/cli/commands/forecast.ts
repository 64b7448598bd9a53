/**
 * `mora forecast --input <csv> --horizon <steps> [--model prophet] [--format csv|json]`: fits the chosen models on
 * every row of a `timestamp,value` CSV and prints the next `horizon` steps at the series' median step, or at --step
 * (a coarser one averages the history to it first, so every model forecasts on one grid: ./forecast-grid.ts).
 * Output columns come from `COLUMN_PRODUCERS`, so a new model (or a new column kind) is an additive change.
 */
import type { Command } from 'commander';
import { clean, medianStep, type Series } from '../../core/series';
import { UserError } from '../errors';
import { parseModelSets } from './forecast-options';
import { historyOnGrid } from './forecast-grid';
import { forTerminal } from '../format/terminal';
import { farRowsNote, implausibleTimestamps, isCounterName, parseTimeseriesCsvBytes, readTimeseriesCsv } from '../../data/timeseries-csv';
import { csvLayout, readStdin, STDIN_NAME } from './backtest-input';
import { createRunContext, ForecastInputError, modelNames, runForecasts, type ForecastRequest, type ModelRun } from '../../ml/forecast';

export interface ForecastCliOptions {
  input: string;
  horizon: string;
  model: string;
  format: string;
  step?: string;
  seed?: string;
  set: string[];
  quiet?: boolean;
  timeColumn?: string;
  valueColumn?: string;
  /** false with --no-header. */
  header?: boolean;
  timeUnit?: string;
  /** -f json: add models.<m>.timings_ms (fit, predict), which differ from run to run; left out by default (same bytes each run). */
  timings?: boolean;
}

/** A column of the output table, produced from one model's run. */
export interface Column {
  readonly name: string;
  readonly values: Float64Array;
  /** The model could not run on this input (`--model all` only): empty cells in CSV, null in JSON. */
  readonly skipped?: boolean;
}

/** Column producers per model; models without an entry get `<name>,<name>_lower,<name>_upper`. */
export const COLUMN_PRODUCERS: Record<string, (run: ModelRun) => Column[]> = {
  // The LSTM's own band is in --format json; the CSV contract shows its mean, the fused band carries the uncertainty.
  lstm: (run) => [{ name: 'lstm', values: run.forecast.mean }],
  fused: (run) => [...bandColumns(run),
    { name: 'confidence', values: new Float64Array(run.forecast.mean.length).fill((run.fitted as { confidence: number }).confidence) }],
};

/**
 * The horizon cap, checked before any model allocates anything (a billion steps ran for minutes to 23.5 GB and died):
 * at most MAX_HORIZON steps, and no further ahead than MAX_HORIZON_SPANS times the history's own time span — a forecast
 * that far past its data is extrapolation, not a forecast. 100,000 steps take about a minute and ~150 MB per model.
 */
export const MAX_HORIZON = 100_000;

export const MAX_HORIZON_SPANS = 10;

/** Series whose magnitude is beyond these are scaled (by a power of two, exactly) for the models, and back after. */
const SCALE_ABOVE = 1e100;
const SCALE_BELOW = 1e-100;

export function bandColumns(run: ModelRun): Column[] {
  const f = run.forecast;
  return [
    { name: run.model, values: f.mean },
    { name: `${run.model}_lower`, values: f.lower },
    { name: `${run.model}_upper`, values: f.upper },
  ];
}

export function register(program: Command): void {
  program
    .command('forecast')
    .description('Forecast a timestamp,value CSV with Prophet, the LSTM or their fusion, printing the forecast and its band')
    .requiredOption('-i, --input <csv>', '- (standard input) or a timestamp,value CSV (ISO-8601, or Unix epoch seconds/ms/µs/ns told apart by magnitude; UTC), or a Prometheus query_range JSON export of one series')
    .requiredOption('-H, --horizon <steps>', `number of future steps: at most ${MAX_HORIZON.toLocaleString('en-US')}, and at most ${MAX_HORIZON_SPANS}× the history's time span ahead`)
    .option('-m, --model <names>', 'model(s): a name, a comma-separated list, or "all"', 'prophet')
    .option('-f, --format <format>', 'csv or json', 'csv')
    .option('--step <seconds>', "step between forecast points (default: the series' median step); a coarser one averages the history to it first, a finer one is for --model prophet only")
    .option('--seed <n>', 'seed of the uncertainty simulation')
    .option('-q, --quiet', 'no notes on stderr (warnings and errors still print)')
    .option('--time-column <col>', 'the timestamp column, by header name or number from 1 (default: the column named timestamp, time, date, …)')
    .option('--value-column <col>', 'the value column, by header name or number from 1 (default: the column named value, or the only other one)')
    .option('--no-header', 'the first line is data, not a header: give columns by number')
    .option('--time-unit <unit>', 'epoch numbers are s, ms, us or ns (default: guessed by magnitude)')
    .option('--set <model.option=value>', "model option by the model's own name, e.g. prophet.changepoint_prior_scale=0.1 (repeatable)",
      (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--timings', 'with -f json: add models.<m>.timings_ms (fit and predict time), which differ from run to run')
    .addHelpText('after', '\n-f json is the same bytes for the same input and --seed; --timings adds each model\'s timings_ms.')
    .action(async (opts: ForecastCliOptions) => {
      process.stdout.write(await forecastCommand(opts));
    });
}

/** Runs the command and returns what it prints (kept apart from `register` so tests can call it). */
export async function forecastCommand(opts: ForecastCliOptions): Promise<string> {
  const horizon = parseWhole('--horizon', opts.horizon, 1);
  const format = opts.format.toLowerCase();
  if (format !== 'csv' && format !== 'json') throw new UserError(`--format must be csv or json, got "${opts.format}"`);
  const step = opts.step === undefined ? undefined : parsePositive('--step', opts.step);
  const seed = opts.seed === undefined ? undefined : parseWhole('--seed', opts.seed, 0);
  const { all, models } = parseModels(opts.model);
  if (horizon > MAX_HORIZON) {
    throw new UserError(`--horizon ${horizon} is too far: at most ${MAX_HORIZON.toLocaleString('en-US')} steps (and at most ${MAX_HORIZON_SPANS}× the history's time span ahead)`);
  }
  const options = parseModelSets(opts.set, models, modelNames());
  // --set lstm.global=<model.json>: the saved model forecasts as it was saved; lstm.* training keys that differ from the
  // LSTM's defaults are named as unused (one line, even with -q), in mora recommend's words (pipeline/recommend.ts).
  if (options.lstm?.global !== undefined) {
    const unused = (require('../../pipeline/recommend') as typeof import('../../pipeline/recommend')).givenGlobalLstmWarning(options.lstm);
    if (unused) process.stderr.write(`mora: ${forTerminal(unused)}\n`);
  }
  // The input flags mora backtest takes for one series (its --step is this command's forecast step; --series-column and --wide give several).
  const layout = csvLayout({ timeColumn: opts.timeColumn, valueColumn: opts.valueColumn, header: opts.header, timeUnit: opts.timeUnit });
  // `--input -`: standard input (as `manifests scan -` reads it), named "stdin" in errors.
  const { series, missing, conflicting, trailing, far, infinite, chosen, column, metric, unitsRow, clockChange } = opts.input === '-'
    ? parseTimeseriesCsvBytes(await readStdin(), STDIN_NAME, layout) : readTimeseriesCsv(opts.input, layout);
  if (series.t.length < 2 && missing > 0) {
    // Say that the values are what is missing, not "cannot infer the step from 0 points".
    throw new UserError(`${opts.input}: ${series.t.length} numeric value${series.t.length === 1 ? '' : 's'}: ${missing} row${missing === 1 ? ' is' : 's are'} empty or NaN; a forecast needs at least 2`);
  }
  if (series.t.length === 0 && missing === 0) throw new UserError(`${opts.input}: no rows after the header "timestamp,value"; a forecast needs at least 2`);
  // Read as Unix seconds, such numbers are 1970s dates: more likely Excel serial days (45231.5) or row numbers, whose
  // "steps" of a fraction of a second or one second make daily and weekly seasonality meaningless.
  const implausible = layout?.timeUnit ? undefined : implausibleTimestamps(series.t);
  if (implausible) process.stderr.write(`mora: warning: ${forTerminal(opts.input)}: ${implausible}\n`);
  // A row years from the rest (a typo, a stray row) was left out: the forecast started from it (2035 for `2077000000`).
  if (far) process.stderr.write(`mora: warning: ${forTerminal(opts.input)}: ${farRowsNote(far)}\n`);
  // A Prometheus counter exported without rate() (CPU seconds since the start) forecasts a line that only grows: said.
  const counter = [metric, column].find((n) => n !== undefined && isCounterName(n));
  if (counter) {
    process.stderr.write(`mora: warning: ${forTerminal(opts.input)}: ${forTerminal(counter)} is a cumulative counter (a Prometheus _total, which only grows), not usage; `
      + `to forecast usage, export its rate instead: rate(${forTerminal(counter)}[5m])\n`);
  }
  if (unitsRow && !opts.quiet) process.stderr.write(`mora: note: ${forTerminal(opts.input)}: line ${unitsRow} under the header holds units, not values; skipped\n`);
  // A usage column beside its limit or total (cpu_usage,cpu_limit): the usage is forecast, the other named.
  if (chosen && !opts.quiet) process.stderr.write(`mora: note: ${forTerminal(opts.input)}: ${forTerminal(chosen)}\n`);
  // An infinity (+Inf: a division by zero in the query) is no sample, as NaN is: left out and said (a warning, even with -q).
  if (infinite) process.stderr.write(`mora: warning: ${forTerminal(opts.input)}: ${infinite} infinite value${infinite === 1 ? '' : 's'} (+Inf, -Inf) left out as no sample, as NaN is\n`);
  // Local times whose clock went back an hour repeat it, or forward an hour skip it: the warning names the clock change.
  if (conflicting) process.stderr.write(`mora: warning: ${forTerminal(opts.input)}: ${conflicting} rows repeat an earlier timestamp with another value; the last row of each timestamp was used${clockChange?.repeated ? ` (${clockChange.repeated})` : ''}\n`);
  if (clockChange?.skipped) process.stderr.write(`mora: warning: ${forTerminal(opts.input)}: ${clockChange.skipped}\n`);
  // Infinities are counted in `missing` too (left out alike), but said in their own warning above: not counted twice.
  const blank = missing - (infinite ?? 0);
  if ((blank > 0 || trailing) && series.t.length >= 2 && !opts.quiet) process.stderr.write(`mora: note: ${forTerminal(opts.input)}: ${missingNote(blank, trailing, series)}\n`);
  checkHorizonAgainstHistory(horizon, step, series);
  // Every model on one grid: a coarser --step averages the history to it (the LSTM steps at its data's step).
  const { history, aggregated } = historyOnGrid(series, step, models);
  if (aggregated && !opts.quiet) {
    process.stderr.write(`mora: note: ${forTerminal(opts.input)}: the history's ${aggregated.fromStep} s steps averaged to --step ${aggregated.step} s `
      + `(${aggregated.points} means, buckets aligned to multiples of ${aggregated.step} s${aggregated.droppedEdges ? `, ${aggregated.droppedEdges} partly covered edge bucket${aggregated.droppedEdges > 1 ? 's' : ''} left out` : ''}), `
      + 'so every model forecasts on that grid: each row is the mean of the step starting at its timestamp\n');
  }
  // Values near the largest double (±1e308) overflow inside the models (squares, ranges, bands); tiny ones underflow.
  // The models see the series scaled by a power of two (exact), and the forecasts are scaled back.
  const exponent = scaleExponent(history);
  const modelInput = exponent === 0 ? history : { t: history.t, v: history.v.map((x) => x * 2 ** -exponent) };
  let runs: ModelRun[];
  let skipped = new Map<string, string>();
  try {
    const request = { horizon, step, seed, options };
    if (all) ({ runs, skipped } = await runWhatCan(modelInput, models, request));
    else runs = await runForecasts(modelInput, models, request);
  } catch (e) {
    if (isInputError(e)) {
      const msg = (e as Error).message;
      // Too little history for the LSTM (and so for fused and all): say what still works on it.
      const hint = /^lstm: .*(too short|history)/.test(msg) && !/--model prophet/.test(msg) ? '; --model prophet works from 2 points' : '';
      throw new UserError(`${opts.input}: ${msg}${hint}`);
    }
    throw e;
  }
  if (exponent !== 0) runs = runs.map((r) => unscaled(r, exponent));
  const t = runs[0].forecast.t;
  for (const [model, reason] of skipped) {
    // "Prophet … got 1" on a 2-point input reads as a contradiction next to Prophet's columns: say where the 1 comes from.
    const why = model === 'fused' ? reason.replace(/^(fused: no member could forecast this \d+-point history) /, '$1 once it held out the last points to weigh its members ') : reason;
    process.stderr.write(`mora: warning: ${forTerminal(opts.input)}: ${model} skipped, its column${model === 'lstm' ? ' is' : 's are'} empty: ${forTerminal(why)}`
      + `${model === 'lstm' && !skipped.has('fused') ? '; fused blends Prophet with the seasonal baseline without it' : ''}\n`);
  }
  const byModel = new Map(runs.map((r) => [r.model, r]));
  const columns: Column[] = models.flatMap((m) => {
    const r = byModel.get(m);
    return r ? (COLUMN_PRODUCERS[m] ?? bandColumns)(r) : skippedColumns(m, t.length);
  });
  // A forecast that is NaN or ±Infinity is no forecast: an error, never exit-0 output.
  for (const c of columns) {
    if (c.skipped) continue;
    const i = c.values.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) {
      throw new UserError(`${opts.input}: the ${c.name} forecast is not a finite number (${c.values[i]} at step ${i + 1}) — the series' values `
        + `(largest magnitude ${maxAbs(series.v).toExponential(2)}) or their trend go beyond what can be represented; rescale the input (e.g. other units)`);
    }
  }
  if (format === 'csv') return toCsv(t, columns);
  return JSON.stringify({
    input: opts.input,
    points: series.t.length,
    missing,
    horizon,
    step: t.length > 1 ? t[1] - t[0] : step ?? medianStep(clean(history).series),
    ...(aggregated ? { aggregated: { from_step: aggregated.fromStep, step: aggregated.step, points: aggregated.points } } : {}),
    columns: ['timestamp', ...columns.map((c) => c.name)],
    forecast: Array.from(t, (ts, i) => Object.fromEntries([['timestamp', ts], ...columns.map((c) => [c.name, c.values[i]])])),
    models: Object.fromEntries(runs.map((r) => [r.model, { fitted: r.fitted, ...(opts.timings ? { timings_ms: { fit: r.timings.fitMs, predict: r.timings.predictMs } } : {}) }])),
    ...(skipped.size > 0 ? { skipped: Object.fromEntries(skipped) } : {}),
    ...(exponent !== 0 ? { input_scale: `the models saw the values × 2^${-exponent} (fitted parameters are in those units); forecasts are scaled back` } : {}),
  }, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v), 2) + '\n';
}

export function toCsv(t: Float64Array, columns: readonly Column[]): string {
  const lines = [['timestamp', ...columns.map((c) => c.name)].join(',')];
  for (let i = 0; i < t.length; i++) lines.push([String(t[i]), ...columns.map((c) => (c.skipped ? '' : String(c.values[i])))].join(','));
  return lines.join('\n') + '\n';
}

/**
 * How many values were skipped and, when the last rows have none, that the forecast starts after the last numeric
 * sample rather than after the file's last row (the models only see the samples).
 */
function missingNote(missing: number, trailing: { rows: number; lastRow: number } | undefined, series: Series): string {
  const skipped = missing > 0 ? `${missing} empty or NaN value${missing === 1 ? '' : 's'} skipped` : '';
  if (!trailing) return skipped;
  let last = -Infinity;
  for (let i = 0; i < series.t.length; i++) if (series.t[i] > last) last = series.t[i];
  const iso = new Date(last * 1000).toISOString().replace('.000Z', 'Z');
  return `${skipped ? `${skipped}; ` : ''}the last ${trailing.rows === 1 ? 'row has' : `${trailing.rows} rows have`} none, so the forecast starts after the last numeric sample `
    + `(${iso}), ${duration(trailing.lastRow - last)} before the file's last row`;
}

function isInputError(e: unknown): boolean {
  const name = (e as Error)?.name;
  return e instanceof ForecastInputError || name === 'ProphetInputError' || name === 'ForecastInputError';
}

/**
 * `--model all`: every model that can run on this input. A member that cannot (the LSTM on less history than its
 * windows need) is reported and its columns left empty, so a short trace still gets Prophet and the fusion, which falls
 * back without it; the columns stay those of the contract. The fusion too is left out when this input is too short for
 * it (2 or 3 points: it holds out the last ones to weigh its members, leaving Prophet a single point) while another
 * model ran, as README's "with `all`, … carries on" says; only when no model at all could run is it the command's error.
 * Anything but an input error (a bug, the system) still ends the command.
 * An option mistake never reaches here as a skip: parseModelSets checked every --set before any model ran (ModelOptionError).
 */
async function runWhatCan(history: Series, models: readonly string[], request: ForecastRequest): Promise<{ runs: ModelRun[]; skipped: Map<string, string> }> {
  const context = createRunContext(history, request);
  const runs: ModelRun[] = [], skipped = new Map<string, string>();
  for (const name of models) {
    try {
      runs.push(await context.get(name));
    } catch (e) {
      if (!isInputError(e) || (name === 'fused' && runs.length === 0)) throw e;
      skipped.set(name, (e as Error).message.replace(/; --model prophet works from 2 points/g, ''));
    }
  }
  if (runs.length === 0) throw new ForecastInputError([...skipped.values()].join('; '));
  return { runs, skipped };
}

/** The columns a model would have, empty: its producer run on a stand-in of NaNs, so the names cannot drift. */
function skippedColumns(model: string, n: number): Column[] {
  const blank = new Float64Array(n).fill(NaN);
  const stub = { model, forecast: { t: blank, mean: blank, lower: blank, upper: blank }, fitted: { confidence: NaN }, timings: { fitMs: 0, predictMs: 0 } } as unknown as ModelRun;
  return (COLUMN_PRODUCERS[model] ?? bandColumns)(stub).map((c) => ({ ...c, skipped: true }));
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) m = Math.max(m, Math.abs(v[i]));
  return m;
}

/** The power of two the series is divided by for the models: 0 unless its magnitude is extreme. */
function scaleExponent(s: Series): number {
  const m = maxAbs(s.v);
  if (!(m > SCALE_ABOVE || (m > 0 && m < SCALE_BELOW))) return 0;
  return Math.floor(Math.log2(m));
}

function unscaled(run: ModelRun, exponent: number): ModelRun {
  const k = 2 ** exponent;
  const f = run.forecast;
  const up = (a: Float64Array) => a.map((x) => x * k);
  const components = f.components ? Object.fromEntries(Object.entries(f.components).map(([n, a]) => [n, up(a)])) : undefined;
  return { ...run, forecast: { ...f, mean: up(f.mean), lower: up(f.lower), upper: up(f.upper), ...(components ? { components } : {}) } };
}

/** The horizon must not reach further than MAX_HORIZON_SPANS × the history's span (checked before any model runs). */
function checkHorizonAgainstHistory(horizon: number, step: number | undefined, series: Series): void {
  const s = clean(series).series;
  if (s.t.length < 2) return; // the models say what is missing
  const span = s.t[s.t.length - 1] - s.t[0];
  const at = step ?? medianStep(s);
  if (!(span > 0 && at > 0)) return;
  const maxSteps = Math.max(1, Math.floor((MAX_HORIZON_SPANS * span) / at));
  if (horizon > maxSteps) {
    throw new UserError(`--horizon ${horizon} is too far for this input: ${horizon} steps of ${at} s reach ${duration(horizon * at)} ahead, more than ${MAX_HORIZON_SPANS}× its ${duration(span)} of history; at most ${maxSteps} steps here`);
  }
}

function duration(seconds: number): string {
  if (seconds >= 2 * 86400) return `${+(seconds / 86400).toFixed(1)} days`;
  if (seconds >= 2 * 3600) return `${+(seconds / 3600).toFixed(1)} hours`;
  if (seconds >= 120) return `${+(seconds / 60).toFixed(1)} minutes`;
  return `${seconds} s`;
}

/** `--model`: "all" alone, or a list of registered names, each once. */
function parseModels(raw: string): { all: boolean; models: string[] } {
  const available = modelNames();
  const names = raw.split(',').map((m) => m.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) throw new UserError(`--model is empty; available: ${available.join(', ')}`);
  if (names.length === 1 && names[0] === 'all') return { all: true, models: available };
  for (const m of names) {
    if (m === 'all') throw new UserError(`--model ${raw.trim()}: "all" already runs every model (${available.join(', ')}); give it alone`);
    if (!available.includes(m)) throw new UserError(`unknown model "${m}" in --model; available: ${available.join(', ')}, all`);
  }
  // A repeated name printed its columns twice (one model, two identical column sets): refused, as "prophet,all" is.
  const twice = names.find((m, i) => names.indexOf(m) !== i);
  if (twice) throw new UserError(`--model ${raw.trim()} names "${twice}" twice; name each model once`);
  return { all: false, models: names };
}

function parseWhole(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min) throw new UserError(`${flag} must be a whole number >= ${min}, got "${raw}"`);
  return n;
}

function parsePositive(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UserError(`${flag} must be a positive number, got "${raw}"`);
  return n;
}
