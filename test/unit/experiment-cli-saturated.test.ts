// `mora experiment` (plain levels) prints `saturated` on the level-end line of its human output when a level was
// served well short of its asked rate (the rule 694a6cc put in the JSON): the CLI run in-process against a target that
// answers after 30 ms (at most ~33 req/s over one connection: 5 req/s is served, 100 is not) and a stand-in Prometheus
// that already scrapes it (no rows: every range query is empty). The CSV has its documented header, whose last columns
// carry the saturation per row (test/integration/experiment-saturated-csv.test.ts checks the rows).
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type * as http from 'node:http';
import { join } from 'node:path';
import { EXPERIMENT_CSV_COLUMNS } from '../../src/data/experiments';
import { LoopbackHttpServer } from './helpers/loopback-http-server';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

class SlowTarget extends LoopbackHttpServer {
  constructor(private readonly delayMs: number) { super(); }
  protected answer(_req: http.IncomingMessage, res: http.ServerResponse): void {
    setTimeout(() => { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ok'); }, this.delayMs);
  }
}

/** Scrapes the target already (count_over_time(up) = 5); every range query is empty. */
class ScrapingPrometheus extends LoopbackHttpServer {
  protected answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const json = (data: unknown) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ status: 'success', data })); };
    if ((req.url ?? '').startsWith('/api/v1/query_range')) return json({ resultType: 'matrix', result: [] });
    if ((req.url ?? '').startsWith('/api/v1/query')) return json({ resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '5'] }] });
    return json({ version: '2.53.0' });
  }
}

describe('mora experiment: a saturated level says so on its level-end line', function () {
  this.timeout(60_000);
  const target = new SlowTarget(30);
  const prometheus = new ScrapingPrometheus();
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

  it('prints "saturated" with the served and asked rates after the counts of a level served short; not for one served in full', () => inTempDir(async (dir) => {
    const r = await mora(['experiment', '--target', `${targetUrl}/`, '--prometheus', prometheusUrl, '--levels', '5,100', '--duration', '4s',
      '--scrape-interval', '1s', '--connections', '1', '--out', dir, '--service', 'slow']);
    const ends = r.err.split('\n').filter((l) => /^ {2}\d+ answered \(/.test(l));
    assert.equal(ends.length, 2, r.err);
    assert.doesNotMatch(ends[0], /saturated/, 'level 5 is served in full');
    assert.match(ends[1], /^ {2}\d+ answered \([\d.]+\/s\), 0 non-2xx, 0 errors, p99 [\d.]+ ms, saturated \(served [\d.]+ of the asked 100\.0 req\/s\)$/);
    // The CSV has its documented header (docs/LIVE-CLUSTER.md: timestamp, the 12 metrics, load_level, replicas, asked_rate,
    // achieved_rate, saturated).
    const json = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!), 'utf8')) as { timings: { levels: Array<{ saturated?: string }> } };
    assert.deepEqual(json.timings.levels.map((l) => Boolean(l.saturated)), [false, true]);
    const csv = readdirSync(dir).find((f) => f.endsWith('.csv'));
    assert.ok(csv, readdirSync(dir).join(', '));
    assert.equal(readFileSync(join(dir, csv), 'utf8').split('\n')[0], EXPERIMENT_CSV_COLUMNS.join(','));
  }));
});
