/**
 * JMeter's results file (JTL) in its CSV form, and the load statistics MOrA keeps from it — the same fields the
 * built-in generator reports (requests, non-2xx, errors, achieved rate, latency percentiles), so a JMeter cell is
 * stored exactly like an autocannon one.
 *
 * The driver forces the CSV layout with JMeter properties (`JTL_PROPERTIES`): a header line, epoch-millisecond
 * timestamps, commas. Columns are found by their header names, so extra columns (a user's own saveservice settings
 * through user.properties) do not matter. JMeter quotes a field that holds the delimiter or a quote ("a ""b"", c").
 */
import { percentile, type LoadStats } from './load';

/** JMeter properties that make the JTL a CSV this module reads: header, ms timestamps, no sub-results, no bodies, flushed. */
export const JTL_PROPERTIES: Readonly<Record<string, string>> = {
  'jmeter.save.saveservice.output_format': 'csv',
  'jmeter.save.saveservice.print_field_names': 'true',
  'jmeter.save.saveservice.timestamp_format': 'ms',
  'jmeter.save.saveservice.default_delimiter': ',',
  'jmeter.save.saveservice.time': 'true',
  'jmeter.save.saveservice.label': 'true',
  'jmeter.save.saveservice.response_code': 'true',
  'jmeter.save.saveservice.successful': 'true',
  'jmeter.save.saveservice.latency': 'true',
  'jmeter.save.saveservice.response_message': 'true',
  'jmeter.save.saveservice.subresults': 'false',
  'jmeter.save.saveservice.response_data': 'false',
  'jmeter.save.saveservice.samplerData': 'false',
  'jmeter.save.saveservice.url': 'false',
  // Each sample reaches the file as it ends: a cancelled or killed run keeps what it measured.
  'jmeter.save.saveservice.autoflush': 'true',
};

/** One request as JMeter recorded it. */
export interface JtlSample {
  /** Start, epoch milliseconds. */
  timeStamp: number;
  /** Milliseconds from sending the request to the last byte of the answer. */
  elapsed: number;
  label: string;
  /** The HTTP status, or JMeter's "Non HTTP response code: java.net.ConnectException" when there was no answer. */
  responseCode: string;
  responseMessage: string;
  success: boolean;
}

/** Splits one CSV record (no line breaks inside: JMeter writes none with response data off). */
export function splitCsvLine(line: string, delimiter = ','): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) { field += line.slice(i); i = line.length; break; }
        field += line.slice(i, q);
        if (line[q + 1] === '"') { field += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      const d = line.indexOf(delimiter, i);
      // Anything between the closing quote and the delimiter is kept, as JMeter's own reader does.
      field += d < 0 ? line.slice(i) : line.slice(i, d);
      i = d < 0 ? line.length + 1 : d + delimiter.length;
    } else {
      const d = line.indexOf(delimiter, i);
      field = d < 0 ? line.slice(i) : line.slice(i, d);
      i = d < 0 ? line.length + 1 : d + delimiter.length;
    }
    out.push(field);
    if (i > line.length) return out;
  }
}

/**
 * The samples of a CSV JTL. Throws when the header lacks a column the statistics need (the JTL was written as XML,
 * or without field names), naming the columns it found. Lines that do not parse (a sample cut short by a kill) are
 * skipped and counted.
 */
export function parseJtl(text: string): { samples: JtlSample[]; skippedLines: number } {
  const lines = text.split(/\r?\n/);
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  if (!lines.length) return { samples: [], skippedLines: 0 };
  if (lines[0].trimStart().startsWith('<')) {
    throw new Error('the JTL is XML; MOrA reads CSV results (jmeter.save.saveservice.output_format=csv, which the driver sets — does the .jmx override it in a listener?)');
  }
  const header = splitCsvLine(lines[0]);
  const col = (name: string) => header.indexOf(name);
  const need = ['timeStamp', 'elapsed', 'responseCode', 'success'];
  const missing = need.filter((n) => col(n) < 0);
  if (missing.length) {
    throw new Error(`the JTL has no ${missing.join(', ')} column (found: ${header.slice(0, 12).join(', ') || 'nothing'}); it must be CSV with field names (jmeter.save.saveservice.print_field_names=true)`);
  }
  const [ts, el, rc, ok] = need.map(col);
  const lb = col('label');
  const rm = col('responseMessage');
  const samples: JtlSample[] = [];
  let skippedLines = 0;
  for (let k = 1; k < lines.length; k++) {
    if (!lines[k].trim()) continue;
    const f = splitCsvLine(lines[k]);
    const timeStamp = Number(f[ts]);
    const elapsed = Number(f[el]);
    if (f.length < header.length - 1 || !Number.isFinite(timeStamp) || !Number.isFinite(elapsed) || f[ok] === undefined) {
      skippedLines++;
      continue;
    }
    samples.push({
      timeStamp, elapsed,
      label: lb >= 0 ? f[lb] ?? '' : '',
      responseCode: f[rc] ?? '',
      responseMessage: rm >= 0 ? f[rm] ?? '' : '',
      success: f[ok] === 'true',
    });
  }
  return { samples, skippedLines };
}

/** The built-in generator's stats (load.ts) over the JTL's measured window, with p95 and the window's bounds. */
export interface JtlStats extends Omit<LoadStats, 'aborted'> {
  latencyP95Ms: number;
  errorCodes: Record<string, number>;
  /** Epoch milliseconds of the window. */
  windowStartMs: number;
  windowEndMs: number;
}

/** Nearest-rank percentile of sorted values (NaN when there are none); in load.ts, which records latencies too. */
export { percentile };

/** "Non HTTP response code: java.net.SocketTimeoutException" → "SocketTimeoutException". */
function errorCode(s: JtlSample): string {
  const m = /([A-Za-z0-9_$]+(?:Exception|Error))\b/.exec(`${s.responseCode} ${s.responseMessage}`);
  return m ? m[1] : s.responseCode.replace(/^Non HTTP response code:\s*/, '') || 'error';
}

/**
 * Statistics over the requests started inside [fromMs, toMs) (default: all). Latency percentiles are over answered
 * requests, as autocannon's are. The achieved rate is requests answered per second of the window; the window is
 * `fromMs`…`toMs` when given, otherwise first…last start.
 */
export function jtlStats(samples: readonly JtlSample[], window: { fromMs?: number; toMs?: number } = {}): JtlStats {
  const from = window.fromMs ?? -Infinity;
  const to = window.toMs ?? Infinity;
  const inWindow = samples.filter((s) => s.timeStamp >= from && s.timeStamp < to);
  const latencies: number[] = [];
  let non2xx = 0, errors = 0, timeouts = 0;
  const errorCodes: Record<string, number> = {};
  let first = Infinity, last = -Infinity;
  for (const s of inWindow) {
    first = Math.min(first, s.timeStamp);
    last = Math.max(last, s.timeStamp);
    if (/^\d{3}$/.test(s.responseCode)) {
      latencies.push(s.elapsed);
      if (!s.responseCode.startsWith('2')) non2xx++;
    } else {
      errors++;
      const code = errorCode(s);
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      if (/timeout/i.test(code)) timeouts++;
    }
  }
  latencies.sort((a, b) => a - b);
  const windowStartMs = Number.isFinite(from) ? from : first;
  const windowEndMs = Number.isFinite(to) ? to : last;
  const durationSeconds = Number.isFinite(windowEndMs - windowStartMs) ? Math.max(0, (windowEndMs - windowStartMs) / 1000) : 0;
  const requests = latencies.length;
  return {
    requests, non2xx, errors, timeouts,
    achievedRate: durationSeconds > 0 ? requests / durationSeconds : 0,
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    latencyP99Ms: percentile(latencies, 99),
    durationSeconds, errorCodes,
    windowStartMs: Number.isFinite(windowStartMs) ? windowStartMs : NaN,
    windowEndMs: Number.isFinite(windowEndMs) ? windowEndMs : NaN,
  };
}
