// The axios transport's environment proxy lookup (src/data/http.ts), used to name an unreachable proxy in errors.
// (Requests through a real proxy: test/integration/prometheus-proxy.test.ts.)
import * as assert from 'node:assert/strict';
import { environmentProxy } from '../../src/data/http';

describe('environmentProxy', () => {
  it('takes the variable of the URL\'s scheme, lower case first (as curl and axios do), then ALL_PROXY', () => {
    const env = { HTTP_PROXY: 'http://upper:3128', http_proxy: 'http://lower:3128', HTTPS_PROXY: 'http://secure:3128', ALL_PROXY: 'socks.example:1080' };
    assert.deepEqual(pick(environmentProxy('http://prom:9090', env)), ['http://lower:3128/', 'http_proxy']);
    assert.deepEqual(pick(environmentProxy('https://prom', env)), ['http://secure:3128/', 'HTTPS_PROXY']);
    assert.deepEqual(pick(environmentProxy('https://prom', { ALL_PROXY: 'proxy.example:1080' })), ['http://proxy.example:1080/', 'ALL_PROXY']);
    assert.equal(environmentProxy('http://prom:9090', {}), undefined);
    assert.equal(environmentProxy('http://prom:9090', { HTTP_PROXY: '  ' }), undefined);
  });
});

function pick(p: ReturnType<typeof environmentProxy>): [string, string] | undefined {
  return p ? [p.url.toString(), p.variable] : undefined;
}
