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

/** Words that may stand beside "cpu" in the name of a total CPU usage column (cpu_usage, cpu_usage_total, container_cpu_usage_seconds). */
const CPU_TOTAL_WORDS = new Set(['usage', 'used', 'total', 'cores', 'core', 'seconds', 'rate', 'container', 'pod']);
/** Words that may stand beside "memory" in the name of a memory usage column (memory_usage, memory_usage_bytes). */
const MEMORY_USAGE_WORDS = new Set(['usage', 'used', 'bytes', 'total', 'container', 'pod']);

/**
 * The metric of a paired file that a command sizing one resource reads, and why (for the line on stderr): CPU, the total
 * usage (`cpu_usage`, `cpu`), not its system and user parts; memory, the working set (`memory_working_set`: what the
 * kubelet evicts on and VPA sizes by) over the usage (`memory_usage`, which counts page cache the kernel can reclaim), the
 * usage only when there is no working set. No such column, or several that could be it: an InputError that lists the
 * metrics and names --value-column. The rule follows what the kubelet and VPA read, not any data set's scores.
 */
export function metricForKind(names: readonly string[], kind: 'cpu' | 'memory', where: string): { name: string; why: string } {
  const list = clip(names.join(', '));
  const pick = `give --value-column <name> to say which to replay as --kind ${kind}`;
  if (kind === 'cpu') {
    const cpu = names.filter((n) => words(n).some((w) => w === 'cpu' || w === 'cpus'));
    const total = cpu.filter((n) => words(n).every((w) => w === 'cpu' || w === 'cpus' || CPU_TOTAL_WORDS.has(w)));
    if (total.length === 1) {
      const others = cpu.filter((n) => n !== total[0]);
      return { name: total[0], why: others.length ? `the total CPU usage (${others.join(' and ')} left out)` : 'the only CPU column' };
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
