/**
 * Loads backtest inputs: one `timestamp,value` CSV, or every *.csv in a directory (series name = file name without extension).
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { clean, type Series } from '../../core/series';
import { InputError, readTimeseriesCsv } from '../../data/timeseries-csv';

export interface NamedSeries {
  name: string;
  series: Series;
}

export function loadSeriesInput(path: string, filter?: RegExp): NamedSeries[] {
  let st;
  try { st = statSync(path); } catch { throw new InputError(`${path}: no such file or directory`); }
  const files = st.isDirectory()
    ? readdirSync(path).filter((f) => f.toLowerCase().endsWith('.csv')).sort().map((f) => join(path, f))
    : [path];
  const chosen = filter ? files.filter((f) => filter.test(basename(f))) : files;
  if (chosen.length === 0) throw new InputError(`${path}: no .csv files${filter ? ` matching ${filter}` : ''}`);
  return chosen.map((f) => ({ name: basename(f, extname(f)), series: clean(readTimeseriesCsv(f).series).series }));
}
