/**
 * bench:workload — the 14-feature workload model (docs/LSTM.md § Workload model) on every demo service: validation MAE of
 * each target relative to persistence (the last value held) and to the recent level it starts from, trained in this process.
 *
 *   npm run bench:workload [-- --step 300] [--horizon 12]
 *
 * Ratios below 1 beat that baseline. "model / level" near 1 means the network adds nothing to the level.
 */
import { DemoDataSource, DEMO_CONTEXT, DEMO_NAMESPACE } from '../../src/data/demo';
import { trainWorkloadModel, WORKLOAD_TARGETS } from '../../src/ml/lstm/workload-model';
import { arg } from './args';

async function main(): Promise<void> {
  const step = arg('step', 300), horizon = arg('horizon', 12);
  const source = new DemoDataSource();
  const buffering = { cpuRequest: 0.1, targetCpuUtilization: 0.7, cpuMargin: 0.15, memoryMargin: 0.15 };
  console.log(`bench:workload — demo services, ${step} s steps, horizon ${horizon} steps; validation MAE ratios (lower is better)`);
  console.log(['service', 'levels', ...WORKLOAD_TARGETS.flatMap((k) => [`${k}/persistence`, `${k}/level`]), 'epochs', 'sec'].join('\t'));
  for (const w of await source.workloads(DEMO_CONTEXT, DEMO_NAMESPACE)) {
    const target = { workload: w, container: w.containers[0].name };
    const range = await source.historyRange(target);
    const frame = await source.metrics(target, { ...range, step });
    const t0 = performance.now();
    const model = trainWorkloadModel(frame, buffering, { horizon });
    const v = model.state.validation;
    console.log([w.name, model.state.levelSteps!.join('/'),
      ...WORKLOAD_TARGETS.flatMap((k) => [(v[k].mae / v[k].persistenceMae).toFixed(3), (v[k].mae / v[k].levelMae!).toFixed(3)]),
      model.state.epochs, ((performance.now() - t0) / 1000).toFixed(1)].join('\t'));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
