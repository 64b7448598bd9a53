/**
 * bench:fleet — per-series LSTMs vs ONE global LSTM (src/ml/lstm/global.ts) in one process: wall time, CPU time
 * (process.cpuUsage), peak RSS, and accuracy (geometric-mean MASE per dataset group, LSTM alone and fused, with the
 * seasonal-naive reference and 90% band coverage), then global / per-series ratios.
 *
 *   npm run bench:fleet -- [--data <dir>] [--workloads 1000] [--sample 8] [--epochs 12] [--windows 128] [--patience 3] [--lr 0.002]
 *                          [--demo-epochs 8] [--demo-windows 16] [--fused-all]
 *                          [--fine-tune [--ft-epochs 10] [--ft-windows 1024] [--ft-lr 0.002] [--ft-patience 3]] [--holdout-windows 3] [--limit N] [--skip-datasets] [--skip-demo] [--out fleet.json]
 *                          [--seed 42]
 *   npm run bench:fleet -- --recommend 1000 [--per-series 4] [--warm] [--refresh] [--out fleet-recommend.json]
 *   npm run bench:fleet -- --recommend 1000 --monotone-cost [--reps 3] [--model fused]
 *
 * Part 1, ../shared/datasets: the same 37 `timestamp_value` series and split as bench:forecast (fit on all but the last
 * 288 points, forecast 288, MASE = MAE / the training part's one-day seasonal-naive MAE; series under 3 × 288 points
 * skipped; groups by file name). Per-series arm = `runForecasts(prophet, lstm, fused)` per series, exactly bench:forecast's
 * call. Global arm = one global LSTM trained on every series' fit part (the training part minus the fusion holdout, as
 * the per-series LSTM is), then the same fused run per series with that model as the `lstm` member (and the per-series
 * arm's Prophet run reused; the fusion's own rolling Prophet holdout fits run again); each series' scaling picked on the
 * member's holdout (GLOBAL_SCALING: its last GLOBAL_RECENT_DAYS days or its stored scaler), and — the `_recent` and
 * `_stored` arms, for reference — always the one or the other. --fine-tune adds an arm: the
 * global model fine-tuned per series from its weights (GlobalLstmModel.fineTune, on the same fit part), then fused.
 * --holdout-windows K adds another: a global model trained on each training part minus K one-day windows, its fusion
 * member scored on all K (globalLstmOverride's holdoutWindows; the per-series LSTM is scored on the last one only). Part 1
 * ends with issue 13's goal per group — global fused ≤ per-series fused and ≤ seasonal-naive — marked ✓/✗.
 * Part 2, the demo generator at --workloads N × 14 days at 5 min (src/data/demo: the shop's 11 service profiles cycled,
 * each workload its own seed, traffic noise and load ×e^N(0, 0.8); even workloads CPU, odd memory working set). Global arm
 * on all N (LSTM alone, forecasts batched over series); per-series arm and both fused arms on the first --sample
 * workloads, the per-series cost extrapolated to N and labelled so; --fused-all also runs Prophet + the global LSTM + fused
 * for all N (the fleet-wide fused pass, measured).
 * --seed N: the training seed of BOTH arms' LSTMs — every per-series LSTM (`lstm.seed`, the same N for every series, as
 * the product's default 42 is) and the global model(s) (GlobalLstmOptions.seed) — so a seed-robustness comparison moves
 * both arms' seed variance, not the global arm's alone. Default 42 = both models' shipped default (the numbers without
 * the flag). Prophet, the fine-tune arm's own seed and the demo generator's data do not change.
 * RSS: the process's peak (getrusage maxrss) after each arm, in run order — a later arm's peak includes the earlier ones.
 *
 * --recommend N: the real recommendation pipeline end to end (recommendFromSource, what `mora recommend -m fused` runs) on
 * N demo-generator workloads × 14 days at 5 min (DemoFleetDataSource: the same generator as part 2, all 12 metrics), with
 * an empty model cache: reading, the global LSTM's training in the worker pool, Prophet + global LSTM + fused for every
 * forecast the engine checks (CPU, memory, request rate), the engine. Then (--warm) the same run again with the model
 * cached, and (--refresh) a run one day later (the same workloads with one more day of history): the cached model is
 * stale, so it is refreshed (fine-tuned) instead of retrained — its time next to the first training's. The reference: the same pipeline with per-series LSTMs on the first --per-series workloads (default 4),
 * extrapolated to N and labelled so, and the global run's recommendations for those workloads compared with it.
 *
 * --recommend N --monotone-cost: what the CPU value's monotone chain (MoraStrategy option `monotone`: the rule replayed at
 * every MONOTONE_GRID target above α) costs `mora recommend` (recommendFromSource, the window rule alone by default;
 * `--model` names a forecast model) on the same N demo-generator workloads, in one process: --reps rounds, each
 * running the pipeline with the chain on and off (MORA_DEFAULTS.cpu.monotone, the order alternating by round), CPU
 * time (process.cpuUsage) per arm, the ratio on / off and the chain's share of the recommend's CPU. Also a digest of
 * the recommendations with the chain on (the same in every round, or the bench fails): values equal to another build's
 * when the digests are.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { clean, medianStep, series, type Series } from '../../src/core/series';
import { geometricMean } from '../../src/core/stats';
import { readTimeseriesCsv } from '../../src/data/timeseries-csv';
import { DEFAULT_DEMO_OPTIONS } from '../../src/data/demo';
import { demoFleetWorkloads } from './demo-fleet-series';
import { runForecasts, type ModelRun } from '../../src/ml/forecast';
import type { FusedForecast } from '../../src/ml/fusion';
import { DEFAULT_GLOBAL_OPTIONS, globalLstmOverride, trainGlobalLstm, type GlobalLstmModel } from '../../src/ml/lstm/global';
import { holdoutSplit } from '../../src/ml/lstm/holdout-run';
import { autoThreads } from '../../src/ml/lstm/shards';
import { DemoFleetDataSource } from '../../src/data/demo/fleet';
import { recommendFromSource, type WorkloadRun } from '../../src/pipeline/recommend';
import { describeGlobalEvent, type GlobalModelEvent } from '../../src/pipeline/global-lstm';
import { buildForecastView, cachedGlobalLstm, DEFAULT_FORECAST_VIEW_OPTIONS, globalLstmRunner } from '../../src/views/forecast-model';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { MORA_DEFAULTS } from '../../src/rightsizing/engine/mora-strategy';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const num = (name: string, d: number): number => (arg(name) !== undefined ? Number(arg(name)) : d);

/** --seed: both arms' LSTM training seed (the per-series and the global model's shipped default is 42 alike). */
function trainingSeed(): number {
  const s = num('seed', DEFAULT_GLOBAL_OPTIONS.seed);
  if (!Number.isInteger(s) || s < 0) { console.error(`--seed must be a whole number >= 0, got "${arg('seed')}"`); process.exit(2); }
  return s;
}
const SEED = trainingSeed();
/** The per-series arm's request options: its LSTM trained with SEED (an `lstm.seed` option, so Prophet's run is untouched). */
const PER_SERIES_OPTIONS = { lstm: { seed: String(SEED) } };

/** As bench:forecast: bitbrains_*_cpu_* → bitbrains cpu, bitbrains_*_mem_* → bitbrains mem, else the file's prefix. */
function groupOf(file: string): string {
  if (/^bitbrains_.*_cpu/.test(file)) return 'bitbrains cpu';
  if (/^bitbrains_.*_mem/.test(file)) return 'bitbrains mem';
  const m = /^([a-z0-9]+)_/.exec(file);
  return m ? m[1] : 'other';
}

const HOLD = 288;

interface Case { id: string; group: string; train: Series; actual: Float64Array; scale: number; sn: Float64Array }

function makeCase(id: string, group: string, s: Series): Case | undefined {
  const n = s.t.length;
  if (n < 3 * HOLD) return undefined;
  const train: Series = { t: s.t.subarray(0, n - HOLD), v: s.v.subarray(0, n - HOLD) };
  const actual = Float64Array.from(s.v.subarray(n - HOLD));
  const P = Math.round(86400 / medianStep(train));
  let scale = 0;
  for (let i = P; i < train.v.length; i++) scale += Math.abs(train.v[i] - train.v[i - P]);
  scale /= train.v.length - P;
  const sn = new Float64Array(HOLD);
  for (let i = 0; i < HOLD; i++) sn[i] = train.v[train.v.length - P + (i % P)];
  return { id, group, train, actual, scale, sn };
}

function mase(c: Case, pred: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < HOLD; i++) e += Math.abs(pred[i] - c.actual[i]);
  return e / HOLD / c.scale;
}

function covered(c: Case, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < HOLD; i++) if (c.actual[i] >= lower[i] && c.actual[i] <= upper[i]) k++;
  return k;
}

/** Wall seconds, CPU seconds (user + system, all threads) and the peak RSS (MB) after `fn`. */
interface Cost { wall: number; cpu: number; peakMb: number }
async function measure<T>(fn: () => Promise<T> | T): Promise<{ value: T; cost: Cost }> {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, cost: { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, peakMb: process.resourceUsage().maxRSS / 1024 } };
}

type Scores = Record<string, number[]>;
const gm = (xs: number[]): number => geometricMean(xs.map((x) => Math.max(x, 1e-3)));
const fmt = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** Geometric-mean MASE per group and over all, for each method. */
function table(cases: Case[], scores: Scores, methods: string[]): Record<string, Record<string, number>> {
  const groups = [...new Set(cases.map((c) => c.group))].sort();
  const out: Record<string, Record<string, number>> = {};
  console.log(['group', 'series', ...methods].join('\t'));
  for (const g of [...groups, 'all']) {
    const idx = cases.map((c, i) => (g === 'all' || c.group === g ? i : -1)).filter((i) => i >= 0);
    out[g] = Object.fromEntries(methods.map((m) => [m, gm(idx.map((i) => scores[m][i]).filter((x) => x !== undefined))]));
    console.log([g, idx.length, ...methods.map((m) => fmt(out[g][m]))].join('\t'));
  }
  return out;
}

function costLine(label: string, c: Cost, n: number): string {
  return `${label.padEnd(34)} wall ${c.wall.toFixed(1).padStart(7)} s   cpu ${c.cpu.toFixed(1).padStart(7)} s   ${(c.wall / n).toFixed(2)} s/series   peak RSS so far ${c.peakMb.toFixed(0)} MB`;
}

/** Fit parts (training part minus the fusion holdout) the global model trains on, as runLstmWithHoldout's per-series LSTM. */
function fitParts(cases: Case[]): Array<{ id: string; series: Series }> {
  return cases.map((c) => ({ id: c.id, series: holdoutSplit(c.train, HOLD).fitPart }));
}

async function datasets(dir: string, out: Record<string, unknown>): Promise<void> {
  const base = existsSync(join(dir, 'timestamp_value')) && statSync(join(dir, 'timestamp_value')).isDirectory() ? join(dir, 'timestamp_value') : dir;
  let files = readdirSync(base).filter((f) => f.endsWith('.csv')).sort();
  if (arg('limit')) files = files.slice(0, Number(arg('limit')));
  const cases: Case[] = [];
  for (const f of files) {
    const c = makeCase(basename(f, '.csv'), groupOf(f), clean(readTimeseriesCsv(join(base, f)).series).series);
    if (c) cases.push(c); else console.log(`${f}: skipped (under ${3 * HOLD} points)`);
  }
  console.log(`\n== Part 1: ${cases.length} series from ${base}; last ${HOLD} held out ==`);
  const scores: Scores = { seasonal_naive: [], lstm_series: [], lstm_global: [], fused_series: [], fused_global: [] };
  const cover: Record<string, number> = { lstm_series: 0, lstm_global: 0, fused_series: 0, fused_global: 0 };
  const prophetRuns: ModelRun[] = [];
  let lstmFit = 0;
  const per = await measure(async () => {
    for (const c of cases) {
      const t0 = performance.now();
      const [p, l, fu] = await runForecasts(c.train, ['prophet', 'lstm', 'fused'], { horizon: HOLD, options: PER_SERIES_OPTIONS });
      prophetRuns.push(p);
      lstmFit += l.timings.fitMs / 1000;
      scores.seasonal_naive.push(mase(c, c.sn));
      scores.lstm_series.push(mase(c, l.forecast.mean));
      scores.fused_series.push(mase(c, fu.forecast.mean));
      cover.lstm_series += covered(c, l.forecast.lower, l.forecast.upper);
      cover.fused_series += covered(c, fu.forecast.lower, fu.forecast.upper);
      console.log(`  per-series ${c.id}\tlstm ${fmt(scores.lstm_series.at(-1)!)}\tfused ${fmt(scores.fused_series.at(-1)!)}\t${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  });
  console.log(costLine('per-series (prophet+lstm+fused)', per.cost, cases.length) + `   of which LSTM training ${lstmFit.toFixed(1)} s`);
  const epochs = num('epochs', 12), windows = num('windows', 128);
  console.log(`global LSTM: ≤ ${epochs} epochs, ≤ ${windows} windows per series, batch 256, patience ${num('patience', 3)}, learning rate ${num('lr', 2e-3)}; training seed ${SEED} (both arms)`);
  // The global model trains on threads: 'auto' (1 or 2 by the load average at the start): the float summation order, so
  // the trained weights, differ between the two — said here so runs compare like with like (MORA_LSTM_THREADS=n pins it).
  console.log(`  training threads: ${autoThreads(DEFAULT_GLOBAL_OPTIONS.batchSize)} (auto: 2 when a core is free, else 1; MORA_LSTM_THREADS pins it)`);
  const train = await measure(() => trainGlobalLstm(fitParts(cases), {
    epochs, windowsPerSeries: windows, patience: num('patience', 3), learningRate: num('lr', 2e-3), seed: SEED,
    onEpoch: (e) => console.log(`  global epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)} val ${e.valLoss.toFixed(4)} ${e.seconds.toFixed(1)} s`),
  }));
  const model: GlobalLstmModel = train.value;
  console.log(costLine(`global training (${model.state.trainedOn.windows} windows)`, train.cost, cases.length));
  /** One global arm: every series' lstm + fused run with `lstm` as the member (Prophet reused), scored under keys lk / fk. */
  const globalArm = async (lk: string, fk: string, lstm: (id: string) => ReturnType<typeof globalLstmOverride>, each?: (l: ModelRun, c: (typeof cases)[number]) => void) => {
    scores[lk] ??= []; scores[fk] ??= []; cover[fk] ??= 0;
    for (const [i, c] of cases.entries()) {
      const p = prophetRuns[i];
      const [l, fu] = await runForecasts(c.train, ['lstm', 'fused'], { horizon: HOLD, overrides: { prophet: () => Promise.resolve(p), lstm: lstm(c.id) } });
      each?.(l, c);
      scores[lk].push(mase(c, l.forecast.mean));
      scores[fk].push(mase(c, fu.forecast.mean));
      cover[fk] += covered(c, fu.forecast.lower, fu.forecast.upper);
    }
  };
  const picked: Record<string, string[]> = {};
  const glob = await measure(() => globalArm('lstm_global', 'fused_global', (id) => globalLstmOverride(model, id), (l, c) => {
    (picked[String((l.fitted as { scaling?: string }).scaling)] ??= []).push(c.id);
    cover.lstm_global += covered(c, l.forecast.lower, l.forecast.upper);
  }));
  console.log(costLine('global forecasts (lstm+fused)', glob.cost, cases.length));
  console.log(`  scaling picked on the holdout: ${Object.entries(picked).map(([k, ids]) => `${k} ${ids.length}`).join(', ')}; stored for ${(picked.stored ?? []).join(' ') || 'none'}`);
  // References: the same model with every series scaled by its last GLOBAL_RECENT_DAYS days, or by its stored (whole training part) scaler.
  for (const ref of ['recent', 'stored'] as const) {
    await globalArm(`lstm_global_${ref}`, `fused_global_${ref}`, (id) => globalLstmOverride(model, id, { scaling: ref }));
  }
  // --fine-tune: the global model fine-tuned per series (GlobalLstmModel.fineTune) on each series' fit part, fused as above.
  let ft: { cost: Cost } | undefined;
  const ftOptions = { epochs: num('ft-epochs', 10), windows: num('ft-windows', 1024), learningRate: num('ft-lr', 2e-3), patience: num('ft-patience', 3) };
  if (flag('fine-tune')) {
    let tuned = 0;
    console.log(`per-series fine-tuning from the global weights: ≤ ${ftOptions.epochs} epochs, ≤ ${ftOptions.windows} windows, lr ${ftOptions.learningRate}, patience ${ftOptions.patience}, batch 32`);
    ft = await measure(() => globalArm('lstm_global_ft', 'fused_global_ft', (id) => globalLstmOverride(model, id, { fineTune: ftOptions }), (l) => {
      if ((l.fitted as { fineTuned?: { kept: string } }).fineTuned?.kept === 'tuned') tuned++;
    }));
    console.log(costLine('global + per-series fine-tune, fused', ft.cost, cases.length) + `   (${tuned}/${cases.length} series kept their tuned weights)`);
  }
  // --holdout-windows K: a second global model trained on each series' training part minus K holdout windows, its fusion
  // member scored on those K windows (globalLstmOverride's holdoutWindows) instead of the last one only.
  const K = num('holdout-windows', 0);
  let hw: { train: Cost; fused: Cost; epochs: number; windows: number } | undefined;
  if (K > 1) {
    const before = cases.map((c) => ({ id: c.id, series: { t: c.train.t.subarray(0, c.train.t.length - K * HOLD), v: c.train.v.subarray(0, c.train.v.length - K * HOLD) } }));
    const trK = await measure(() => trainGlobalLstm(before, { epochs, windowsPerSeries: windows, patience: num('patience', 3), learningRate: num('lr', 2e-3), seed: SEED }));
    const mK = trK.value;
    console.log(costLine(`global training, ${K} windows held out (${mK.state.trainedOn.windows} windows, ${mK.state.trainedOn.epochs} epochs)`, trK.cost, cases.length));
    const fk = await measure(() => globalArm(`lstm_global_hw${K}`, `fused_global_hw${K}`, (id) => globalLstmOverride(mK, id, { holdoutWindows: K })));
    console.log(costLine(`global forecasts, ${K}-window holdout`, fk.cost, cases.length));
    hw = { train: trK.cost, fused: fk.cost, epochs: mK.state.trainedOn.epochs, windows: mK.state.trainedOn.windows };
  }
  const globalTotal: Cost = { wall: train.cost.wall + glob.cost.wall, cpu: train.cost.cpu + glob.cost.cpu, peakMb: glob.cost.peakMb };
  console.log(costLine('global total (training+forecasts)', globalTotal, cases.length));
  console.log(`\ngeometric-mean MASE (per group; ${cases.length} series):`);
  const t = table(cases, scores, Object.keys(scores));
  console.log('\nratios global / per-series (same process):');
  for (const g of Object.keys(t)) {
    console.log(`  ${g.padEnd(14)} lstm ${fmt(t[g].lstm_global / t[g].lstm_series)}   fused ${fmt(t[g].fused_global / t[g].fused_series)}   fused_global / seasonal_naive ${fmt(t[g].fused_global / t[g].seasonal_naive)}`);
  }
  // Issue 13, Must show 1: global fused ≤ per-series fused AND ≤ seasonal-naive in every dataset group.
  const arms = ['fused_global', 'fused_global_recent', 'fused_global_stored', ...(scores.fused_global_ft ? ['fused_global_ft'] : []), ...(K > 1 ? [`fused_global_hw${K}`] : [])];
  console.log('\nissue 13 goal, per group: global fused ≤ per-series fused AND ≤ seasonal-naive (geometric-mean MASE)');
  const goal: Record<string, Record<string, boolean>> = {};
  for (const a of arms) {
    goal[a] = {};
    for (const g of Object.keys(t).filter((k) => k !== 'all')) {
      const ok = t[g][a] <= t[g].fused_series && t[g][a] <= t[g].seasonal_naive;
      goal[a][g] = ok;
      console.log(`  ${a.padEnd(19)} ${g.padEnd(14)} ${fmt(t[g][a])} vs per-series fused ${fmt(t[g].fused_series)} (×${fmt(t[g][a] / t[g].fused_series)}) vs seasonal-naive ${fmt(t[g].seasonal_naive)} (×${fmt(t[g][a] / t[g].seasonal_naive)})  ${ok ? '✓' : '✗'}`);
    }
  }
  if (ft) console.log(`  fine-tuning cost: ${ft.cost.wall.toFixed(1)} s wall / ${ft.cost.cpu.toFixed(1)} s CPU for ${cases.length} series (${fmt(ft.cost.wall / cases.length, 2)} s/series) vs per-series LSTM training ${lstmFit.toFixed(1)} s (${fmt(lstmFit / cases.length, 2)} s/series)`);
  console.log(`  wall ${fmt(globalTotal.wall / per.cost.wall)}   cpu ${fmt(globalTotal.cpu / per.cost.cpu)}   LSTM training only: global ${train.cost.wall.toFixed(1)} s vs per-series ${lstmFit.toFixed(1)} s = ${fmt(train.cost.wall / lstmFit)}`);
  const pts = cases.length * HOLD;
  console.log(`90% band coverage (pooled): ${Object.entries(cover).map(([k, v]) => `${k} ${(v / pts).toFixed(3)}`).join('   ')}`);
  const perSeries = cases.map((c, i) => ({ id: c.id, group: c.group, ...Object.fromEntries(Object.keys(scores).map((m) => [m, scores[m][i]])) }));
  out.datasets = { series: cases.length, costs: { perSeries: per.cost, perSeriesLstmFitSeconds: lstmFit, globalTraining: train.cost, globalForecasts: glob.cost, fineTuneFused: ft?.cost, holdoutWindows: hw }, gm: t, goal, scalingPicked: picked, fineTune: ft ? ftOptions : undefined, coverage: Object.fromEntries(Object.entries(cover).map(([k, v]) => [k, v / pts])), global: { epochs: model.state.trainedOn.epochs, windows: model.state.trainedOn.windows }, perSeries };
}

/** N demo-style workloads, 14 days at 5 min: the demo's profiles cycled, each workload with its own seed and load. */
function demoFleet(N: number): Case[] {
  const cases: Case[] = [];
  demoFleetWorkloads(N, DEFAULT_DEMO_OPTIONS.seed, 7919).forEach((w, i) => {
    const metric = i % 2 === 0 ? 'cpu_usage' : 'memory_working_set';
    const c = makeCase(`w${i}-${w.service}-${metric}`, metric === 'cpu_usage' ? 'demo cpu' : 'demo mem', series(Array.from(w.t), Array.from(w.values[metric])));
    if (c) cases.push(c);
  });
  return cases;
}

async function demo(N: number, out: Record<string, unknown>): Promise<void> {
  const S = Math.min(N, num('sample', 8));
  const gen = await measure(() => demoFleet(N));
  const cases = gen.value;
  console.log(`\n== Part 2: demo generator, ${N} workloads × 14 days at 5 min (${cases[0].train.t.length + HOLD} points each; generated in ${gen.cost.wall.toFixed(1)} s) ==`);
  const epochs = num('demo-epochs', 8), windows = num('demo-windows', 16);
  console.log(`global LSTM: ≤ ${epochs} epochs, ≤ ${windows} windows per series, batch 256, patience ${num('patience', 3)}, learning rate ${num('lr', 2e-3)}; training seed ${SEED} (both arms)`);
  const train = await measure(() => trainGlobalLstm(fitParts(cases), {
    epochs, windowsPerSeries: windows, patience: num('patience', 3), learningRate: num('lr', 2e-3), seed: SEED,
    onEpoch: (e) => console.log(`  global epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)} val ${e.valLoss.toFixed(4)} ${e.seconds.toFixed(1)} s`),
  }));
  const model = train.value;
  console.log(costLine(`global training (${model.state.trainedOn.windows} windows)`, train.cost, N));
  const fc = await measure(() => model.forecastMany(cases.map((c) => ({ id: c.id, history: c.train })), HOLD));
  console.log(costLine(`global forecasts, ${N} at once`, fc.cost, N));
  const all: Scores = { seasonal_naive: cases.map((c) => mase(c, c.sn)), lstm_global: cases.map((c, i) => mase(c, fc.value[i].mean)) };
  console.log(`\ngeometric-mean MASE, all ${N} workloads:`);
  const tAll = table(cases, all, Object.keys(all));

  const sample = cases.slice(0, S);
  const scores: Scores = { seasonal_naive: [], lstm_series: [], lstm_global: [], fused_series: [], fused_global: [] };
  let lstmFit = 0;
  const prophetRuns: ModelRun[] = [];
  const per = await measure(async () => {
    for (const c of sample) {
      const [p, l, fu] = await runForecasts(c.train, ['prophet', 'lstm', 'fused'], { horizon: HOLD, options: PER_SERIES_OPTIONS });
      prophetRuns.push(p);
      lstmFit += l.timings.fitMs / 1000;
      scores.seasonal_naive.push(mase(c, c.sn));
      scores.lstm_series.push(mase(c, l.forecast.mean));
      scores.fused_series.push(mase(c, (fu.forecast as FusedForecast).mean));
    }
  });
  const glob = await measure(async () => {
    for (const [i, c] of sample.entries()) {
      const p = prophetRuns[i];
      const [l, fu] = await runForecasts(c.train, ['lstm', 'fused'], { horizon: HOLD, overrides: { prophet: () => Promise.resolve(p), lstm: globalLstmOverride(model, c.id) } });
      scores.lstm_global.push(mase(c, l.forecast.mean));
      scores.fused_global.push(mase(c, fu.forecast.mean));
    }
  });
  console.log(`\nsample of ${S} workloads (per-series LSTMs and both fusions):`);
  console.log(costLine('per-series (prophet+lstm+fused)', per.cost, S) + `   of which LSTM training ${lstmFit.toFixed(1)} s`);
  console.log(costLine('global fused (model already trained)', glob.cost, S));
  const tS = table(sample, scores, Object.keys(scores));
  const perN = { wall: (per.cost.wall * N) / S, cpu: (per.cost.cpu * N) / S, lstmFit: (lstmFit * N) / S };
  console.log(`\nEXTRAPOLATED to ${N} workloads from the ${S}-workload sample (not measured): per-series prophet+lstm+fused ${perN.wall.toFixed(0)} s wall (${(perN.wall / 60).toFixed(1)} min), ${perN.cpu.toFixed(0)} s CPU; per-series LSTM training alone ${perN.lstmFit.toFixed(0)} s`);
  const gLstm = train.cost.wall + fc.cost.wall;
  console.log(`MEASURED global LSTM on all ${N}: training ${train.cost.wall.toFixed(1)} s + forecasts ${fc.cost.wall.toFixed(1)} s = ${gLstm.toFixed(1)} s wall, ${(train.cost.cpu + fc.cost.cpu).toFixed(1)} s CPU, peak RSS so far ${fc.cost.peakMb.toFixed(0)} MB`);
  console.log(`ratios global / per-series: LSTM wall ${fmt(gLstm / perN.lstmFit)} (measured global vs extrapolated per-series), sample MASE lstm ${fmt(tS.all.lstm_global / tS.all.lstm_series)}, fused ${fmt(tS.all.fused_global / tS.all.fused_series)}; all-${N} global lstm / seasonal-naive ${fmt(tAll.all.lstm_global / tAll.all.seasonal_naive)}`);
  let fusedAll: Record<string, unknown> | undefined;
  if (flag('fused-all')) {
    // Prophet + the global LSTM + fused for every workload, the model trained above: what a fleet-wide fused pass costs.
    const sc: Scores = { seasonal_naive: [], lstm_global: [], fused_global: [] };
    let cov = 0;
    const run = await measure(async () => {
      for (const c of cases) {
        const [, l, fu] = await runForecasts(c.train, ['prophet', 'lstm', 'fused'], { horizon: HOLD, overrides: { lstm: globalLstmOverride(model, c.id) } });
        sc.seasonal_naive.push(mase(c, c.sn));
        sc.lstm_global.push(mase(c, l.forecast.mean));
        sc.fused_global.push(mase(c, fu.forecast.mean));
        cov += covered(c, fu.forecast.lower, fu.forecast.upper);
      }
    });
    console.log(`
fused for all ${N} workloads with the global model (prophet fit + rolling holdouts + fusion per workload):`);
    console.log(costLine('prophet + global lstm + fused', run.cost, N));
    console.log(`MEASURED total with the global training: ${(train.cost.wall + run.cost.wall).toFixed(1)} s wall, ${(train.cost.cpu + run.cost.cpu).toFixed(1)} s CPU; fused 90% band coverage ${(cov / (N * HOLD)).toFixed(3)}`);
    const tF = table(cases, sc, Object.keys(sc));
    fusedAll = { cost: run.cost, gm: tF, coverage: cov / (N * HOLD) };
  }
  out.demo = { fusedAll, workloads: N, sample: S, costs: { globalTraining: train.cost, globalForecasts: fc.cost, perSeriesSample: per.cost, perSeriesSampleLstmFitSeconds: lstmFit, globalFusedSample: glob.cost, perSeriesExtrapolated: perN }, gmAll: tAll, gmSample: tS, global: { epochs: model.state.trainedOn.epochs, windows: model.state.trainedOn.windows } };
}

/** CPU request and memory limit per workload (first container), and which method set them. */
function values(runs: WorkloadRun[]): Map<string, { cpu?: number; memory?: number; cpuMethod?: string; memoryMethod?: string }> {
  return new Map(runs.map((r) => {
    const c = r.recommendation.containers[0];
    return [`${r.recommendation.workload.namespace}/${r.recommendation.workload.name}`, {
      cpu: c?.cpu?.request.value, memory: c?.memory?.limit?.value ?? c?.memory?.request.value, cpuMethod: c?.cpu?.evidence.method, memoryMethod: c?.memory?.evidence.method,
    }];
  }));
}

function methods(runs: WorkloadRun[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const v of values(runs).values()) for (const m of [v.cpuMethod, v.memoryMethod]) if (m) n[m] = (n[m] ?? 0) + 1;
  return n;
}

async function recommendBench(N: number, out: Record<string, unknown>): Promise<void> {
  const S = Math.min(N, num('per-series', 4));
  const cacheRoot = mkdtempSync(join(tmpdir(), 'mora-bench-fleet-'));
  const source = new DemoFleetDataSource({ workloads: N });
  console.log(`\n== recommend -m fused, the real pipeline: ${N} demo-generator workloads × 14 days at 5 min, model cache empty (${cacheRoot}) ==`);
  let lastLine = 0;
  const modelSeconds: Record<string, number> = {};
  const onGlobalModel = (e: GlobalModelEvent): void => {
    if (e.kind === 'trained' || e.kind === 'refreshed') modelSeconds[e.kind] = e.seconds;
    if (e.kind === 'epoch') console.log(`  epoch ${e.epoch + 1}/${e.epochs}: loss ${e.loss.toFixed(4)} val ${e.valLoss.toFixed(4)}`);
    else console.log(`  ${describeGlobalEvent(e)}`);
  };
  const onProgress = (d: number, n: number): void => {
    if (d === n || performance.now() - lastLine > 30000) { lastLine = performance.now(); console.log(`  recommended ${d}/${n}`); }
  };
  try {
    const cold = await measure(() => recommendFromSource(source, { model: 'fused', globalLstm: { cacheRoot }, onGlobalModel, onProgress }));
    console.log(costLine(`global, cold (training included)`, cold.cost, N) + `   → ${cold.value.length} workloads`);
    console.log(`  methods (cpu + memory): ${JSON.stringify(methods(cold.value))}`);
    // The forecast view of one workload with the cluster's model cached: phase 1 (history, Prophet, fused on Prophet and
    // the baseline, the engine's recommendation) and phase 2 (the global LSTM on all four panels, fused), as the panel runs them.
    const model = cachedGlobalLstm(source.kind, 'demo-fleet', 900, (l) => console.log(`  ${l}`), cacheRoot);
    let view: { phase1: Cost; phase2: Cost } | undefined;
    if (model) {
      const [w] = await source.workloads('demo-fleet', 'fleet-000');
      const p1 = await measure(() => buildForecastView(source, w, 'server', DEFAULT_FORECAST_VIEW_OPTIONS));
      const p2 = await measure(() => buildForecastView(source, w, 'server', {
        ...DEFAULT_FORECAST_VIEW_OPTIONS, recommendation: p1.value.recommendation, lstm: globalLstmRunner(model), lstmPanels: ['cpu', 'memory', 'requests', 'replicas'],
      }));
      view = { phase1: p1.cost, phase2: p2.cost };
      console.log(`forecast view of ${w.name} (in-process): phase 1 (history, Prophet, fused without LSTM, recommendation) ${p1.cost.wall.toFixed(2)} s; phase 2 (global LSTM + fused, 4 panels: ${p2.value.data.panels.map((p) => p.forecasts.map((f) => f.model).join('+')).join(', ')}) ${p2.cost.wall.toFixed(2)} s`);
    }
    let warm: { value: WorkloadRun[]; cost: Cost } | undefined;
    if (flag('warm')) {
      warm = await measure(() => recommendFromSource(source, { model: 'fused', globalLstm: { cacheRoot }, onGlobalModel, onProgress }));
      console.log(costLine(`global, warm (model cached)`, warm.cost, N));
    }
    let refreshed: { value: WorkloadRun[]; cost: Cost } | undefined;
    if (flag('refresh')) {
      const dayLater = new DemoFleetDataSource({ workloads: N, end: DEFAULT_DEMO_OPTIONS.end + 86400, days: DEFAULT_DEMO_OPTIONS.days + 1 });
      refreshed = await measure(() => recommendFromSource(dayLater, { model: 'fused', globalLstm: { cacheRoot }, onGlobalModel, onProgress }));
      console.log(costLine(`global, a day later (model refreshed)`, refreshed.cost, N));
      console.log(`refresh ${fmt(modelSeconds.refreshed ?? NaN, 1)} s vs first training ${fmt(modelSeconds.trained ?? NaN, 1)} s (worker wall; ratio ${fmt((modelSeconds.refreshed ?? NaN) / (modelSeconds.trained ?? NaN))})`);
    }
    // The reference: per-series LSTMs (forecastDefaults: 8 epochs, ≤ 256 windows) through the same pipeline, on a sample.
    const sample = new DemoFleetDataSource({ workloads: S });
    const per = await measure(() => recommendFromSource(sample, { model: 'fused', globalLstm: { enabled: false }, onProgress }));
    console.log(costLine(`per-series LSTMs, first ${S} workloads`, per.cost, S));
    const perN = { wall: (per.cost.wall * N) / S, cpu: (per.cost.cpu * N) / S };
    console.log(`EXTRAPOLATED per-series to ${N} workloads (not measured): ${perN.wall.toFixed(0)} s wall (${(perN.wall / 3600).toFixed(1)} h), ${perN.cpu.toFixed(0)} s CPU`);
    console.log(`ratio global cold / per-series extrapolated: wall ${fmt(cold.cost.wall / perN.wall, 4)}, cpu ${fmt(cold.cost.cpu / perN.cpu, 4)}; per workload ${(cold.cost.wall / N).toFixed(2)} s vs ${(per.cost.wall / S).toFixed(1)} s`);
    // Same workloads, both arms: how far apart are the recommendations?
    const g = values(cold.value), p = values(per.value);
    let same = 0, n = 0, rel = 0;
    for (const [k, pv] of p) {
      const gv = g.get(k);
      if (!gv) continue;
      for (const r of ['cpu', 'memory'] as const) {
        if (pv[r] === undefined || gv[r] === undefined) continue;
        n++;
        if (pv[r] === gv[r]) same++;
        rel += Math.abs(gv[r]! - pv[r]!) / Math.max(1e-12, pv[r]!);
      }
    }
    console.log(`the ${S} sample workloads: ${same}/${n} values identical in both arms, mean |global − per-series| / per-series ${fmt(rel / Math.max(1, n), 4)}; per-series methods ${JSON.stringify(methods(per.value))}`);
    const withinBudget = cold.cost.wall <= 300 && cold.cost.peakMb <= 1024;
    console.log(`budget (≤ 300 s wall, ≤ 1024 MB RSS): ${withinBudget ? 'met' : 'NOT met'} — ${cold.cost.wall.toFixed(1)} s, ${cold.cost.peakMb.toFixed(0)} MB`);
    out.recommend = { workloads: N, view, cold: cold.cost, warm: warm?.cost, refreshed: refreshed?.cost, modelSeconds, perSeriesSample: { workloads: S, cost: per.cost }, perSeriesExtrapolated: perN, methods: methods(cold.value), sampleAgreement: { same, values: n, meanRelDiff: rel / Math.max(1, n) } };
  } finally {
    rmSync(cacheRoot, { recursive: true, force: true });
  }
}

/** The recommendations' numbers and words (not the series read, not timings): equal digests, equal recommendations. */
function digest(runs: WorkloadRun[]): string {
  return createHash('sha256').update(JSON.stringify(runs.map((r) => r.recommendation))).digest('hex').slice(0, 16);
}

async function monotoneCostBench(N: number, out: Record<string, unknown>): Promise<void> {
  const reps = Math.max(1, num('reps', 3));
  const model = arg('model');
  const source = new DemoFleetDataSource({ workloads: N });
  const defaults = MORA_DEFAULTS.cpu as { monotone: boolean };
  const shipped = defaults.monotone;
  console.log(`\n== the monotone chain's cost in mora recommend${model ? ` -m ${model}` : ''}: ${N} demo-generator workloads × 14 days at 5 min, ${reps} rounds, chain on / off alternating (load ${loadavg().map((x) => x.toFixed(2)).join(' ')}) ==`);
  const cpu: Record<'on' | 'off', number[]> = { on: [], off: [] }, wall: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const digests = new Set<string>();
  try {
    for (let k = 0; k < reps; k++) {
      for (const arm of (k % 2 === 0 ? ['on', 'off'] : ['off', 'on']) as Array<'on' | 'off'>) {
        defaults.monotone = arm === 'on';
        const r = await measure(() => recommendFromSource(source, model ? { model, globalLstm: { enabled: false } } : {}));
        cpu[arm].push(r.cost.cpu); wall[arm].push(r.cost.wall);
        if (arm === 'on') digests.add(digest(r.value));
        console.log(`  round ${k + 1}, chain ${arm.padEnd(3)}: ${r.cost.cpu.toFixed(2)} s CPU, ${r.cost.wall.toFixed(2)} s wall, ${r.value.length} workloads`);
      }
    }
  } finally {
    defaults.monotone = shipped;
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const on = med(cpu.on), off = med(cpu.off);
  console.log(`median CPU: chain on ${on.toFixed(2)} s, off ${off.toFixed(2)} s (${((1000 * on) / N).toFixed(2)} / ${((1000 * off) / N).toFixed(2)} ms a workload); ratio on / off ${fmt(on / off)}; the chain's share of a recommend ${fmt((on - off) / on)}; wall median ${med(wall.on).toFixed(2)} / ${med(wall.off).toFixed(2)} s`);
  console.log(`recommendations digest (chain on): ${[...digests].join(', ')}${digests.size === 1 ? ' (the same in every round)' : ' — DIFFERENT between rounds'}`);
  if (digests.size !== 1) process.exitCode = 1;
  out.monotoneCost = { workloads: N, reps, model: model ?? null, cpu, wall, ratio: on / off, share: (on - off) / on, digest: [...digests], load: loadavg() };
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, seed: SEED };
  if (arg('recommend') && flag('monotone-cost')) {
    console.log(`bench:fleet --recommend --monotone-cost — the CPU value's monotone chain in mora recommend, one process (Node ${process.version})`);
    await monotoneCostBench(Number(arg('recommend')), out);
    if (arg('out')) writeFileSync(arg('out')!, JSON.stringify(out, null, 1));
    return;
  }
  if (arg('recommend')) {
    console.log(`bench:fleet --recommend — mora recommend -m fused at fleet scale, one process (Node ${process.version})`);
    await recommendBench(Number(arg('recommend')), out);
    out.peakRssMb = process.resourceUsage().maxRSS / 1024;
    console.log(`\npeak RSS of the whole run: ${(out.peakRssMb as number).toFixed(0)} MB`);
    if (arg('out')) writeFileSync(arg('out')!, JSON.stringify(out, null, 1));
    return;
  }
  const data = arg('data') ?? join('..', 'shared', 'datasets');
  console.log(`bench:fleet — per-series vs global LSTM, one process (Node ${process.version}); MASE lower is better`);
  if (!flag('skip-datasets')) {
    if (!existsSync(data)) { console.error(`no datasets at ${data} (--data <dir>, or --skip-datasets)`); process.exit(2); }
    await datasets(data, out);
  }
  if (!flag('skip-demo')) await demo(num('workloads', 1000), out);
  out.peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`\npeak RSS of the whole run: ${(out.peakRssMb as number).toFixed(0)} MB`);
  if (arg('out')) writeFileSync(arg('out')!, JSON.stringify(out, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
