/**
 * The dataset groups the rightsizing benches replay (bench:backtest, bench:frontier), loaded from the shared datasets
 * directory (../shared/datasets). Azure V1 (step index, no time) is converted in memory: 5-minute steps from t = 0.
 *   groups: bitbrains-mem, aggregate-mem (memory), bitbrains-cpu, azure-cpu, nab-cpu, aggregate-cpu (cpu)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { series, type Series } from '../../src/core/series';
import { loadSeriesInput } from '../../src/cli/commands/backtest-input';
import type { ResourceKind } from '../../src/rightsizing/baselines/strategy';

export interface Named { name: string; series: Series }

export interface DatasetGroup {
  label: string;
  kind: ResourceKind;
  load: () => Named[];
  note: string;
}

function azureCsv(file: string): Named[] {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
  const ids = lines[0].split(',').slice(1);
  const cols = ids.map(() => ({ t: [] as number[], v: [] as number[] }));
  for (const line of lines.slice(1)) {
    const c = line.split(',');
    const step = Number(c[0]);
    for (let j = 1; j < c.length; j++) { if (c[j] === '' || c[j] === 'NA') continue; cols[j - 1].t.push((step - 1) * 300); cols[j - 1].v.push(Number(c[j])); }
  }
  return ids.map((id, j) => ({ name: `azure_${id}`, series: series(cols[j].t, cols[j].v) }));
}

/** One column of a headerless-time aggregate CSV (row i = bucket i of `step` seconds), scaled into bytes or cores. */
function aggregateColumn(file: string, column: string, name: string, step: number, factor: number): Named {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const j = lines[0].split(',').indexOf(column);
  const t: number[] = [], v: number[] = [];
  lines.slice(1).forEach((line, i) => { const x = Number(line.split(',')[j]); if (Number.isFinite(x)) { t.push(i * step); v.push(x * factor); } });
  return { name, series: series(t, v) };
}

const scale = (xs: Named[], f: number): Named[] => xs.map((x) => ({ name: x.name, series: series(x.series.t, Array.from(x.series.v, (y) => y * f)) }));

/** The groups under `data` (the shared datasets directory), in bench order. */
export function datasetGroups(data: string): DatasetGroup[] {
  const tv = join(data, 'timestamp_value');
  return [
    { label: 'bitbrains-mem', kind: 'memory', load: () => loadSeriesInput(tv, /^bitbrains_.*_mem_bytes\.csv$/), note: 'Bitbrains VM memory usage (bytes), 12 VMs, 30 days at 5 min' },
    // MHz → "cores" at 1 GHz per core keeps values inside VPA's histogram range (0.01–1000 cores); every strategy sees the same values.
    { label: 'bitbrains-cpu', kind: 'cpu', load: () => scale(loadSeriesInput(tv, /^bitbrains_.*_cpu_mhz\.csv$/), 1e-3), note: 'Bitbrains VM CPU (MHz / 1000), 12 VMs, 30 days' },
    { label: 'azure-cpu', kind: 'cpu', load: () => azureCsv(join(data, 'azure_v1_vms', 'microsoft_avg_70.csv.gz')), note: 'Azure V1 VM average CPU % per 5 min, 70 VMs, 28 days' },
    // Cluster-wide averages: smooth series, two per kind (Google 2019, 30 days; Azure V2, 30 days); shares scaled to bytes / cores.
    { label: 'aggregate-mem', kind: 'memory', note: 'cluster averages (smooth): Google 2019 avg_mem × 1e10 B, Azure V2 assigned_mem × 1e4 B', load: () => [
      aggregateColumn(join(data, 'datacenter_aggregates/google2019/instance_usage_grouped_300_seconds_month.csv'), 'avg_mem', 'google2019_mem', 300, 1e10),
      aggregateColumn(join(data, 'datacenter_aggregates/azure_v2/vm_cpu_readings_month_aggregated_cpu_mem.csv'), 'assigned_mem', 'azure_v2_mem', 300, 1e4)] },
    { label: 'aggregate-cpu', kind: 'cpu', note: 'cluster averages (smooth): Google 2019 avg_cpu × 10, Azure V2 cpu_usage × 1e-5', load: () => [
      aggregateColumn(join(data, 'datacenter_aggregates/google2019/instance_usage_grouped_300_seconds_month.csv'), 'avg_cpu', 'google2019_cpu', 300, 10),
      aggregateColumn(join(data, 'datacenter_aggregates/azure_v2/vm_cpu_readings_month_aggregated_cpu_mem.csv'), 'cpu_usage', 'azure_v2_cpu', 300, 1e-5)] },
    { label: 'nab-cpu', kind: 'cpu', load: () => loadSeriesInput(tv, /^nab_.*(cpu_utilization|grok_asg).*\.csv$/), note: 'NAB AWS CloudWatch CPU %, 7 series, ~14 days' },
  ];
}
