// --prometheus-header 'Name: value' (repeatable): sent on every request, credentials never shown (tenant ids are); a 401 from a gateway
// that needs a tenant (Mimir/Cortex: "no org id") names X-Scope-OrgID.
import * as assert from 'node:assert/strict';
import { parseHeader, parseHeaders } from '../../src/data/prometheus/headers';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { mora } from './helpers/run-cli';

function fakeFetch(seen: Array<Record<string, string>>, answer: (h: Record<string, string>) => { status: number; text: string }): typeof fetch {
  return (async (_input: string | URL | Request, init?: RequestInit) => {
    const h = { ...(init?.headers as Record<string, string>) };
    seen.push(h);
    const a = answer(h);
    return new Response(a.text, { status: a.status, headers: { 'content-type': 'text/plain' } });
  }) as typeof fetch;
}

describe('--prometheus-header: extra headers on every Prometheus request', () => {
  it('parses Name: value, and refuses what is not a header without echoing the value', () => {
    assert.deepEqual(parseHeader('X-Scope-OrgID: team-a'), ['X-Scope-OrgID', 'team-a']);
    assert.deepEqual(parseHeaders(['A: 1', 'B:  two words ', 'A: 3']), { A: '3', B: 'two words' });
    assert.throws(() => parseHeader('no colon secret123'), (e: Error) => /expected 'Name: value'/.test(e.message) && !e.message.includes('secret123'));
    assert.throws(() => parseHeader('Bad Name: secret123'), (e: Error) => !e.message.includes('secret123'));
    assert.throws(() => parseHeader('X: '), /empty/);
  });

  it('sends them; a value the server echoes is redacted; a 401 without a tenant names X-Scope-OrgID', async () => {
    const seen: Array<Record<string, string>> = [];
    // A tenant id is not a secret (headers.ts): shown, as it is what the message is about; a credential header is redacted.
    const echo = new PrometheusClient({ url: 'http://127.0.0.1:9', headers: { 'X-Scope-OrgID': 'team-a', 'X-Api-Key': 'key-s3cr3t' }, fetch: fakeFetch(seen, (h) => ({ status: 401, text: `bad tenant ${h['X-Scope-OrgID']} for key ${h['X-Api-Key']}` })) });
    await assert.rejects(echo.query('up{}', 1_800_000_000), (e: Error) => {
      assert.ok(!e.message.includes('key-s3cr3t'), e.message);
      assert.match(e.message, /bad tenant team-a for key \*\*\*/);
      assert.match(e.message, /check the credentials/);
      return true;
    });
    assert.equal(seen[0]['X-Scope-OrgID'], 'team-a');
    assert.equal(seen[0]['X-Api-Key'], 'key-s3cr3t');
    const none = new PrometheusClient({ url: 'http://127.0.0.1:9', fetch: fakeFetch([], () => ({ status: 401, text: 'no org id' })) });
    await assert.rejects(none.query('up{}', 1_800_000_000), /the gateway needs a tenant: --prometheus-header 'X-Scope-OrgID: <tenant>'/);
    const plain = new PrometheusClient({ url: 'http://127.0.0.1:9', fetch: fakeFetch([], () => ({ status: 401, text: 'Unauthorized' })) });
    await assert.rejects(plain.query('up{}', 1_800_000_000), /check the credentials .*X-Scope-OrgID: <tenant>/);
  });

  it('mora recommend --prometheus-header that is not a header: exit 2 naming the option, value not shown; --help lists it', async () => {
    const r = await mora(['recommend', '--source', 'cluster', '--prometheus', 'http://127.0.0.1:9', '--prometheus-header', 'X-Scope-OrgID team-s3cr3t']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--prometheus-header: expected 'Name: value'/);
    assert.ok(!r.err.includes('team-s3cr3t') && !r.out.includes('team-s3cr3t'));
    assert.match((await mora(['recommend', '--help'])).out, /--prometheus-header <header>/);
  });
});
