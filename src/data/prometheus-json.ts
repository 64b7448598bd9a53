/**
 * A Prometheus HTTP API answer saved to a file — what `curl …/api/v1/query_range` (or Grafana's "Download data" of a
 * Prometheus panel's query) hands over — as the series it holds. Only its shape is read here; the timestamp and value
 * cells are read as the CSV reader reads them (timeseries-csv.ts). Accepted: the whole answer
 * (`{"status":"success","data":{"resultType":"matrix","result":[…]}}`), its `data` alone, its `result` array, one
 * series (`{"metric":{…},"values":[[1700000000,"0.25"],…]}`) or a `values` array alone. An instant query (one sample per
 * series), an error answer and JSON of any other shape are errors that say what to export instead.
 */
import { clip, InputError } from './input-error';

/** One series of the export: its labels and its `[timestamp, value]` samples, cells as the JSON had them. */
export interface JsonSeries {
  labels: Record<string, string>;
  samples: ReadonlyArray<readonly [unknown, unknown]>;
}

/** What MOrA reads, for errors about JSON that is not such an export. */
export const READS = 'mora reads timestamp,value CSV, or a Prometheus query_range JSON export ({"status":"success","data":{"resultType":"matrix","result":[…]}})';

/** JSON by its first character (`{` or `[`; a BOM and blanks aside): no CSV header starts so. */
export function looksLikeJson(text: string): boolean {
  return /^\uFEFF?\s*[[{]/.test(text);
}

type Obj = Record<string, unknown>;
const isObject = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
/** A series of a `result` array: it has labels (`metric`, maybe `{}`) or a `values` array (`{timestamp, value}` records are no series). */
const isSeries = (x: unknown): x is Obj => isObject(x) && ('metric' in x || Array.isArray(x.values));
const isSample = (x: unknown): boolean => Array.isArray(x) && x.length === 2;

/** `{pod="web-1", namespace="shop"}`, as Prometheus prints a series (`{}` for none). */
export function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

export function parsePrometheusJson(text: string, name: string): JsonSeries[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    // VictoriaMetrics' /api/v1/export writes JSON lines: one series object per line.
    const lines = jsonLines(text);
    if (lines === undefined) throw new InputError(`${name}: this looks like JSON but does not parse (${clip((e as Error).message, 80)}: cut short?); ${READS}`);
    if (!lines.every(isSeries)) {
      throw new InputError(`${name}: JSON lines (one JSON value per line), not of series objects ({"metric":{…},"values":[…],"timestamps":[…]}, as VictoriaMetrics' /api/v1/export writes): format not supported; ${READS}`);
    }
    doc = lines;
  }
  let data: unknown = doc;
  if (isObject(doc) && typeof doc.status === 'string' && doc.status !== 'success') {
    const why = [doc.errorType, doc.error].filter((x) => typeof x === 'string').join(': ');
    throw new InputError(`${name}: a Prometheus error answer${why ? ` (${clip(why, 120)})` : ''}, no series; run the query again and save its data`);
  }
  if (isObject(doc) && 'data' in doc && 'status' in doc) data = doc.data;
  let result: unknown;
  if (isObject(data) && 'resultType' in data) {
    const type = data.resultType;
    if (type === 'vector' || type === 'scalar' || type === 'string') throw instant(name, String(type));
    if (type !== 'matrix') throw new InputError(`${name}: this looks like JSON with resultType ${clip(JSON.stringify(type) ?? '', 40)}; ${READS}`);
    result = data.result;
  } else if (Array.isArray(data) && data.length > 0 && data.every(isSeries)) result = data;
  else if (isSeries(data)) result = [data];
  else if (Array.isArray(data) && data.length > 0 && data.every(isSample)) result = [{ values: data }];
  if (!Array.isArray(result)) {
    const keys = (o: Obj) => clip(Object.keys(o).join(', '), 80);
    const what = Array.isArray(data) ? (isObject(data[0]) ? `an array of objects with keys ${keys(data[0])}` : 'an array')
      : isObject(data) ? `an object with keys ${keys(data)}` : `a ${data === null ? 'null' : typeof data}`;
    throw new InputError(`${name}: this looks like JSON (${what}), not a Prometheus range-query export; ${READS}`);
  }
  if (result.length === 0) throw new InputError(`${name}: the Prometheus export holds no series (the query matched nothing in its time range)`);
  return result.map((r, i) => {
    const where = `${name}: series ${i + 1} of ${result.length}`;
    if (!isObject(r)) throw new InputError(`${where} is ${clip(JSON.stringify(r) ?? '', 40)}, not {"metric":{…},"values":[…]}; ${READS}`);
    const metric = isObject(r.metric) ? r.metric : {};
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(metric)) labels[k] = typeof v === 'string' ? v : JSON.stringify(v);
    if (!Array.isArray(r.values)) {
      if ('value' in r) throw instant(name, 'vector');
      if ('histograms' in r || 'histogram' in r) {
        throw new InputError(`${where} ${clip(labelText(labels))} holds native histograms, not numbers; query a number of them (histogram_quantile(0.9, …), or a rate)`);
      }
      throw new InputError(`${where} has no "values" array; ${READS}`);
    }
    // VictoriaMetrics' export: values and timestamps (ms) in two arrays of one length.
    if (Array.isArray(r.timestamps) && !r.values.every(isSample)) {
      const ts = r.timestamps;
      if (ts.length !== r.values.length) throw new InputError(`${where}: ${r.values.length} values but ${ts.length} timestamps; the two arrays of a VictoriaMetrics export are of one length`);
      return { labels, samples: r.values.map((v, k) => [ts[k], v] as [unknown, unknown]) };
    }
    r.values.forEach((s, k) => {
      if (!isSample(s)) throw new InputError(`${where}, sample ${k + 1}: ${clip(JSON.stringify(s) ?? '', 40)} is not a [timestamp, "value"] pair`);
    });
    return { labels, samples: r.values as Array<[unknown, unknown]> };
  });
}

/** The values of JSON lines (two or more non-empty lines, each one JSON value), or undefined when the text is not so. */
function jsonLines(text: string): unknown[] | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const out: unknown[] = [];
  for (const l of lines) {
    try { out.push(JSON.parse(l)); } catch { return undefined; }
  }
  return out;
}

function instant(name: string, type: string): InputError {
  return new InputError(`${name}: a Prometheus instant query (resultType "${type}": one sample${type === 'vector' ? ' per series' : ''}), no history; `
    + 'export a range query instead (/api/v1/query_range with start, end and step)');
}
