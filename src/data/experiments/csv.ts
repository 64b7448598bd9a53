/**
 * The unified experiment CSV: `timestamp` (Unix seconds, UTC), the 12 metrics in METRIC_NAMES order, `load_level`
 * (requests/s asked of the load generator) and `replicas`, then the rate columns of the row's level: `asked_rate` and
 * `achieved_rate` (req/s asked of and served by the load generator, client side, over the level) and `saturated` (1
 * when the level was served short of its asked rate — the JSON's saturation — 0 when not, empty when not judged: a
 * failed level). A missing sample is an empty cell; a metric the source could not provide is an all-empty column (the
 * header stays the same for every experiment so files concatenate). The rate columns came last, after `replicas`, so
 * readers that pick columns by name or position read older and newer files alike; parseExperimentCsv reads both.
 */
import { METRIC_NAMES, type MetricName } from '../../core/metrics';
import { InputError } from '../timeseries-csv';

/** The columns every version of the CSV has (the rate columns were appended later). */
const BASE_COLUMNS = ['timestamp', ...METRIC_NAMES, 'load_level', 'replicas'] as const;
/** Per row, its level's (or plan cell's) asked and served rate and whether it was saturated. */
export const RATE_CSV_COLUMNS = ['asked_rate', 'achieved_rate', 'saturated'] as const;

export const EXPERIMENT_CSV_COLUMNS = [...BASE_COLUMNS, ...RATE_CSV_COLUMNS] as const;

export interface ExperimentRows {
  t: Float64Array;
  values: Partial<Record<MetricName, Float64Array>>;
  loadLevel: Float64Array;
  replicas: Float64Array;
  /** The level's asked rate (req/s); NaN when unknown (a file written before the column existed). */
  askedRate?: Float64Array;
  /** The rate the load generator was served over the level (req/s); NaN when unknown. */
  achievedRate?: Float64Array;
  /** 1 saturated, 0 not, NaN not judged or unknown. */
  saturated?: Float64Array;
}

/** The rate cells of row i (empty when the rows carry none). */
function rateCells(rows: ExperimentRows, i: number): string[] {
  return [cell(rows.askedRate?.[i] ?? NaN), cell(rows.achievedRate?.[i] ?? NaN), cell(rows.saturated?.[i] ?? NaN)];
}

/** A number as a CSV cell: empty when not finite. */
export function cell(x: number): string {
  if (!Number.isFinite(x)) return '';
  // Enough digits for bytes and for sub-millisecond latencies, without float noise such as 0.30000000000000004.
  return String(Number(x.toPrecision(10)));
}

export function experimentCsv(rows: ExperimentRows): string {
  const lines = [EXPERIMENT_CSV_COLUMNS.join(',')];
  for (let i = 0; i < rows.t.length; i++) {
    const cells = [String(rows.t[i])];
    for (const m of METRIC_NAMES) cells.push(cell(rows.values[m]?.[i] ?? NaN));
    cells.push(cell(rows.loadLevel[i]), cell(rows.replicas[i]), ...rateCells(rows, i));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function parseExperimentCsv(text: string, name = 'experiment.csv'): ExperimentRows {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new InputError(`${name}: empty; expected the header ${EXPERIMENT_CSV_COLUMNS.join(',')}`);
  const header = lines[0].split(',').map((h) => h.trim());
  const col = (c: string) => header.indexOf(c);
  for (const c of ['timestamp', 'load_level', 'replicas']) {
    if (col(c) < 0) throw new InputError(`${name}: line 1: no "${c}" column; expected ${EXPERIMENT_CSV_COLUMNS.join(',')}`);
  }
  const n = lines.length - 1;
  const t = new Float64Array(n);
  const loadLevel = new Float64Array(n);
  const replicas = new Float64Array(n);
  // The rate columns are optional: files written before they existed read as NaN (unknown).
  const askedRate = new Float64Array(n);
  const achievedRate = new Float64Array(n);
  const saturated = new Float64Array(n);
  const values: ExperimentRows['values'] = {};
  const present = METRIC_NAMES.filter((m) => col(m) >= 0);
  for (const m of present) values[m] = new Float64Array(n);
  const num = (s: string | undefined) => (s === undefined || s.trim() === '' ? NaN : Number(s));
  for (let i = 0; i < n; i++) {
    const cells = lines[i + 1].split(',');
    t[i] = num(cells[col('timestamp')]);
    if (!Number.isFinite(t[i])) throw new InputError(`${name}: line ${i + 2}: timestamp "${cells[col('timestamp')]}" is not Unix seconds`);
    loadLevel[i] = num(cells[col('load_level')]);
    replicas[i] = num(cells[col('replicas')]);
    askedRate[i] = num(cells[col('asked_rate')]);
    achievedRate[i] = num(cells[col('achieved_rate')]);
    saturated[i] = num(cells[col('saturated')]);
    for (const m of present) values[m]![i] = num(cells[col(m)]);
  }
  return { t, values, loadLevel, replicas, askedRate, achievedRate, saturated };
}

/**
 * The unified CSV of an experiment plan: the columns every experiment CSV has, then which cell a row belongs to
 * (`cell_id`, `service`) and whether it lies in the cell's warm-up (`phase` warmup) or its measured time (`phase`
 * measured), then the rate columns of the row's cell (appended after `phase`, so no column moved): `asked_rate` the
 * mean asked rate over the cell's measured time (a step, ramp or spike cell asks less than its `load_level`, its peak),
 * `achieved_rate` the rate served over it, `saturated` the cell quality's saturated (1/0). parseExperimentCsv reads it
 * too (it finds columns by name).
 */
export const PLAN_CSV_COLUMNS = [...BASE_COLUMNS, 'cell_id', 'service', 'phase', ...RATE_CSV_COLUMNS] as const;

export interface PlanCsvTags {
  cellId: string;
  service: string;
  /** Per row: true in the warm-up. */
  warmup: ArrayLike<boolean>;
}

/** Data lines (no header) of one cell for the plan CSV. Ids and names are plan-validated: no commas or quotes. */
export function planCsvLines(rows: ExperimentRows, tags: PlanCsvTags): string[] {
  const lines: string[] = [];
  for (let i = 0; i < rows.t.length; i++) {
    const cells = [String(rows.t[i])];
    for (const m of METRIC_NAMES) cells.push(cell(rows.values[m]?.[i] ?? NaN));
    cells.push(cell(rows.loadLevel[i]), cell(rows.replicas[i]), tags.cellId, tags.service, tags.warmup[i] ? 'warmup' : 'measured', ...rateCells(rows, i));
    lines.push(cells.join(','));
  }
  return lines;
}
