// The lean matrix reader (src/data/prometheus/matrix.ts) against JSON.parse on Prometheus-shaped answers: label values
// with quotes, braces and escapes, NaN/±Inf, fractional timestamps, warnings, empty results — and JSON.parse's own
// answer for anything it does not expect (vectors, errors, unknown fields such as native histograms).
import * as assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { parseRangeAnswer, type CompactSeries } from '../../src/data/prometheus/matrix';

type Plain = { metric: Record<string, string>; values: Array<[number, string]> };

function same(text: string): void {
  const want = JSON.parse(text) as { status: string; warnings?: string[]; data: { resultType: string; result: Plain[] } };
  const got = parseRangeAnswer(text) as unknown as { status: string; warnings?: string[]; data: { resultType: string; result: CompactSeries[] } };
  assert.equal(got.status, want.status);
  assert.deepEqual(got.warnings, want.warnings);
  assert.equal(got.data.resultType, 'matrix');
  assert.equal(got.data.result.length, want.data.result.length);
  want.data.result.forEach((w, k) => {
    const g = got.data.result[k];
    assert.ok(g.t instanceof Float64Array, 'typed arrays, not JSON.parse\'s pairs');
    assert.deepEqual(g.metric, w.metric);
    assert.deepEqual([...g.t], w.values.map((x) => x[0]));
    const num = (s: string) => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));
    assert.deepEqual([...g.v], w.values.map((x) => num(x[1])));
  });
}

describe('parseRangeAnswer (matrix reader)', () => {
  it('reads what JSON.parse reads, into typed arrays', () => {
    const rng = new Rng(9);
    const odd = ['a"b', 'c}d{', 'e\\\\f', 'g\\u00e9h', '[1,"2"]', '"metric":{', ''];
    for (let round = 0; round < 50; round++) {
      const result = Array.from({ length: rng.int(6) }, (_, s) => ({
        metric: { namespace: 'ns', pod: `p-${s}`, odd: odd[rng.int(odd.length)] },
        values: Array.from({ length: rng.int(40) }, (_, i) => [1764115200 + i * 300 + (rng.next() < 0.2 ? 0.5 : 0),
          ['NaN', '+Inf', '-Inf', '0', String(rng.next() * 1e6), String(rng.next() * 1e-9), '1e+21'][rng.int(7)]]),
      }));
      const warnings = rng.next() < 0.3 ? { warnings: ['PromQL info: "x"'] } : {};
      same(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result }, ...warnings }));
    }
    same('{"status":"success","data":{"resultType":"matrix","result":[]}}');
    same('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[]}]}}');
  });

  it('leaves everything else to JSON.parse', () => {
    const vector = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]}]}}';
    assert.deepEqual(parseRangeAnswer(vector), JSON.parse(vector));
    const error = '{"status":"error","errorType":"bad_data","error":"parse error"}';
    assert.deepEqual(parseRangeAnswer(error), JSON.parse(error));
    const histograms = '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]],"histograms":[]}]}}';
    assert.deepEqual(parseRangeAnswer(histograms), JSON.parse(histograms));
    const spaced = '{ "status": "success", "data": { "resultType": "matrix", "result": [ ] } }';
    assert.deepEqual(parseRangeAnswer(spaced), JSON.parse(spaced));
    assert.throws(() => parseRangeAnswer('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"'), SyntaxError);
  });
});
