import * as assert from 'node:assert/strict';
import { parseMatchers, withMatchers } from '../../src/data/prometheus/matchers';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { mora } from './helpers/run-cli';

describe('--prometheus-matchers: label matchers added to every selector', () => {
  it('checks and normalizes the list', () => {
    assert.equal(parseMatchers('cluster="prod-eu"'), 'cluster="prod-eu"');
    assert.equal(parseMatchers(' { cluster =~ "prod-.*" , region!=\'x\', } '), 'cluster=~"prod-.*",region!=\'x\'');
    assert.equal(parseMatchers('a="x,y}\\"z"'), 'a="x,y}\\"z"');
    assert.equal(parseMatchers(''), '');
    for (const bad of ['cluster=prod-eu', 'cluster', '="x"', 'cluster=="x"', 'a="x" b="y"', 'a="unterminated', '9a="x"']) {
      assert.throws(() => parseMatchers(bad), /is not a list of label matchers/, bad);
    }
  });

  it('adds them inside every selector\'s braces, not inside strings', () => {
    const m = 'cluster="prod-eu"';
    assert.equal(withMatchers('sum(rate(x{a="b"}[5m])) / up{}', m), 'sum(rate(x{cluster="prod-eu",a="b"}[5m])) / up{cluster="prod-eu"}');
    assert.equal(withMatchers('label_replace(x{ a="{b}" }, "l", "$1", "pod", "(.{2})")', m), 'label_replace(x{cluster="prod-eu", a="{b}" }, "l", "$1", "pod", "(.{2})")');
    assert.equal(withMatchers('x{a=`{`} or y{b=\'}\\\'{\'}', m), 'x{cluster="prod-eu",a=`{`} or y{cluster="prod-eu",b=\'}\\\'{\'}');
    assert.equal(withMatchers('x{a="b"}', ''), 'x{a="b"}');
  });

  it('the client sends them on every query and refuses a list that is not matchers', async () => {
    const sent: string[] = [];
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const u = new URL(String(input));
      sent.push(new URLSearchParams(String(init?.body ?? '')).get('query') ?? u.searchParams.get('query') ?? '');
      const body = u.pathname.endsWith('query_range') ? { status: 'success', data: { resultType: 'matrix', result: [] } } : { status: 'success', data: { resultType: 'vector', result: [] } };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof globalThis.fetch;
    const client = new PrometheusClient({ url: 'http://127.0.0.1:9', fetch, matchers: 'cluster="prod-eu"' });
    await client.query('count(up{job="x"})', 1_800_000_000);
    await client.queryRange('max by (pod) (container_memory_working_set_bytes{namespace="shop"})', 1_800_000_000, 1_800_003_600, 60);
    assert.deepEqual(sent, ['count(up{cluster="prod-eu",job="x"})', 'max by (pod) (container_memory_working_set_bytes{cluster="prod-eu",namespace="shop"})']);
    assert.throws(() => new PrometheusClient({ url: 'http://127.0.0.1:9', matchers: 'cluster=prod-eu' }), /--prometheus-matchers/);
  });

  it('mora recommend --prometheus-matchers that are not matchers: exit 2 naming the option, before anything is read', async () => {
    const r = await mora(['recommend', '--source', 'cluster', '--prometheus', 'http://127.0.0.1:9', '--prometheus-matchers', 'cluster=prod-eu']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--prometheus-matchers: "cluster=prod-eu" is not a list of label matchers: the value of cluster must be a quoted string/);
    assert.match((await mora(['recommend', '--help'])).out, /--prometheus-matchers <matchers>/);
  });
});
