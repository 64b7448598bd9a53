/**
 * The "paired" CSV layout: every metric column preceded by its own time column (`timestamp,cpu_usage,timestamp,memory_usage`),
 * as cAdvisor/Prometheus pod-metrics dumps merged column by column are written. Each pair is a series of its own with its
 * own timestamps; the columns may be of uneven length (a shorter metric's later cells are empty: no rows, not missing values).
 * This module finds the pairs, cuts a pair out as a two-column CSV of the same lines (so the reader's line numbers stay the
 * file's), and picks the pair a command that needs one resource kind reads (`metricForKind`).
 */
import { clip, InputError } from './input-error';

/** One metric column and the time column before it (0-based), named as the header writes it. */
export interface Pair {
  time: number;
  value: number;
  name: string;
}

/**
 * The pairs of a header (cells unquoted, as written), or undefined when it is not paired: an even number of at least 4
 * columns, every even one (from the first) named for time and every odd one a metric name that is not (and not empty),
 * the metric names distinct. `isTime` is the reader's test of a time column's name (lower-case).
 */
export function pairedColumns(header: readonly string[], isTime: (lowerName: string) => boolean): Pair[] | undefined {
  if (header.length < 4 || header.length % 2 !== 0) return undefined;
  const pairs: Pair[] = [];
  for (let j = 0; j < header.length; j += 2) {
    const name = header[j + 1].trim();
    if (!isTime(header[j].trim().toLowerCase()) || name === '' || isTime(name.toLowerCase())) return undefined;
    pairs.push({ time: j, value: j + 1, name });
  }
  return new Set(pairs.map((p) => p.name.toLowerCase())).size === pairs.length ? pairs : undefined;
}

/**
 * One pair of a paired file as a two-column CSV with the file's lines in place: the header line becomes `<time>,<metric>`,
 * every other line the pair's two cells (raw, quotes kept), blank and `#` lines stay. A row where both cells are empty (a
 * shorter column's end) becomes `,`, which the reader skips as it skips Excel's separator rows. `split` splits a line
 * into raw cells; `headerLine` is the header's index in `lines`. Also counts the rows with a value cell that is not empty.
 */
export function pairText(lines: readonly string[], headerLine: number, pair: Pair, split: (line: string) => string[]): { text: string; values: number } {
  const out: string[] = new Array<string>(lines.length);
  let values = 0;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    if (k < headerLine || line.trim() === '' || line.trimStart().startsWith('#')) { out[k] = line; continue; }
    const cells = split(line);
    const v = cells[pair.value] ?? '';
    if (k > headerLine && v.trim() !== '' && v.trim() !== '""') values++;
    out[k] = `${cells[pair.time] ?? ''},${v}`;
  }
  return { text: out.join('\n'), values };
}

const words = (name: string) => name.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');

/**
 * Words that may stand beside "cpu" in the name of a total CPU usage column (cpu_usage, container_cpu_usage_seconds,
 * rate(container_cpu_usage_seconds_total[5m]): a window such as 5m counts too).
 */
const CPU_TOTAL_WORDS = new Set(['usage', 'used', 'total', 'cores', 'core', 'seconds', 'rate', 'irate', 'sum', 'container', 'pod']);
const isCpuTotalWord = (w: string) => w === 'cpu' || w === 'cpus' || CPU_TOTAL_WORDS.has(w) || /^\d+[smhdw]$/.test(w);

/**
 * A cumulative counter by its name: Prometheus names a counter `…_total` (container_cpu_usage_seconds_total: CPU seconds
 * since the container started, which only grows), and Docker's/Telegraf's cpu_usage_total counts nanoseconds so. Not a
 * name that says its rate was taken (rate(…_total[5m])), nor a bare `cpu_total`, which some dumps write for user + system.
 */
export function isCounterName(name: string): boolean {
  const w = words(name);
  return w.length >= 3 && w[w.length - 1] === 'total' && !w.some((x) => x === 'rate' || x === 'irate' || x === 'increase' || x === 'deriv');
}

/**
 * Whether values look like a cumulative counter rather than usage: at least 30 samples, none lower than the one before,
 * most (90 %) higher, and close to a straight line (R² of a least-squares line ≥ 0.99), as CPU seconds accumulate. A
 * usage that really rises over a file is not that regular: a scrape's noise goes down as well as up. (Rule from what
 * the counters are, not tuned on any data set; the DeathStarBench pod dumps' cpu_usage columns are not flagged.)
 */
export function looksCumulative(v: ArrayLike<number>): boolean {
  const x: number[] = [];
  for (let k = 0; k < v.length; k++) if (Number.isFinite(v[k])) x.push(v[k]);
  const n = x.length;
  if (n < 30) return false;
  let up = 0;
  for (let k = 1; k < n; k++) {
    if (x[k] < x[k - 1]) return false;
    if (x[k] > x[k - 1]) up++;
  }
  if (up < 0.9 * (n - 1)) return false;
  const mi = (n - 1) / 2;
  const my = x.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let k = 0; k < n; k++) { sxy += (k - mi) * (x[k] - my); sxx += (k - mi) ** 2; syy += (x[k] - my) ** 2; }
  return syy > 0 && (sxy * sxy) / (sxx * syy) >= 0.99;
}

const counterHow = (name: string) => `export its rate instead (rate(${clip(name, 60)}[5m]) in Prometheus), or give --value-column <name> to replay another column`;
/** Words that may stand beside "memory" in the name of a memory usage column (memory_usage, memory_usage_bytes). */
const MEMORY_USAGE_WORDS = new Set(['usage', 'used', 'bytes', 'total', 'container', 'pod']);

/**
 * The metric of a paired file that a command sizing one resource reads, and why (for the line on stderr): CPU, the total
 * usage (`cpu_usage`, `cpu`), not its system and user parts; memory, the working set (`memory_working_set`: what the
 * kubelet evicts on and VPA sizes by) over the usage (`memory_usage`, which counts page cache the kernel can reclaim), the
 * usage only when there is no working set. No such column, or several that could be it: an InputError that lists the
 * metrics and names --value-column. A cumulative CPU counter (`isCounterName`, or its `values` by `looksCumulative`) is
 * never the usage: the only candidate being one is an InputError that says to export its rate. The rule follows what the
 * kubelet and VPA read, not any data set's scores.
 */
export function metricForKind(names: readonly string[], kind: 'cpu' | 'memory', where: string, values?: (name: string) => ArrayLike<number>): { name: string; why: string } {
  const list = clip(names.join(', '));
  const pick = `give --value-column <name> to say which to replay as --kind ${kind}`;
  if (kind === 'cpu') {
    const cpu = names.filter((n) => words(n).some((w) => w === 'cpu' || w === 'cpus'));
    const named = cpu.filter((n) => words(n).every(isCpuTotalWord));
    // A counter (CPU seconds since the start) replayed as cores grows without end: never the usage.
    const counters = named.filter(isCounterName);
    const total = named.filter((n) => !isCounterName(n));
    if (total.length === 1) {
      const v = values?.(total[0]);
      if (v && looksCumulative(v)) {
        throw new InputError(`${where}: ${clip(total[0], 60)} never decreases over its ${v.length} samples and grows steadily, as a cumulative counter `
          + `(CPU seconds since the start), not usage in cores, does; ${counterHow(total[0])}, or --value-column ${clip(total[0], 60)} if it is the usage`);
      }
      const others = cpu.filter((n) => n !== total[0]);
      return { name: total[0], why: others.length ? `the total CPU usage (${others.join(' and ')} left out${counters.length ? `; ${counters.join(' and ')}: a cumulative counter` : ''})` : 'the only CPU column' };
    }
    if (total.length === 0 && counters.length > 0) {
      throw new InputError(`${where}: ${clip(counters.join(' and '), 80)} ${counters.length === 1 ? 'is a cumulative counter' : 'are cumulative counters'} `
        + `(CPU seconds since the start, a Prometheus _total), not usage in cores; ${counterHow(counters[0])}`);
    }
    if (cpu.length === 0) throw new InputError(`${where}: no CPU column among its metrics (${list}; a time column per metric); ${pick}`);
    throw new InputError(`${where}: which column is the total CPU usage? ${clip((total.length ? total : cpu).join(', '))} could be (metrics: ${list}); ${pick}`);
  }
  const mem = names.filter((n) => words(n).some((w) => w.startsWith('mem')));
  const isWs = (n: string) => { const w = words(n); return (w.includes('working') && w.includes('set')) || w.includes('workingset') || w.includes('wss'); };
  const ws = mem.filter(isWs);
  if (ws.length === 1) {
    const others = mem.filter((n) => n !== ws[0]);
    return { name: ws[0], why: `the working set, what the kubelet evicts on and VPA sizes by${others.length ? ` (${others.join(' and ')} left out: usage counts page cache)` : ''}` };
  }
  const usage = mem.filter((n) => !isWs(n) && words(n).every((w) => w.startsWith('mem') || MEMORY_USAGE_WORDS.has(w)));
  if (ws.length === 0 && usage.length === 1) return { name: usage[0], why: 'no working-set column, and usage counts page cache, so it can overstate what must fit' };
  if (mem.length === 0) throw new InputError(`${where}: no memory column among its metrics (${list}; a time column per metric); ${pick}`);
  throw new InputError(`${where}: which column is the memory working set? ${clip((ws.length ? ws : mem).join(', '))} could be (metrics: ${list}); ${pick}`);
}
