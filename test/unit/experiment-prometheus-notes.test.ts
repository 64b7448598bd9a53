// `mora experiment` and `mora experiment run` pass the note hook to the Prometheus client they build, so a read-back
// Prometheus gave up on (its own --query.timeout: 503, errorType "timeout") and read again in halves of its time range
// (ce718c0) is said once on stderr, `mora: Prometheus at … gave up on … reading it again in parts of its time range`, as
// `mora recommend` says it. Before, their clients had no note hook: the split happened without a word. The CLI run
// in-process against a loopback target and a stand-in Prometheus that already scrapes it and times out the first time
// it is asked each range query (the halves then answer, empty).
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import { experimentPrometheusOptions } from '../../src/data/experiments/runner';
import { planPrometheusOptions } from '../../src/data/experiments/plan-prometheus';
import { LoopbackHttpServer } from './helpers/loopback-http-server';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

class Target extends LoopbackHttpServer {
  protected answer(_req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  }
}

/** Scrapes the target already (every instant query: 5); the first ask of each range query times out, later ones are empty. */
class TimingOutPrometheus extends LoopbackHttpServer {
  readonly asked = new Set<string>();
  protected answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const json = (code: number, b: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(b)); };
    const url = req.url ?? '';
    if (url.startsWith('/api/v1/query_range')) {
      const query = new URLSearchParams(body || url.split('?')[1] || '').get('query') ?? '';
      if (!this.asked.has(query)) {
        this.asked.add(query);
        return json(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
      }
      return json(200, { status: 'success', data: { resultType: 'matrix', result: [] } });
    }
    if (url.startsWith('/api/v1/query')) return json(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '5'] }] } });
    return json(200, { status: 'success', data: { version: '2.53.0' } });
  }
}

describe('mora experiment: a read-back split after Prometheus\' timeout is said on stderr', function () {
  this.timeout(60_000);
  const target = new Target();
  const prometheus = new TimingOutPrometheus();
  let targetUrl = '';
  let prometheusUrl = '';
  before(async () => {
    targetUrl = await target.start();
    prometheusUrl = await prometheus.start();
  });
  after(async () => {
    await target.stop();
    await prometheus.stop();
  });

  it('mora experiment: one line naming the split', () => inTempDir(async (dir) => {
    const r = await mora(['experiment', '--target', `${targetUrl}/`, '--prometheus', prometheusUrl, '--levels', '5', '--duration', '2s',
      '--scrape-interval', '1s', '--connections', '1', '--out', dir, '--service', 'notes']);
    assert.equal(r.code, 0, r.err);
    assert.ok(prometheus.asked.size > 0, 'the read-back asked Prometheus');
    const said = r.err.split('\n').filter((l) => /gave up on/.test(l));
    assert.equal(said.length, 1, r.err);
    assert.match(said[0], /^mora: Prometheus at http:\/\/127\.0\.0\.1:\d+ gave up on .* \(its own --query\.timeout\): reading it again in parts of its time range, down to 1\/8$/);
  }));

  it('the client options of a run and of a plan run carry the note hook', () => {
    const onPrometheusNote = (): void => undefined;
    assert.equal(experimentPrometheusOptions({ prometheusUrl: 'http://prom:9090' }, { onPrometheusNote }).onNote, onPrometheusNote);
    assert.equal(planPrometheusOptions({ prometheusUrl: 'http://prom:9090' }, { onPrometheusNote }).onNote, onPrometheusNote);
  });
});
