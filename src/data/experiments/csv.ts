/**
 * The unified experiment CSV: `timestamp` (Unix seconds, UTC), the 12 metrics in METRIC_NAMES order, `load_level`
 * (requests/s asked of the load generator) and `replicas`. A missing sample is an empty cell; a metric the source
 * could not provide is an all-empty column (the header stays the same for every experiment so files concatenate).
 */
import { METRIC_NAMES, type MetricName } from '../../core/metrics';
import { InputError } from '../timeseries-csv';

export const EXPERIMENT_CSV_COLUMNS = ['timestamp', ...METRIC_NAMES, 'load_level', 'replicas'] as const;

export interface ExperimentRows {
  t: Float64Array;
  values: Partial<Record<MetricName, Float64Array>>;
  loadLevel: Float64Array;
  replicas: Float64Array;
}

function cell(x: number): string {
  if (!Number.isFinite(x)) return '';
  // Enough digits for bytes and for sub-millisecond latencies, without float noise such as 0.30000000000000004.
  return String(Number(x.toPrecision(10)));
}

export function experimentCsv(rows: ExperimentRows): string {
  const lines = [EXPERIMENT_CSV_COLUMNS.join(',')];
  for (let i = 0; i < rows.t.length; i++) {
    const cells = [String(rows.t[i])];
    for (const m of METRIC_NAMES) cells.push(cell(rows.values[m]?.[i] ?? NaN));
    cells.push(cell(rows.loadLevel[i]), cell(rows.replicas[i]));
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
    for (const m of present) values[m]![i] = num(cells[col(m)]);
  }
  return { t, values, loadLevel, replicas };
}

/**
 * The unified CSV of an experiment plan: the columns above, then which cell a row belongs to (`cell_id`, `service`) and
 * whether it lies in the cell's warm-up (`phase` warmup) or its measured time (`phase` measured). parseExperimentCsv
 * reads it too (it finds columns by name).
 */
export const PLAN_CSV_COLUMNS = [...EXPERIMENT_CSV_COLUMNS, 'cell_id', 'service', 'phase'] as const;

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
    cells.push(cell(rows.loadLevel[i]), cell(rows.replicas[i]), tags.cellId, tags.service, tags.warmup[i] ? 'warmup' : 'measured');
    lines.push(cells.join(','));
  }
  return lines;
}
