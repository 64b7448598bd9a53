/**
 * Held-out series for bench:forecast (`--heldout <shared datasets dir>`): traces MOrA was NOT tuned on (its forecasting
 * was tuned on the 37 series of timestamp_value/), converted in memory from their own formats — nothing is written.
 *
 *   azure-v1   Azure V1 VM average CPU % (azure_v1_vms/microsoft_avg_70.csv.gz), every 4th of the 70 VM columns
 *              (the 1st, 5th, …: 18 VMs), 5-min step index → timestamps at 300 s from EPOCH
 *   aggregates cluster-wide averages: Alibaba 2018 cpu/mem at 300 s and at 30 s, Google 2019 cpu/mem (300 s),
 *              Azure V2 cpu/assigned mem (its seconds column + EPOCH); row i = bucket i from EPOCH where there is no time
 *   nab-1h     every nab_* series of timestamp_value/ resampled to 1-hour steps (mean of each clock hour)
 *   short      the last 4 days only of every 6th series of timestamp_value/ (sorted by name: 7 series)
 *
 * The bench holds out the last day at each series' own step (24 points at 1 h, 2880 at 30 s).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { clean, series, type Series } from '../../src/core/series';
import { parseTimeseriesCsv } from '../../src/data/timeseries-csv';

export interface HeldoutSeries { name: string; group: string; series: Series }

/** Timestamps for traces that have only a step index: Monday 2017-01-02 00:00 UTC (any fixed midnight would do). */
export const EPOCH = 1_483_315_200;

export const HELDOUT_GROUPS = ['azure-v1', 'aggregates', 'nab-1h', 'short'] as const;

function azureV1(data: string): HeldoutSeries[] {
  const lines = gunzipSync(readFileSync(join(data, 'azure_v1_vms', 'microsoft_avg_70.csv.gz'))).toString('utf8').trim().split('\n');
  const ids = lines[0].split(',').slice(1);
  const picked = ids.map((_, j) => j).filter((j) => j % 4 === 0);
  const cols = picked.map(() => ({ t: [] as number[], v: [] as number[] }));
  for (const line of lines.slice(1)) {
    const c = line.split(',');
    const step = Number(c[0]);
    picked.forEach((j, k) => {
      const x = c[j + 1];
      if (x === '' || x === 'NA' || !Number.isFinite(Number(x))) return;
      cols[k].t.push(EPOCH + (step - 1) * 300); cols[k].v.push(Number(x));
    });
  }
  return picked.map((j, k) => ({ name: `azure_v1_${ids[j]}`, group: 'azure-v1', series: series(cols[k].t, cols[k].v) }));
}

/** One column of an aggregate CSV: row i at EPOCH + i·step, or at EPOCH + the row's `timestamp` column when it has one. */
function aggregate(file: string, column: string, name: string, step: number): HeldoutSeries {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const j = header.indexOf(column), tj = header.indexOf('timestamp');
  if (j < 0) throw new Error(`${file}: no column "${column}" (has ${header.join(', ')})`);
  const t: number[] = [], v: number[] = [];
  lines.slice(1).forEach((line, i) => {
    const c = line.split(',');
    const x = Number(c[j]);
    if (c[j] === '' || !Number.isFinite(x)) return;
    t.push(EPOCH + (tj >= 0 ? Number(c[tj]) : i * step)); v.push(x);
  });
  return { name, group: 'aggregates', series: series(t, v) };
}

function aggregates(data: string): HeldoutSeries[] {
  const d = join(data, 'datacenter_aggregates');
  const ali300 = join(d, 'alibaba2018/machine_usage_days_1_to_8_grouped_300_seconds.csv');
  const ali30 = join(d, 'alibaba2018/machine_usage_days_1_to_8_grouped_30_seconds.csv');
  const google = join(d, 'google2019/instance_usage_grouped_300_seconds_month.csv');
  const azure = join(d, 'azure_v2/vm_cpu_readings_month_aggregated_cpu_mem.csv');
  return [
    aggregate(ali300, 'cpu_util_percent', 'alibaba300_cpu', 300), aggregate(ali300, 'mem_util_percent', 'alibaba300_mem', 300),
    aggregate(ali30, 'cpu_util_percent', 'alibaba30_cpu', 30), aggregate(ali30, 'mem_util_percent', 'alibaba30_mem', 30),
    aggregate(google, 'avg_cpu', 'google2019_cpu', 300), aggregate(google, 'avg_mem', 'google2019_mem', 300),
    aggregate(azure, 'cpu_usage', 'azure_v2_cpu', 300), aggregate(azure, 'assigned_mem', 'azure_v2_mem', 300),
  ];
}

const readTv = (dir: string, f: string): Series => clean(parseTimeseriesCsv(readFileSync(join(dir, f), 'utf8'), f).series).series;

/** Mean of each clock hour (buckets ⌊t / 3600⌋), stamped at the hour's start. */
export function hourlyMeans(s: Series): Series {
  const t: number[] = [], v: number[] = [];
  let hour = NaN, sum = 0, count = 0;
  const flush = (): void => { if (count) { t.push(hour * 3600); v.push(sum / count); } };
  for (let i = 0; i < s.t.length; i++) {
    const h = Math.floor(s.t[i] / 3600);
    if (h !== hour) { flush(); hour = h; sum = 0; count = 0; }
    sum += s.v[i]; count++;
  }
  flush();
  return series(t, v);
}

function nabHourly(data: string): HeldoutSeries[] {
  const dir = join(data, 'timestamp_value');
  return readdirSync(dir).filter((f) => /^nab_.*\.csv$/.test(f)).sort()
    .map((f) => ({ name: `${f.replace(/\.csv$/, '')}_1h`, group: 'nab-1h', series: hourlyMeans(readTv(dir, f)) }));
}

function shortHistory(data: string): HeldoutSeries[] {
  const dir = join(data, 'timestamp_value');
  return readdirSync(dir).filter((f) => f.endsWith('.csv')).sort().filter((_, i) => i % 6 === 0).map((f) => {
    const s = readTv(dir, f);
    const from = s.t[s.t.length - 1] - 4 * 86400;
    const i = s.t.findIndex((x) => x > from);
    return { name: `${f.replace(/\.csv$/, '')}_4d`, group: 'short', series: { t: s.t.subarray(i), v: s.v.subarray(i) } };
  });
}

/** The held-out series of the chosen groups (default all), loaded from the shared datasets directory. */
export function heldoutSeries(data: string, groups: readonly string[] = HELDOUT_GROUPS): HeldoutSeries[] {
  for (const g of groups) if (!(HELDOUT_GROUPS as readonly string[]).includes(g)) throw new Error(`unknown held-out group "${g}"; groups: ${HELDOUT_GROUPS.join(', ')}`);
  const load: Record<string, (d: string) => HeldoutSeries[]> = { 'azure-v1': azureV1, aggregates, 'nab-1h': nabHourly, short: shortHistory };
  return groups.flatMap((g) => load[g](data));
}
