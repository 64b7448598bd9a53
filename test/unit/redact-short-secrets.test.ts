// A secret of 1–5 characters (a password "a", "1", "ab") is hidden where a credential is written — URL userinfo,
// ?token=, Authorization: Bearer/Basic, the value after a credential's name — and nowhere else, so it does not turn
// unrelated words, IPs and ports of a message into asterisks. A secret of PLAIN_SECRET_MIN (6) or more characters is
// still replaced everywhere. Before: "1" turned "127.0.0.1" into "127.0.0.***" and "a" the article "a" into "***".
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PLAIN_SECRET_MIN, WORD_SECRET_MIN, redactOutput, replaceSecrets } from '../../src/core/redact';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { PrometheusError, redact } from '../../src/data/prometheus/errors';
import { storedErrorText } from '../../src/data/experiments/runner';
import { closedPort } from '../harness/ports';

async function failure(client: PrometheusClient): Promise<PrometheusError> {
  const e = await client.query('vector(1)').then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof PrometheusError, `expected a PrometheusError, got ${String(e)}`);
  return e;
}

describe('redaction of short secrets', () => {
  it('a password "1" or "a" in the Prometheus URL: the refused-connection message shows the address intact, no credentials', async () => {
    const port = await closedPort();
    for (const password of ['1', 'a']) {
      const e = await failure(new PrometheusClient({ url: `http://mora:${password}@127.0.0.1:${port}/`, timeoutMs: 10_000 }));
      assert.equal(e.kind, 'unreachable');
      assert.ok(e.message.startsWith(`Prometheus at http://127.0.0.1:${port} refused the connection — is it running?`), e.message);
      assert.doesNotMatch(e.message, /\*\*\*|mora:/, e.message);
    }
  });

  it('a server echoing the short password and the Basic header: both hidden, the same letters in its prose kept', async () => {
    const basic = Buffer.from('mora:a').toString('base64');
    const server = http.createServer((req, res) => {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'unauthorized', error: `password=a rejected (Authorization: ${req.headers.authorization}); a retry will not help` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const e = await failure(new PrometheusClient({ url: `http://mora:a@127.0.0.1:${port}`, timeoutMs: 10_000 }));
      assert.match(e.message, new RegExp(`^Prometheus at http://127\\.0\\.0\\.1:${port} answered 401`), e.message);
      assert.match(e.message, /password=\*\*\* rejected \(Authorization: Basic \*\*\*\); a retry will not help/, e.message);
      assert.ok(!e.message.includes(basic), e.message);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('the printed URL and a stored experiment error: userinfo and ?token= hidden, an unrelated "ab" and the IP kept', () => {
    const url = 'http://mora:ab@127.0.0.1:9090/?token=ab&step=30';
    assert.equal(redact(url, ['ab']), 'http://127.0.0.1:9090/?token=***&step=30');
    assert.equal(redact('Prometheus answered 500: a tab about ab testing', ['ab']), 'Prometheus answered 500: a tab about ab testing');
    const stored = storedErrorText(new Error('connect ECONNREFUSED 127.0.0.1:9090 (a Prometheus at http://mora:1@127.0.0.1:9090?token=1 )'), ['http://mora:1@127.0.0.1:9090/?token=1']);
    assert.equal(stored, 'connect ECONNREFUSED 127.0.0.1:9090 (a Prometheus at http://127.0.0.1:9090?token=*** )');
  });

  it('a short secret in each known spot is hidden: Bearer, Basic, key=value, "key": "value", header, "password a"', () => {
    assert.equal(replaceSecrets('Bearer t. the test', ['t']), 'Bearer ***. the test');
    assert.equal(replaceSecrets('{"api_key": "ab", "step": "ab"}', ['ab']), '{"api_key": "***", "step": "ab"}');
    assert.equal(replaceSecrets('X-Api-Key: ab; about ab', ['ab']), 'X-Api-Key: ***; about ab');
    assert.equal(replaceSecrets('invalid password a for a user at http://u:a@h/', ['a']), 'invalid password *** for a user at http://u:***@h/');
    assert.equal(replaceSecrets('token=a%20b stays a b', ['a b']), 'token=*** stays ***'); // percent-encoded in its spot; 3 characters: also as a word
    // part of a longer value is not the secret
    assert.equal(replaceSecrets('token=ab.cd password=abc', ['ab']), 'token=ab.cd password=abc');
    // JSON output: the count 1 stays, the echoed password in a message does not
    const out = redactOutput(`${JSON.stringify({ count: 1, message: 'password: 1 refused 1 query' })}\n`, ['1']);
    assert.deepEqual(JSON.parse(out), { count: 1, message: 'password: *** refused 1 query' });
  });

  it(`a secret of ${WORD_SECRET_MIN}–${PLAIN_SECRET_MIN - 1} characters echoed by a server is hidden wherever it stands as a word, not inside other words`, () => {
    assert.equal(replaceSecrets("401 Unauthorized: invalid API key 'k3y9Z' — check the credentials", ['k3y9Z']), "401 Unauthorized: invalid API key '***' — check the credentials");
    assert.equal(replaceSecrets('basic auth failed for admin:pw12', ['pw12']), 'basic auth failed for admin:***');
    assert.equal(replaceSecrets('{"got":"Zq9x"}', ['Zq9x']), '{"got":"***"}');
    assert.equal(replaceSecrets('Authorization header rejected: Zq9x', ['Zq9x']), 'Authorization header rejected: ***');
    assert.equal(replaceSecrets('the abcd1 and xpw12 stay', ['pw12', 'bcd']), 'the abcd1 and xpw12 stay');
  });

  it(`a secret of ${PLAIN_SECRET_MIN}+ characters is removed everywhere, inside words and URLs too`, () => {
    assert.equal(PLAIN_SECRET_MIN, 6);
    const long = 'Tok3nLongEnough';
    assert.equal(replaceSecrets(`${long} x${long}x http://h/?q=${long} Bearer ${long}`, [long]), '*** x***x http://h/?q=*** Bearer ***');
    assert.equal(redact(`hunter2ish and xhunterx`, ['hunter']), '***2ish and x***x');
  });
});
