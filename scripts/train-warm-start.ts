/**
 * train:warm-start — regenerates MOrA's warm-start global LSTM (models/lstm-warm-start/: model.json, weights, NOTICE.md)
 * from the shared datasets, deterministically (one training thread, fixed seed, fixed series order).
 *
 *   npm run train:warm-start -- --data ../shared/datasets [--out models/lstm-warm-start]
 *
 * Training data (scripts/warm-start/pools.ts): ONLY sources whose licence allows shipping derived weights — NAB (MIT)
 * and the DataCenter-Traces cluster aggregates (CC-BY-4.0) — plus MOrA's own demo generator (12 workloads × CPU, memory,
 * request rate). Never Azure V1 (GPL-2), Bitbrains (no licence) or DeathStarBench (none): those are bench:warm-start's
 * held-out test clusters. Network and features: the cluster model's (RECOMMEND_GLOBAL_OPTIONS), at the pipeline's 900 s
 * step; trained once offline, so with more windows and epochs than a cluster's first training gets (256 per series,
 * ≤ 40 epochs, patience 6) — the settings bench:warm-start measured (docs/BENCHMARKS.md § Warm start).
 */
process.env.MORA_LSTM_THREADS = '1'; // two threads agree to ~1e-7, not bit for bit: one thread makes the artefact reproducible
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainGlobalLstm } from '../src/ml/lstm/global';
import { saveModel } from '../src/ml/lstm/persist';
import { WARM_START_DIR, WARM_START_FILE, type WarmStartInfo, type WarmStartState } from '../src/ml/lstm/warm-start';
import { RECOMMEND_GLOBAL_OPTIONS } from '../src/pipeline/global-lstm';
import { demoPool, licensedPool, LICENSED_SOURCES } from './warm-start/pools';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export const WARM_START_STEP = 900;
export const WARM_START_OPTIONS = { ...RECOMMEND_GLOBAL_OPTIONS, windowsPerSeries: 256, epochs: 40, patience: 6, seed: 42 };
const DEMO_WORKLOADS = 12;

const NOTICE = (info: WarmStartInfo): string => `# MOrA warm-start LSTM — where its weights come from

\`model.json\` and its \`.weights.bin\` are a global LSTM (MOrA's network: LSTM(64) → LSTM(32) → Dense(16) → Dense(30),
TF.js LayersModel format) trained by \`npm run train:warm-start\` (scripts/train-warm-start.ts) at a 900 s step on:

${info.sources.map((s) => `- ${s}`).join('\n')}
- MOrA's own demo generator (src/data/demo), ${DEMO_WORKLOADS} workloads — part of MOrA, MIT.

Series per source: ${Object.entries(info.series).map(([k, v]) => `${k} ${v}`).join(', ')}.

Attributions. NAB: Copyright (c) Numenta, Inc.; MIT licence (https://github.com/numenta/NAB, LICENSE.txt); Ahmad et al.,
"Unsupervised real-time anomaly detection for streaming data", Neurocomputing 2017. DataCenter-Traces-Datasets:
A. Fernández-Cerero et al., https://github.com/alejandrofdez-us/DataCenter-Traces-Datasets, doi:10.5281/zenodo.14564847,
licensed CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/); aggregates of the Alibaba cluster-trace-v2018, the
Google cluster-usage traces v3 (2019) and the Azure Public Dataset V2. The weights are a derived work of those series
(averaged into a network's parameters; no series is stored); changes: aggregated to 900 s, standardised per series.

No data under another licence was used: Azure V1 (GPL-2), Bitbrains GWA-T-12 (no licence) and DeathStarBench (none)
are only held-out test data in bench:warm-start, never training data.
`;

function main(): void {
  const data = arg('data') ?? join('..', 'shared', 'datasets');
  if (!existsSync(data)) { console.error(`train:warm-start: no datasets at ${data} (--data <the shared datasets folder>)`); process.exit(2); }
  const out = arg('out') ?? WARM_START_DIR;
  const licensed = licensedPool(data, WARM_START_STEP), demo = demoPool(DEMO_WORKLOADS, WARM_START_STEP);
  const pool = [...licensed, ...demo];
  console.log(`train:warm-start: ${pool.length} series (${licensed.length} NAB + DataCenter-Traces, ${demo.length} demo) at ${WARM_START_STEP} s; ${JSON.stringify(WARM_START_OPTIONS)}`);
  const t0 = performance.now();
  const model = trainGlobalLstm(pool, { ...WARM_START_OPTIONS, onEpoch: (e) => console.log(`  epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)} val ${e.valLoss.toFixed(4)}`) });
  const info: WarmStartInfo = {
    sources: LICENSED_SOURCES,
    series: { nab: licensed.filter((s) => s.id.startsWith('nab/')).length, 'datacenter-traces': licensed.filter((s) => !s.id.startsWith('nab/')).length, demo: demo.length },
    options: { step: WARM_START_STEP, ...Object.fromEntries(Object.entries(WARM_START_OPTIONS).filter(([, v]) => typeof v === 'number' || typeof v === 'string')) as Record<string, number | string> },
  };
  // The per-series scalers stay: they name the training series and fix the model's step (global-cache.ts trainedStep).
  mkdirSync(out, { recursive: true });
  const state: WarmStartState = { ...model.toJSON(), warmStart: info };
  saveModel(join(out, WARM_START_FILE), state);
  writeFileSync(join(out, 'NOTICE.md'), NOTICE(info));
  console.log(`trained ${model.state.trainedOn.epochs} epochs, ${model.state.trainedOn.windows} windows in ${((performance.now() - t0) / 1000).toFixed(1)} s; validation MAE ${model.state.validation.mae.toFixed(3)} vs hold-last ${model.state.validation.baselineMae.toFixed(3)} → ${join(out, WARM_START_FILE)}`);
}

main();
