/**
 * bench:warm-start — does a global LSTM shipped pre-trained ("warm start", issue 13's optional item) help a cluster that
 * has no model of its own yet? One process, MASE lower is better.
 *
 *   npm run bench:warm-start -- --data ../shared/datasets [--step 900] [--azure 24] [--sources licensed,demo,both,shipped]
 *                                [--demo 12] [--epochs 10] [--warm-windows 64] [--warm-epochs 10] [--warm-patience 3] [--warm-seed 42]
 *                                [--ft-epochs 3] [--ft-lr 5e-4,2e-3] [--ft-from licensed] [--skip-bitbrains 1] [--per-series] [--out warm-start.json]
 *
 * Warm models: the product's cluster model (RECOMMEND_GLOBAL_OPTIONS, the pool's window budget) trained ONLY on data whose
 * licence allows shipping derived weights (scripts/warm-start/pools.ts: NAB MIT + DataCenter-Traces aggregates
 * CC-BY-4.0 = 'licensed'; the demo generator, ours = 'demo'), every series whole.
 * Cold clusters, never seen by a warm model: Bitbrains (12 VMs' CPU and memory, timestamp_value/bitbrains_*) and Azure
 * V1 (the first --azure VMs of azure_v1_vms/microsoft_avg_70; test data only). Split as bench:forecast / bench:fleet:
 * the last day held out, MASE = MAE / the training part's one-day seasonal-naive MAE, geometric mean per group; a
 * cluster model trains on each series' fit part (the training part minus the fusion's holdout day), as bench:fleet's.
 * Arms, each the `lstm` member of the same fused run (Prophet fitted once per series, the fusion's Prophet holdout fits
 * shared through ForecastRequest.memo):
 *   nothing      — fused on Prophet + the baseline (the LSTM member missing: what a cold cluster shows before any LSTM)
 *   zero-<src>   — the warm model as is ('shipped': the artefact in models/lstm-warm-start/, or --warm-from <model.json>), each series zero shot (globalLstmOverride, holdout-picked scaling)
 *   scratch      — the cluster's own model trained from random weights (today's cold path), wall and CPU time
 *   ft<E>@<lr>   — the warm model fine-tuned on the cluster's series (GlobalLstmModel.refresh: the pool's `base` +
 *                  `refresh`), E epochs at lr; wall and CPU time
 *   per_series   — (--per-series) an LSTM trained per series (default options), fused: what the forecast view waits for
 *                  on a cold cluster today; its wall and CPU time include the fused runs
 * plus seasonal-naive (the MASE scale's own forecast).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clean, medianStep, type Series } from '../../src/core/series';
import { geometricMean } from '../../src/core/stats';
import { runForecasts, type ModelRun } from '../../src/ml/forecast';
import { globalLstmOverride, loadGlobalLstm, trainGlobalLstm, type GlobalLstmModel } from '../../src/ml/lstm/global';
import { WARM_START_DIR, WARM_START_FILE } from '../../src/ml/lstm/warm-start';
import { holdoutSplit } from '../../src/ml/lstm/holdout-run';
import { downsample } from '../../src/rightsizing/engine/forecast-choice';
import { RECOMMEND_GLOBAL_OPTIONS, unavailableLstm } from '../../src/pipeline/global-lstm';
import { loadSeriesInput } from '../../src/cli/commands/backtest-input';
import { datasetGroups } from './datasets';
import { demoPool, licensedPool, type PoolSeries } from '../warm-start/pools';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const num = (name: string, d: number): number => (arg(name) !== undefined ? Number(arg(name)) : d);

const STEP = num('step', 900);
const HOLD = Math.round(86400 / STEP);

interface Case { id: string; group: string; train: Series; actual: Float64Array; scale: number; sn: Float64Array }

function makeCase(id: string, group: string, raw: Series, kind: 'cpu' | 'memory'): Case | undefined {
  const c = clean(raw).series;
  const s = STEP > medianStep(c) * 1.5 ? downsample(c, STEP, kind) : c;
  const n = s.t.length;
  if (n < 3 * HOLD) return undefined;
  const train: Series = { t: s.t.subarray(0, n - HOLD), v: s.v.subarray(0, n - HOLD) };
  const actual = Float64Array.from(s.v.subarray(n - HOLD));
  let scale = 0;
  for (let i = HOLD; i < train.v.length; i++) scale += Math.abs(train.v[i] - train.v[i - HOLD]);
  scale /= train.v.length - HOLD;
  const sn = new Float64Array(HOLD);
  for (let i = 0; i < HOLD; i++) sn[i] = train.v[train.v.length - HOLD + (i % HOLD)];
  return { id, group, train, actual, scale, sn };
}

const mase = (c: Case, pred: ArrayLike<number>): number => {
  let e = 0;
  for (let i = 0; i < HOLD; i++) e += Math.abs(pred[i] - c.actual[i]);
  return e / HOLD / c.scale;
};
const gm = (xs: number[]): number => geometricMean(xs.map((x) => Math.max(x, 1e-3)));
const fmt = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : '—');

interface Cost { wall: number; cpu: number }
function measure<T>(fn: () => T): { value: T; cost: Cost } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, cost: { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 } };
}

/** The product's cluster training (src/pipeline/global-lstm.ts): RECOMMEND_GLOBAL_OPTIONS, 30,000 windows over the pool, 4–64 per series. */
const perSeries = (n: number): number => Math.max(4, Math.min(64, Math.round(30000 / Math.max(1, n))));
const productOptions = (n: number) => ({ ...RECOMMEND_GLOBAL_OPTIONS, windowsPerSeries: perSeries(n), epochs: num('epochs', RECOMMEND_GLOBAL_OPTIONS.epochs ?? 10) });

const epochLine = (label: string) => (e: { epoch: number; loss: number; valLoss: number; seconds: number }): void =>
  console.log(`  ${label} epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)} val ${e.valLoss.toFixed(4)} ${e.seconds.toFixed(1)} s`);

function trainWarm(name: string, pool: PoolSeries[]): { model: GlobalLstmModel; cost: Cost } {
  // Trained once, offline: --warm-windows / --warm-epochs / --warm-patience may give it more than a cluster's first training gets.
  const o = { ...productOptions(pool.length), windowsPerSeries: num('warm-windows', perSeries(pool.length)), seed: num('warm-seed', 42), epochs: num('warm-epochs', productOptions(pool.length).epochs), patience: num('warm-patience', RECOMMEND_GLOBAL_OPTIONS.patience ?? 3) };
  console.log(`warm model '${name}': ${pool.length} series, ≤ ${o.windowsPerSeries} windows each, ≤ ${o.epochs} epochs, patience ${o.patience}`);
  const { value, cost } = measure(() => trainGlobalLstm(pool, { ...o, onEpoch: epochLine(name) }));
  console.log(`  trained: ${value.state.trainedOn.windows} windows, ${value.state.trainedOn.epochs} epochs, ${cost.wall.toFixed(1)} s wall / ${cost.cpu.toFixed(1)} s CPU; validation MAE ${fmt(value.state.validation.mae)} vs hold-last ${fmt(value.state.validation.baselineMae)}`);
  return { model: value, cost };
}

type Lstm = (id: string) => (history: Series, request: Parameters<ReturnType<typeof globalLstmOverride>>[1]) => Promise<ModelRun>;

async function cluster(name: string, cases: Case[], warm: Record<string, GlobalLstmModel>, out: Record<string, unknown>): Promise<void> {
  console.log(`\n== cold cluster '${name}': ${cases.length} series at ${STEP} s, last ${HOLD} held out ==`);
  const scores: Record<string, number[]> = { seasonal_naive: cases.map((c) => mase(c, c.sn)) };
  const costs: Record<string, Cost> = {};
  const prophet: ModelRun[] = [];
  const memos = cases.map(() => new Map<string, Promise<unknown>>());
  const t0 = performance.now();
  for (const c of cases) prophet.push((await runForecasts(c.train, ['prophet'], { horizon: HOLD, step: STEP }))[0]);
  console.log(`  prophet on ${cases.length} series: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const arm = async (key: string, lstm: Lstm, withLstm = true): Promise<void> => {
    const t1 = performance.now();
    scores[`fused_${key}`] = [];
    if (withLstm) scores[`lstm_${key}`] = [];
    for (const [i, c] of cases.entries()) {
      const member = lstm(c.id);
      const request = { horizon: HOLD, step: STEP, memo: memos[i], overrides: { prophet: () => Promise.resolve(prophet[i]), ...(member ? { lstm: member } : {}) } };
      const runs = await runForecasts(c.train, withLstm ? ['fused', 'lstm'] : ['fused'], request);
      scores[`fused_${key}`].push(mase(c, runs[0].forecast.mean));
      if (withLstm) scores[`lstm_${key}`].push(mase(c, runs[1].forecast.mean));
    }
    console.log(`  arm ${key}: fused ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  };
  await arm('nothing', () => unavailableLstm('cold cluster: no LSTM yet'), false);
  for (const [src, m] of Object.entries(warm)) await arm(`zero_${src}`, () => globalLstmOverride(m));
  const fit = cases.map((c) => ({ id: c.id, series: holdoutSplit(c.train, HOLD).fitPart }));
  const scratch = measure(() => trainGlobalLstm(fit, { ...productOptions(fit.length), onEpoch: epochLine('scratch') }));
  costs.scratch = scratch.cost;
  console.log(`  scratch: ${scratch.value.state.trainedOn.epochs} epochs, ${scratch.cost.wall.toFixed(1)} s wall / ${scratch.cost.cpu.toFixed(1)} s CPU`);
  await arm('scratch', (id) => globalLstmOverride(scratch.value, id));
  const ftEpochs = String(arg('ft-epochs') ?? '3').split(',').map(Number);
  const ftRates = String(arg('ft-lr') ?? '5e-4,2e-3').split(',').map(Number);
  const base = warm[arg('ft-from') ?? Object.keys(warm)[0]];
  for (const E of ftEpochs) {
    for (const lr of ftRates) {
      const key = `ft${E}@${lr}`;
      const ft = measure(() => base.refresh(fit, { epochs: E, learningRate: lr, windowsPerSeries: perSeries(fit.length), onEpoch: epochLine(key) }));
      costs[key] = ft.cost;
      console.log(`  ${key}: ${ft.cost.wall.toFixed(1)} s wall / ${ft.cost.cpu.toFixed(1)} s CPU`);
      await arm(key, (id) => globalLstmOverride(ft.value, id));
    }
  }
  if (process.argv.includes('--per-series')) {
    // What the forecast view waits for on a cold cluster today: an LSTM trained per series (default options), fused.
    const t1 = performance.now(), c0 = process.cpuUsage();
    await arm('per_series', () => undefined as unknown as ReturnType<Lstm>);
    const c = process.cpuUsage(c0);
    costs.per_series = { wall: (performance.now() - t1) / 1000, cpu: (c.user + c.system) / 1e6 };
  }
  const groups = [...new Set(cases.map((c) => c.group))].sort();
  const methods = Object.keys(scores);
  const table: Record<string, Record<string, number>> = {};
  console.log(`\n${['group', 'n', ...methods].join('\t')}`);
  for (const g of groups.length > 1 ? [...groups, 'all'] : groups) {
    const idx = cases.map((c, i) => (g === 'all' || c.group === g ? i : -1)).filter((i) => i >= 0);
    table[g] = Object.fromEntries(methods.map((m) => [m, gm(idx.map((i) => scores[m][i]))]));
    console.log([g, idx.length, ...methods.map((m) => fmt(table[g][m]))].join('\t'));
  }
  // Ratios against the same run's baselines: zero shot vs no LSTM / per-series, fine-tuned vs from scratch (fused, all series).
  const all = table[groups.length > 1 ? 'all' : groups[0]];
  const ratio = (a: string, b: string): string => (all[a] !== undefined && all[b] !== undefined ? `${a} / ${b} ×${fmt(all[a] / all[b])}` : '');
  const lines = Object.keys(all).filter((m) => m.startsWith('fused_zero_')).flatMap((z) => [ratio(z, 'fused_nothing'), ratio(z, 'fused_per_series'), ratio(z, 'fused_scratch')])
    .concat(Object.keys(all).filter((m) => m.startsWith('fused_ft')).map((f) => ratio(f, 'fused_scratch'))).filter(Boolean);
  console.log(`  ratios (fused MASE, ${groups.length > 1 ? 'all' : groups[0]}): ${lines.join('; ')}`);
  for (const [k, c] of Object.entries(costs)) console.log(`  training ${k}: ${c.wall.toFixed(1)} s wall, ${c.cpu.toFixed(1)} s CPU (ratio to scratch wall ${fmt(c.wall / costs.scratch.wall, 2)})`);
  out[name] = { series: cases.length, gm: table, costs, perSeries: cases.map((c, i) => ({ id: c.id, group: c.group, ...Object.fromEntries(methods.map((m) => [m, scores[m][i]])) })) };
}

async function main(): Promise<void> {
  const data = arg('data') ?? join('..', 'shared', 'datasets');
  if (!existsSync(data)) { console.error(`no datasets at ${data} (--data <dir>)`); process.exit(2); }
  console.log(`bench:warm-start (Node ${process.version}), step ${STEP} s; MASE lower is better; load ${require('node:os').loadavg().map((x: number) => x.toFixed(2)).join(' ')}`);
  const out: Record<string, unknown> = { date: new Date().toISOString(), step: STEP };
  const sources = (arg('sources') ?? 'licensed,demo,both').split(',');
  const warm: Record<string, GlobalLstmModel> = {};
  const warmCost: Record<string, Cost> = {};
  for (const s of sources) {
    if (s === 'shipped') {
      // The artefact train:warm-start wrote (models/lstm-warm-start/): the exact weights MOrA ships.
      const path = arg('warm-from') ?? join(WARM_START_DIR, WARM_START_FILE);
      warm[s] = loadGlobalLstm(path);
      console.log(`warm model 'shipped': ${path}, ${warm[s].state.trainedOn.series} series, ${warm[s].state.trainedOn.epochs} epochs; validation MAE ${fmt(warm[s].state.validation.mae)} vs hold-last ${fmt(warm[s].state.validation.baselineMae)}`);
      continue;
    }
    const pool = s === 'licensed' ? licensedPool(data, STEP) : s === 'demo' ? demoPool(num('demo', 12), STEP) : s === 'both' ? [...licensedPool(data, STEP), ...demoPool(num('demo', 12), STEP)] : undefined;
    if (!pool) throw new Error(`--sources: unknown source "${s}" (licensed, demo, both, shipped)`);
    const r = trainWarm(s, pool);
    warm[s] = r.model; warmCost[s] = r.cost;
  }
  out.warm = warmCost;
  const tv = join(data, 'timestamp_value');
  const bb: Case[] = [];
  for (const { name, series } of loadSeriesInput(tv, /^bitbrains_.*\.csv$/)) {
    const mem = /_mem_/.test(name);
    const c = makeCase(name, mem ? 'bitbrains mem' : 'bitbrains cpu', series, mem ? 'memory' : 'cpu');
    if (c) bb.push(c);
  }
  if (!arg('skip-bitbrains')) await cluster('bitbrains', bb, warm, out);
  const azureN = num('azure', 24);
  if (azureN > 0) {
    const az = datasetGroups(data).find((g) => g.label === 'azure-cpu')!.load().slice(0, azureN);
    // Azure V1 has no absolute time (step index from 0); the day boundaries are the index's.
    await cluster('azure-v1', az.map((a) => makeCase(a.name, 'azure v1', a.series, 'cpu')).filter((c): c is Case => !!c), warm, out);
  }
  if (arg('out')) writeFileSync(arg('out')!, JSON.stringify(out, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
