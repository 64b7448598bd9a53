/**
 * The series a warm-start global LSTM may be trained on: only data whose licence allows shipping weights derived from it
 * (../shared/datasets/README.md, PROVENANCE.tsv), or MOrA's own demo generator. Used by bench:warm-start (which one
 * helps a cold cluster) and train:warm-start (the shipped artefact, media/models/lstm-warm-start/).
 *
 *   licensed: NAB realAWSCloudwatch + realKnownCause (MIT, Numenta) and the DataCenter-Traces-Datasets aggregates
 *             (CC-BY-4.0, Fernández-Cerero et al., Zenodo 10.5281/zenodo.14564847): Alibaba 2018, Google 2019, Azure V2
 *             whole-cluster averages (row i = bucket i of 300 s; time starts at 0, as scripts/bench/datasets.ts reads them).
 *   demo:     the demo shop's generator (src/data/demo), ours: CPU, memory working set and request rate of N workloads.
 * NOT used (no licence that allows it): Azure V1 (GPL-2 package), Bitbrains (none stated), DeathStarBench (none).
 * Every series is down-sampled to `step` as the engine does (mean for CPU-like series, max for memory-like ones).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { clean, series, type Series } from '../../src/core/series';
import { readTimeseriesCsv } from '../../src/data/timeseries-csv';
import { DEFAULT_DEMO_OPTIONS } from '../../src/data/demo';
import { downsample } from '../../src/rightsizing/engine/forecast-choice';
import { demoFleetWorkloads } from '../bench/demo-fleet-series';

export interface PoolSeries { id: string; series: Series }

/** Where each licensed series comes from and under which licence (the artefact's NOTICE repeats this). */
export const LICENSED_SOURCES = [
  'NAB (Numenta Anomaly Benchmark), data/realAWSCloudwatch and data/realKnownCause, commit ea702d7 — MIT, Copyright (c) Numenta, Inc.',
  'DataCenter-Traces-Datasets (A. Fernández-Cerero et al.), Alibaba 2018, Google 2019 and Azure V2 cluster aggregates, commit 003bb8e — CC-BY-4.0, doi:10.5281/zenodo.14564847',
];

const at = (s: Series, step: number, kind: 'cpu' | 'memory'): Series => {
  const c = clean(s).series;
  return c.t.length && step > 300 ? downsample(c, step, kind) : c;
};

/** One column of an aggregate CSV: row i = bucket i of 300 s from t = 0. */
function column(file: string, name: string): Series {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const j = lines[0].split(',').indexOf(name);
  if (j < 0) throw new Error(`${file}: no column "${name}"`);
  const t: number[] = [], v: number[] = [];
  lines.slice(1).forEach((line, i) => { const x = Number(line.split(',')[j]); if (Number.isFinite(x)) { t.push(i * 300); v.push(x); } });
  return series(t, v);
}

/** NAB (MIT) and the DataCenter-Traces aggregates (CC-BY-4.0) under `data` (../shared/datasets), at `step`. */
export function licensedPool(data: string, step: number): PoolSeries[] {
  const out: PoolSeries[] = [];
  for (const dir of ['realAWSCloudwatch', 'realKnownCause']) {
    const d = join(data, 'nab', dir);
    if (!existsSync(d)) throw new Error(`no NAB series at ${d} (--data <the shared datasets folder>)`);
    for (const f of readdirSync(d).filter((x) => x.endsWith('.csv')).sort()) {
      const s = readTimeseriesCsv(join(d, f)).series;
      // Latency, bytes and request counts peak like memory does; CPU % is averaged.
      out.push({ id: `nab/${basename(f, '.csv')}`, series: at(s, step, /cpu/.test(f) ? 'cpu' : 'memory') });
    }
  }
  const agg = join(data, 'datacenter_aggregates');
  const cols: Array<[string, string[]]> = [
    ['alibaba2018/machine_usage_days_1_to_8_grouped_300_seconds.csv', ['cpu_util_percent', 'mem_util_percent', 'net_in', 'net_out', 'disk_io_percent']],
    ['google2019/instance_usage_grouped_300_seconds_month.csv', ['avg_cpu', 'avg_mem', 'avg_assigned_mem']],
    ['azure_v2/vm_cpu_readings_month_aggregated_cpu_mem.csv', ['cpu_usage', 'assigned_mem']],
  ];
  for (const [file, names] of cols) {
    for (const name of names) out.push({ id: `${file.split('/')[0]}/${name}`, series: at(column(join(agg, file), name), step, /mem/.test(name) ? 'memory' : 'cpu') });
  }
  return out;
}

/**
 * N demo-generator workloads × 14 days (the demo shop's profiles cycled, each its own seed and load ×e^N(0, 0.8), as
 * bench:fleet's part 2), three series each: CPU, memory working set, request rate — what the product's pool reads.
 */
export function demoPool(N: number, step: number): PoolSeries[] {
  const out: PoolSeries[] = [];
  demoFleetWorkloads(N, DEFAULT_DEMO_OPTIONS.seed + 1, 104729).forEach((w, i) => {
    const s = (k: 'cpu_usage' | 'memory_working_set' | 'request_rate'): Series => series(Array.from(w.t), Array.from(w.values[k]));
    out.push({ id: `demo/w${i}/cpu`, series: at(s('cpu_usage'), step, 'cpu') });
    out.push({ id: `demo/w${i}/memory`, series: at(s('memory_working_set'), step, 'memory') });
    out.push({ id: `demo/w${i}/request_rate`, series: at(s('request_rate'), step, 'memory') });
  });
  return out;
}
