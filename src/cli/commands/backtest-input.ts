/**
 * Loads backtest inputs: one `timestamp,value` CSV, or every *.csv and *.json in a directory (series name = file name without extension),
 * or a Prometheus range-query JSON export (a file): each of its series is one input, named `file{label=value}` by the labels
 * that tell its series apart.
 * In a directory, a file that cannot be read (bad header, a bad row, empty) must not cost the others their replay: with
 * `unreadable` given, it is listed there with why, and the rest load; without it, the first bad file is the error.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { clean, type Series } from '../../core/series';
import { farRowsNote, implausibleTimestamps, InputError, readTimeseriesFile, type LabelledRead } from '../../data/timeseries-csv';

export interface NamedSeries {
  name: string;
  series: Series;
  /** Rows whose value was empty or NaN (left out of the series). */
  missing?: number;
}

export interface UnreadableFile {
  file: string;
  reason: string;
}

/** What loading found wrong without failing: unreadable files of a directory, and notes on the files read. */
export interface LoadReport {
  unreadable: UnreadableFile[];
  /** One line each: rows lost to conflicting duplicate timestamps, negative usage, timestamps before 1980. */
  notes: string[];
}

export function loadSeriesInput(path: string, filter?: RegExp, report?: LoadReport): NamedSeries[] {
  let st;
  try { st = statSync(path); } catch { throw new InputError(`${path}: no such file or directory`); }
  const files = st.isDirectory()
    // Hidden files are not series: macOS leaves `._name.csv` (AppleDouble, binary) beside each file in archives it packs.
    ? readdirSync(path).filter((f) => /\.(csv|json)$/i.test(f) && !f.startsWith('.')).sort().map((f) => join(path, f))
    : [path];
  const chosen = filter ? files.filter((f) => filter.test(basename(f))) : files;
  if (chosen.length === 0) throw new InputError(`${path}: no .csv or .json files${filter ? ` matching ${filter}` : ''}`);
  const skip = st.isDirectory() ? report?.unreadable : undefined;
  const out: NamedSeries[] = [];
  const bad: UnreadableFile[] = [];
  /** Series name → the file that gave it: `a.csv` and `a.CSV` would both be series "a", their rows indistinguishable. */
  const named = new Map<string, string>();
  for (const f of chosen) {
    try {
      const name = basename(f, extname(f));
      const other = named.get(name);
      if (other !== undefined) throw new InputError(`${f}: gives the same series name "${name}" as ${basename(other)}; rename one`);
      const reads = readTimeseriesFile(f);
      // Named only once read: a file that cannot be read gives no series, so its twin's name is free.
      named.set(name, f);
      const names = seriesNames(name, reads);
      reads.forEach(({ read }, k) => {
        const where = reads.length > 1 ? `${f} ${names[k].slice(name.length)}` : f;
        const s = clean(read.series).series;
        out.push({ name: names[k], series: s, missing: read.missing });
        // Excel serial days read as 1970s seconds make days of samples look like seconds: "too short" without this.
        const implausible = implausibleTimestamps(read.series.t);
        if (implausible) report?.notes.push(`${where}: ${implausible}`);
        // Left out as forecast leaves them out: kept, a row years away made the backtest score the first 7 days without warm-up.
        if (read.far) report?.notes.push(`${where}: ${farRowsNote(read.far)}`);
        if (read.conflicting) report?.notes.push(`${where}: ${read.conflicting} rows repeat an earlier timestamp with another value; the last row of each timestamp was used`);
        let negative = 0;
        for (const x of s.v) if (x < 0) negative++;
        // Usage is never negative: these come from a broken rate (a counter reset) or exporter, and are replayed as they are.
        if (negative) report?.notes.push(`${where}: ${negative} negative values (CPU and memory usage cannot be negative: a counter reset or a broken query?)`);
      });
    } catch (e) {
      if (!skip || !(e instanceof InputError)) throw e;
      // The reader's messages start with the file's path; the list names the file once.
      bad.push({ file: f, reason: e.message.startsWith(`${f}: `) ? e.message.slice(f.length + 2) : e.message });
    }
  }
  if (skip) {
    if (out.length === 0) {
      throw new InputError(`${path}: no .csv or .json file could be read (${bad.length}): ${bad.map((b) => `${basename(b.file)}: ${b.reason}`).join('; ')}`);
    }
    skip.push(...bad);
  }
  return out;
}

/**
 * Series names for a file's series: the file's name for one; for a Prometheus export's several, the file's name and the
 * labels whose values differ between them (`web{pod=web-1}`, unquoted: a name is a CSV key; the labels all share say nothing), and the series'
 * number when even those are alike.
 */
function seriesNames(file: string, reads: readonly LabelledRead[]): string[] {
  if (reads.length === 1) return [file];
  const keys = [...new Set(reads.flatMap((r) => Object.keys(r.labels ?? {})))].sort()
    .filter((k) => new Set(reads.map((r) => r.labels?.[k])).size > 1);
  const names = reads.map((r) => `${file}{${keys.filter((k) => r.labels?.[k] !== undefined).map((k) => `${k}=${r.labels![k]}`).join(' ')}}`);
  return names.map((n, i) => (names.indexOf(n) !== names.lastIndexOf(n) ? `${n}#${i + 1}` : n));
}
