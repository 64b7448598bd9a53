/**
 * Loads backtest inputs: one `timestamp,value` CSV, or every *.csv and *.json (also gzipped: *.csv.gz, *.json.gz) in a
 * directory and its subdirectories (series name = the path below the directory without extension, `ns-a/web`),
 * a CSV of several series (long form with --series-column, wide form: `CsvLayout`), named by their ids or columns,
 * or a Prometheus range-query JSON export (a file): each of its series is one input, named `file{label=value}` by the labels
 * that tell its series apart (with --series-column, by those labels' values, as a CSV's ids). In a directory, a Prometheus
 * series whose labels are the same in several files (a range query cut into time chunks) is one series, named by its labels
 * alone (`{pod=web-1}`); with --series-column, an id's rows in several files are one series (a trace cut by time, or by row
 * as BigQuery shards an export) — unless the files give the same timestamps other values, or samples seconds apart.
 * In a directory, a file that cannot be read (bad header, a bad row, empty) must not cost the others their replay: with
 * `unreadable` given, it is listed there with why, and the rest load; without it, the first bad file is the error.
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { clean, medianStep, series as makeSeries, type Series } from '../../core/series';
import { farRowsNote, hasLayout, implausibleTimestamps, InputError, isCounterName, looksCumulative, metricForKind, parseTimeseriesBytes, readTimeseriesFile, ValueColumnError, type CsvLayout, type EpochUnit, type LabelledRead } from '../../data/timeseries-csv';
import { UserError } from '../errors';
import { clip } from '../../data/input-error';
import { labelText } from '../../data/prometheus-json';

export interface NamedSeries {
  name: string;
  series: Series;
  /** Rows whose value was empty or NaN (left out of the series). */
  missing?: number;
  /** Its values never decrease and grow steadily, as a cumulative counter's (CPU seconds since the start) do: warned. */
  cumulative?: boolean;
  /** The value column's header, where the file had one (its unit, `Memory usage [KB]`, is said: backtest-units.ts). */
  column?: string;
}

export interface UnreadableFile {
  file: string;
  reason: string;
}

/** What loading found wrong without failing: unreadable files of a directory, and notes on the files read. */
export interface LoadReport {
  unreadable: UnreadableFile[];
  /** One line each: rows lost to conflicting duplicate timestamps, negative usage (read as 0), timestamps before 1980. */
  notes: string[];
  /** A directory's files: those read (as series or as unreadable), and those left aside for their name (not .csv/.json[.gz]). */
  files?: { read: string[]; ignored: string[]; outputs: string[] };
  /** Every file the input read or tried to read (as given or found in the directory): what --out must never replace. */
  sources?: string[];
}

/** Notes on one file of several CSV series (long form, wide) beyond which one line counts the rest. */
const MAX_NOTES_PER_FILE = 5;

/** The files a directory input reads: .csv, .json, .csv.gz, .json.gz. */
const SERIES_FILE = /\.(csv|json)(\.gz)?$/i;

/**
 * A directory's series files, in its subdirectories too (sorted by path), and the other files (relative paths). Hidden
 * files and directories are not series: macOS leaves `._name.csv` (AppleDouble, binary) beside each file in archives it packs.
 */
function listDirectory(root: string): { files: string[]; ignored: string[]; outputs: string[]; loops: string[]; special: string[] } {
  const files: string[] = [], ignored: string[] = [], outputs: string[] = [], loops: string[] = [], special: string[] = [];
  /** The real paths of the directories walked: a symbolic link to one of them (`self -> .`) would walk forever. */
  const walked = new Set<string>();
  const walk = (dir: string) => {
    walked.add(realpathSync(dir));
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      // A symbolic link to a directory is followed as the directory (data -> ../shared/traces), once.
      const linkedDir = e.isSymbolicLink() && isDirectory(full);
      if (linkedDir && walked.has(realpathSync(full))) loops.push(relative(root, full));
      else if (e.isDirectory() || linkedDir) walk(full);
      // A recs.csv a backtest wrote (--out results/recs.csv below the input) is no usage series.
      else if (!SERIES_FILE.test(e.name)) ignored.push(relative(root, full));
      // A named pipe, socket or device (or a link to one) is never opened: a pipe without a writer blocks the open forever.
      else if (!isRegularFile(e, full)) special.push(relative(root, full));
      else (isBacktestOutput(full) ? outputs : files).push(full);
    }
  };
  walk(root);
  return { files, ignored, outputs: outputs.map((f) => relative(root, f)), loops, special };
}

/** A directory entry that is a regular file, or a link to one; a broken link counts as one (reading it names the problem). */
function isRegularFile(e: Dirent, full: string): boolean {
  if (e.isFile()) return true;
  if (!e.isSymbolicLink()) return false;
  try { return statSync(full).isFile(); } catch { return true; }
}

function isDirectory(path: string): boolean {
  try { return statSync(path).isDirectory(); } catch { return false; }
}

/** The header `mora backtest --out` writes. */
const OUTPUT_HEADER = 'series,day_start,strategy,value';

/** Whether a file starts with the header of a backtest's --out file. */
function isBacktestOutput(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(OUTPUT_HEADER.length + 3);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').startsWith(OUTPUT_HEADER);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A file's series name: its path below the directory (or its name), without .csv/.json[.gz], with / between folders. */
function seriesNameOf(file: string, root: string | undefined): string {
  const rel = root === undefined ? basename(file) : relative(root, file).split(sep).join('/');
  return rel.replace(SERIES_FILE, '') || rel;
}

/**
 * `kind`: the resource the series are replayed as. A paired file (a time column before each metric: cpu_usage, cpu_user,
 * memory_working_set, …) is then read as the one metric of that kind (`metricForKind`), named by the file, and a note says
 * which column (one line per column chosen for a directory); without it every metric would be replayed as that kind.
 */
export function loadSeriesInput(path: string, filter?: RegExp, report?: LoadReport, layout?: CsvLayout, kind?: 'cpu' | 'memory', stdin?: Buffer): NamedSeries[] {
  // `--input -`: the bytes read from standard input (readStdin), read as one file named "stdin".
  const fromStdin = path === '-' && stdin !== undefined;
  let isDir = false;
  if (!fromStdin) {
    try { isDir = statSync(path).isDirectory(); } catch { throw new InputError(`${path}: no such file or directory`); }
  }
  const listed = isDir ? listDirectory(path) : { files: [path], ignored: [], outputs: [], loops: [], special: [] };
  // One line for them all, even when nothing else could be read (a directory of pipes says what it holds).
  const specialText = listed.special.length ? `${clipList(listed.special)}: not a regular file (a named pipe, socket or device); skipped, never opened` : '';
  const files = listed.files;
  const root = isDir ? path : undefined;
  const chosen = filter ? files.filter((f) => filter.test(basename(f))) : files;
  if (chosen.length === 0) {
    const others = listed.ignored.length ? ` (${listed.ignored.length} other file${listed.ignored.length === 1 ? '' : 's'}: ${listed.ignored.slice(0, 5).join(', ')}${listed.ignored.length > 5 ? ', …' : ''})` : '';
    throw new InputError(`${path}: no .csv, .json, .csv.gz or .json.gz files${filter ? ` matching ${filter}` : ''} in it or its subdirectories${others}${specialText ? `; ${specialText}` : ''}`);
  }
  if (specialText) report?.notes.push(`${path}: ${specialText}`);
  if (report) report.sources = [...chosen];
  if (report && root !== undefined) report.files = { read: chosen.map((f) => relative(root, f)), ignored: listed.ignored, outputs: listed.outputs };
  if (listed.loops.length > 0) {
    report?.notes.push(`${path}: ${clipList(listed.loops)}: a symbolic link to a directory already read (a loop); skipped`);
  }
  // Times given by the user (--time-unit, --step) that fall in 1970 are meant: traces count from their start.
  const timesGiven = hasLayout(layout) && (layout.timeUnit !== undefined || layout.step !== undefined);
  const skip = isDir ? report?.unreadable : undefined;
  const out: NamedSeries[] = [];
  const bad: UnreadableFile[] = [];
  // With --series-column, a directory's files are parts of one trace (Azure's vm_cpu_readings-file-1-of-195.csv, …, each
  // a few hours of every VM; BigQuery's instance_usage-000000000000.csv, …, rows of every id in each): a series is named by
  // its ids alone, and its rows in several files are one series.
  const joinIds = root !== undefined && (layout?.seriesColumns?.length ?? 0) > 0;
  /** Per series of `out` that is a Prometheus export's (without --series-column in a directory): its labels. */
  const labelsOf = new Map<number, Record<string, string>>();
  /** Series name → its index in `out`, and the parts of series found in several files (joined at the end). */
  const at = new Map<string, number>();
  /** Per series found in several files (index in `out`): each file's part, the first file's included. */
  const parts = new Map<number, Part[]>();
  /** Per series of `out` read with joinIds: the part its first file gave. */
  const firstPart = new Map<number, Part>();
  /** Per entry of `out`: its file (path below the directory, with its extension) and its key in a file of several series. */
  const sourceOf: Array<{ file: string; key?: string }> = [];
  /** A directory's files split by a label column without --series-column: column → file → its ids. */
  const splitFiles = new Map<string, Map<string, string[]>>();
  /** Series name → the file that gave it: `a.csv` and `a.CSV` would both be series "a", their rows indistinguishable. */
  const named = new Map<string, string>();
  /** Paired files read as one metric for `kind`: "column (why)" → the files. */
  const pairedPicks = new Map<string, string[]>();
  /** Files of several value columns read as the one named for `kind`: "column (why)" → the files. */
  const kindPicks = new Map<string, string[]>();
  for (const f of chosen) {
    try {
      const name = fromStdin ? STDIN_NAME : seriesNameOf(f, root);
      const other = named.get(name);
      if (other !== undefined) throw new InputError(`${f}: gives the same series name "${name}" as ${basename(other)}; rename one`);
      const readAs = (l: CsvLayout | undefined) => (fromStdin ? parseTimeseriesBytes(stdin!, STDIN_NAME, l) : readTimeseriesFile(f, l));
      let reads: LabelledRead[];
      try {
        reads = readAs(layout);
      } catch (e) {
        // Several value columns (`timestamp,cpu_usage,assigned_mem`): the one named for --kind when exactly one is, as a
        // paired file's metric is picked (metricForKind), said on stderr; none or several: the error as it was.
        const pick = kind && e instanceof ValueColumnError && !layout?.wide && !layout?.seriesColumns?.length ? kindColumn(e.candidates, kind) : undefined;
        if (!pick) throw e;
        reads = readAs({ ...layout, valueColumn: pick.name });
        const said = `${pick.name}: ${pick.why}`;
        kindPicks.set(said, [...(kindPicks.get(said) ?? []), root === undefined ? f : relative(root, f)]);
      }
      // --wide asks for every column: each metric is then replayed, as --wide replays every column of a wide file.
      if (kind && !layout?.wide && reads.some((r) => r.paired)) {
        const pick = metricForKind(reads.map((r) => r.key!), kind, f, (k) => reads.find((r) => r.key === k)!.read.series.v);
        reads = reads.filter((r) => r.key === pick.name).map((r) => ({ read: r.read }));
        const said = `${pick.name}: ${pick.why}`;
        pairedPicks.set(said, [...(pairedPicks.get(said) ?? []), root === undefined ? f : relative(root, f)]);
      }
      // A Prometheus export's reads have labels (a CSV's none): --series-column names its series by those labels' values.
      const json = reads.length > 0 && reads.every((r) => r.labels !== undefined && r.key === undefined);
      if (json && layout?.seriesColumns?.length) reads = labelKeys(reads, layout.seriesColumns, f);
      // Named only once read: a file that cannot be read gives no series, so its twin's name is free.
      named.set(name, f);
      const names = seriesNames(name, reads, root === undefined || joinIds);
      // What a series is joined across a directory's files by: its ids (--series-column), or a Prometheus series' labels.
      const joinKeys = reads.map((r, k) => (joinIds ? names[k] : root !== undefined && json ? JSON.stringify(Object.entries(r.labels!).sort()) : undefined));
      // Prometheus never gives a label set twice; a file that does (results pasted together) keeps them apart, as before.
      joinKeys.forEach((key, k) => { if (key !== undefined && joinKeys.indexOf(key) !== k) joinKeys[k] = undefined; });
      // A long-form or wide file of thousands of series: at most this many notes for it, then one line for the rest.
      const notes: string[] = [];
      reads.forEach(({ read }, k) => {
        const where = reads[k].key !== undefined ? `${f} (series ${reads[k].key})` : reads.length > 1 ? `${f} ${names[k].slice(name.length)}` : f;
        // Usage is never negative: a negative sample comes from a broken rate (a counter reset) or exporter. Read as 0 here,
        // so the strategies size from it and the scorer scores on it alike: replayed as it was, one −100 among 864 samples
        // nearly doubled a series' waste ratio, and three −500 ones made its usage sum ≤ 0 ("idle", every mean "—").
        // A Prometheus counter (container_cpu_usage_seconds_total: CPU seconds since the start) exported without rate()
        // read as cores grows without end (924 "cores" after two weeks): never usage, by its name.
        // A CSV column may keep the counter's name over its rate (a hand-made header): refused only when its values never fall
        // but at a counter reset; a Prometheus series' __name__ is dropped by rate(), so there the name is enough.
        const counter = read.metric && isCounterName(read.metric) ? read.metric
          : read.column && isCounterName(read.column) && mostlyRising(read.series.v) ? read.column : undefined;
        if (counter) {
          throw new InputError(`${f}: ${clip(counter, 80)} is a cumulative counter (a Prometheus _total: ${/cpu/i.test(counter) ? 'CPU seconds' : 'a count'} since the start, which only grows), `
            + `not usage; export its rate instead: rate(${clip(counter, 80)}[5m]) in the query${counter.toLowerCase().includes('cpu') ? ' (cores)' : ''}`);
        }
        const { series: s, negative } = nonNegative(clean(read.series).series);
        // Unnamed, by its values (CPU only: a memory leak does grow steadily): never lower, steadily higher over the whole range.
        const cumulative = kind === 'cpu' && looksCumulative(s.v) && s.t.length > 1 && s.t[s.t.length - 1] - s.t[0] >= 86_400;
        if (cumulative) {
          notes.push(`${where}: the values never decrease over ${s.t.length} samples and grow steadily (${fmtNumber(s.v[0])} to ${fmtNumber(s.v[s.v.length - 1])}), `
            + 'as a cumulative counter (CPU seconds since the start, a Prometheus _total) does, not usage in cores; if so, export its rate instead: rate(<counter>[5m])');
        }
        const key = joinKeys[k];
        const seen = key !== undefined ? at.get(key) : undefined;
        // Its name alone, were it not joined: <file>/<id> for an id, the file's series' name for a Prometheus series.
        const own = joinIds ? `${name}/${names[k]}` : names[k];
        if (seen === undefined) {
          if (key !== undefined) { at.set(key, out.length); firstPart.set(out.length, { file: name, own, series: s, missing: read.missing }); }
          if (key !== undefined && !joinIds) labelsOf.set(out.length, reads[k].labels!);
          out.push({ name: names[k], series: s, missing: read.missing, ...(cumulative ? { cumulative } : {}), ...(read.column !== undefined ? { column: read.column } : {}) });
          sourceOf.push({ file: root === undefined ? basename(f) : relative(root, f).split(sep).join('/'), key: reads[k].key });
        } else {
          parts.set(seen, [...(parts.get(seen) ?? [firstPart.get(seen)!]), { file: name, own, series: s, missing: read.missing }]);
        }
        // Excel serial days read as 1970s seconds make days of samples look like seconds: "too short" without this.
        const implausible = timesGiven ? undefined : implausibleTimestamps(read.series.t);
        if (implausible) notes.push(`${where}: ${implausible}`);
        // Left out as forecast leaves them out: kept, a row years away made the backtest score the first 7 days without warm-up.
        if (read.far) notes.push(`${where}: ${farRowsNote(read.far)}`);
        if (read.chosen) {
          // The column chosen beside its limit or total must be of the kind replayed: mem_used is no CPU usage.
          const other = kind && read.column ? otherKind(read.column, kind) : undefined;
          if (other) throw new InputError(`${f}: ${read.column} is ${other} usage, not ${kind} (${read.chosen.replace(/; --value-column.*$/, '')}); give --kind ${other}, or --value-column <name> for a ${kind} column`);
          notes.push(`${where}: ${read.chosen}`);
        }
        if (read.unnamedColumn) notes.push(`${f}: column ${read.unnamedColumn} has no name in the header; read as the series "column ${read.unnamedColumn}"`);
        if (read.unitsRow) notes.push(`${where}: line ${read.unitsRow} under the header holds units, not values; skipped (values are read as cores for CPU and bytes for memory)`);
        if (read.infinite) notes.push(`${where}: ${read.infinite} infinite value${read.infinite === 1 ? '' : 's'} (+Inf, -Inf) left out as no sample, as NaN is (a division by zero in the query?)`);
        if (read.conflicting) notes.push(`${where}: ${read.conflicting} rows repeat an earlier timestamp with another value; the last row of each timestamp was used${read.clockChange?.repeated ? ` (${read.clockChange.repeated})` : ''}`);
        if (read.clockChange?.skipped) notes.push(`${where}: ${read.clockChange.skipped}`);
        if (negative) notes.push(`${where}: ${negative} negative values, read as 0 (CPU and memory usage cannot be negative: a counter reset or a broken query?)`);
      });
      const keyed = reads.some((r) => r.key !== undefined);
      const by = reads[0]?.splitBy;
      if (by !== undefined && root === undefined) {
        notes.unshift(`${f}: ${reads.length} series by its ${by} column, one per ${by} (as --series-column ${by} reads them)`);
      } else if (by !== undefined) {
        // In a directory --series-column names a series by its ids alone and joins its rows across files; this does not.
        notes.unshift(`${f}: ${reads.length} series by its ${by} column, one per ${by}, named ${name}/<${by}> (with --series-column ${by}, named by ${by} alone and joined across the directory's files)`);
        if (!splitFiles.has(by)) splitFiles.set(by, new Map());
        splitFiles.get(by)!.set(name, reads.map((r) => r.key ?? ''));
      }
      const shown = keyed && notes.length > MAX_NOTES_PER_FILE ? notes.slice(0, MAX_NOTES_PER_FILE - 1) : notes;
      report?.notes.push(...shown);
      if (shown.length < notes.length) report?.notes.push(`${f}: ${notes.length - shown.length} more notes like these on other series of this file`);
    } catch (e) {
      if (!skip || !(e instanceof InputError)) throw e;
      // The reader's messages start with the file's path; the list names the file once.
      bad.push({ file: f, reason: e.message.startsWith(`${f}: `) ? e.message.slice(f.length + 2) : e.message });
    }
  }
  for (const [said, files] of pairedPicks) {
    const which = root === undefined ? files[0] : `${path}: ${files.length} file${files.length === 1 ? '' : 's'} (${fewNames(files)})`;
    report?.notes.push(`${which}: a time column before each metric; --kind ${kind} replays ${said}; --value-column <name> picks another metric`);
  }
  for (const [said, files] of kindPicks) {
    const which = root === undefined ? files[0] : `${path}: ${files.length} file${files.length === 1 ? '' : 's'} (${fewNames(files)})`;
    report?.notes.push(`${which}: several value columns; --kind ${kind} replays ${said}; --value-column <name> picks another`);
  }
  // Ids (or Prometheus label sets) in several files: parts of one trace are joined, whether the files are cut by time
  // (Azure's) or by row (BigQuery's shards: an id's rows interleaved in time across them), a sample in two files once. The
  // same id with other values at the same timestamps in two files (web-a of cluster-a and of cluster-b), or samples seconds
  // apart (two scrapes), is two series: merging them would keep one file's value per timestamp, or alternate, silently.
  const apart = new Map<number, Clash>();
  /** Series without labels whose files cover the same time with other samples: each file's is a series (the why). */
  const unlabelledApart = new Map<number, string>();
  /** Joined series whose files' rows interleave in time (split by row), and timestamps given other values by two files. */
  let interleaved = 0, conflicts = 0;
  let conflictAt: string | undefined;
  for (const [k, list] of parts) {
    // A series without labels (`sum(…)` of a workload) names no workload: two files of it are chunks of one range query
    // only when they cover other times (or the same samples twice); over the same time with other samples they are two.
    const unnamed = labelsOf.has(k) && Object.keys(labelsOf.get(k)!).length === 0 ? overlapping(list) : undefined;
    if (unnamed) { unlabelledApart.set(k, unnamed); continue; }
    const look = compareParts(list);
    if (look.clash) { apart.set(k, look.clash); continue; }
    if (look.interleaved && !labelsOf.has(k)) interleaved++;
    if (look.conflicts > 0) { conflicts += look.conflicts; conflictAt ??= `${out[k].name}: ${look.example}`; }
    const t: number[] = [], v: number[] = [];
    // Element by element: spreading a long series into push() overflows the call stack.
    for (const p of list) for (let i = 0; i < p.series.t.length; i++) { t.push(p.series.t[i]); v.push(p.series.v[i]); }
    out[k].series = clean(makeSeries(t, v)).series;
    out[k].missing = list.reduce((m, p) => m + p.missing, 0);
  }
  // A Prometheus series joined across files is named by its labels alone: those that differ between the directory's
  // Prometheus series (as a file's series are named), all of them when every series has the same labels.
  const labelled = [...labelsOf.values()];
  const differing = [...new Set(labelled.flatMap((l) => Object.keys(l)))].sort().filter((k) => new Set(labelled.map((l) => l[k])).size > 1);
  const joinedJson: number[] = [];
  for (const k of parts.keys()) {
    const labels = labelsOf.get(k);
    if (labels === undefined || apart.has(k) || unlabelledApart.has(k)) continue;
    const keys = differing.length > 0 ? differing : Object.keys(labels).sort();
    out[k].name = `{${keys.filter((x) => labels[x] !== undefined).map((x) => `${x}=${labels[x]}`).join(' ')}}`;
    joinedJson.push(k);
  }
  const joined = parts.size - apart.size - unlabelledApart.size - joinedJson.length;
  const split = interleaved > 0 ? `; ${interleaved === joined ? 'their' : `${interleaved} series'`} rows interleave in time across the files (an export split by row)` : '';
  if (joined > 0) report?.notes.push(`${path}: ${joined} series have rows in several files, joined by their ids (--series-column)${split}`);
  if (joinedJson.length > 0) {
    report?.notes.push(`${path}: ${joinedJson.length} Prometheus series are in several files (a range query cut into time chunks?), joined by their labels in time order `
      + `and named by them (${clipList(joinedJson.map((k) => out[k].name))}); a series in one file only keeps its file's name`);
  }
  if (conflicts > 0) {
    report?.notes.push(`${path}: ${conflicts} timestamp${conflicts === 1 ? '' : 's'} of series joined across files ${conflicts === 1 ? 'has' : 'have'} another value in each of two files (${conflictAt}); the later file's value was used`);
  }
  for (const [k, why] of unlabelledApart) {
    const files = parts.get(k)!.map((p) => p.own);
    report?.notes.push(`${path}: ${files.length} files hold a Prometheus series without labels ({}, as sum(…) gives) over the same time with other samples `
      + `(${why}): not time chunks of one range query, so each file's is a series of its own, named by its file (${clipList(files)}); `
      + 'time chunks of one query cover times one after another');
  }
  if (apart.size > 0) {
    const [k0, clash] = [...apart][0];
    const ids = !labelsOf.has(k0);
    report?.notes.push(`${path}: ${apart.size} ${ids ? `id${apart.size === 1 ? '' : 's'}` : 'Prometheus series'} (${clipList([...apart.keys()].map((k) => out[k].name))}) have rows over the same time in several files `
      + `(${out[k0].name}: ${clash.why}): not parts of one trace, so each file's is a series of its own, ${ids ? 'named <file>/<id>' : 'named by its file'} (${clash.a.own}, ${clash.b.own})`);
  }
  // `sub.csv`'s pod a and `sub/a.csv` are both "sub/a": the series of a file of several is then named by the file's whole
  // name (`sub.csv/a`), so neither's rows are taken for the other's.
  const counts = new Map<string, number>();
  for (const o of out) counts.set(o.name, (counts.get(o.name) ?? 0) + 1);
  out.forEach((o, k) => {
    const src = sourceOf[k];
    if (counts.get(o.name)! > 1 && src?.key !== undefined && !parts.has(k)) o.name = `${src.file}/${src.key}`;
  });
  const separate = (k: number) => apart.has(k) || unlabelledApart.has(k);
  const result = apart.size + unlabelledApart.size === 0 ? out : out.flatMap((o, k) => (separate(k) ? parts.get(k)!.map((p) => ({ name: p.own, series: p.series, missing: p.missing })) : [o]));
  // Files split by the same label column whose ids repeat across them: likely parts of one trace, read as separate series.
  for (const [by, files] of splitFiles) {
    if (files.size < 2) continue;
    const inFiles = new Map<string, number>();
    for (const ids of files.values()) for (const id of new Set(ids)) inFiles.set(id, (inFiles.get(id) ?? 0) + 1);
    const shared = [...inFiles].filter(([, n]) => n > 1).map(([id]) => id);
    if (shared.length === 0) continue;
    report?.notes.push(`${path}: ${files.size} files are split by their ${by} column and share ${shared.length} ${by} value${shared.length === 1 ? '' : 's'} (${clipList(shared)}); `
      + `each file's are series of their own here (${[...files.keys()][0]}/${shared[0]}, …); if the files are parts of one trace, give --series-column ${by} to join each ${by}'s rows across them`);
  }
  if (skip) {
    if (result.length === 0) {
      // Files that fail alike (12 exports of the same layout) give their reason once, then which files.
      const groups = groupUnreadable(bad, path).map((g) => (g.files.length === 1 ? `${g.files[0]}: ${g.reason}` : `${g.files.length} files (${fewNames(g.files)}): ${g.reason}`));
      throw new InputError(`${path}: no .csv or .json file could be read (${bad.length}): ${groups.join('; ')}`);
    }
    skip.push(...bad);
  }
  return result;
}

/**
 * The input file `out` would replace (the same file: by path, symbolic link or hard link), or undefined. A file that does
 * not exist yet replaces none; a backtest's own earlier --out in the input folder is no source (loading skips it).
 */
export function outputOverInput(out: string, sources: readonly string[]): string | undefined {
  let o;
  try { o = statSync(out); } catch { return undefined; }
  for (const f of sources) {
    try {
      const s = statSync(f);
      if (s.dev === o.dev && s.ino === o.ino) return f;
    } catch { /* a source gone since: nothing to replace */ }
  }
  return undefined;
}

/** The one column of several named for `kind` (metricForKind's rule, as for paired files), or undefined when none or several are. */
function kindColumn(candidates: readonly string[], kind: 'cpu' | 'memory'): { name: string; why: string } | undefined {
  try { return metricForKind(candidates, kind, ''); } catch { return undefined; }
}

/** The other resource kind when a column's name says it is that kind's metric (`mem_used` for cpu, `cpu_usage` for memory). */
export function otherKind(column: string, kind: 'cpu' | 'memory'): 'cpu' | 'memory' | undefined {
  const w = column.toLowerCase().split(/[^a-z0-9]+/);
  const cpu = w.some((x) => x === 'cpu' || x === 'cpus' || x === 'cores'), mem = w.some((x) => x.startsWith('mem') || x === 'rss' || x === 'bytes');
  if (kind === 'cpu' && mem && !cpu) return 'memory';
  if (kind === 'memory' && cpu && !mem) return 'cpu';
  return undefined;
}

/** Whether values never decrease but at a few resets (≤ 1% of the steps), over 30 samples or more, and rise overall. */
function mostlyRising(v: ArrayLike<number>): boolean {
  if (v.length < 30) return false;
  let down = 0;
  for (let k = 1; k < v.length; k++) if (v[k] < v[k - 1]) down++;
  return down <= 0.01 * (v.length - 1) && v[v.length - 1] > v[0];
}

function fmtNumber(x: number): string {
  return Math.abs(x) >= 1e6 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

/** The series name (and the name in errors) of `--input -`. */
export const STDIN_NAME = 'stdin';

/**
 * Standard input's bytes, for `--input -` (as `manifests scan -` reads it). A terminal is refused: reading it would
 * wait for typed rows with no prompt.
 */
export async function readStdin(input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin): Promise<Buffer> {
  if (input.isTTY) throw new UserError('--input -: standard input is a terminal; pipe a CSV or JSON export into mora (… | mora backtest --input - …), or give a file');
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Unreadable files that failed for one reason: the reason, and the files (paths below the directory) in the order read. */
export interface UnreadableGroup {
  reason: string;
  files: string[];
  /** The group's files as loading listed them, each with its own reason. */
  entries: UnreadableFile[];
}

/** How many files' names a group of unreadable files shows before "and N more". */
const MAX_NAMED_FILES = 5;

/** A leading line number of a reader's reason (`line 501: value "x" is not a number`). */
const LINE_PREFIX = /^line (\d+): /;

/**
 * A directory's unreadable files grouped by reason, for people (JSON keeps each file with its own reason): files whose
 * reasons are the same text are one group. Reasons that differ only in their leading line number are one group too, the
 * reason then without it and each file named with its line (`b.csv line 7`); a line number anywhere else, or any other
 * difference, keeps the reasons apart. Groups are in the order of their first file.
 */
export function groupUnreadable(bad: readonly UnreadableFile[], root: string): UnreadableGroup[] {
  const byKey = new Map<string, Array<{ name: string; line?: string; entry: UnreadableFile }>>();
  for (const b of bad) {
    const name = relative(root, b.file).split(sep).join('/') || basename(b.file);
    const line = LINE_PREFIX.exec(b.reason)?.[1];
    const key = b.reason.replace(LINE_PREFIX, '');
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key)!.push({ name, line, entry: b });
  }
  return [...byKey].map(([key, list]) => {
    const entries = list.map((x) => x.entry);
    return entries.every((e) => e.reason === entries[0].reason)
      ? { reason: entries[0].reason, files: list.map((x) => x.name), entries }
      : { reason: key, files: list.map((x) => (x.line === undefined ? x.name : `${x.name} line ${x.line}`)), entries };
  });
}

/** The first few names of a group, comma-separated, and how many more: `a.csv, b.csv, c.csv, d.csv, e.csv and 7 more`. */
export function fewNames(names: readonly string[], n = MAX_NAMED_FILES): string {
  return names.slice(0, n).join(', ') + (names.length > n ? ` and ${names.length - n} more` : '');
}

/** The series with its negative values read as 0 (the same series when there is none), and how many there were. */
export function nonNegative(s: Series): { series: Series; negative: number } {
  let negative = 0;
  for (const x of s.v) if (x < 0) negative++;
  if (negative === 0) return { series: s, negative };
  return { series: { t: s.t, v: Float64Array.from(s.v, (x) => (x < 0 ? 0 : x)) }, negative };
}

/** One file's rows of a series whose id (or Prometheus labels) is in several files of a directory. */
interface Part {
  file: string;
  /** The series' name were it not joined (<file>/<id>; a Prometheus series' name in its file). */
  own: string;
  series: Series;
  missing: number;
}

/** Two parts that are not one series, and why (for the note). */
interface Clash { a: Part; b: Part; why: string }

/**
 * Whether one series' parts in several files are one series: their samples in time order, two files' samples at the same
 * timestamp are one sample when their values are equal (an overlap exported twice, a chunk's last sample its next's first),
 * and a conflict otherwise; samples of two files closer than a quarter of their step (15 s apart at 5 min) are two
 * scrapes. More than 1% of the shorter part's samples so (and more than one: a chunk boundary's may differ) is a clash, two
 * series. Time spans alone do not tell: BigQuery's shards give each file rows of every id over the whole trace.
 */
function compareParts(list: readonly Part[]): { clash?: Clash; interleaved: boolean; conflicts: number; example?: string } {
  const idx: Array<[number, number]> = [];
  // Files cut by time (Azure's 195) meet at most at a boundary: only those samples are compared, not every sample sorted.
  const order = list.map((_, j) => j).filter((j) => list[j].series.t.length > 0).sort((x, y) => list[x].series.t[0] - list[y].series.t[0]);
  const byTime = order.every((j, n) => n === 0 || list[j].series.t[0] >= lastT(list[order[n - 1]]));
  if (byTime) {
    for (let n = 1; n < order.length; n++) idx.push([order[n - 1], list[order[n - 1]].series.t.length - 1], [order[n], 0]);
  } else list.forEach((p, j) => { for (let i = 0; i < p.series.t.length; i++) idx.push([j, i]); });
  const tOf = ([j, i]: [number, number]) => list[j].series.t[i];
  const vOf = ([j, i]: [number, number]) => list[j].series.v[i];
  idx.sort((x, y) => tOf(x) - tOf(y) || x[0] - y[0]);
  /** Each part's median step, computed for the parts whose samples come close only. */
  const stepOf: number[] = [];
  const step = (j: number) => (stepOf[j] ??= medianStep(list[j].series));
  /** Per pair of parts ("j,l"): conflicting timestamps, samples seconds apart, and the first of each. */
  const pairs = new Map<string, { same: number; near: number; firstSame?: string; firstNear?: string }>();
  let interleaved = false;
  for (let n = 1; n < idx.length; n++) {
    const x = idx[n - 1], y = idx[n];
    if (x[0] === y[0]) continue;
    const dt = tOf(y) - tOf(x);
    // A file's sample between two of another's, not at a part's ends: the files split the series by row, not by time.
    if (dt > 0 && y[1] > 0 && x[1] < list[x[0]].series.t.length - 1) interleaved = true;
    const conflict = dt === 0 && vOf(x) !== vOf(y);
    const near = dt > 0 && dt < Math.min(step(x[0]), step(y[0])) / 4;
    if (!conflict && !near) continue;
    const key = `${Math.min(x[0], y[0])},${Math.max(x[0], y[0])}`;
    const c = pairs.get(key) ?? { same: 0, near: 0 };
    if (conflict) { c.same++; c.firstSame ??= `${iso(tOf(x))}: ${fmtNumber(vOf(x))} in ${list[x[0]].file}, ${fmtNumber(vOf(y))} in ${list[y[0]].file}`; }
    if (near) { c.near++; c.firstNear ??= `${iso(tOf(x))} in ${list[x[0]].file}, ${iso(tOf(y))} in ${list[y[0]].file}`; }
    pairs.set(key, c);
  }
  let conflicts = 0, example: string | undefined;
  for (const [key, c] of pairs) {
    const [j, l] = key.split(',').map(Number);
    const a = list[j], b = list[l];
    const limit = Math.max(1, 0.01 * Math.min(a.series.t.length, b.series.t.length));
    if (c.same > limit) return { clash: { a, b, why: `${c.same} timestamps with other values in ${a.file} and ${b.file}, the first ${c.firstSame}` }, interleaved, conflicts };
    if (c.near > limit) {
      const least = Math.min(step(j), step(l));
      const gap = Math.abs(a.series.t[0] - b.series.t[0]) % least;
      const apartBy = Math.min(gap, least - gap);
      return { clash: { a, b, why: `${c.near} samples ${apartBy > 0 ? `${fmtNumber(apartBy)} s` : 'seconds'} apart in ${a.file} and ${b.file} at a step of ${fmtNumber(least)} s, two scrapes, the first ${c.firstNear}` }, interleaved, conflicts };
    }
    conflicts += c.same;
    example ??= c.firstSame;
  }
  return { interleaved, conflicts, example };
}

/**
 * Whether a series' parts cover the same time with other samples, and where (undefined when not). Parts that meet at most
 * at one timestamp (a chunk's last sample its next's first) are time chunks; over a longer common time they are the same
 * samples exported twice only when their samples there are at the same timestamps with the same values, but for at
 * most 1% of them (and one): a query's step grid is the same in every chunk, so other timestamps (scrapes of another
 * workload, or a step of its own) or other values are another series.
 */
function overlapping(list: readonly Part[]): string | undefined {
  for (let j = 0; j < list.length; j++) {
    for (let l = j + 1; l < list.length; l++) {
      const a = list[j].series, b = list[l].series;
      if (a.t.length === 0 || b.t.length === 0) continue;
      const lo = Math.max(a.t[0], b.t[0]), hi = Math.min(a.t[a.t.length - 1], b.t[b.t.length - 1]);
      if (hi <= lo) continue;
      const inA = new Map<number, number>();
      for (let i = 0; i < a.t.length; i++) if (a.t[i] >= lo && a.t[i] <= hi) inA.set(a.t[i], a.v[i]);
      let nb = 0, same = 0, other = 0;
      for (let i = 0; i < b.t.length; i++) {
        if (b.t[i] < lo || b.t[i] > hi) continue;
        nb++;
        const x = inA.get(b.t[i]);
        if (x === undefined) continue;
        if (x === b.v[i]) same++; else other++;
      }
      const na = inA.size;
      const unmatched = na + nb - 2 * same;
      if (unmatched <= Math.max(1, 0.01 * Math.min(na, nb))) continue;
      const what = other > 0 ? `, ${other} of them at the same timestamps with other values` : '';
      return `${list[j].file} and ${list[l].file} both cover ${iso(lo)} to ${iso(hi)}: ${na} and ${nb} samples there, ${same} alike in time and value${what}`;
    }
  }
  return undefined;
}

/** A part's last timestamp. */
function lastT(p: Part): number {
  return p.series.t[p.series.t.length - 1];
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace('.000Z', 'Z');
}

/** The first few of a list, comma-separated, and how many more. */
function clipList(xs: readonly string[], n = 3): string {
  return xs.slice(0, n).join(', ') + (xs.length > n ? `, … ${xs.length - n} more` : '');
}


/**
 * A Prometheus export's series keyed by the labels --series-column names (`pod`; `namespace,pod` joined with "/", a "/"
 * or "%" inside a value written %2F, %25, as a CSV's ids), so they are named and joined as a long-form CSV's ids. A series
 * without one of the labels, or several alike in them, is an error: a name must be one series'.
 */
function labelKeys(reads: readonly LabelledRead[], cols: readonly string[], f: string): LabelledRead[] {
  const flag = `--series-column ${clip(cols.join(','), 80)}`;
  const byKey = new Map<string, number[]>();
  const keyed = reads.map((r, i) => {
    const labels = r.labels ?? {};
    const lacking = cols.find((c) => labels[c] === undefined);
    if (lacking !== undefined) {
      const have = Object.keys(labels).sort();
      throw new InputError(`${f}: ${flag}: series ${i + 1} ${clip(labelText(labels), 100)} has no label "${clip(lacking, 80)}"; its labels: ${have.length ? clipList(have, 12) : 'none'} `
        + '(for a Prometheus export, --series-column names the labels whose values name each series)');
    }
    const key = cols.length === 1 ? labels[cols[0]] : cols.map((c) => labels[c].replace(/[%/]/g, (x) => (x === '%' ? '%25' : '%2F'))).join('/');
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
    return { ...r, key };
  });
  const alike = [...byKey.values()].find((l) => l.length > 1);
  if (alike) {
    const first = reads[alike[0]].labels!;
    throw new InputError(`${f}: ${flag}: ${alike.length} series have ${cols.map((c) => `${c}=${clip(first[c], 60)}`).join(' ')} `
      + `(${clipList(alike.map((i) => clip(labelText(reads[i].labels!), 100)), 2)}); give labels that tell them apart`);
  }
  return keyed;
}

/**
 * Series names for a file's series: the file's name for one; for a Prometheus export's several, the file's name and the
 * labels whose values differ between them (`web{pod=web-1}`, unquoted: a name is a CSV key; the labels all share say nothing), and the series'
 * number when even those are alike.
 */
function seriesNames(file: string, reads: readonly LabelledRead[], single = false): string[] {
  // A CSV's several series (ids, columns): the key alone for a file given by itself, below the file's name in a directory.
  if (reads.some((r) => r.key !== undefined)) return reads.map((r) => (single ? r.key! : `${file}/${r.key!}`));
  if (reads.length === 1) return [file];
  const keys = [...new Set(reads.flatMap((r) => Object.keys(r.labels ?? {})))].sort()
    .filter((k) => new Set(reads.map((r) => r.labels?.[k])).size > 1);
  const names = reads.map((r) => `${file}{${keys.filter((k) => r.labels?.[k] !== undefined).map((k) => `${k}=${r.labels![k]}`).join(' ')}}`);
  return names.map((n, i) => (names.indexOf(n) !== names.lastIndexOf(n) ? `${n}#${i + 1}` : n));
}

/** The input flags of mora backtest (and those of them mora forecast takes), as commander gives them. */
export interface LayoutFlags {
  timeColumn?: string;
  valueColumn?: string;
  seriesColumn?: string;
  /** false with --no-header. */
  header?: boolean;
  wide?: boolean;
  timeUnit?: string;
  step?: string;
}

/** The input flags as a CSV layout (undefined: none given, the files say it all); bad values are UserErrors. */
export function csvLayout(opts: LayoutFlags): CsvLayout | undefined {
  let timeUnit: EpochUnit | undefined;
  if (opts.timeUnit !== undefined) {
    const u = opts.timeUnit.trim().toLowerCase().replace(/^µs$/, 'us');
    if (u !== 's' && u !== 'ms' && u !== 'us' && u !== 'ns') throw new UserError(`--time-unit must be s, ms, us or ns, got "${opts.timeUnit}"`);
    timeUnit = u;
  }
  let step: number | undefined;
  if (opts.step !== undefined) {
    step = /^[0-9.eE+]+$/.test(opts.step.trim()) ? Number(opts.step) : NaN;
    if (!(step > 0) || !Number.isFinite(step)) throw new UserError(`--step must be a positive number of seconds, got "${opts.step}"`);
    if (timeUnit) throw new UserError('--step reads step numbers, --time-unit epoch numbers: give one of them');
  }
  const seriesColumns = opts.seriesColumn?.split(',').map((c) => c.trim()).filter(Boolean);
  if (opts.seriesColumn !== undefined && !seriesColumns?.length) throw new UserError('--series-column is empty; give the id column(s), e.g. --series-column container_id');
  if (opts.wide && opts.valueColumn !== undefined) throw new UserError('--wide reads every column as a series; --value-column picks one: give one of them');
  if (opts.wide && seriesColumns) throw new UserError('--wide and --series-column: give one of them (wide: a column per series; series column: an id per row)');
  for (const [flag, v] of [['--time-column', opts.timeColumn], ['--value-column', opts.valueColumn]] as const) {
    if (v !== undefined && v.trim() === '') throw new UserError(`${flag} is empty; give a header name or a column number (from 1)`);
  }
  const layout: CsvLayout = { timeColumn: opts.timeColumn, valueColumn: opts.valueColumn, seriesColumns, noHeader: opts.header === false ? true : undefined, wide: opts.wide || undefined, timeUnit, step };
  return hasLayout(layout) ? layout : undefined;
}
