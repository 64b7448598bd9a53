import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { recommendCommand } from '../../src/cli/commands/recommend';
import type { ExperimentDocument } from '../../src/data/experiments';
import { EXPERIMENT_CSV_COLUMNS } from '../../src/data/experiments';
import type { StoredExperiment } from '../../src/data/experiments/store';
import { loadModelFromExperiments } from '../../src/pipeline/experiment-capacity';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { mora } from './helpers/run-cli';

/** An experiment document whose levels measured per-pod CPU = 0.01 + 0.002 × per-pod rps. */
function experiment(service: string, replicas: number, levels: number[], id = `${service}-r${replicas}`): ExperimentDocument {
  return {
    schema: 'mora.experiment/1', id, status: 'complete',
    config: { service, targetUrl: 'http://127.0.0.1:1/', prometheusUrl: 'http://127.0.0.1:2', levels, durationSeconds: 20, replicas, stepSeconds: 5, rateWindowSeconds: 20 },
    timings: { started: 0, finished: 1, levels: [] },
    summary: {
      levels: levels.map((rps) => ({ level: rps, rows: 4, means: { request_rate: rps, cpu_usage: 0.01 + 0.002 * (rps / replicas) }, maxima: {}, cpuPerRequest: 0.002 })),
      missing: [], warnings: [],
    },
    files: { csv: `${id}.csv`, json: `${id}.json` },
  } as ExperimentDocument;
}

describe('per-replica capacity from load experiments', () => {
  it('fits per-pod CPU against per-pod load over every level of every experiment', () => {
    const stored = [experiment('cartservice', 1, [10, 50]), experiment('cartservice', 2, [40, 120])]
      .map((document) => ({ document, rows: undefined as never, namespace: 'local', workload: 'cartservice' })) as StoredExperiment[];
    const m = loadModelFromExperiments(stored)!;
    assert.ok(Math.abs(m.a - 0.01) < 1e-12 && Math.abs(m.b - 0.002) < 1e-12);
    assert.equal(m.levels, 4);
    assert.match(m.source, /2 experiments cartservice-r1, cartservice-r2/);
    assert.equal(loadModelFromExperiments([{ ...stored[0], document: experiment('x', 1, [10]) }]), undefined, 'one level measures no slope');
  });

  it('leaves out levels the load generator marked failed', () => {
    const doc = experiment('cartservice', 1, [10, 50, 90]);
    // The 90 req/s level failed (most requests errored): its CPU says nothing about capacity.
    doc.summary!.levels[2].means.cpu_usage = 0.001;
    doc.timings.levels = doc.config.levels.map((level, i) => ({ level, start: i, end: i + 1, stats: {} as never, ...(level === 90 ? { failed: '80% of requests failed' } : {}) }));
    const m = loadModelFromExperiments([{ document: doc, rows: undefined as never, namespace: 'local', workload: 'cartservice' } as StoredExperiment])!;
    assert.equal(m.levels, 2);
    assert.ok(Math.abs(m.b - 0.002) < 1e-12, `slope ${m.b}`);
  });

  it('mora recommend --experiments uses the measured line for an HPA\'s count; without an HPA the count stays with the request', async function () {
    this.timeout(60000);
    const dir = tempDir('mora-exp-');
    for (const doc of [experiment('frontend', 1, [20, 60, 100]), experiment('cartservice', 1, [20, 60, 100])]) {
      writeFileSync(join(dir, `${doc.id}.json`), JSON.stringify(doc));
      writeFileSync(join(dir, `${doc.id}.csv`), `${EXPERIMENT_CSV_COLUMNS.join(',')}\n`);
    }
    const recs = JSON.parse(await recommendCommand({ ...RECOMMEND_DEFAULTS, format: 'json', workload: 'frontend', experiments: dir }));
    const r = recs[0].replicas;
    assert.match(r.reason, /measured by experiment frontend-r1/);
    // With an HPA: capacity = (its target × the recommended request − 0.01) / 0.002 req/s per replica: the pods the HPA will
    // run once that request is applied, in which its bounds are counted (docs/ENGINE.md § Replicas).
    const at = /at 70% of the recommended CPU request \((\d+)m\)/.exec(r.reason);
    assert.ok(at, r.reason);
    const request = Number(at[1]) / 1000;
    assert.equal(request, recs[0].containers[0].cpu.request.value);
    assert.match(r.hpa.reason, new RegExp(`counted in pods of the recommended ${at[1]}m CPU request`));
    const capacity = (r.hpa.targetCpuUtilization * request - 0.01) / 0.002;
    assert.match(r.reason, new RegExp(`capacity ${capacity.toFixed(1)} req/s`));
    const without = JSON.parse(await recommendCommand({ ...RECOMMEND_DEFAULTS, format: 'json', workload: 'frontend' }));
    assert.doesNotMatch(without[0].replicas.reason, /experiment frontend/);
    // Without an HPA a CPU line gives no capacity apart from the request the engine sizes for the current count: kept.
    const cart = JSON.parse(await recommendCommand({ ...RECOMMEND_DEFAULTS, format: 'json', workload: 'cartservice', experiments: dir }))[0];
    assert.equal(cart.replicas.recommended.value, cart.replicas.current);
    assert.match(cart.replicas.reason, /the count is kept: no per-replica capacity measured apart from the request/);
  });

  it('mora recommend --experiments on a folder without experiments says so (exit 2) instead of ignoring it', async function () {
    this.timeout(60000);
    const dir = tempDir('mora-exp-empty-');
    const r = await mora(['recommend', '--source', 'demo', '-w', 'cartservice', '-f', 'json', '--experiments', dir]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.equal(r.err, `mora: --experiments ${dir}: no experiments found there (no mora experiment JSON with its CSV; failed runs are skipped) — run mora experiment --out ${dir}\n`);
  });
});
