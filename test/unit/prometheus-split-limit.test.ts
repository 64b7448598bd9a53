// The retry of a range refused as too large (client.rangeRequest) cannot loop: a test double of `fetch` that refuses
// every read as Prometheus does (422, errorType execution) gets the whole read, then halves, at most SPLIT_DEPTH levels
// deep, and the error names the parts tried. Other refusals (bad PromQL) are not retried. The real-Prometheus test of
// the split itself is test/integration/prometheus-split.test.ts.
import * as assert from 'node:assert/strict';
import { PrometheusClient, SPLIT_DEPTH, tooLarge } from '../../src/data/prometheus/client';
import { PrometheusError } from '../../src/data/prometheus/errors';

/** Test double: answers every query_range with `error` (422) and records the [start, end] asked for. */
function refusingFetch(error: string, errorType: string, asked: Array<[number, number]>): typeof fetch {
  return (async (_url: string, init?: RequestInit) => {
    const p = new URLSearchParams(String(init?.body));
    asked.push([Number(p.get('start')), Number(p.get('end'))]);
    return new Response(JSON.stringify({ status: 'error', errorType, error }), { status: 422, statusText: 'Unprocessable Entity' });
  }) as typeof fetch;
}

describe('a range refused as too large: the split is bounded', () => {
  it('every part refused: the whole read, then halves down to 2^SPLIT_DEPTH parts, then Prometheus\' message', async () => {
    const asked: Array<[number, number]> = [];
    const client = new PrometheusClient({ url: 'http://prom:9090', fetch: refusingFetch('query processing would load too many samples into memory in query execution', 'execution', asked) });
    const e = await client.rangeRequest('up', 0, 999 * 60, 60).then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof PrometheusError && tooLarge(e), String(e));
    assert.equal(asked.length, 2 ** (SPLIT_DEPTH + 1) - 1, 'requests: 1 + 2 + 4 + 8');
    assert.match(e.message, /would load too many samples.*\(also refused when read in \d+ parts\)/);
    // The deepest parts cover the range once, in order, on the step grid.
    const leaves = asked.slice(-(2 ** SPLIT_DEPTH)).sort((a, b) => a[0] - b[0]);
    assert.equal(leaves[0][0], 0);
    assert.equal(leaves[leaves.length - 1][1], 999 * 60);
    for (let i = 1; i < leaves.length; i++) assert.equal(leaves[i][0], leaves[i - 1][1] + 60);
  });

  it('an off-grid range splits on the step grid: no part ends before it starts, no point twice or missing at a seam', async () => {
    // A double that answers as Prometheus does: the points start, start + step, … ≤ end; end < start is 400 bad_data;
    // more than `most` points is 422 too many samples.
    const double = (most: number, asked: Array<[number, number]>): typeof fetch => (async (_url: string, init?: RequestInit) => {
      const p = new URLSearchParams(String(init?.body));
      const [start, end, step] = [Number(p.get('start')), Number(p.get('end')), Number(p.get('step'))];
      asked.push([start, end]);
      if (end < start) return new Response(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'end timestamp must not be before start time' }), { status: 400 });
      const values: Array<[number, string]> = [];
      for (let t = start; t <= end; t += step) values.push([t, '1']);
      if (values.length > most) return new Response(JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' }), { status: 422 });
      return new Response(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }), { status: 200 });
    }) as typeof fetch;
    const times = (bodies: Awaited<ReturnType<PrometheusClient['rangeRequest']>>) =>
      bodies.flatMap((b) => ((b.data as { result: Array<{ values: Array<[number, string]> }> }).result[0]?.values ?? []).map((v) => v[0]));
    const grid = (start: number, end: number, step: number) => Array.from({ length: Math.floor((end - start) / step) + 1 }, (_, i) => start + i * step);
    for (const [start, end, step, most] of [[0, 100, 60, 1], [7, 7 + 999 * 60 + 37, 60, 300], [0, 590, 60, 3]] as const) {
      const asked: Array<[number, number]> = [];
      const client = new PrometheusClient({ url: 'http://prom:9090', fetch: double(most, asked) });
      const bodies = await client.rangeRequest('up', start, end, step);
      assert.ok(asked.every(([s, e]) => e >= s), `[${start}, ${end}] step ${step}: parts ${JSON.stringify(asked)}`);
      assert.deepEqual(times(bodies), grid(start, end, step), `[${start}, ${end}] step ${step}`);
    }
  });

  it('a refusal a smaller read does not fix (bad PromQL) is not retried', async () => {
    const asked: Array<[number, number]> = [];
    const client = new PrometheusClient({ url: 'http://prom:9090', fetch: refusingFetch('1:5: parse error: unexpected "}"', 'bad_data', asked) });
    const e = await client.rangeRequest('up{', 0, 999 * 60, 60).then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof PrometheusError && !tooLarge(e), String(e));
    assert.equal(asked.length, 1);
  });

  it('Mimir/Thanos limits count as too large; the 11,000-point resolution limit does not', () => {
    const q = (m: string) => new PrometheusError(m, 'query', 422);
    assert.ok(tooLarge(q('execution: the query exceeded the maximum number of chunks fetched (limit: 2000000 chunks)')));
    assert.ok(tooLarge(q('expanding series: the query hit the max number of series limit (limit: 100000 series)')));
    assert.ok(tooLarge(q('execution: the query exceeded the aggregated chunks size limit (limit: 1073741824 bytes) (err-mimir-max-chunks-bytes-per-query)')));
    assert.ok(!tooLarge(q('the query time range exceeds the limit (query length: 2208h, limit: 768h) (err-mimir-max-query-length)')), 'the history asked for, said as is');
    assert.ok(!tooLarge(q('bad_data: exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)')));
    assert.ok(!tooLarge(new PrometheusError('too many samples', 'http', 503)), 'a 5xx is the server failing, not a refusal');
  });
});
