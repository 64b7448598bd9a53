import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { LstmNet, type LstmNetConfig } from '../../src/ml/lstm/net';
import { ShardTeam, autoThreads, liveShardThreads } from '../../src/ml/lstm/shards';
import { train, type WindowSet } from '../../src/ml/lstm/train';
import { until } from '../harness/wait';

// Units multiples of 4, so the WASM SIMD gate and dropout kernels run (where available) as in production.
const config: LstmNetConfig = { inputSize: 5, steps: 7, units1: 8, units2: 4, dense: 4, outputs: 3, dropout: 0.3 };

function windows(n: number, seed: number): WindowSet {
  const rng = new Rng(seed);
  const x = new Float32Array(n * config.steps * config.inputSize).map(() => rng.next() * 2 - 1);
  const y = new Float32Array(n * config.outputs).map(() => rng.next());
  return { x, y, n };
}

/** Largest |a − b| over the arrays, relative to the largest |a| (gradients of different layers differ in scale). */
function relDiff(a: Float32Array[], b: Float32Array[]): number {
  let d = 0, m = 1e-12;
  a.forEach((ai, k) => ai.forEach((v, i) => { d = Math.max(d, Math.abs(v - b[k][i])); m = Math.max(m, Math.abs(v)); }));
  return d / m;
}

describe('LSTM data-parallel training threads', function () {
  this.timeout(60000); // workers load the TypeScript source through tsx here

  afterEach(async () => {
    await until(async () => liveShardThreads(), (n) => n === 0, 10000, 20);
  });

  it('splitting a batch over threads gives the one-thread loss and gradients (dropout on, any split)', () => {
    const set = windows(50, 1);
    const order = new Int32Array(set.n).map((_, i) => (i * 17) % set.n); // a permutation: parts gather through it
    for (const threads of [2, 3]) {
      const one = new LstmNet(config, 9), split = new LstmNet(config, 9);
      const team = new ShardTeam(split, threads, set.n);
      try {
        for (let step = 0; step < 3; step++) {
          const l1 = one.gradients(set.x, set.y, 0, set.n, new Rng(100 + step), order);
          const l2 = team.gradients(split, set.x, set.y, 0, set.n, new Rng(100 + step), order);
          assert.ok(Math.abs(l1 - l2) <= 1e-6 * Math.abs(l1), `threads ${threads}, step ${step}: loss ${l1} vs ${l2}`);
          const d = relDiff(one.getGradients(), split.getGradients());
          assert.ok(d < 1e-5, `threads ${threads}, step ${step}: gradients differ by ${d} of scale`);
          one.adam(0.01); split.adam(0.01);
        }
      } finally {
        team.close();
      }
    }
  });

  it('predicts over threads what one thread predicts (validation runs split too)', () => {
    const set = windows(70, 6);
    const net = new LstmNet(config, 9);
    const team = new ShardTeam(net, 2, 20); // parts of at most 20 rows: two rounds over the threads, a short tail
    try {
      const one = net.predict(set.x, set.n), split = team.predict(net, set.x, set.n);
      assert.equal(split.length, one.length);
      one.forEach((v, i) => assert.ok(Math.abs(v - split[i]) <= 1e-6 * Math.max(1, Math.abs(v)), `output ${i}: ${v} vs ${split[i]}`));
    } finally {
      team.close();
    }
  });

  it('train() with threads gives the one-thread loss curve and weights, and ends its threads', async () => {
    const set = windows(96, 2), val = windows(20, 3);
    const run = (threads: number) => {
      const net = new LstmNet(config, 5);
      const res = train(net, set, val, { epochs: 3, batchSize: 64, learningRate: 5e-3, patience: 3, seed: 4, threads });
      return { net, res };
    };
    const a = run(1), b = run(2);
    a.res.history.forEach((h, e) => {
      assert.ok(Math.abs(h.loss - b.res.history[e].loss) <= 1e-5 * h.loss, `epoch ${e}: ${h.loss} vs ${b.res.history[e].loss}`);
    });
    assert.ok(relDiff(a.net.getWeights(), b.net.getWeights()) < 1e-4);
    await until(async () => liveShardThreads(), (n) => n === 0, 10000, 20);
  });

  it('ends its threads when training is cancelled', async () => {
    const set = windows(128, 4);
    let batches = 0;
    const res = train(new LstmNet(config, 5), set, undefined, {
      epochs: 5, batchSize: 32, learningRate: 5e-3, patience: 5, seed: 4, threads: 2, isCancelled: () => ++batches > 2,
    });
    assert.equal(res.cancelled, true);
    await until(async () => liveShardThreads(), (n) => n === 0, 10000, 20);
  });

  it("'auto' keeps small batches on one thread, and MORA_LSTM_THREADS overrides it", () => {
    const saved = process.env.MORA_LSTM_THREADS;
    try {
      delete process.env.MORA_LSTM_THREADS;
      assert.equal(autoThreads(32), 1);
      assert.ok([1, 2].includes(autoThreads(256))); // 2 only with a free core (load-dependent)
      process.env.MORA_LSTM_THREADS = '3';
      assert.equal(autoThreads(32), 3);
    } finally {
      if (saved === undefined) delete process.env.MORA_LSTM_THREADS; else process.env.MORA_LSTM_THREADS = saved;
    }
  });

  it('a worker entry that cannot load is an error naming it (not a wait for the start deadline)', () => {
    const net = new LstmNet(config, 9);
    assert.throws(() => new ShardTeam(net, 2, 16, { entry: join(__dirname, 'no-such-shard-worker.js') }),
      /training thread failed: cannot load .*no-such-shard-worker\.js/);
  });

  for (const how of ['throw', 'exit'] as const) {
    it(`a worker that fails (${how}) surfaces as an error, not a hang`, () => {
      const set = windows(40, 5);
      const net = new LstmNet(config, 9);
      const team = new ShardTeam(net, 2, set.n, { failAt: { batch: 2, how } });
      try {
        team.gradients(net, set.x, set.y, 0, set.n, new Rng(1));
        assert.throws(() => team.gradients(net, set.x, set.y, 0, set.n, new Rng(2)),
          how === 'throw' ? /training thread failed: test failure at batch 2/ : /training thread failed: the thread exited/);
        assert.throws(() => team.gradients(net, set.x, set.y, 0, set.n, new Rng(3)), /closed/);
      } finally {
        team.close();
      }
    });
  }
});
