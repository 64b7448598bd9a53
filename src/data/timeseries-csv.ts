/**
 * Reads the `timestamp,value` CSV that the CLI takes: a header row, timestamps as ISO-8601 or Unix epoch numbers (UTC)
 * in seconds, milliseconds, microseconds or nanoseconds — the unit told apart by magnitude (see `epochUnit`), one unit
 * per file — or a Prometheus range-query JSON export (prometheus-json.ts), whose samples are read as these rows are.
 * Errors are `InputError`s with a message that names the file and line, so the CLI can print one line and exit 2.
 */
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { series, type Series } from '../core/series';
import { clockChangeOf, type ClockChange } from './clock-change';
import { clip, InputError } from './input-error';
import { metricForKind, pairedColumns, pairText } from './paired-csv';
import { labelText, looksLikeJson, parsePrometheusJson, type JsonSeries } from './prometheus-json';

export { InputError } from './input-error';
export { metricForKind };
export { isCounterName, looksCumulative } from './paired-csv';

export interface ReadSeries {
  series: Series;
  /** Rows whose value was empty or NaN: kept out of the series, counted here. */
  missing: number;
  /**
   * Rows whose timestamp an earlier row already had, with another value (two pods' series concatenated, a re-export
   * appended): `clean` keeps the last of each, so the others are lost; the commands say how many.
   */
  conflicting: number;
  /**
   * Of the `missing` rows, those timestamped after the last numeric value (a series whose last hours are NaN), and the
   * latest of their timestamps: the series ends earlier than the file, so a forecast starts earlier than its last row.
   */
  trailing: { rows: number; lastRow: number } | undefined;
  /** Rows left out of the series for a timestamp far from all the others (see `farFromTheRest`); the commands warn. */
  far?: FarRows;
  /** Of the `missing` rows, those whose value was an infinity (+Inf, -Inf, Infinity): left out as NaN is; the commands say how many. */
  infinite?: number;
  /** The value column's header name (a CSV with a header). */
  column?: string;
  /** The series' metric name (`__name__` of a Prometheus export: rate() and other functions drop it, so it names raw samples). */
  metric?: string;
  /** The value column was chosen among several beside it that are no usage (a limit, a total): said on stderr. */
  chosen?: string;
  /** A units row under the header (`s,cores`) that was skipped: its line, said on stderr. */
  unitsRow?: number;
  /** A wide file's column the header leaves unnamed, read as the series `column <n>`: its number (from 1), said on stderr. */
  unnamedColumn?: number;
  /**
   * Local times without an offset whose repeats fall in the stretch a zone's clock went back over (`repeated`: times
   * 01:00–02:00 on 2026-11-01 occur twice) or that skip the stretch one went forward over (`skipped`): a daylight-saving
   * change, said in the commands' warnings (clock-change.ts).
   */
  clockChange?: ClockChange;
}

/** Rows whose timestamp lies far before or after the rest: where each is, and the span the rest covers. */
export interface FarRows {
  rows: Array<{ where: string; t: number }>;
  /** The first and last timestamp of the rows kept. */
  from: number;
  to: number;
  kept: number;
}

export type EpochUnit = 's' | 'ms' | 'us' | 'ns';

const PER_SECOND: Record<EpochUnit, number> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };
const UNIT_NAME: Record<EpochUnit, string> = { s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds' };

/**
 * The unit of a Unix epoch number, by magnitude: every unit covers 1973…5138 in its own band of three decades
 * (seconds < 1e11, ms < 1e14, µs < 1e17, ns < 1e20), so a timestamp of this era reads one way only. Seconds before
 * 1973 (< 1e11 in every other unit: the first weeks of 1970) count as seconds. Undefined beyond 1e20.
 */
export function epochUnit(n: number): EpochUnit | undefined {
  const a = Math.abs(n);
  if (a < 1e11) return 's';
  if (a < 1e14) return 'ms';
  if (a < 1e17) return 'us';
  if (a < 1e20) return 'ns';
  return undefined;
}

/**
 * ISO-8601 as MOrA reads it: a date, optionally a time (`T` or a space; seconds and fractions optional) and a zone
 * (`Z`, `±hh`, `±hhmm`, `±hh:mm`, ` UTC`). Anything else — `1/2/2013` (January 2 or February 1?), `30.06.2013`, `June 30 2013` —
 * is refused: JavaScript's Date.parse guesses month/day order for such strings, which would read a day-first file wrong.
 */
const ISO_8601 = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))? ?(Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?$/i;
/** An epoch number, also as R writes a round one (`1.7e+09`). */
const EPOCH_NUMBER = /^-?\d+(\.\d+)?(e\+?\d+)?$/i;
/** ISO-8601's basic form (`20231114T000000Z`, `20231114T0000+0100`): read as the extended one. */
const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** A year-first date with slashes (`2023/11/14 00:00:00`, as Excel and some loggers write it): unambiguous, unlike 1/2/2013. */
const YEAR_SLASHES = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?=$|[T ])/;
/** Go's time.Time String(): an offset, then the zone's abbreviation (`2023-11-15 00:00:00 +0000 UTC`); the offset says it all. */
const GO_ZONE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) ([+-]\d{4}) [A-Z]{1,5}$/;
/**
 * A value as spreadsheets and printf write it. Number() alone also reads "0x10" as 16 (and 0b…, 0o…): a cell in another
 * notation would be a silently wrong number, so only decimal reads.
 */
const DECIMAL = /^[-+]?(\d+(?:\.\d*)?|\.\d+)(e[-+]?\d+)?$/i; // not \d+\.?\d*: quadratic on long digits (WITH_UNIT)
/** What exports write for no value: NaN (C's printf also -nan), null (JSON), NA (R), N/A, None (Python), #N/A (Excel), - (a dash in reports and dashboards). */
const MISSING = /^([-+]?nan|null|na|n\/a|none|#n\/a|-)$/i;
/**
 * A number with a unit after it (`250m`, `512Mi`, `45%`, `1.5 GB`): what kubectl, dashboards and spreadsheets write.
 * `\d+(?:\.\d*)?`, not `\d+\.?\d*`: on a long run of digits without a unit the latter backtracked quadratically (the digits
 * \d+ gave back were taken again by \d*: 6 minutes for a cell of 400,000 nines); each digit given back now fails at once.
 */
const WITH_UNIT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?\s*([a-z%µ]+)$/i;

/** 1980-01-01 in Unix seconds: no monitoring data is older, so an earlier timestamp is probably not Unix time. */
export const BEFORE_MONITORING = 315_532_800;

/**
 * A warning when timestamps read as Unix seconds before 1980: all of them are more likely Excel serial days (45231.5) or
 * row numbers, whose "steps" of a fraction of a second make a day of samples look like seconds of them; a few among
 * plausible ones are stray rows (`0,0`) that stretch the history back decades (undefined: all plausible).
 */
export function implausibleTimestamps(t: ArrayLike<number>): string | undefined {
  // Milliseconds (µs, ns) counted from a trace's start read as seconds: told before "stray rows", which they are not.
  const finer = unitReadAsSeconds(t);
  if (finer) return finerUnitNote(finer);
  let early = 0, earliest = Infinity;
  for (let i = 0; i < t.length; i++) {
    if (t[i] < BEFORE_MONITORING) { early++; earliest = Math.min(earliest, t[i]); }
  }
  if (early === 0) return undefined;
  if (early * 2 <= t.length) {
    return `${early} of ${t.length} timestamps read as Unix seconds before 1980 (the earliest, ${earliest}, is ${new Date(earliest * 1000).toISOString()}): `
      + 'stray rows? they stretch the history back to then (and a backtest\'s warm-up with it); remove them '
      + '(or, if the times count from a trace\'s start in another unit, give it: --time-unit s|ms|us|ns)';
  }
  const first = t[0];
  return `the first timestamp, ${first}, reads as Unix seconds ${new Date(first * 1000).toISOString()}; `
    + 'if these are Excel serial dates or row numbers, export ISO-8601 or Unix timestamps (times counted from a trace\'s start are fine: '
    + 'mora backtest --time-unit s|ms|us|ns says so and silences this; --step <seconds> reads step numbers)';
}

/** A sampling step that usage series are scraped at, in seconds: from 1 s to an hour. */
const USUAL_STEP = { min: 1, max: 3600 };

/** Times read as seconds that are more likely a finer unit counted from a trace's start: the unit, and the median step both ways. */
export interface FinerUnit {
  unit: Exclude<EpochUnit, 's'>;
  /** The median step as read (seconds), and in `unit` read as it (seconds). */
  readStep: number;
  step: number;
}

/**
 * Whether times read as Unix seconds look like milliseconds (or µs, ns) counted from a trace's start — Alibaba's
 * microservices trace writes 0, 60000, 120000, … — (undefined: no): the earliest is before 1980 as seconds (not an
 * epoch number of this era, which `epochUnit` tells by magnitude), and the median step is, in that unit, a whole number
 * of seconds (within 10 ms) from 1 s to an hour, so at least 1000 s as read. Only said, never switched to: a seconds
 * trace with such steps (1000 s, 5 h) is rare, not impossible; those that usage traces use — 10 s to 15 min, 30 min,
 * hours, a day — are no whole number of seconds once divided by 1000 and are never taken for it.
 */
export function unitReadAsSeconds(t: ArrayLike<number>): FinerUnit | undefined {
  if (t.length < 3) return undefined;
  let earliest = Infinity;
  const steps: number[] = [];
  for (let i = 0; i < t.length; i++) {
    earliest = Math.min(earliest, t[i]);
    if (i > 0 && t[i] > t[i - 1]) steps.push(t[i] - t[i - 1]);
  }
  if (!(earliest >= 0 && earliest < BEFORE_MONITORING) || steps.length < 2) return undefined;
  steps.sort((a, b) => a - b);
  const readStep = steps[steps.length >> 1];
  for (const unit of ['ms', 'us', 'ns'] as const) {
    const per = PER_SECOND[unit];
    const step = Math.round(readStep / per);
    if (step >= USUAL_STEP.min && step <= USUAL_STEP.max && Math.abs(readStep - step * per) <= per / 100) return { unit, readStep, step };
  }
  return undefined;
}

/** A span of seconds in the unit that reads best (`3.5 days`, `17 h`, `20 min`). */
function spanText(s: number): string {
  return s >= 86_400 ? `${(s / 86_400).toPrecision(2)} days` : s >= 3600 ? `${(s / 3600).toPrecision(2)} h` : `${(s / 60).toPrecision(2)} min`;
}

/** What `unitReadAsSeconds` found, said as a warning: what the times read as, what they likely are, and the flag. */
export function finerUnitNote(f: FinerUnit): string {
  return `the times read as Unix seconds (no --time-unit: numbers under 1e11 are seconds) from 1970 on, ${f.readStep} s (${spanText(f.readStep)}) apart (median), `
    + `an unusual step for usage; read as ${UNIT_NAME[f.unit]} counted from the trace's start, they are ${f.step} s apart, a usual step: `
    + `if they are ${UNIT_NAME[f.unit]} (as Alibaba's microservices trace writes them), give --time-unit ${f.unit}; if they are seconds, --time-unit s says so and silences this`;
}

/** What `unitReadAsSeconds` found, in short (for an error that says why no day could be scored). */
export function finerUnitHint(f: FinerUnit): string {
  return `the times look like ${UNIT_NAME[f.unit]} counted from the trace's start (${f.readStep} s apart read as seconds, ${f.step} s as ${UNIT_NAME[f.unit]}): give --time-unit ${f.unit}`;
}

/** Whether a timestamp is a clock time without an offset or zone (`2026-11-01 01:30:00`): local time, read as UTC. */
function isLocalTime(raw: string): boolean {
  const m = ISO_8601.exec(isoForms(unquote(raw)));
  return m !== null && m[2] !== undefined && m[3] === undefined;
}

/** Unix seconds from ISO-8601 or an epoch number in s/ms/µs/ns (NaN when it is neither). */
export function parseTimestamp(raw: string): number {
  const s = isoForms(unquote(raw));
  if (EPOCH_NUMBER.test(s)) {
    const n = Number(s);
    const unit = epochUnit(n);
    return unit ? n / PER_SECOND[unit] : NaN;
  }
  const m = ISO_8601.exec(s);
  if (!m) return NaN;
  // ISO-8601 without zone is taken as UTC; `+hh` (as PostgreSQL writes it) means `+hh:00`.
  // ` UTC` is how BigQuery writes a TIMESTAMP.
  const zone = /^(UTC|GMT)$/i.test(m[3] ?? '') ? 'Z' : (m[3] ?? 'Z').toUpperCase();
  const iso = `${m[1]}T${m[2] ?? '00:00'}${zone.length === 3 ? `${zone}:00` : zone}`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && dayExists(m[1]) ? ms / 1000 : NaN;
}

/** Other unambiguous spellings of a timestamp (ISO basic, year-first slashes, Go's zone) as the ISO-8601 that reads. */
function isoForms(s: string): string {
  const basic = ISO_BASIC.exec(s);
  if (basic) return `${basic[1]}-${basic[2]}-${basic[3]}T${basic[4]}:${basic[5]}${basic[6] ? `:${basic[6]}` : ''}${basic[7] ?? ''}`;
  const slashes = YEAR_SLASHES.exec(s);
  if (slashes) return `${slashes[1]}-${slashes[2].padStart(2, '0')}-${slashes[3].padStart(2, '0')}${s.slice(slashes[0].length)}`;
  const go = GO_ZONE.exec(s);
  return go ? `${go[1]}${go[2]}` : s;
}

/** Whether a YYYY-MM-DD names a real day: Date.parse rolls 2023-02-30 over to 2 March instead of refusing it. */
function dayExists(ymd: string): boolean {
  const [y, mo, d] = ymd.split('-').map(Number);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0–99 as 1900–1999
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** A cell without the blanks around it and without its surrounding double quotes. */
function unquote(cell: string): string {
  const c = cell.trim();
  return c.length >= 2 && c.startsWith('"') && c.endsWith('"') ? c.slice(1, -1).replace(/""/g, '"').trim() : c;
}

/**
 * One CSV line split at commas outside double quotes (RFC 4180), so a quoted `"1,234.5"` stays one cell — split naively
 * it read as the value 1 and the rest was lost, silently.
 */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') { cell += '""'; i++; continue; }
      quoted = !quoted;
      cell += ch;
    } else if (ch === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/** What a row with more cells than the header (or first line) may be, and what to do about it. */
const MORE_CELLS_HINT = '(a decimal comma? separate the columns with ";" instead, or write the decimal with a dot; a comma inside a cell? quote the cell)';

/** A cell as written with a decimal comma: `0,25`, `-1,5`, `,5`, `1,5E-3`, and `1.234,5` (dots grouping thousands). */
const DECIMAL_COMMA = /^([-+]?)(\d{1,3}(?:\.\d{3})+|\d*),(\d+)([eE][-+]?\d+)?$/;
/** A number whose dots could group thousands (`1.234`, `12.345.678`): a decimal point only where no comma is one. */
const THOUSANDS_DOTS = /^[-+]?\d{1,3}(?:\.\d{3})+$/;
/**
 * A number whose commas could group thousands (`1,234`, `12,345,678`: a first group of 1-3 digits not starting with 0,
 * then groups of exactly 3): in a `;`- or tab-separated file, 1234 or 1.234? Only the rest of its column can tell.
 */
const THOUSANDS_COMMAS = /^[-+]?[1-9]\d{0,2}(?:,\d{3})+$/;

/** A line split at `sep` outside double quotes, each cell as written (quotes kept). */
function splitAt(line: string, sep: string): string[] {
  if (!line.includes('"')) return line.split(sep);
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted; // a doubled quote toggles twice: still inside
    if (ch === sep && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/**
 * The separator of a `;`- or tab-separated export, from its first line (undefined: commas). Excel and LibreOffice write
 * `;` where the decimal mark is a comma (`1700000000;0,25`). It is the separator when it splits the line into more cells
 * than commas do, or into as many while every comma of the line sits between digits (a decimal comma: `1700000000;0,25`
 * is two cells either way); a comma-separated line holding a `;` (`timestamp,note;x`) stays comma-separated.
 */
function otherSeparator(first: string): ';' | '\t' | undefined {
  const commas = splitAt(first, ',').length;
  let best: { sep: ';' | '\t'; cells: number } | undefined;
  for (const sep of [';', '\t'] as const) {
    const cells = splitAt(first, sep).length;
    if (cells < 2 || (best && best.cells >= cells)) continue;
    const decimalCommas = splitAt(first, sep).every((c) => !c.includes(',') || DECIMAL_COMMA.test(unquote(c)));
    if (cells > commas || decimalCommas) best = { sep, cells };
  }
  return best?.sep;
}

/**
 * A `;`- or tab-separated export as the comma-separated CSV the readers take, line for line (errors name the file's own
 * lines; the text is unchanged when commas separate it). A decimal comma becomes a dot (`0,25` → `0.25`, `1.234,5` →
 * `1234.5`); another cell holding a comma is quoted, so it stays one cell. In a file whose decimal mark is a comma, a
 * number such as `1.234` is refused with its line: a thousands separator (1234) or a decimal point (1.234) cannot be told.
 * So is a column whose commas all could group thousands (`1,234`, `12,345,678`: before this reader took decimal commas,
 * such a file was refused; reading 1.234 would be a silent guess) unless another of its cells is a decimal comma no
 * thousands group can be (`0,25`, `1,5`, `0,125`).
 */
/** Excel's first line naming the separator: `sep=;`, `sep=,`, `sep=<tab>` (maybe quoted, maybe followed by separators). */
const EXCEL_SEP = /^"?sep=(.)"?[;,\t]*$/i;

function commaSeparated(text: string, name: string): string {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const at = lines.findIndex((l) => l.trim() !== '' && !isComment(l));
  // Excel's `sep=;` line (it names the separator and is no header): blanked, so line numbers stay the file's.
  const named = at < 0 ? null : EXCEL_SEP.exec(lines[at]);
  let sep: ';' | '\t' | undefined;
  if (named) {
    if (named[1] !== ',' && named[1] !== ';' && named[1] !== '\t') {
      throw new InputError(`${name}: line ${at + 1}: "${clip(lines[at], 20)}": columns separated by "${named[1]}" are not read; export with commas, semicolons or tabs`);
    }
    lines[at] = '';
    if (named[1] === ',') return lines.join('\n');
    sep = named[1];
  } else {
    sep = at < 0 ? undefined : otherSeparator(lines[at]);
  }
  if (sep === undefined) return text;
  let decimalComma = false;
  let dotted: { line: number; cell: string } | undefined;
  // Per column: the first cell that may group thousands (`1,234`), and whether another cell of the column is a decimal
  // comma that cannot be (`0,25`, `1,5`, `1.234,5`): then the column's commas are decimal marks.
  const grouped = new Map<number, { line: number; cell: string }>();
  const decimals = new Set<number>();
  const out = lines.map((line, k) => {
    if (line.trim() === '' || isComment(line)) return line;
    return splitAt(line, sep).map((raw, j) => {
      const cell = unquote(raw);
      if (THOUSANDS_COMMAS.test(cell)) {
        if (!grouped.has(j)) grouped.set(j, { line: k + 1, cell });
      }
      const m = DECIMAL_COMMA.exec(cell);
      if (m && !THOUSANDS_COMMAS.test(cell)) decimals.add(j);
      if (m) {
        decimalComma = true;
        return `${m[1]}${m[2].replace(/\./g, '') || '0'}.${m[3]}${m[4] ?? ''}`;
      }
      if (THOUSANDS_DOTS.test(cell)) dotted ??= { line: k + 1, cell };
      return cell.includes(',') || cell.includes('"') ? `"${cell.replace(/"/g, '""')}"` : cell;
    }).join(',');
  });
  const unsettled = [...grouped].filter(([j]) => !decimals.has(j)).sort((a, b) => a[1].line - b[1].line)[0];
  if (unsettled) {
    const [j, { line, cell }] = unsettled;
    const meaning = cell.indexOf(',') === cell.lastIndexOf(',')
      ? `a thousands separator (${cell.replace(/,/g, '')}) or a decimal comma (${cell.replace(',', '.')})? no other value of the column tells`
      : `thousands separators (${cell.replace(/,/g, '')})`;
    throw new InputError(`${name}: line ${line}: "${clip(cell, 40)}" in column ${j + 1} of a ${sep === ';' ? '";"' : 'tab'}-separated file: ${meaning}; `
      + 'export the numbers without thousands separators (a decimal comma, as 0,25, or a dot, as 0.25, reads)');
  }
  if (decimalComma && dotted) {
    throw new InputError(`${name}: line ${dotted.line}: "${clip(dotted.cell, 40)}" in a file whose decimal mark is a comma: a thousands separator `
      + `(${dotted.cell.replace(/\./g, '')}) or a decimal point? export the numbers without thousands separators`);
  }
  return out.join('\n');
}

/**
 * "Which column is the value?" of a header with several candidates and no time-and-value pairs: `candidates` are the
 * columns besides the time (as the header names them, lower case), from which a caller that knows the resource kind
 * (backtest --kind) may pick the one column named for it.
 */
export class ValueColumnError extends InputError {
  constructor(message: string, readonly candidates: readonly string[]) {
    super(message);
  }
}

/** Header names that are the timestamp column by themselves; other names count when they contain "time" or "date". */
const TIME_NAMES = ['timestamp', 'time', 'ts', 'ds', 'date', 'datetime', 't'];
const VALUE_NAMES = ['value', 'y'];

/**
 * The timestamp and value columns from the header. Exact names first (`timestamp`, `value`, …), then names that
 * contain them; a two-column file needs no names. When several columns could be the value (`mem_value,cpu_value`), or a
 * wider file names none, it is an error that lists the columns: picking one would forecast the wrong metric silently.
 */
function chooseColumns(header: readonly string[], where: string): { tCol: number; vCol: number; clockCol?: number; chosen?: string; leftOut?: number[] } {
  const named = header.map((h, j) => ({ h, j })).filter((c) => c.h !== '');
  // Every column, an unnamed one too (`timestamp,pod-1,,pod-3` has 4): counting the named ones alone said 3.
  // Clipped: a JSON file or a one-line export read as CSV is a "header" of thousands of cells.
  const list = clip(header.map((h) => h || '(empty)').join(', '));
  let tCol = named.find((c) => TIME_NAMES.includes(c.h))?.j ?? named.find((c) => /time|date/.test(c.h))?.j;
  // An empty-named first column is the index pandas writes (`Series.to_csv()`: `,value`): the timestamps when it is a
  // time index, and refused by its cells like any timestamp column when it is not.
  if (tCol === undefined && header.length > 1 && header[0] === '' && named.length >= 1) tCol = 0;
  if (tCol === undefined) {
    if (named.length > 2) throw new InputError(`${where}: which column is the timestamp? The header has ${header.length} columns (${list}); name it "timestamp", or give --time-column <name or number>`);
    // Two columns, neither named for time: the timestamp is the one not named for the value (`value,when` read the
    // values as timestamps), else the first.
    tCol = named.find((c) => !VALUE_NAMES.includes(c.h) && !c.h.includes('value'))?.j ?? named[0]?.j ?? 0;
  }
  // A date and a clock time in two columns (spreadsheets, Windows performance logs) are one timestamp: read alone, the date
  // gave every row of a day the same timestamp, and all but each day's last row were dropped behind a duplicates warning.
  const dateCol = named.find((c) => c.h === 'date')?.j;
  const clockCol = named.find((c) => c.h === 'time')?.j;
  const split = dateCol !== undefined && clockCol !== undefined && (tCol === dateCol || tCol === clockCol);
  if (split) tCol = dateCol;
  const rest = named.filter((c) => c.j !== tCol && !(split && c.j === clockCol));
  for (const n of [...VALUE_NAMES, header[tCol]]) {
    // Two columns of one name (a join of two exports): either could be meant.
    if (named.filter((c) => c.h === n).length > 1) throw new InputError(`${where}: the header names two columns "${clip(n, 40)}"; keep one, or rename the other`);
  }
  let vCol = rest.find((c) => VALUE_NAMES.includes(c.h))?.j;
  if (vCol === undefined) {
    const candidates = rest.filter((c) => c.h.includes('value'));
    if (candidates.length > 1) {
      throw new InputError(`${where}: which column is the value? ${clip(candidates.map((c) => `"${c.h}"`).join(' and '))} could both be; keep one, or name it "value", or give --value-column <name or number>`);
    }
    const usage = candidates.length === 0 ? usageAmong(rest.map((c) => c.h)) : undefined;
    if (candidates.length === 1) vCol = candidates[0].j;
    else if (rest.length === 1) vCol = rest[0].j;
    else if (usage) return { tCol, vCol: rest[usage.k].j, ...(split ? { clockCol } : {}), chosen: usage.chosen, leftOut: usage.left.map((k) => rest[k].j) };
    else {
      throw new ValueColumnError(`${where}: which column is the value? The header has ${header.length} columns (${list})${companionText(rest.map((c) => c.h))}; name the one to use "value", `
        + 'or give --value-column (one series; with --series-column <id columns>: one per id) or --wide (one per column)', rest.map((c) => c.h));
    }
  }
  return split ? { tCol, vCol, clockCol } : { tCol, vCol };
}

/**
 * `chooseColumns`, but a "header" of numbers (`c_1002,m_202,0,27,61`: a file without one, whose first row was taken for
 * it) that names no columns says so and how to read the file, instead of asking which of its numbers is the timestamp.
 * A word and then numbers only (`step,1633748,1633750`: Azure's V1 trace, a column per VM named by its id) is a header,
 * of a wide file: over a row counter (`firstColumn`, the first data rows' first cells: whole numbers one apart, before 1973 as Unix seconds) it says
 * `--wide --step <seconds>`, over timestamps `--wide` (`--no-header` read "step" as a timestamp and failed).
 */
function chooseColumnsOrNoHeader(header: readonly string[], where: string, firstColumn: readonly string[] = [], firstRows: ReadonlyArray<readonly string[]> = []): ReturnType<typeof chooseColumns> {
  try {
    return chooseColumns(header, where);
  } catch (e) {
    const numbers = header.filter((h) => DECIMAL.test(h)).length;
    // No column named for time nor holding times (aggregates: Alibaba's or Google's cluster-trace exports of usage per
    // interval): the rows may be samples one step apart, which backtest --step reads.
    if (e instanceof InputError && numbers < 2 && /which column is the timestamp\?/.test(e.message) && firstRows.length > 0 && !header.some((_, j) => timeLikeColumn(firstRows.map((r) => r[j] ?? '')))) {
      throw new InputError(`${e.message}; no column holds times: if the rows are samples one step apart (an aggregate export, as Alibaba's or Google's cluster traces give), `
        + 'give mora backtest --step <seconds> --value-column <name> (it reads the rows as evenly spaced, that many seconds apart)');
    }
    if (!(e instanceof InputError) || numbers < 2) throw e;
    if (header[0] !== '' && !DECIMAL.test(header[0]) && numbers === header.length - 1 && firstColumn.length > 0) {
      const names = `${clip(header.slice(1, 4).join(', '), 60)}${header.length > 4 ? ', …' : ''}`;
      const counter = firstColumn.every((c, k) => /^\d+$/.test(c) && Number(c) === Number(firstColumn[0]) + k) && Number(firstColumn[0]) < 1e8;
      if (counter) {
        throw new InputError(`${where}: "${clip(header[0], 40)}" counts rows (${firstColumn.slice(0, 3).join(', ')}, …) and the other columns are named by numbers (${names}): `
          + `a column per series? give --wide --step <seconds> (one series per column; the seconds between rows)`);
      }
      if (firstColumn.every((c) => Number.isFinite(parseTimestamp(c)))) {
        throw new InputError(`${where}: "${clip(header[0], 40)}" holds the times and the other columns are named by numbers (${names}): a column per series? `
          + 'give --wide (one series per column)');
      }
    }
    throw new InputError(`${where}: no header? ${numbers} of its ${header.length} cells are numbers (${clip(header.join(','), 80)}); for a file without a header, give `
      + '--no-header with --time-column <n> --value-column <n> (columns numbered from 1), and --series-column <n> when an id column names several series');
  }
}

/**
 * Whether a column's first cells read as times: each an ISO date (or another date format parseTimestamp reads), or a Unix
 * timestamp after 1980 in any unit, and never decreasing. Usage numbers (0.52 cores) are no times.
 */
function timeLikeColumn(cells: readonly string[]): boolean {
  const ts = cells.map((c) => c.trim()).filter((c) => c !== '');
  if (ts.length === 0) return false;
  const read = ts.map((c) => (EPOCH_NUMBER.test(c) ? (Number(c) >= BEFORE_MONITORING ? Number(c) : NaN) : parseTimestamp(c)));
  return read.every(Number.isFinite) && read.every((x, k) => k === 0 || x >= read[k - 1]);
}

/**
 * Whether the first column of the data rows from line `from` (up to 20 of them) holds numbers that are no step counter
 * (whole numbers ≥ 0, never decreasing): usage, such as 0.52 cores or bytes that go up and down. Text (a date) is not.
 */
function usageNumbers(lines: readonly string[], from: number): boolean {
  const cells: string[] = [];
  for (let k = from; k < lines.length && cells.length < 20; k++) {
    if (lines[k].trim() !== '' && !isComment(lines[k])) cells.push(unquote(splitCsvLine(lines[k])[0] ?? '').trim());
  }
  if (cells.length === 0 || !cells.every((c) => DECIMAL.test(c))) return false;
  const counter = cells.every((c, k) => /^\d+$/.test(c) && (k === 0 || Number(c) >= Number(cells[k - 1])));
  return !counter;
}

/** An infinity as exports write it (Prometheus +Inf for a division by zero, numpy inf, JavaScript Infinity). */
const INFINITE = /^[-+]?inf(inity)?$/i;

/**
 * A value cell as a number; null for no value (empty, NaN, …); Infinity for an infinity (no value either, counted apart);
 * else what is wrong with it (`value "x" is not a number…`).
 */
function readValue(raw: string): number | null | string {
  if (raw === '' || MISSING.test(raw)) return null;
  if (INFINITE.test(raw)) return Infinity;
  const val = DECIMAL.test(raw) ? Number(raw) : NaN;
  if (Number.isFinite(val)) return val;
  const suffix = WITH_UNIT.exec(raw)?.[1];
  // 0xff is hexadecimal, not 0 with a unit "xff".
  const hint = suffix && !OTHER_BASE.test(raw) ? `: it carries a unit ("${suffix}"); write plain numbers (CPU in cores, memory in bytes)`
      : notationHint(raw);
  return `value "${raw.slice(0, 40)}" is not a number${hint}`;
}

/** The forms a value cell reads, for the errors of cells written in another. */
const ACCEPTED_NUMBERS = 'values read as decimal numbers with a dot as the decimal mark, such as 0.25, -3, 1234.5 or 2.5e-3 (empty or NaN: no sample)';
/** Groups of three digits after a first of 1-3 (not starting with 0: `0,125` is a decimal comma), by commas, apostrophes, spaces or underscores, with an optional decimal part. */
const GROUPED = /^[-+]?[1-9]\d{0,2}(?:([,'\u2019 _\u00a0\u202f])\d{3})(?:\1\d{3})*(\.\d+)?$/;
/** Dots grouping thousands before a decimal comma: `1.234,5`. */
const DOTS_THEN_COMMA = /^[-+]?\d{1,3}(?:\.\d{3})+,\d+$/;
/** Integers in another base, as C, Python and JavaScript write them. */
const OTHER_BASE = /^([-+]?)0([xob])([0-9a-f]+)$/i;

/**
 * What to write instead of a value that looks like a number in another notation (thousands separators, hexadecimal, a
 * decimal comma, …): `: …` to append to the error, or '' for a cell that is no number at all (`oops`). MOrA has no option
 * for other separators or decimal marks in a comma-separated file (a `;`-separated file with decimal commas reads), so the
 * remedy is to export plain numbers.
 */
function notationHint(raw: string): string {
  const grouped = GROUPED.exec(raw);
  if (grouped) {
    const plain = raw.split(grouped[1]).join('');
    // `1,234` alone: 1234 with a thousands separator, or 1.234 with a decimal comma.
    if (grouped[1] === ',' && grouped[2] === undefined && raw.indexOf(',') === raw.lastIndexOf(',')) {
      return `: a thousands separator (${plain}) or a decimal comma (${raw.replace(',', '.')})? export plain numbers, a dot as the decimal mark and no thousands separators (no option reads them)`;
    }
    return `: thousands separators? export the numbers without them (${plain}); no option reads them`;
  }
  if (DOTS_THEN_COMMA.test(raw)) return `: thousands dots and a decimal comma? export plain numbers (${raw.replace(/\./g, '').replace(',', '.')}) or separate the columns with ";", which reads decimal commas`;
  if (/^[-+]?\d*,\d+$/.test(raw)) return ': a decimal comma? write a dot as the decimal mark';
  const base = OTHER_BASE.exec(raw);
  if (base) {
    const radix = { x: 16, o: 8, b: 2 }[base[2].toLowerCase() as 'x' | 'o' | 'b'];
    // Up to 12 digits: the decimal is exact and short enough for one line.
    const n = base[3].length <= 12 ? parseInt(base[3], radix) : NaN;
    const name = radix === 16 ? 'hexadecimal' : radix === 8 ? 'octal' : 'binary';
    if (![...base[3]].every((c) => parseInt(c, 16) < radix)) return `: ${ACCEPTED_NUMBERS}`; // 0b102: no binary number either
    return `: ${name} is not read; write ${Number.isFinite(n) ? `${base[1] === '-' ? '-' : ''}${n}` : 'it in decimal'}: ${ACCEPTED_NUMBERS}`;
  }
  // Something number-like in another form (`1.2.3`, `(5)`, `$5`, `5-`): which forms read.
  if (/^[-+($€£¥]?\s*[-+]?\.?\d/.test(raw)) return `: ${ACCEPTED_NUMBERS}`;
  return '';
}

/** A series of a file and, for a Prometheus export (one series or several), its labels. */
export interface LabelledRead {
  read: ReadSeries;
  /** The label column a long-form file without --series-column was split by (its one column besides time and value). */
  splitBy?: string;
  labels?: Record<string, string>;
  /** The series' name within its CSV when the file held several (a long-form file's id values joined with /, a wide file's column). */
  key?: string;
  /** A metric of a paired file (a time column before each metric, paired-csv.ts): `key` is its column's name. */
  paired?: boolean;
}

/**
 * How to read a CSV whose header alone does not say which columns hold what (the CLI's --time-column, --value-column,
 * --series-column, --no-header, --wide, --time-unit and --step). Every field is optional; none set reads as before.
 */
export interface CsvLayout {
  /** The timestamp column: a header name, or a 1-based column number (digits only). */
  timeColumn?: string;
  /** The value column, as timeColumn. */
  valueColumn?: string;
  /** Long form: the columns whose values, joined with "/", name each row's series (container_id; collection_id,instance_index); with several, a "/" or "%" inside an id is written %2F or %25. */
  seriesColumns?: string[];
  /** The first line is data, not a header: columns are addressed by number. */
  noHeader?: boolean;
  /** Wide form: every column but the timestamp is a series of its own, named by its header (column N without one). */
  wide?: boolean;
  /** Epoch numbers are in this unit, whatever their magnitude (default: told apart by magnitude, see `epochUnit`). */
  timeUnit?: EpochUnit;
  /** Timestamps are step numbers (0, 1, 2, …) times this many seconds; without a time column, the row number is. */
  step?: number;
}

/** Whether a layout asks for anything (undefined or all fields unset: the file is read as before). */
export function hasLayout(l: CsvLayout | undefined): l is CsvLayout {
  return l !== undefined && Object.values(l).some((x) => x !== undefined && x !== false);
}

/**
 * The series of a `timestamp,value` CSV (one) or of a Prometheus range-query JSON export (one per series; JSON is told
 * by its first character, `{` or `[`: reading it as CSV made a "header" of thousands of cells).
 */
export function parseTimeseries(text: string, name = 'input', layout?: CsvLayout): LabelledRead[] {
  return readAll(text, name, layout, true);
}

/** parseTimeseries; `split`: a long-form file with one label column is one series per label (else its error stands). */
function readAll(text: string, name: string, layout: CsvLayout | undefined, split: boolean): LabelledRead[] {
  if (!looksLikeJson(text)) {
    text = commaSeparated(text, name);
    const paired = readPaired(text, name, layout);
    if (paired) return paired;
    if (hasLayout(layout)) return parseCsvLayout(text, name, layout);
    // A time column and several numeric columns named alike (vm_0, vm_1, …): a wide file, one series per column. Such a
    // header was refused ("which column is the value?"), so no file that read before reads differently.
    if (looksWide(text)) return parseCsvLayout(text, name, { wide: true });
    try {
      return [{ read: parseCsv(text, name) }];
    } catch (e) {
      // Such a file was refused ("the file holds several series"), so no file that read before reads differently.
      const how = (e as { split?: Split }).split;
      if (!split || !how) throw e;
      return parseCsvLayout(text, name, { timeColumn: how.timeColumn, valueColumn: how.valueColumn, seriesColumns: [how.seriesColumn] })
        .map((r) => ({ ...r, splitBy: how.name }));
    }
  }
  // A CSV's layout flags address columns and numbers a JSON export does not have: refused by name, never ignored
  // (--time-unit ms or --step 60 silently did nothing). --series-column names labels and is honoured (backtest-input.ts).
  const csvOnly = layout ? csvOnlyFlags(layout) : [];
  if (csvOnly.length > 0) {
    throw new InputError(`${name}: ${csvOnly.join(', ')} ${csvOnly.length === 1 ? 'reads' : 'read'} a CSV's columns, but this is a Prometheus JSON export, `
      + `which gives its own times (epoch seconds, or ms in a VictoriaMetrics export) and values: leave ${csvOnly.length === 1 ? 'it' : 'them'} out`
      + ' (a directory of both: replay its CSV files and its JSON exports in separate runs; series by labels: --series-column <label>; values: --scale)');
  }
  const all = parsePrometheusJson(text, name);
  return all.map((js, i) => ({
    read: withMetric(readJsonSeries(js, `${name}: ${all.length > 1 ? `series ${i + 1} ${clip(labelText(js.labels), 100)}, ` : ''}`), js.labels.__name__),
    // Kept for one series too: a directory joins a series' time chunks by their labels (backtest-input.ts).
    labels: js.labels,
  }));
}

/** The flags of a layout that only a CSV can honour, as the user typed them. */
function csvOnlyFlags(l: CsvLayout): string[] {
  return [
    l.timeColumn !== undefined && '--time-column', l.valueColumn !== undefined && '--value-column', l.noHeader && '--no-header',
    l.wide && '--wide', l.timeUnit !== undefined && '--time-unit', l.step !== undefined && '--step',
  ].filter((f): f is string => typeof f === 'string');
}

function withMetric(read: ReadSeries, metric: string | undefined): ReadSeries {
  return metric ? { ...read, metric } : read;
}

/** One series: a CSV, or a Prometheus export of one series (several are an error that says how to pick one). */
export function parseTimeseriesCsv(text: string, name = 'input', layout?: CsvLayout): ReadSeries {
  const all = readAll(text, name, layout, false);
  if (all.length > 1 && all[0].paired) {
    throw new InputError(`${name}: a time column before each metric: ${all.length} series (${clip(all.map((s) => s.key).join(', '))}); this reads one: `
      + `give --value-column <metric> (e.g. --value-column ${exampleMetric(all.map((s) => s.key!))})`);
  }
  if (all.length > 1 && all[0].key !== undefined) {
    throw new InputError(`${name}: the file holds ${all.length} series (${clip(all.map((s) => s.key).join(', '))}); this reads one: `
      + 'give mora backtest --input, which replays each, or --value-column for one column');
  }
  if (all.length > 1) {
    const list = clip(all.map((s) => labelText(s.labels ?? {})).join(', '));
    throw new InputError(`${name}: the Prometheus export holds ${all.length} series (${list}); this reads one: select one in the query `
      + '(a label matcher such as {pod="…"}, or an aggregation such as sum(…)), or give the file to mora backtest --input, which replays each');
  }
  return all[0].read;
}

/** A metric of a paired file to name in an example: the total CPU usage when there is one, else the first. */
function exampleMetric(names: readonly string[]): string {
  try { return metricForKind(names, 'cpu', '').name; } catch { return names[0]; }
}

/** A header name of a time column (exact, or containing "time" or "date"). */
const isTimeName = (h: string) => TIME_NAMES.includes(h) || /time|date/.test(h);

/**
 * A paired file (paired-csv.ts: `timestamp,cpu_usage,timestamp,memory_usage`) that the reader refuses as it was read
 * before: each pair's series, labelled by its metric and read as a `timestamp,<metric>` file of the same lines (a shorter
 * column's empty end is no rows); with --value-column, that metric's pair alone, unlabelled. Refused before means: with no
 * flags, the header names no single series (two columns "timestamp", or no value column); with flags (--value-column,
 * --wide, --time-unit, --step), the read by those flags (`parseCsvLayout`) refuses the file, and when it does not, its
 * read is returned, so `timestamp,cpu,end_time,duration --value-column duration` stays timed by `timestamp`. One
 * exception: time columns of one name (`timestamp,cpu_usage,timestamp,memory_usage`: which is meant cannot be told, and
 * the read by flags took the first, so a metric was timed by another metric's column) read as pairs with any of those
 * flags. undefined: not such a file, or flags that address its columns otherwise (--time-column, --series-column,
 * --no-header), which read as before.
 */
function readPaired(text: string, name: string, layout: CsvLayout | undefined): LabelledRead[] | undefined {
  if (layout && (layout.noHeader || layout.timeColumn !== undefined || layout.seriesColumns?.length || (layout.wide && layout.valueColumn !== undefined))) return undefined;
  // The header from the first 64 KB: a large file is split into lines only when it is paired.
  const head = text.slice(0, 65_536).replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let i = 0;
  while (i < head.length && (head[i].trim() === '' || isComment(head[i]))) i++;
  if (i >= head.length - 1) return undefined;
  const header = splitCsvLine(head[i]).map(unquote);
  const pairs = pairedColumns(header, isTimeName);
  if (!pairs) return undefined;
  const lower = header.map((h) => h.toLowerCase());
  const timeNames = pairs.map((p) => lower[p.time]);
  if (!hasLayout(layout)) {
    try {
      chooseColumns(lower, name);
      return undefined; // read as one series before: read so still
    } catch { /* refused as one series: read by pairs */ }
  } else if (new Set(timeNames).size === timeNames.length) {
    try {
      return parseCsvLayout(text, name, layout); // read by these flags before: read so still
    } catch (e) {
      if (!(e instanceof InputError)) throw e; // refused by these flags: read by pairs
    }
  }
  const where = `${name}: line ${i + 1}`;
  const metrics = clip(pairs.map((p) => p.name).join(', '));
  let chosen = pairs;
  const byFlag = layout?.valueColumn !== undefined && layout.valueColumn.trim() !== '';
  if (byFlag) {
    const j = columnIndex(layout!.valueColumn!, lower, header.length, '--value-column', where);
    const p = pairs.find((x) => x.value === j);
    if (!p) throw new InputError(`${where}: --value-column ${clip(layout!.valueColumn!, 40)}: column ${j + 1} is a time column; the file has a time column before each metric (${metrics}): give a metric`);
    chosen = [p];
  }
  const times: CsvLayout | undefined = layout && (layout.timeUnit !== undefined || layout.step !== undefined) ? { timeUnit: layout.timeUnit, step: layout.step } : undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const reads: LabelledRead[] = [];
  for (const p of chosen) {
    const cut = pairText(lines, i, p, splitCsvLine);
    // A metric column with no value at all (nothing was scraped) is no series; alone, it is the reader's "no rows".
    if (cut.values === 0 && chosen.length > 1) continue;
    let read: ReadSeries;
    try {
      read = times ? parseCsvLayout(cut.text, name, times)[0].read : parseCsv(cut.text, name);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new InputError(`${e.message} (column ${p.value + 1} ${clip(p.name, 40)}, its time in column ${p.time + 1})`);
    }
    reads.push(byFlag ? { read } : { read, key: p.name, paired: true });
  }
  if (reads.length === 0) throw new InputError(`${where}: no values in any of its metric columns (${metrics}; a time column before each)`);
  return reads;
}

/** A Prometheus export's series as the CSV reader reads rows: `where` starts each error ("file: series 2 {…}, "). */
function readJsonSeries(js: JsonSeries, where: string): ReadSeries {
  const t: number[] = [], v: number[] = [], missingAt: number[] = [];
  const seen = new Map<number, number>();
  let missing = 0, conflicting = 0, infinite = 0;
  let unit: { unit: EpochUnit; sample: number } | undefined;
  /** The sample number of each kept row (index as t/v). */
  const sampleOf: number[] = [];
  js.samples.forEach(([cellT, cellV], k) => {
    const at = `${where}sample ${k + 1}`;
    const rawTs = typeof cellT === 'number' ? String(cellT) : typeof cellT === 'string' ? cellT.trim() : '';
    const ts = parseTimestamp(rawTs);
    if (!Number.isFinite(ts)) throw new InputError(`${at}: ${clip(JSON.stringify(cellT) ?? '', 40)} is not a timestamp (Unix seconds as Prometheus writes them, or ISO-8601)`);
    if (EPOCH_NUMBER.test(rawTs)) {
      const u = epochUnit(Number(rawTs))!;
      if (!unit) unit = { unit: u, sample: k + 1 };
      else if (u !== unit.unit) throw new InputError(`${at}: ${rawTs.slice(0, 40)} reads as Unix ${UNIT_NAME[u]}, but sample ${unit.sample} as ${UNIT_NAME[unit.unit]}; use one unit for every timestamp`);
    }
    const val = readValue(cellV === null ? '' : typeof cellV === 'number' ? String(cellV) : typeof cellV === 'string' ? cellV.trim() : clip(JSON.stringify(cellV) ?? '', 40));
    if (val === Infinity) infinite++;
    if (val === null || val === Infinity) { missing++; missingAt.push(ts); return; }
    if (typeof val === 'string') throw new InputError(`${at}: ${val}`);
    const before = seen.get(ts);
    if (before !== undefined && v[before] !== val) conflicting++;
    seen.set(ts, t.length);
    t.push(ts); v.push(val); sampleOf.push(k + 1);
  });
  return withoutFarRows(t, v, (r) => `sample ${sampleOf[r]}`, { missing, conflicting, trailing: trailingMissing(t, missingAt), ...(infinite ? { infinite } : {}) });
}

function parseCsv(text: string, name: string): ReadSeries {
  // A UTF-8 byte order mark (Excel writes one) is not part of the first header name.
  // Lone CRs too: Excel for Mac's "CSV (Macintosh)" ends lines with CR alone, which read as one header line and no rows.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let i = 0;
  // "#" lines are comments (InfluxDB's annotated CSV starts with #group/#datatype/#default; hand-made exports note their source).
  while (i < lines.length && (lines[i].trim() === '' || isComment(lines[i]))) i++;
  if (i >= lines.length) throw new InputError(`${name}: the file is empty; expected a header "timestamp,value" and rows`);
  const headerLine = lines[i];
  const header = splitCsvLine(headerLine).map((h) => unquote(h).toLowerCase());
  if (header.length < 2) {
    // A semicolon- or tab-separated export (Excel in many locales) is one cell per line read as CSV: say so, not "no header".
    const sep = /;/.test(headerLine) ? 'semicolons' : /\t/.test(headerLine) ? 'tabs' : undefined;
    if (sep) throw new InputError(`${name}: line ${i + 1}: the columns are separated by ${sep}; mora reads comma-separated "timestamp,value" CSV (export with commas, and a dot as the decimal mark)`);
    // A column of values alone (`value` and numbers, or numbers only): no timestamps, but rows one step apart.
    const numbers = DECIMAL.test(header[0]);
    if (header.length === 1 && header[0] !== '') {
      throw new InputError(`${name}: line ${i + 1}: one column (${numbers ? 'numbers, no header' : `"${clip(header[0], 40)}"`}) and no timestamps; add a timestamp column, `
        + `or, for values one step apart, give mora backtest --step <seconds>${numbers ? ' --no-header' : ''} (it reads the rows as steps that many seconds apart)`);
    }
  }
  // An empty first name is no number (InfluxDB's header starts with a comma): Number('') is 0.
  if (header.length < 2 || (header[0] !== '' && !Number.isNaN(Number(header[0]))) || parseableAsRow(header)) {
    throw new InputError(`${name}: line ${i + 1}: no header; expected "timestamp,value" as the first line, or, for a file without one, `
      + '--no-header with --time-column <n> --value-column <n> (columns numbered from 1; --series-column <n> for an id column)');
  }
  // The first column of the first data rows: a header of numbers over a row counter is told from one over times by them.
  const firstColumn: string[] = [];
  const firstRows: string[][] = [];
  for (let k = i + 1; k < lines.length && firstColumn.length < 20; k++) {
    if (lines[k].trim() === '' || isComment(lines[k])) continue;
    const cells = splitCsvLine(lines[k]).map(unquote);
    firstColumn.push(cells[0] ?? '');
    firstRows.push(cells);
  }
  const { tCol, vCol, clockCol, chosen, leftOut } = chooseColumnsOrNoHeader(header, `${name}: line ${i + 1}`, firstColumn, firstRows);
  const t: number[] = [];
  const v: number[] = [];
  let missing = 0;
  let conflicting = 0;
  let infinite = 0;
  let unitsRow: number | undefined;
  /** Every timestamp local time without an offset (looked at until one is not), and those repeated with another value. */
  let local: boolean | undefined;
  const repeatedAt: number[] = [];
  /** The timestamps of the rows without a value. */
  const missingAt: number[] = [];
  /** Timestamp → index of its last row in t/v. */
  const seen = new Map<number, number>();
  // Columns other than the timestamp and the value (pod, instance, …): rows that share a timestamp but differ there
  // are several series in one file (a long-format export), not a repeat; the last row of each would mix them.
  const labelCols = header.map((_, j) => j).filter((j) => header[j] !== '' && j !== tCol && j !== vCol && j !== clockCol && !leftOut?.includes(j));
  /** Per label column, its cell on each kept row (index as t/v). */
  const labels: string[][] = labelCols.map(() => []);
  /** Every repeated timestamp with another value and other labels: its line and the two rows' indexes in t/v. */
  const clashes: { line: number; before: number; row: number }[] = [];
  /** The file line of each kept row (index as t/v). */
  const lineOf: number[] = [];
  let unit: { unit: EpochUnit; line: number } | undefined;
  for (i = i + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || isComment(line)) continue;
    const cells = splitCsvLine(line);
    // A row of separators only (Excel's trailing `,` rows after the data) is a blank line, not an empty timestamp.
    if (cells.every((c) => unquote(c) === '')) continue;
    if (cells.length > header.length && cells.slice(header.length).some((c) => c.trim() !== '')) {
      // `1700000000,0,25` under `timestamp,value` is a decimal comma or a shifted row: reading 0 would be a guess.
      throw new InputError(`${name}: line ${i + 1}: ${cells.length} cells but the header has ${header.length} columns ${MORE_CELLS_HINT}`);
    }
    const rawTs = clockCol === undefined ? unquote(cells[tCol] ?? '') : dateAndClock(unquote(cells[tCol] ?? ''), unquote(cells[clockCol] ?? ''));
    const ts = parseTimestamp(rawTs);
    if (!Number.isFinite(ts)) {
      // The header again, inside the file: exports concatenated with `cat` (each with its header, maybe its BOM).
      if (sameCells(line, headerLine)) continue;
      // A units row right under the header (`s,cores`): skipped, and said.
      if (t.length === 0 && missing === 0 && unitsRow === undefined && isUnitsRow(cells)) { unitsRow = i + 1; continue; }
      const numeric = EPOCH_NUMBER.test(rawTs);
      if (clockCol !== undefined) {
        // Both cells, as the user wrote them: the time alone does not say which row or why.
        const d = unquote(cells[tCol] ?? ''), c = unquote(cells[clockCol] ?? '');
        const hint = /\s*[ap]\.?m\.?$/i.test(c) ? 'write 24-hour clock times (13:05:00, not 1:05:00 PM)' : 'a date such as 2024-01-31 and a clock time such as 13:05:00';
        throw new InputError(`${name}: line ${i + 1}: "${d.slice(0, 40)}" and "${c.slice(0, 40)}" are not a date and a time (${hint})`);
      }
      throw new InputError(`${name}: line ${i + 1}: "${rawTs.slice(0, 40)}" is not a timestamp (${numeric ? 'too large for Unix seconds, milliseconds, microseconds or nanoseconds' : 'ISO-8601 such as 2024-01-31T12:00:00Z, or Unix seconds/ms/µs/ns'})`);
    }
    if (local !== false) local = isLocalTime(rawTs);
    if (EPOCH_NUMBER.test(rawTs)) {
      // One unit per file: a file whose numbers change unit row to row is mixed up, and no reading of it is safe.
      const u = epochUnit(Number(rawTs))!;
      if (!unit) unit = { unit: u, line: i + 1 };
      else if (u !== unit.unit) {
        throw new InputError(`${name}: line ${i + 1}: "${rawTs.slice(0, 40)}" reads as Unix ${UNIT_NAME[u]}, but line ${unit.line} as ${UNIT_NAME[unit.unit]}; use one unit for every timestamp, `
          + 'or give it: --time-unit s|ms|us|ns (times counted from a trace\'s start are fine)');
      }
    }
    const val = readValue(unquote(cells[vCol] ?? ''));
    if (val === Infinity) infinite++;
    if (val === null || val === Infinity) { missing++; missingAt.push(ts); continue; }
    if (typeof val === 'string') throw new InputError(`${name}: line ${i + 1}: ${val}`);
    labelCols.forEach((j, k) => labels[k].push(unquote(cells[j] ?? '')));
    const before = seen.get(ts);
    if (before !== undefined && v[before] !== val) {
      conflicting++;
      if (local) repeatedAt.push(ts);
      if (labels.some((l) => l[before] !== l[t.length])) clashes.push({ line: i + 1, before, row: t.length });
    }
    seen.set(ts, t.length);
    t.push(ts); v.push(val); lineOf.push(i + 1);
  }
  const mixed = severalSeriesAt(clashes, labels);
  // The one label column beside the timestamp and the value, of names (not numbers): reading one series per value of it
  // is what the file says (`timestamp,pod,value`); with more label columns which of them name a series is a question.
  const split = labelCols.length === 1 && clockCol === undefined && labels[0].some((x) => x !== '' && !DECIMAL.test(x))
    ? { timeColumn: String(tCol + 1), valueColumn: String(vCol + 1), seriesColumn: String(labelCols[0] + 1), name: header[labelCols[0]] } : undefined;
  if (mixed) throw withSplit(severalSeries(name, mixed.line, clip(header[labelCols[mixed.column]], 40), mixed.was, mixed.is), split);
  // Pods scraped at different offsets never share a timestamp (the usual Prometheus export): their label column tells them apart.
  // Numeric columns are not looked at here, nor in a layout read without --series-column: numeric ids half a step apart
  // (or more at equal offsets), which --series-column's check finds in a column it leaves out (strictTurns), have the
  // timestamps and the column of one regular series beside a second metric that alternates (replicas 1, 2, 1, 2 every
  // 5 min: one series, csv-long-format-offsets). Only the flag says the file is long form, its other columns ids.
  const turns = interleavedSeries(t, labels);
  if (turns) {
    const col = clip(header[labelCols[turns.column]], 40);
    throw withSplit(new InputError(`${name}: line ${lineOf[turns.row]}: the file holds several series: ${col} "${turns.is.slice(0, 40)}" `
      + `(from this row) and "${turns.was.slice(0, 40)}" take turns over the same time (${turns.counts[1]} and ${turns.counts[0]} rows there); `
      + `mora reads one series per file: split it by ${col} (mora backtest --series-column ${col} does: one series per ${col}; or a directory of one file per series)`), split);
  }
  const clockChange = local ? clockChangeOf(t, repeatedAt, missingAt) : undefined;
  return withoutFarRows(t, v, (r) => `line ${lineOf[r]}`, { missing, conflicting, trailing: trailingMissing(t, missingAt), ...(infinite ? { infinite } : {}), ...(header[vCol] ? { column: header[vCol] } : {}), ...(chosen ? { chosen } : {}), ...(unitsRow ? { unitsRow } : {}),
    ...(clockChange ? { clockChange } : {}) });
}

/**
 * Words naming a bound or a statistic of usage, not usage itself: a `cpu_limit` or `mem_total` column beside `cpu_usage`
 * or `mem_used` is no second series (replayed as usage, a constant limit scored as a workload), nor a `cpu_max` beside
 * `cpu_avg` two series of one metric. Also as a word's end (`cpulimit`); `p95`, `p99`, … are percentiles.
 */
const COMPANION_WORDS = new Set(['limit', 'limits', 'request', 'requests', 'requested', 'total', 'capacity', 'cap', 'max', 'maximum', 'min', 'minimum',
  'avg', 'average', 'mean', 'median', 'std', 'stddev', 'allocatable', 'alloc', 'allocated', 'quota', 'reserved', 'free', 'available', 'avail', 'count']);
const COMPANION_ENDS = ['limit', 'limits', 'request', 'requests', 'total', 'capacity', 'quota', 'allocatable'];
const isCompanionWord = (w: string) => COMPANION_WORDS.has(w) || /^p\d{1,2}(\.\d+)?$/.test(w) || COMPANION_ENDS.some((e) => w.length > e.length + 1 && w.endsWith(e));
const nameWords = (h: string) => h.toLowerCase().split(/[^a-z0-9.]+|\.(?!\d)/).filter((w) => w !== '');

/**
 * Of columns beside a time column, those named for a bound or statistic (`COMPANION_WORDS`) by a word the others do not
 * all share: `cpu_limit` of cpu_usage,cpu_limit; `cpu_p95` of cpu_p50,cpu_p95; not `web_cpu_max` of web_cpu_max,api_cpu_max
 * (max is all of them: one statistic of two series), nor `microsoft_avg_70` of microsoft_avg_70,microsoft_avg_71.
 */
export function companionColumns(names: readonly string[]): boolean[] {
  const words = names.map(nameWords);
  const shared = sharedWords(words);
  return words.map((ws) => ws.some((w) => !shared.includes(w) && isCompanionWord(w)));
}

/** The words every name has (`cpu` of cpu_usage,cpu_limit). */
function sharedWords(words: readonly string[][]): string[] {
  return words.length > 1 ? words.slice(1).reduce((acc, w) => acc.filter((x) => w.includes(x)), words[0]) : [];
}

/**
 * The usage column among several value columns when all but one are named as its bound or statistic (`cpu_usage,cpu_limit`,
 * `mem_used,mem_total`): its index in `names` and the line that says what was left out; undefined when not so.
 */
export function usageAmong(names: readonly string[]): { k: number; chosen: string; left: number[] } | undefined {
  // One metric's columns only (a word in common: cpu_usage,cpu_limit): `requests,latency_ms` are two metrics, not a usage and its bound.
  if (names.length < 2 || sharedWords(names.map(nameWords)).length === 0) return undefined;
  const comp = companionColumns(names);
  const usage = comp.flatMap((c, k) => (c ? [] : [k]));
  if (usage.length !== 1) return undefined;
  const left = comp.flatMap((c, k) => (c ? [k] : []));
  return { k: usage[0], left, chosen: `${clip(names[usage[0]], 40)} read as the usage; ${clip(left.map((k) => names[k]).join(', '), 80)} left out `
    + `(${left.length === 1 ? 'a limit, total or statistic beside it' : 'limits, totals or statistics beside it'}, not usage); --value-column <name> picks another column` };
}

/** Why the value columns of a header are no series of their own (those named as bounds or statistics), for an error; '' when none. */
function companionText(names: readonly string[]): string {
  const comp = companionColumns(names);
  const c = names.filter((_, k) => comp[k]);
  return c.length ? ` (${clip(c.join(', '), 80)}: ${c.length === 1 ? 'a limit, total or statistic' : 'limits, totals or statistics'}, not a usage series)` : '';
}

/** A header name that is an id (a series label or a row key), not a metric: never a series of a wide file. */
const ID_LIKE = /(^|[_ .-])(id|ids|idx|index|name|host|hostname|pod|container|node|machine|instance|vm|vmid|job|namespace|uuid|key)$|^(id|idx)[_ .-]|id$/;
/** Metric words: a header with two of them (cpu and mem) holds several metrics, not several series of one. */
const METRIC_WORDS = ['cpu', 'mem', 'disk', 'net', 'io', 'gpu'];

/**
 * Whether a CSV is wide: a header with one column named for time, two or more other columns named alike (`namedAlike`),
 * none of them named for the value, an id or a second metric, and the first data rows numeric in all of them (Azure's one column per VM). A header
 * of several metrics (`timestamp,cpu,mem`) or with an id column (a long-form file) is not, and stays an error that names
 * the flags.
 */
function looksWide(text: string): boolean {
  const lines = text.slice(0, 65_536).replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).filter((l) => l.trim() !== '' && !isComment(l));
  if (lines.length < 2) return false;
  const header = splitCsvLine(lines[0]).map((h) => unquote(h).toLowerCase());
  if (header.length < 3 || header.some((h) => h === '')) return false;
  const timeCols = header.map((h, j) => (TIME_NAMES.includes(h) || /time|date/.test(h) ? j : -1)).filter((j) => j >= 0);
  if (timeCols.length !== 1) return false;
  const rest = header.filter((_, j) => j !== timeCols[0]);
  if (rest.some((h) => VALUE_NAMES.includes(h) || h.includes('value') || ID_LIKE.test(h))) return false;
  if (METRIC_WORDS.filter((w) => rest.some((h) => h.includes(w))).length > 1) return false;
  // cpu_usage,cpu_limit or mem_used,mem_total share a prefix but are a usage and its bound, not two series of one metric.
  if (companionColumns(rest).some(Boolean)) return false;
  if (new Set(rest).size !== rest.length || !namedAlike(rest)) return false;
  // The last line of a 64 KB slice may be cut off.
  const data = lines.slice(1, text.length > 65_536 ? Math.min(21, lines.length - 1) : 21);
  if (data.length === 0) return false;
  return data.every((l) => {
    const cells = splitCsvLine(l).map(unquote);
    if (cells.length !== header.length || !Number.isFinite(parseTimestamp(cells[timeCols[0]]))) return false;
    return cells.every((c, j) => j === timeCols[0] || c === '' || MISSING.test(c) || DECIMAL.test(c));
  });
}

/**
 * Whether column names look like one metric of several series: alike but for their digits (vm_0, vm_1; microsoft_avg_70),
 * or sharing a prefix or a suffix of 3 or more characters (cpu_web, cpu_api; web_cpu, api_cpu). `requests,latency_ms` is not.
 */
function namedAlike(names: readonly string[]): boolean {
  if (new Set(names.map((n) => n.replace(/\d+/g, '#'))).size === 1) return true;
  const common = (a: string, b: string) => { let k = 0; while (k < a.length && k < b.length && a[k] === b[k]) k++; return k; };
  const reversed = names.map((n) => [...n].reverse().join(''));
  const prefix = names.reduce((k, n) => Math.min(k, common(names[0], n)), Infinity);
  const suffix = reversed.reduce((k, n) => Math.min(k, common(reversed[0], n)), Infinity);
  return prefix >= 3 || suffix >= 3;
}

/** A column given on the command line (`--time-column 3`, `--value-column avg_cpu`) as its index; `flag` names it in errors. */
function columnIndex(spec: string, header: readonly string[] | undefined, columns: number, flag: string, where: string): number {
  const s = spec.trim();
  // A header name that is a number (`step,101,102`: Azure V1's VM ids) is that column before it is a column number;
  // a number that is also another column's number (`--time-column 1` over `step,1,2`) is neither, silently.
  const byName = header && /^\d+$/.test(s) ? header.indexOf(s) : -1;
  if (byName >= 0 && header!.indexOf(s, byName + 1) < 0) {
    const n = Number(s);
    if (n >= 1 && n <= columns && n - 1 !== byName) {
      const other = header![n - 1];
      throw new InputError(`${where}: ${flag} ${s}: column ${n} ${other ? `("${clip(other, 40)}")` : '(unnamed)'} or the column named "${s}" (column ${byName + 1})? `
        + `give ${other && !/^\d+$/.test(other) ? `"${clip(other, 40)}"` : 'that column\'s name'} for column ${n}, or '"${s}"' (in quotes) for column ${byName + 1}`);
    }
    return byName;
  }
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > columns) throw new InputError(`${where}: ${flag} ${s}: the file has ${columns} columns (numbered from 1)`);
    return n - 1;
  }
  if (!header) throw new InputError(`${where}: ${flag} "${clip(s, 40)}": with --no-header, columns are numbers (1 = the first)`);
  const j = header.indexOf(unquote(s).toLowerCase());
  if (j < 0) throw new InputError(`${where}: ${flag} "${clip(s, 40)}": no such column; the header has ${clip(header.map((h, k) => `${k + 1} ${h || '(empty)'}`).join(', '))}`);
  if (header.indexOf(header[j], j + 1) >= 0) throw new InputError(`${where}: ${flag} "${clip(s, 40)}": the header has two such columns; give the number`);
  return j;
}

/** The shortest median step a series read with --time-unit may have: finer sampling than 1 s is no usage series MOrA sizes. */
const MIN_PLAUSIBLE_STEP = 1;

/**
 * What is wrong with a --time-unit that reads the data implausibly (undefined: nothing): a median step under a second
 * (1700000000 s read as ms: 300 s steps become 0.3 s) while the numbers, read by their magnitude, are Unix timestamps
 * after 1980 in another unit — the unit they look like. Times counted from a trace's start (1970 dates) at a step of a
 * second or more pass: the rule was chosen by the units' factor of 1000, not by any data set's scores.
 */
export function wrongTimeUnit(given: EpochUnit, raw: number, t: readonly number[] | undefined): string | undefined {
  const looks = epochUnit(raw);
  if (!looks || looks === given || raw / PER_SECOND[looks] < BEFORE_MONITORING || !t) return undefined;
  const sorted = [...t].sort((a, b) => a - b);
  const steps: number[] = [];
  for (let k = 1; k < sorted.length; k++) if (sorted[k] > sorted[k - 1]) steps.push(sorted[k] - sorted[k - 1]);
  if (steps.length === 0) return undefined;
  steps.sort((a, b) => a - b);
  const median = steps[steps.length >> 1];
  if (median >= MIN_PLAUSIBLE_STEP) return undefined;
  const asGiven = new Date((raw / PER_SECOND[given]) * 1000).toISOString();
  const asLooks = new Date((raw / PER_SECOND[looks]) * 1000).toISOString();
  return `--time-unit ${given} reads ${raw} as ${asGiven} and the rows ${median.toPrecision(2)} s apart (${t.length} points in ${(sorted[sorted.length - 1] - sorted[0]).toPrecision(3)} s); `
    + `the numbers look like Unix ${UNIT_NAME[looks]} (${asLooks}): give --time-unit ${looks}, or leave it out (the unit is told by magnitude)`;
}

/** A line of nothing but commas, quotes and blanks: no row. */
const SEPARATORS_ONLY = /^[\s,"]*$/;

/** Rows of a one-series layout read whose other columns are kept to look for several series in it (memory: a cell each). */
const LABEL_ROWS = 200_000;

/** Accumulates one series' rows of a CSV read by a layout. */
interface SeriesRows {
  t: number[]; v: number[]; lineOf: number[]; seen: Map<number, number>; missing: number; missingAt: number[]; conflicting: number; infinite: number;
  /** Read by --series-column: the rows (of its first LABEL_ROWS) that repeat an earlier row's timestamp with another value. */
  clashes?: Array<{ line: number; before: number; row: number }>;
  /** The timestamps repeated with another value, while every time read is local time without an offset (clockChangeOf). */
  repeatedAt?: number[];
}

/** Series with repeated timestamps looked at for an id column that --series-column left out (each re-splits its rows). */
const LEFT_OUT_SERIES = 5;

/**
 * An id column that --series-column leaves out (undefined: none), so that the series it names hold several: two
 * collections' `instance_index` 0 over the same timestamps read as one series "0", half its rows repeats. Looked at in
 * the first few series with at least MIN_SERIES_ROWS repeats (a timestamp again with another value), among the other
 * columns (header-named, at most 32): one whose values, at most MAX_SERIES_LABELS of them, split the series' rows into
 * groups of which two have ≥ MIN_SERIES_ROWS rows, that differ at ≥ 99% of the repeats, and whose two largest groups are
 * sampled as densely as the series' distinct timestamps (median step at most 1.5× theirs): series of their own. A metric
 * column beside the value (Alibaba's mem_util_percent, integers) also has few values and may differ at a repeat, but
 * each of its values is scattered over time (a median step many times the series'), so it is never taken for an id.
 */
function idLeftOut(all: Map<string, SeriesRows>, lines: readonly string[], header: readonly string[] | undefined, used: ReadonlyArray<number | undefined>,
  columns: number): { key: string; column: number; line: number; was: string; is: string; repeats: number } | undefined {
  const others = Array.from({ length: columns }, (_, j) => j).filter((j) => !used.includes(j) && (!header || header[j] !== '')).slice(0, 32);
  if (others.length === 0) return undefined;
  let looked = 0;
  for (const [key, r] of all) {
    const clashes = r.clashes ?? [];
    if (clashes.length < MIN_SERIES_ROWS) continue;
    if (++looked > LEFT_OUT_SERIES) break;
    const n = Math.min(r.t.length, LABEL_ROWS);
    const cells = Array.from({ length: n }, (_, x) => { const line = lines[r.lineOf[x] - 1]; return line.includes('"') ? splitCsvLine(line) : line.split(','); });
    const seriesStep = medianStep(r.t.slice(0, n));
    for (const j of others) {
      const col = cells.map((c) => unquote(c[j] ?? ''));
      const groups = new Map<string, number[]>();
      for (let x = 0; x < n; x++) {
        let g = groups.get(col[x]);
        if (!g) { if (groups.size === MAX_SERIES_LABELS) break; g = []; groups.set(col[x], g); }
        g.push(r.t[x]);
      }
      if (groups.size < 2 || groups.size >= MAX_SERIES_LABELS) continue;
      const differ = clashes.filter((c) => col[c.before] !== col[c.row]);
      if (differ.length < clashes.length * 0.99) continue;
      const big = [...groups.values()].filter((g) => g.length >= MIN_SERIES_ROWS).sort((a, b) => b.length - a.length);
      if (big.length < 2 || big.slice(0, 2).some((g) => !(medianStep(g) <= 1.5 * seriesStep))) continue;
      const first = differ[0];
      return { key, column: j, line: first.line, was: col[first.before], is: col[first.row], repeats: r.conflicting };
    }
  }
  return undefined;
}

/**
 * An id column that --series-column leaves out whose ids are sampled on grids of their own (pod A at :00, pod B at :15):
 * no timestamp repeats, so `idLeftOut` sees nothing, and the series took turns between them, one series alternating
 * between two. Looked at in the first few series of at least 2 × MIN_SERIES_ROWS rows, among the other header-named
 * columns (at most 32), as `interleavedSeries` looks at a file read without --series-column.
 */
function idTakingTurns(all: Map<string, SeriesRows>, lines: readonly string[], header: readonly string[] | undefined, used: ReadonlyArray<number | undefined>,
  columns: number): { key: string; column: number; line: number; was: string; is: string; ids?: string[] } | undefined {
  const others = Array.from({ length: columns }, (_, j) => j).filter((j) => !used.includes(j) && (!header || header[j] !== '')).slice(0, 32);
  if (others.length === 0) return undefined;
  let looked = 0;
  for (const [key, r] of all) {
    if (r.t.length < 2 * MIN_SERIES_ROWS) continue;
    if (++looked > LEFT_OUT_SERIES) break;
    const n = Math.min(r.t.length, LABEL_ROWS);
    const cells = Array.from({ length: n }, (_, x) => { const line = lines[r.lineOf[x] - 1]; return line.includes('"') ? splitCsvLine(line) : line.split(','); });
    const labels = others.map((j) => cells.map((c) => unquote(c[j] ?? '')));
    const turns = interleavedSeries(r.t.slice(0, n), labels);
    if (turns) return { key, column: others[turns.column], line: r.lineOf[turns.row], was: turns.was, is: turns.is };
    // Numeric ids (Google's collection_id) are no label to interleavedSeries (a second metric is numeric too): taken
    // for ids only when two of their values each sit on a regular grid of one step, over the same time, a step at least
    // 1.5× the series' own (two grids merged), and the series itself on no regular grid (ids at their own offsets): a
    // metric's values scatter in time, and a metric that repeats in cycles on a regular series' grid is no id.
    const ts = [...new Set(r.t.slice(0, n))].sort((a, b) => a - b);
    const step = medianStep(ts);
    if (ts.slice(1).filter((x, i) => Math.abs(x - ts[i] - step) <= 0.01 * step).length >= 0.9 * (ts.length - 1)) {
      // Ids exactly half a step apart (A at :00, B at :30 of a 60 s step), or N ids at equal offsets (1 at :00, 2 at :20,
      // 3 at :40), merge into a regular grid of 1/N of the step: there, numeric values taking turns row by row in one cycle
      // in time order are ids; a metric varying over more values in no fixed cycle (Alibaba's mem_util_percent), a replica
      // or shift column changing rarely, or a node constant per series are not.
      for (let k = 0; k < labels.length; k++) {
        const turn = strictTurns(r.t.slice(0, n), labels[k]);
        if (turn) return { key, column: others[k], line: r.lineOf[turn.row], was: turn.was, is: turn.is, ids: turn.ids };
      }
      continue;
    }
    for (let k = 0; k < labels.length; k++) {
      const grid = twoGrids(r.t.slice(0, n), labels[k], step);
      if (grid) return { key, column: others[k], line: r.lineOf[grid.row], was: grid.was, is: grid.is };
    }
  }
  return undefined;
}

/** Two values of a numeric column whose rows each lie on a regular grid of one step ≥ 1.5 × `step`, over the same time. */
function twoGrids(t: readonly number[], col: readonly string[], step: number): { was: string; is: string; row: number } | undefined {
  if (!(step > 0)) return undefined;
  const rows = new Map<string, number[]>();
  for (let x = 0; x < col.length; x++) {
    if (col[x] === '') continue;
    let g = rows.get(col[x]);
    if (!g) { if (rows.size === MAX_SERIES_LABELS) return undefined; g = []; rows.set(col[x], g); }
    g.push(x);
  }
  if (rows.size < 2 || ![...rows.keys()].every((x) => DECIMAL.test(x))) return undefined;
  const big = [...rows].filter(([, g]) => g.length >= MIN_SERIES_ROWS).sort((a, b) => b[1].length - a[1].length).slice(0, 2);
  if (big.length < 2) return undefined;
  const grids = big.map(([, g]) => {
    const ts = g.map((x) => t[x]).sort((a, b) => a - b);
    const d = medianStep(ts);
    const on = ts.slice(1).filter((x, i) => Math.abs(x - ts[i] - d) <= 0.01 * d).length;
    return { d, from: ts[0], to: ts[ts.length - 1], regular: d >= 1.5 * step && on >= 0.9 * (ts.length - 1) };
  });
  const [a, b] = grids;
  if (!a.regular || !b.regular || Math.abs(a.d - b.d) > 0.01 * a.d) return undefined;
  const shared = Math.min(a.to, b.to) - Math.max(a.from, b.from);
  if (shared < 0.5 * Math.min(a.to - a.from, b.to - b.from)) return undefined;
  const [first, second] = big[0][1][0] < big[1][1][0] ? [big[0], big[1]] : [big[1], big[0]];
  return { was: first[0], is: second[0], row: second[1][0] };
}

/**
 * Numeric values of a column that take turns row by row in time order, each in its place of one cycle: two (a b a b …,
 * ids half a step apart) or more (a b c a b c …, three ids at equal offsets of one step, which merge into a regular grid
 * of a third of it): ≥ 95% of neighbouring rows differ (blanks skipped) and, with three or more values, ≥ 95% of rows hold
 * the value of the row that many rows before, each value so on a grid whose step divides a day; at most MAX_SERIES_LABELS
 * values, each on ≥ MIN_SERIES_ROWS rows. A column
 * holding the rows' own second, minute, hour or weekday (`second` 0, 30, 0, … on a 30 s series; `hour` on an hourly one)
 * is a part of the time, no id. `ids`: the values in the order they first appear in time; `was`, `is` the first two.
 */
function strictTurns(t: readonly number[], col: readonly string[]): { was: string; is: string; row: number; ids: string[] } | undefined {
  const order = Array.from(t.keys()).filter((x) => col[x] !== '').sort((a, b) => t[a] - t[b] || a - b);
  const rows = new Map<string, number>();
  for (const x of order) {
    rows.set(col[x], (rows.get(col[x]) ?? 0) + 1);
    if (rows.size > MAX_SERIES_LABELS) return undefined;
  }
  const n = rows.size;
  if (n < 2 || ![...rows.keys()].every((x) => DECIMAL.test(x)) || [...rows.values()].some((c) => c < MIN_SERIES_ROWS)) return undefined;
  const turns = order.slice(1).filter((x, i) => col[x] !== col[order[i]]).length;
  if (turns < 0.95 * (order.length - 1)) return undefined;
  if (n > 2) {
    // Three ids or more: each in its own place of the cycle (a b c a b c), not any order of values that differ row to row;
    // and each id then sampled every n steps of the merged grid, a step that divides a day as a scrape or export step does
    // (3 × 20 s: 1 min). A metric that happens to repeat with a period of its own (20 values over 20 rows of 5 min: 100
    // min) is no id.
    if (order.slice(n).filter((x, i) => col[x] === col[order[i]]).length < 0.95 * (order.length - n)) return undefined;
    const perDay = 86_400 / (n * medianStep(order.map((x) => t[x])));
    if (!(perDay >= 1) || Math.abs(perDay - Math.round(perDay)) > 0.01) return undefined;
  }
  const day = (s: number) => Math.floor(s / 86_400);
  const parts = [(s: number) => s % 60, (s: number) => Math.floor(s / 60) % 60, (s: number) => Math.floor(s / 3600) % 24,
    (s: number) => (day(s) + 4) % 7, (s: number) => ((day(s) + 3) % 7) + 1];
  if (parts.some((part) => order.every((x) => Number(col[x]) === part(Math.floor(t[x]))))) return undefined;
  const firstRow = new Map<string, number>();
  for (const x of order) if (!firstRow.has(col[x])) firstRow.set(col[x], x);
  const ids = [...firstRow.keys()];
  return { was: ids[0], is: ids[1], row: firstRow.get(ids[1])!, ids };
}

/** Ids as a message lists them: `"2002" and "1001"` for two (the later one first), `"1", "2" and "3"` for more (the first five). */
function idList(turns: { was: string; is: string; ids?: readonly string[] }): string {
  const ids = turns.ids && turns.ids.length > 2 ? turns.ids : [turns.is, turns.was];
  const shown = ids.slice(0, ids.length > 6 ? 5 : ids.length).map((x) => `"${clip(x, 40)}"`);
  return ids.length > shown.length ? `${shown.join(', ')} and ${ids.length - shown.length} more` : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** The median step between the distinct times of `t` (NaN with fewer than two). */
function medianStep(t: readonly number[]): number {
  const s = [...new Set(t)].sort((a, b) => a - b);
  const steps = s.slice(1).map((x, i) => x - s[i]).sort((a, b) => a - b);
  return steps.length ? steps[steps.length >> 1] : NaN;
}

/**
 * A CSV read by an explicit layout (`CsvLayout`): the time, value and series columns by name or number, with or without
 * a header, long form (one series per id), wide form (one per column), and timestamps in a given unit or as step numbers.
 * Each series is read as `parseCsv` reads its one: empty and NaN values counted, repeats kept last, far rows left out.
 */
function parseCsvLayout(text: string, name: string, layout: CsvLayout): LabelledRead[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let i = 0;
  while (i < lines.length && (lines[i].trim() === '' || isComment(lines[i]))) i++;
  if (i >= lines.length) throw new InputError(`${name}: the file is empty`);
  const firstCells = splitCsvLine(lines[i]).map((h) => unquote(h));
  const first = firstCells.map((h) => h.toLowerCase());
  const header = layout.noHeader ? undefined : first;
  const columns = first.length;
  const where = `${name}: line ${i + 1}`;
  // A semicolon- or tab-separated export is one cell per line read as CSV: say so, as parseCsv does (a one-column file
  // of values, read with --step, has neither).
  if (columns < 2) {
    const sep = /;/.test(lines[i]) ? 'semicolons' : /\t/.test(lines[i]) ? 'tabs' : undefined;
    if (sep) throw new InputError(`${where}: the columns are separated by ${sep}; mora reads comma-separated CSV (export with commas, and a dot as the decimal mark)`);
  }
  if (layout.wide && layout.valueColumn !== undefined) throw new InputError(`${name}: --wide reads every column as a series; --value-column picks one: give one of them`);
  if (layout.wide && layout.seriesColumns?.length) throw new InputError(`${name}: --wide and --series-column: give one of them (wide: a column per series; series column: an id per row)`);
  const given = (spec: string | undefined, flag: string) => (spec === undefined || spec.trim() === '' ? undefined : columnIndex(spec, header, columns, flag, where));
  const seriesCols = (layout.seriesColumns ?? []).filter((c) => c.trim() !== '').map((c) => columnIndex(c, header, columns, '--series-column', where));
  let vCol = given(layout.valueColumn, '--value-column');
  let tCol = given(layout.timeColumn, '--time-column');
  const taken = new Set([...seriesCols, ...(vCol === undefined ? [] : [vCol])]);
  const list = header ? clip(header.map((h, k) => `${k + 1} ${h || '(empty)'}`).join(', ')) : `${columns} columns`;
  /** No time column: the row number is the step number (only with --step). */
  let byRow = false;
  if (tCol === undefined) {
    const named = header ? [header.findIndex((h) => TIME_NAMES.includes(h)), ...header.map((h, j) => (/time|date/.test(h) ? j : -1))].filter((j) => j >= 0 && !taken.has(j)) : [];
    const free = Array.from({ length: columns }, (_, j) => j).filter((j) => !taken.has(j));
    if (named.length > 0 && (TIME_NAMES.includes(header![named[0]]) || new Set(named).size === 1)) tCol = named[0];
    else if (named.length > 0) throw new InputError(`${where}: which column is the timestamp? ${clip([...new Set(named)].map((j) => `"${header![j]}"`).join(' and '))} could be; give --time-column <name or number>`);
    else if (layout.step !== undefined && free.length <= 1) byRow = true;
    // With --step, a first column of usage numbers (cpu_usage 0.52, beside --value-column mem_usage) is no step counter:
    // the rows are the steps (it read 0.52 × the step as the time, silently).
    else if (layout.step !== undefined && header && free.includes(0) && usageNumbers(lines, i + 1)) byRow = true;
    // The first free column, as a two-column file's timestamp is read; without a header only when two are left (time, value).
    else if (free.includes(0) && (header || (free.length === 2 && vCol === undefined))) tCol = 0;
    else if (layout.step !== undefined) byRow = true;
    else throw new InputError(`${where}: which column is the timestamp? (${list}); give --time-column <name or number>, or --step <seconds> for rows one step apart`);
  }
  if (tCol !== undefined) taken.add(tCol);
  /** The value columns: one (long form, single series) or every free one (wide). */
  let valueCols: number[];
  if (layout.wide) {
    // A column the header leaves unnamed (`timestamp,pod-1,,pod-3`) is a series too, named by its number: dropping it
    // lost its data without a word. One of no values at all (every line ending in a comma) is no series (below).
    valueCols = Array.from({ length: columns }, (_, j) => j).filter((j) => !taken.has(j));
    if (valueCols.length === 0) throw new InputError(`${where}: --wide: no column left for series beside the timestamp`);
  } else {
    if (vCol === undefined) {
      const free = Array.from({ length: columns }, (_, j) => j).filter((j) => !taken.has(j) && (!header || header[j] !== ''));
      const exact = header ? free.filter((j) => VALUE_NAMES.includes(header[j])) : [];
      const contains = header ? free.filter((j) => header[j].includes('value')) : [];
      if (exact.length === 1) vCol = exact[0];
      else if (exact.length === 0 && contains.length === 1) vCol = contains[0];
      else if (free.length === 1) vCol = free[0];
      else throw new InputError(`${where}: which column is the value? (${list}); give --value-column <name or number>`);
    }
    valueCols = [vCol];
  }
  const keyed = layout.wide || seriesCols.length > 0;
  // One series read by --value-column without --series-column: the other columns are looked at as parseCsv looks at them,
  // so a long-form file is not read as one series jumping between its ids (the error names --series-column).
  const labelCols = keyed ? [] : Array.from({ length: columns }, (_, j) => j).filter((j) => j !== tCol && j !== valueCols[0] && (!header || header[j] !== '')).slice(0, 32);
  const labels: string[][] = labelCols.map(() => []);
  const clashes: { line: number; before: number; row: number }[] = [];
  const all = new Map<string, SeriesRows>();
  const rowsOf = (key: string): SeriesRows => {
    let r = all.get(key);
    if (!r) { r = { t: [], v: [], lineOf: [], seen: new Map(), missing: 0, missingAt: [], conflicting: 0, infinite: 0 }; all.set(key, r); }
    return r;
  };
  // Series named by the header as written (`Auth-c5c0`, not `auth-c5c0`): `VM-Ab1` and `vm-ab1` are two series.
  const wideKeys = valueCols.map((j) => (header && header[j] !== '' ? firstCells[j] : `column ${j + 1}`));
  /** Series key → its column number (from 1), for the columns the header leaves unnamed. */
  const unnamed = new Map(layout.wide && header ? valueCols.filter((j) => header[j] === '').map((j) => [`column ${j + 1}`, j + 1]) : []);
  if (layout.wide && header) {
    const seenKey = new Map<string, number>();
    valueCols.forEach((j, c) => {
      const before = seenKey.get(wideKeys[c]);
      // Two columns of one name would be one series of both columns' rows (every timestamp twice, the last value kept).
      if (before !== undefined) throw new InputError(`${where}: --wide: columns ${before + 1} and ${j + 1} are both named "${clip(wideKeys[c], 40)}"; rename one (each column is a series named by its header)`);
      seenKey.set(wideKeys[c], j);
    });
  }
  const perSecond = layout.timeUnit ? PER_SECOND[layout.timeUnit] : undefined;
  let unit: { unit: EpochUnit; line: number } | undefined;
  /** The first epoch number read with --time-unit (to say which unit it looks like when the given one reads implausibly). */
  let firstRaw: number | undefined;
  let row = 0;
  let unitsRow: number | undefined;
  /** Every timestamp local time without an offset (looked at until one is not): its repeats and skips may be a clock change. */
  let local: boolean | undefined;
  // Without a header, `1700000000,0,25` may be one value with a decimal comma read as two columns (0 and 25): each value
  // column followed by a free one is watched for it (splitDecimals).
  const split = header ? [] : valueCols.filter((j) => j + 1 < columns && j + 1 !== tCol && !seriesCols.includes(j + 1)).map((j) => new SplitDecimal(j));
  // Cells past the last column used are not split off (a 2.9M-row Alibaba file has 11 columns, 4 used).
  const need = Math.max(tCol ?? -1, ...valueCols, ...seriesCols, ...labelCols, ...split.map((d) => d.column + 1)) + 1;
  const cellAt = (cells: readonly string[], j: number) => unquote(cells[j] ?? '');
  for (let k = header ? i + 1 : i; k < lines.length; k++) {
    const line = lines[k];
    // Blank lines, comments, and rows of separators only (Excel's trailing `,` rows).
    if (SEPARATORS_ONLY.test(line) || isComment(line)) continue;
    const quoted = line.includes('"');
    const cells = quoted ? splitCsvLine(line) : line.split(',', need);
    // More cells than the first line (commas counted, not split: the unused cells of an 11-column trace stay unsplit).
    let commas = 0;
    if (quoted) commas = cells.length - 1;
    else for (let p = line.indexOf(','); p >= 0 && commas < columns; p = line.indexOf(',', p + 1)) commas++;
    if (commas >= columns) {
      // `1700000000,0,25` under `timestamp,value` is a decimal comma or a shifted row: reading 0 would be a guess.
      const all = quoted ? cells : line.split(',');
      if (all.slice(columns).some((c) => c.trim() !== '')) {
        throw new InputError(`${name}: line ${k + 1}: ${all.length} cells but the ${header ? 'header has' : 'first line has'} ${columns} columns ${MORE_CELLS_HINT}`);
      }
    }
    let ts: number;
    const rawTs = tCol === undefined ? '' : cellAt(cells, tCol);
    // The header again, inside the file: exports concatenated with `cat`.
    if (header && !byRow && !EPOCH_NUMBER.test(rawTs) && sameCells(line, lines[i])) continue;
    // A units row right under the header (`s,cores`): skipped, and said.
    if (header && row === 0 && unitsRow === undefined && !EPOCH_NUMBER.test(rawTs) && !Number.isFinite(parseTimestamp(rawTs)) && isUnitsRow(quoted ? cells : line.split(','))) { unitsRow = k + 1; continue; }
    if (byRow) ts = row * layout.step!;
    else if (layout.step !== undefined) {
      if (!EPOCH_NUMBER.test(rawTs)) throw new InputError(`${name}: line ${k + 1}: "${clip(rawTs, 40)}" is not a step number (--step ${layout.step} reads the time column as 0, 1, 2, … steps of ${layout.step} s)`);
      ts = Number(rawTs) * layout.step;
    } else if (perSecond !== undefined && EPOCH_NUMBER.test(rawTs)) {
      ts = Number(rawTs) / perSecond;
      firstRaw ??= Number(rawTs);
    }
    else {
      ts = parseTimestamp(rawTs);
      if (!Number.isFinite(ts)) {
        throw new InputError(`${name}: line ${k + 1}: "${clip(rawTs, 40)}" is not a timestamp (ISO-8601, or Unix seconds/ms/µs/ns${perSecond === undefined ? '; --time-unit s|ms|us|ns says which, --step <seconds> reads step numbers' : ''})`);
      }
      if (perSecond === undefined && EPOCH_NUMBER.test(rawTs)) {
        const u = epochUnit(Number(rawTs))!;
        if (!unit) unit = { unit: u, line: k + 1 };
        else if (u !== unit.unit) {
          throw new InputError(`${name}: line ${k + 1}: "${clip(rawTs, 40)}" reads as Unix ${UNIT_NAME[u]}, but line ${unit.line} as ${UNIT_NAME[unit.unit]}; `
            + 'give the unit with --time-unit s|ms|us|ns (times from a trace\'s start are fine: they read as 1970 dates), or --step <seconds> for step numbers');
        }
      }
    }
    row++;
    if (local !== false) local = !byRow && layout.step === undefined && isLocalTime(rawTs);
    for (const d of split) d.see(cells, k + 1, line);
    let prefix = '';
    // Several id columns joined with "/": a "/" or "%" inside an id is written %2F or %25, so job a/b with instance c and
    // job a with instance b/c stay two series ("a%2Fb/c", "a/b%2Fc"); one id column is its ids as they are.
    if (seriesCols.length === 1) prefix = cellAt(cells, seriesCols[0]);
    else for (let x = 0; x < seriesCols.length; x++) prefix += (x ? '/' : '') + cellAt(cells, seriesCols[x]).replace(/[%/]/g, (c) => (c === '%' ? '%25' : '%2F'));
    for (let c = 0; c < valueCols.length; c++) {
      const j = valueCols[c];
      const r = rowsOf(layout.wide ? wideKeys[c] : prefix);
      const val = readValue(cellAt(cells, j));
      if (val === Infinity) r.infinite++;
      if (val === null || val === Infinity) { r.missing++; r.missingAt.push(ts); continue; }
      if (typeof val === 'string') throw new InputError(`${name}: line ${k + 1}: ${val}${header ? ` (column ${header[j] || j + 1})` : ` (column ${j + 1})`}`);
      const before = r.seen.get(ts);
      const looked = r.t.length < LABEL_ROWS;
      if (looked) for (let x = 0; x < labelCols.length; x++) labels[x].push(cellAt(cells, labelCols[x]));
      if (before !== undefined && r.v[before] !== val) {
        r.conflicting++;
        if (local) (r.repeatedAt ??= []).push(ts);
        if (looked && labels.some((l) => l[before] !== l[r.t.length])) clashes.push({ line: k + 1, before, row: r.t.length });
        // By --series-column: the repeats are looked at after the read, for an id column left out (idLeftOut).
        if (seriesCols.length > 0 && looked) (r.clashes ??= []).push({ line: k + 1, before, row: r.t.length });
      }
      r.seen.set(ts, r.t.length);
      r.t.push(ts); r.v.push(val); r.lineOf.push(k + 1);
    }
  }
  // An unnamed column without a single value is the empty column of lines that end in a comma: no series.
  for (const key of unnamed.keys()) if (all.get(key)?.t.length === 0) all.delete(key);
  if (all.size === 0) throw new InputError(`${name}: no rows${header ? ' after the header' : ''}`);
  for (const d of split) {
    const e = d.error(name);
    if (e) throw e;
  }
  if (layout.timeUnit && firstRaw !== undefined) {
    const wrong = wrongTimeUnit(layout.timeUnit, firstRaw, [...all.values()].find((r) => r.t.length >= 3)?.t);
    if (wrong) throw new InputError(`${name}: ${wrong}`);
  }
  if (seriesCols.length > 0) {
    const left = idLeftOut(all, lines, header, [tCol, ...valueCols, ...seriesCols], columns);
    if (left) {
      const cols = [...seriesCols, left.column].sort((a, b) => a - b);
      const flag = cols.map((j) => (header ? clip(header[j], 40) : String(j + 1))).join(',');
      const col = header ? clip(header[left.column], 40) : `column ${left.column + 1}`;
      throw new InputError(`${name}: line ${left.line}: series "${clip(left.key, 40)}" holds several series: this row repeats an earlier row's timestamp with another value `
        + `and another ${col} ("${clip(left.is, 40)}" after "${clip(left.was, 40)}"), as ${left.repeats} rows of it do; --series-column leaves ${col} out, which tells them apart: `
        + `give --series-column ${flag}`);
    }
    const turns = idTakingTurns(all, lines, header, [tCol, ...valueCols, ...seriesCols], columns);
    if (turns) {
      const cols = [...seriesCols, turns.column].sort((a, b) => a - b);
      const flag = cols.map((j) => (header ? clip(header[j], 40) : String(j + 1))).join(',');
      const col = header ? clip(header[turns.column], 40) : `column ${turns.column + 1}`;
      // Three ids or more at equal offsets: all of them named (the first five), and how they take turns.
      const many = turns.ids !== undefined && turns.ids.length > 2;
      throw new InputError(`${name}: line ${turns.line}: series "${clip(turns.key, 40)}" holds several series: ${col} ${idList(turns)} `
        + `take turns in it over the same time${many ? `, one after another, each at its own offset (${turns.ids!.length} series)` : ''}; --series-column leaves ${col} out, which tells them apart: give --series-column ${flag}`);
    }
  }
  if (!keyed) {
    const only = [...all.values()][0];
    const colName = (x: number) => (header ? clip(header[labelCols[x]], 40) : `column ${labelCols[x] + 1}`);
    const flag = (x: number) => (header ? clip(header[labelCols[x]], 40) : String(labelCols[x] + 1));
    const mixed = severalSeriesAt(clashes, labels);
    if (mixed) throw severalSeries(name, mixed.line, colName(mixed.column), mixed.was, mixed.is, flag(mixed.column));
    const turns = labels.length ? interleavedSeries(only.t.slice(0, labels[0].length), labels) : undefined;
    if (turns) {
      throw new InputError(`${name}: line ${only.lineOf[turns.row]}: the file holds several series: ${colName(turns.column)} "${turns.is.slice(0, 40)}" and "${turns.was.slice(0, 40)}" `
        + `take turns over the same time; give --series-column ${flag(turns.column)} (more id columns comma-separated when it repeats across them)`);
    }
  }
  return [...all].map(([key, r]) => {
    const clockChange = local ? clockChangeOf(r.t, r.repeatedAt ?? [], r.missingAt) : undefined;
    return {
      read: withoutFarRows(r.t, r.v, (x) => `line ${r.lineOf[x]}`, { missing: r.missing, conflicting: r.conflicting, trailing: trailingMissing(r.t, r.missingAt), ...(r.infinite ? { infinite: r.infinite } : {}), ...(unitsRow ? { unitsRow } : {}),
        ...(!keyed && header?.[valueCols[0]] ? { column: header[valueCols[0]] } : {}), ...(unnamed.has(key) ? { unnamedColumn: unnamed.get(key) } : {}),
        ...(clockChange ? { clockChange } : {}) }),
      ...(keyed ? { key: key === '' ? '(empty id)' : key } : {}),
    };
  });
}

/**
 * Watches a value column of a comma-separated file without a header, and the free column after it, for a decimal comma
 * read as a column separator (`1700000000,0,25`: the value 0, and 25 in a column of its own): silently wrong numbers. It
 * is that when the value column holds only whole numbers, the next one only digits, and one of these shows: a "fraction"
 * with a leading zero (`0,05` → `05`: no column of numbers is written so), a row with one cell fewer (a whole value
 * written without decimals, `1700000060,1`), or the same whole number on every row beside digits that vary and never
 * end in 0 (`0,25`, `0,5`, … for a CPU series under one core: decimals are written without trailing zeros). An idle
 * series of zeros beside a column of whole numbers (`1700000000,0,523`, `1700000060,0,610`) has a "fraction" ending in 0,
 * so it reads; one whose every number happens not to end in 0 is still refused, with the fixes. A file that only might be
 * one (integers beside integers, as the Alibaba trace's columns are) is read as before. Chosen by these cases, not by any
 * data set's scores.
 */
class SplitDecimal {
  private plausible = true;
  private evidence: { line: number; text: string; why: string } | undefined;
  private first: { line: number; text: string; whole: string } | undefined;
  private sameWhole = true;
  private digitsVary = false;
  private firstDigits: string | undefined;
  /** A "fraction" ending in 0 (`523,…,610`): decimals are written without trailing zeros (0,61), whole numbers are not. */
  private trailingZero = false;

  constructor(readonly column: number) {}

  see(cells: readonly string[], line: number, text: string): void {
    if (!this.plausible) return;
    const whole = unquote(cells[this.column] ?? '');
    const short = cells.length <= this.column + 1;
    const digits = short ? '' : unquote(cells[this.column + 1]);
    if (whole === '' && digits === '') return; // no value
    if (!/^[-+]?\d+$/.test(whole) || (digits !== '' && !/^\d+$/.test(digits))) {
      this.plausible = false;
      return;
    }
    this.first ??= { line, text, whole };
    if (whole !== this.first.whole) this.sameWhole = false;
    if (digits !== '') {
      this.firstDigits ??= digits;
      if (digits !== this.firstDigits) this.digitsVary = true;
      if (digits.endsWith('0')) this.trailingZero = true;
    }
    if (this.evidence) return;
    if (/^0\d/.test(digits)) this.evidence = { line, text, why: `"${clip(digits, 20)}" in column ${this.column + 2} starts with 0, as decimals do` };
    else if (short) this.evidence = { line, text, why: `this line has no column ${this.column + 2}: a whole number written without decimals` };
  }

  error(name: string): InputError | undefined {
    if (!this.plausible || !this.first) return undefined;
    const at = this.evidence ?? (this.sameWhole && this.digitsVary && !this.trailingZero
      ? { ...this.first, why: `column ${this.column + 1} is ${this.first.whole} on every line while column ${this.column + 2} varies` } : undefined);
    if (!at) return undefined;
    const [c1, c2] = [this.column + 1, this.column + 2];
    return new InputError(`${name}: line ${at.line}: "${clip(at.text, 60)}": a decimal comma? Read as comma-separated columns, column ${c1} holds only whole numbers `
      + `and column ${c2} looks like their decimals (${at.why}); mora does not guess: if the comma is the decimal mark, separate the columns with ";" `
      + '(1700000000;0,25) or write the decimal with a dot (0.25); if these are two columns, give the file a header line naming each column and drop --no-header');
  }
}

/** At most this many rows at either end, and at most 1% of the distinct timestamps, are looked at as far from the rest. */
const MAX_FAR_ROWS = 10;
/** Rows the rest must keep for a gap to be measured against its span (fewer: no bulk to tell strays from). */
const MIN_BULK_ROWS = 12;
const DAY = 86_400;

/**
 * Whether a gap between a few rows at an end and the rest (`span` s, first to last timestamp) puts those rows far from the
 * rest: ≥ 30× the rest's span and ≥ a day, or ≥ a year and ≥ 4× the span. A timestamp typo (`2077000000` after weeks of
 * 2023, `1000000000` before them) or a stray `0,0` row is years away from weeks of data; a real outage is not: a week-long
 * one in a 60-day series is 0.13× the span, a 6-month one in a 2-year history 0.3×, and a series that resumes after an
 * outage has more than a handful of rows (≤ 10 and ≤ 1% of rows: see `farFromTheRest`) on each side. Chosen by these
 * cases, not by scores of any data set.
 */
function farGap(gap: number, span: number): boolean {
  return (gap >= 30 * span && gap >= DAY) || (gap >= 365 * DAY && gap >= 4 * span);
}

/**
 * The range of timestamps to keep when a few at either end are far from the rest (undefined: none are): every way of
 * leaving out the first h and the last e distinct timestamps (each ≤ 10 and ≤ 1% of them, at least 1 allowed) whose gaps
 * to the rest are both `farGap` of the rest's span (a side left out nothing needs no gap); of those, the one that leaves
 * out the most. Both ends are judged together, so strays at both ends (each stretching the span the other is measured
 * against) are found, as are several at one end (`0,0` before `1000000000,…` before weeks of data).
 */
export function farFromTheRest(t: readonly number[]): { from: number; to: number } | undefined {
  const n = t.length;
  if (n < MIN_BULK_ROWS + 1) return undefined;
  const k = Math.min(MAX_FAR_ROWS, Math.max(1, Math.floor(n / 100)));
  // The k + 1 smallest and largest distinct timestamps are all it takes (sorting a million rows took 0.4–0.7 s).
  const { low, high } = extremes(t, k + 1);
  // Too few distinct timestamps to have two ends and a rest between them.
  if (low.length <= k || high.length <= k || low[k] >= high[k]) return undefined;
  let best: { h: number; e: number } | undefined;
  for (let h = 0; h <= k; h++) {
    for (let e = 0; e <= k; e++) {
      if ((h === 0 && e === 0) || n - h - e < MIN_BULK_ROWS || (best && h + e <= best.h + best.e)) continue;
      const span = high[e] - low[h];
      if ((h === 0 || farGap(low[h] - low[h - 1], span)) && (e === 0 || farGap(high[e - 1] - high[e], span))) best = { h, e };
    }
  }
  return best && { from: low[best.h], to: high[best.e] };
}

/** The m smallest distinct values, ascending, and the m largest, descending, in one pass. */
function extremes(t: readonly number[], m: number): { low: number[]; high: number[] } {
  const low: number[] = [], high: number[] = [];
  const insert = (into: number[], x: number, before: (a: number, b: number) => boolean) => {
    let i = into.length;
    while (i > 0 && before(x, into[i - 1])) i--;
    if (i > 0 && into[i - 1] === x) return;
    into.splice(i, 0, x);
    if (into.length > m) into.pop();
  };
  for (const x of t) {
    if (low.length < m || x < low[m - 1]) insert(low, x, (a, b) => a < b);
    if (high.length < m || x > high[m - 1]) insert(high, x, (a, b) => a > b);
  }
  return { low, high };
}

/** The series without the rows `farFromTheRest` finds, and where they were (`where(row)`: "line 7"). */
function withoutFarRows(t: number[], v: number[], where: (row: number) => string, rest: Omit<ReadSeries, 'series' | 'far'>): ReadSeries {
  const keep = farFromTheRest(t);
  if (!keep) return { series: series(t, v), ...rest };
  const kt: number[] = [], kv: number[] = [];
  const rows: FarRows['rows'] = [];
  t.forEach((x, r) => {
    if (x < keep.from || x > keep.to) rows.push({ where: where(r), t: x });
    else { kt.push(x); kv.push(v[r]); }
  });
  return { series: series(kt, kv), ...rest, far: { rows, from: keep.from, to: keep.to, kept: kt.length } };
}

/** The warning for rows left out far from the rest: how many, which (the first 3), and the span kept. */
export function farRowsNote(far: FarRows): string {
  const iso = (x: number) => new Date(x * 1000).toISOString().replace('.000Z', 'Z');
  const shown = far.rows.slice(0, 3).map((r) => `${r.where} (${r.t}, ${iso(r.t)})`).join(', ');
  const n = far.rows.length;
  return `${n} row${n === 1 ? '' : 's'} far from the rest left out: ${shown}${n > 3 ? ', …' : ''}; the other ${far.kept} rows span `
    + `${iso(far.from)} to ${iso(far.to)} (${((far.to - far.from) / DAY).toFixed(1)} days). A stray row or a timestamp typo would stretch `
    + 'the history (and a backtest\'s warm-up) over years; fix or remove it to silence this';
}

/** The rows without a value after the last one with a value, and the latest of them (undefined: none). */
function trailingMissing(t: readonly number[], missingAt: readonly number[]): ReadSeries['trailing'] {
  let last = -Infinity;
  for (const x of t) if (x > last) last = x;
  let rows = 0, lastRow = -Infinity;
  for (const x of missingAt) {
    if (x <= last) continue;
    rows++;
    if (x > lastRow) lastRow = x;
  }
  return rows > 0 && t.length > 0 ? { rows, lastRow } : undefined;
}

/** A clock time alone, as a `time` column beside a `date` column holds it (`0:05:00` as Excel writes it, `00:05`, `00:05:00Z`). */
const CLOCK = /^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s?(Z|[+-]\d{2}(:?\d{2})?|UTC|GMT)?$/i;

/** The timestamp of a row with `date` and `time` columns: both together when `time` is a clock time, else `time` alone (a full timestamp). */
function dateAndClock(date: string, time: string): string {
  return CLOCK.test(time) ? `${date} ${time.replace(/^(\d):/, '0$1:')}` : time;
}

/**
 * The first repeated timestamp that two series give: a label column (each looked at on its own, so a row id beside a
 * pod column hides nothing) whose two values there each label more than that one row. A value on one row only is no
 * series — a row id or a note differs on every row, a stray row's pod labels that row alone — and its clash stays a
 * counted repeat; the clashes after it are still looked at.
 */
function severalSeriesAt(clashes: readonly { line: number; before: number; row: number }[], labels: readonly string[][]): { line: number; column: number; was: string; is: string } | undefined {
  if (clashes.length === 0) return undefined;
  // Rows per label value, counted for the values in a clash only (a row id column would otherwise be a map of every row).
  const counts = labels.map((col) => {
    const c = new Map<string, number>();
    for (const { before, row } of clashes) if (col[before] !== col[row]) { c.set(col[before], 0); c.set(col[row], 0); }
    if (c.size > 0) for (const x of col) { const k = c.get(x); if (k !== undefined) c.set(x, k + 1); }
    return c;
  });
  for (const { line, before, row } of clashes) {
    for (let k = 0; k < labels.length; k++) {
      const was = labels[k][before], is = labels[k][row];
      if (was !== is && counts[k].get(was)! >= 2 && counts[k].get(is)! >= 2) return { line, column: k, was, is };
    }
  }
  return undefined;
}

/** A label column with more distinct values than this is no series label (a row id, a note, a timestamp). */
const MAX_SERIES_LABELS = 100;
/** Rows a label value needs to be a series of its own (a stray row or a few notes are not). */
const MIN_SERIES_ROWS = 12;

/**
 * Two series in one file whose timestamps never coincide (pods scraped at different offsets), told apart by a label
 * column's values: a non-numeric column with few distinct values (≤ 100), two of which each label ≥ 12 rows and take
 * turns in time order (a switch between them at least every fourth row of the rarer one) at comparable rates where
 * both are present (neither more than 4× the other's rows there). A row id or a numeric column (a second metric) is no
 * label; a pod renamed midway (one after the other), a weekday or shift column (long runs), or a status that is rarely
 * set (few rows beside many) are one series. Undefined when no column splits the rows so; else the column, the two
 * values (`is` starts later in the file), the row where `is` first appears and each one's rows in their shared range.
 */
function interleavedSeries(t: readonly number[], labels: readonly string[][]): { column: number; was: string; is: string; row: number; counts: [number, number] } | undefined {
  let order: number[] | undefined;
  for (let k = 0; k < labels.length; k++) {
    const col = labels[k];
    const rows = new Map<string, number>();
    for (const x of col) {
      if (x === '') continue;
      rows.set(x, (rows.get(x) ?? 0) + 1);
      if (rows.size > MAX_SERIES_LABELS) break;
    }
    if (rows.size < 2 || rows.size > MAX_SERIES_LABELS || [...rows.keys()].every((x) => DECIMAL.test(x))) continue;
    const many = new Set([...rows].filter(([, n]) => n >= MIN_SERIES_ROWS).map(([x]) => x));
    if (many.size < 2) continue;
    // Switches between two labelled values next to each other in time order (blank and rare values skipped over).
    order ??= Array.from(t.keys()).sort((a, b) => t[a] - t[b] || a - b);
    const switches = new Map<string, number>();
    let prev: string | undefined;
    for (const r of order) {
      const x = col[r];
      if (!many.has(x)) continue;
      if (prev !== undefined && prev !== x) {
        const key = prev < x ? `${prev}\u0000${x}` : `${x}\u0000${prev}`;
        switches.set(key, (switches.get(key) ?? 0) + 1);
      }
      prev = x;
    }
    for (const [key, n] of switches) {
      const [a, b] = key.split('\u0000');
      if (n * 4 < Math.min(rows.get(a)!, rows.get(b)!)) continue;
      // Rates where both are present: from the later first row to the earlier last row.
      let fromA = Infinity, toA = -Infinity, fromB = Infinity, toB = -Infinity, firstA = -1, firstB = -1;
      for (let r = 0; r < t.length; r++) {
        if (col[r] === a) { fromA = Math.min(fromA, t[r]); toA = Math.max(toA, t[r]); if (firstA < 0) firstA = r; }
        else if (col[r] === b) { fromB = Math.min(fromB, t[r]); toB = Math.max(toB, t[r]); if (firstB < 0) firstB = r; }
      }
      const from = Math.max(fromA, fromB), to = Math.min(toA, toB);
      let inA = 0, inB = 0;
      for (let r = 0; r < t.length; r++) {
        if (t[r] < from || t[r] > to) continue;
        if (col[r] === a) inA++;
        else if (col[r] === b) inB++;
      }
      if (Math.min(inA, inB) < MIN_SERIES_ROWS || Math.max(inA, inB) > 4 * Math.min(inA, inB)) continue;
      return firstA < firstB ? { column: k, was: a, is: b, row: firstB, counts: [inA, inB] } : { column: k, was: b, is: a, row: firstA, counts: [inB, inA] };
    }
  }
  return undefined;
}

function severalSeries(name: string, line: number, col: string, was: string, is: string, flag = col): InputError {
  return new InputError(`${name}: line ${line}: the file holds several series: this row repeats an earlier row's timestamp with another `
    + `value and another ${col} ("${is.slice(0, 40)}" after "${was.slice(0, 40)}"); mora reads one series per file: split it by ${col} `
    + `(mora backtest --series-column ${flag} does: one series per ${col}, and more id columns comma-separated when ${col} repeats across them; or a directory of one file per series)`);
}

/** How a file of several series splits unambiguously (its one label column), as columns numbered from 1. */
interface Split { timeColumn: string; valueColumn: string; seriesColumn: string; name: string }

/** An InputError for a file of several series, with how it splits when that is unambiguous. */
function withSplit(e: InputError, split: Split | undefined): InputError {
  return split ? Object.assign(e, { split }) : e;
}

/** A unit cell (`s`, `cores`, `bytes`, `%`, `[MiB]`, `(ms)`): a few letters, no digit. */
const UNIT_CELL = /^[[(]?[a-zµ%/ ]{1,12}[\])]?$/i;

/** A row of units right under the header (`s,cores`, `unix,bytes`): every cell a unit name or empty, one at least, none a no-value word. */
function isUnitsRow(cells: readonly string[]): boolean {
  const c = cells.map(unquote);
  return c.some((x) => x !== '') && c.every((x) => x === '' || (UNIT_CELL.test(x) && !MISSING.test(x) && !INFINITE.test(x)));
}

function isComment(line: string): boolean {
  return line.trimStart().startsWith('#');
}

/** Whether two lines hold the same cells, quotes, blanks and a BOM aside. */
function sameCells(a: string, b: string): boolean {
  const cells = (l: string) => splitCsvLine(l.replace(/^\uFEFF/, '')).map((c) => unquote(c).toLowerCase()).join('\u0000');
  return cells(a) === cells(b);
}

function parseableAsRow(cells: string[]): boolean {
  return Number.isFinite(parseTimestamp(cells[0])) && cells[1] !== undefined && cells[1] !== '' && Number.isFinite(Number(cells[1]));
}

/** What the first bytes say a file is, when it is not text MOrA can read as UTF-8 CSV (undefined: try it as text). */
function notUtf8Text(bytes: Buffer): string | undefined {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'is gzip-compressed; decompress it first (gunzip)';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'is a zip archive (an .xlsx workbook?); export the sheet as CSV';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || utf16Pattern(bytes.subarray(0, 256))) {
    return 'is UTF-16 (Excel\'s "Unicode Text"), not UTF-8; save it as "CSV UTF-8 (comma delimited)"';
  }
  // A zero byte is in no text file (an executable, an image, a database): saying UTF-16 for it misled.
  if (bytes.subarray(0, 8192).includes(0)) return 'is not a text file (binary); give a timestamp,value CSV';
  return undefined;
}

/**
 * UTF-16 without a byte order mark, as text of mostly ASCII reads: a zero in every other byte (the high byte of each
 * character), at odd positions for little-endian, even for big-endian, and almost none at the other positions. Most
 * pairs must show it (a few non-ASCII characters break it for their pair only); an executable or an image has zeros at
 * both positions.
 */
function utf16Pattern(head: Buffer): boolean {
  const pairs = Math.floor(head.length / 2);
  if (pairs < 2) return false;
  let even = 0, odd = 0;
  for (let i = 0; i < pairs * 2; i++) if (head[i] === 0) { if (i % 2 === 0) even++; else odd++; }
  const one = Math.max(even, odd), other = Math.min(even, odd);
  return one >= pairs * 0.75 && other <= pairs * 0.02;
}

/** One series from a file (a CSV, or a Prometheus export of one series). */
export function readTimeseriesCsv(path: string, layout?: CsvLayout): ReadSeries {
  return parseTimeseriesCsv(readText(path), path, layout);
}

/** Every series of a file: one for a CSV, one per series for a Prometheus export. */
export function readTimeseriesFile(path: string, layout?: CsvLayout): LabelledRead[] {
  return parseTimeseries(readText(path), path, layout);
}

/** The most text a file may hold: V8's longest string is 2^29 − 24 characters (512 MiB), and a file is read whole. */
const MAX_TEXT_BYTES = 2 ** 29 - 24;

/** The error for a file too large to read whole, saying how to cut it. */
function tooLarge(path: string, bytes: number, what: string): InputError {
  return new InputError(`${path}: ${what} ${Math.round(bytes / 2 ** 20)} MiB; mora reads a file whole, at most 512 MiB of text: cut it into a directory `
    + 'of smaller files (by time, e.g. split -l; with --series-column a directory\'s parts of one trace are joined by id)');
}

/** A file's bytes as text: gunzipped when compressed, refused (InputError naming `path`) when too large or not UTF-8 text. */
function decodeText(raw: Buffer, path: string): string {
  let bytes = raw;
  if (bytes.length > MAX_TEXT_BYTES) throw tooLarge(path, bytes.length, 'the input is');
  // A gzip file (name.csv.gz, or a .csv that is compressed) is read through zlib, as zcat would.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try { bytes = gunzipSync(bytes); } catch (z) { throw new InputError(`${path}: the file is gzip-compressed but does not decompress (${(z as Error).message}); is it complete?`); }
  }
  if (bytes.length > MAX_TEXT_BYTES) throw tooLarge(path, bytes.length, 'decompressed, the file is');
  const wrong = notUtf8Text(bytes);
  if (wrong) throw new InputError(`${path}: the file ${wrong}`);
  return bytes.toString('utf8');
}

/** Every series of bytes read elsewhere (standard input: `--input -`), read as a file's: `name` starts each error. */
export function parseTimeseriesBytes(bytes: Buffer, name: string, layout?: CsvLayout): LabelledRead[] {
  return parseTimeseries(decodeText(bytes, name), name, layout);
}

/** One series of bytes read elsewhere (standard input), as `readTimeseriesCsv` reads a file's. */
export function parseTimeseriesCsvBytes(bytes: Buffer, name: string, layout?: CsvLayout): ReadSeries {
  return parseTimeseriesCsv(decodeText(bytes, name), name, layout);
}

function readText(path: string): string {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_TEXT_BYTES) throw tooLarge(path, size, 'the file is');
    text = decodeText(readFileSync(path), path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new InputError(`${path}: is a directory; give a timestamp,value CSV file (mora backtest also takes a directory of them)`);
    throw new InputError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? String(e)})`);
  }
  return text;
}
