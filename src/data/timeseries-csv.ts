/**
 * Reads the `timestamp,value` CSV that the CLI takes: a header row, timestamps as ISO-8601 or Unix epoch numbers (UTC)
 * in seconds, milliseconds, microseconds or nanoseconds — the unit told apart by magnitude (see `epochUnit`), one unit
 * per file.
 * Errors are `InputError`s with a message that names the file and line, so the CLI can print one line and exit 2.
 */
import { readFileSync } from 'node:fs';
import { series, type Series } from '../core/series';

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface ReadSeries {
  series: Series;
  /** Rows whose value was empty or NaN: kept out of the series, counted here. */
  missing: number;
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

/** Unix seconds from ISO-8601 or an epoch number in s/ms/µs/ns (NaN when it is neither). */
export function parseTimestamp(raw: string): number {
  const s = raw.trim().replace(/^"|"$/g, '');
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    const unit = epochUnit(n);
    return unit ? n / PER_SECOND[unit] : NaN;
  }
  // ISO-8601 without zone, or with a space instead of T, is taken as UTC.
  let iso = s.includes('T') ? s : s.replace(' ', 'T');
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : NaN;
}

export function parseTimeseriesCsv(text: string, name = 'input'): ReadSeries {
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  if (i >= lines.length) throw new InputError(`${name}: the file is empty; expected a header "timestamp,value" and rows`);
  const header = lines[i].split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  if (header.length < 2 || !Number.isNaN(Number(header[0])) || parseableAsRow(header)) {
    throw new InputError(`${name}: line ${i + 1}: no header; expected "timestamp,value" as the first line`);
  }
  const tCol = Math.max(0, header.findIndex((h) => /time|^ts$|^ds$|date/.test(h)));
  let vCol = header.findIndex((h, j) => j !== tCol && /value|^y$/.test(h));
  if (vCol < 0) vCol = tCol === 0 ? 1 : 0;
  const t: number[] = [];
  const v: number[] = [];
  let missing = 0;
  let unit: { unit: EpochUnit; line: number } | undefined;
  for (i = i + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const rawTs = (cells[tCol] ?? '').trim().replace(/^"|"$/g, '');
    const ts = parseTimestamp(rawTs);
    if (!Number.isFinite(ts)) {
      const numeric = /^-?\d+(\.\d+)?$/.test(rawTs);
      throw new InputError(`${name}: line ${i + 1}: "${rawTs.slice(0, 40)}" is not a timestamp (${numeric ? 'too large for Unix seconds, milliseconds, microseconds or nanoseconds' : 'ISO-8601 or Unix seconds/ms/µs/ns'})`);
    }
    if (/^-?\d+(\.\d+)?$/.test(rawTs)) {
      // One unit per file: a file whose numbers change unit row to row is mixed up, and no reading of it is safe.
      const u = epochUnit(Number(rawTs))!;
      if (!unit) unit = { unit: u, line: i + 1 };
      else if (u !== unit.unit) {
        throw new InputError(`${name}: line ${i + 1}: "${rawTs.slice(0, 40)}" reads as Unix ${UNIT_NAME[u]}, but line ${unit.line} as ${UNIT_NAME[unit.unit]}; use one unit for every timestamp`);
      }
    }
    const raw = (cells[vCol] ?? '').trim().replace(/^"|"$/g, '');
    if (raw === '' || /^(nan|null|na)$/i.test(raw)) { missing++; continue; }
    const val = Number(raw);
    if (!Number.isFinite(val)) throw new InputError(`${name}: line ${i + 1}: value "${raw.slice(0, 40)}" is not a number`);
    t.push(ts); v.push(val);
  }
  return { series: series(t, v), missing };
}

function parseableAsRow(cells: string[]): boolean {
  return Number.isFinite(parseTimestamp(cells[0])) && cells[1] !== undefined && cells[1] !== '' && Number.isFinite(Number(cells[1]));
}

export function readTimeseriesCsv(path: string): ReadSeries {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? String(e)})`);
  }
  return parseTimeseriesCsv(text, path);
}
