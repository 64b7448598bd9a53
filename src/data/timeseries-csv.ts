/**
 * Reads the `timestamp,value` CSV that the CLI takes: a header row, timestamps as ISO-8601 or Unix seconds (UTC).
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

export function parseTimestamp(raw: string): number {
  const s = raw.trim().replace(/^"|"$/g, '');
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    // Milliseconds are common in exports; Unix seconds stay below 1e11 until the year 5138.
    return n > 1e11 ? n / 1000 : n;
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
  for (i = i + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const ts = parseTimestamp(cells[tCol] ?? '');
    if (!Number.isFinite(ts)) throw new InputError(`${name}: line ${i + 1}: "${(cells[tCol] ?? '').slice(0, 40)}" is not a timestamp (ISO-8601 or Unix seconds)`);
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
