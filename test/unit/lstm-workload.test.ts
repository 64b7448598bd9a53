import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import type { MetricFrame } from '../../src/data/datasource';
import { IncompatibleModelError } from '../../src/ml/lstm/persist';
import { buildTargets, chooseLevelSteps, levelAt, trainWorkloadModel, WorkloadModel, WORKLOAD_FEATURES } from '../../src/ml/lstm/workload-model';

/** CPU follows the request rate 6 steps later (a queue in front of the workers): only a multivariate model can see it coming. */
function laggedFrame(n: number, seed = 3): MetricFrame {
  const rng = new Rng(seed);
  const t = new Float64Array(n), rate = new Float64Array(n), cpu = new Float64Array(n), mem = new Float64Array(n), ready = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = 1.8e9 + i * 60;
    rate[i] = 100 + 60 * Math.sin((2 * Math.PI * i) / 97) + 25 * Math.sin((2 * Math.PI * i) / 31) + 3 * rng.normal();
    mem[i] = 3e8 + 1e6 * rng.normal();
    ready[i] = 2;
  }
  for (let i = 0; i < n; i++) cpu[i] = 0.002 * rate[Math.max(0, i - 6)] + 0.002 * rng.normal();
  return { t, step: 60, values: { request_rate: rate, cpu_usage: cpu, memory_working_set: mem, ready_replicas: ready } };
}

const buffering = { cpuMargin: 0.1, memoryMargin: 0.2, targetCpuUtilization: 0.5, cpuRequest: 0.25 };

describe('workload LSTM (14 features → cpu, memory and replica targets)', function () {
  this.timeout(60000);

  it('builds the targets with the recommendation layer\'s buffering', () => {
    const f: MetricFrame = {
      t: Float64Array.of(0, 60), step: 60,
      values: { cpu_usage: Float64Array.of(0.2, 0.1), cpu_throttling_ratio: Float64Array.of(0.5, 0), memory_working_set: Float64Array.of(100, 200), memory_rss: Float64Array.of(150, 150), ready_replicas: Float64Array.of(3, 3) },
    };
    const t = buildTargets(f, buffering);
    assert.ok(Math.abs(t.cpu_target[0] - 0.2 * 1.5 * 1.1) < 1e-12, 'throttled demand × margin');
    assert.ok(Math.abs(t.memory_target[0] - 150 * 1.2) < 1e-9 && Math.abs(t.memory_target[1] - 200 * 1.2) < 1e-9, 'the larger of RSS and working set × margin');
    assert.ok(Math.abs(t.replica_target[0] - (3 * 0.3) / (0.25 * 0.5)) < 1e-9, 'HPA formula before its ceil');
  });

  it('sees CPU coming from the request rate: far below persistence on the lagged target', () => {
    const model = trainWorkloadModel(laggedFrame(1600), buffering, { horizon: 6, epochs: 15, maxWindows: 384, patience: 4 });
    const v = model.state.validation.cpu_target;
    assert.ok(v.mae < 0.6 * v.persistenceMae, `cpu_target MAE ${v.mae} vs persistence ${v.persistenceMae}`);
    assert.ok(v.mae < 0.8 * v.levelMae!, `the network adds to the level it starts from: ${v.mae} vs ${v.levelMae}`);
    assert.equal(model.state.features.length, 14);
    assert.deepEqual(model.state.features, WORKLOAD_FEATURES);
    assert.ok(model.state.missingFeatures.includes('latency_p99') && !model.state.missingFeatures.includes('request_rate'));
  });

  it('predicts the next steps of all three targets, and a saved model predicts the same after loading', () => {
    const frame = laggedFrame(900, 5);
    const model = trainWorkloadModel(frame, buffering, { horizon: 4, epochs: 3, maxWindows: 128 });
    const p = model.predict(frame);
    for (const k of ['cpu_target', 'memory_target', 'replica_target'] as const) {
      assert.equal(p[k].length, 4);
      assert.ok(p[k].every((x) => Number.isFinite(x) && x >= 0), k);
    }
    const loaded = WorkloadModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(loaded.predict(frame), p);
    assert.throws(() => WorkloadModel.fromJSON({ ...model.toJSON(), kind: 'mora-lstm' }), IncompatibleModelError);
    assert.throws(() => WorkloadModel.fromJSON({ ...model.toJSON(), format: 999 }), /retrain/);
  });

  it('starts from a short mean where samples are noisy, from the last value where they wander', () => {
    const rng = new Rng(21);
    const ends = Array.from({ length: 300 }, (_, i) => 20 + i);
    const noisy = Float64Array.from({ length: 340 }, () => 1 + 0.2 * rng.normal());
    assert.ok(chooseLevelSteps(noisy, ends, 6) > 1, 'white noise around a level: a mean of several samples');
    let x = 0;
    const walk = Float64Array.from({ length: 340 }, () => (x += rng.normal()));
    assert.equal(chooseLevelSteps(walk, ends, 6), 1, 'a random walk: persistence');
    assert.equal(levelAt(Float64Array.of(1, 2, 3, 4), 3, 3), 3);
    assert.equal(levelAt(Float64Array.of(1, 2, 3, 4), 1, 6), 1.5, 'fewer samples than asked: those there are');
  });

  it('refuses a frame without CPU or memory, or too short, with a clear message', () => {
    const f = laggedFrame(40);
    assert.throws(() => trainWorkloadModel(f, buffering), /too short/);
    assert.throws(() => trainWorkloadModel({ ...f, values: { request_rate: f.values.request_rate } }, buffering), /cpu_usage and memory_working_set/);
  });
});
