// Credentials for Prometheus from files, as Kubernetes mounts a Secret (and as a CI keeps them out of the environment
// listing): MORA_PROMETHEUS_TOKEN_FILE, MORA_PROMETHEUS_PASSWORD_FILE (with MORA_PROMETHEUS_USERNAME). The value goes
// on the request and never into an error; a file that cannot be read is said naming the variable.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PrometheusClient, authFromEnv } from '../../src/data/prometheus/client';

describe('Prometheus credentials from files (MORA_PROMETHEUS_TOKEN_FILE, MORA_PROMETHEUS_PASSWORD_FILE)', () => {
  let dir = '';
  let server: http.Server;
  let url = '';
  const seen: Array<string | undefined> = [];
  before(async () => {
    dir = fs.mkdtempSync(join(os.tmpdir(), 'mora-prom-cred-'));
    fs.writeFileSync(join(dir, 'token'), 'f1le-t0ken-s3cret\n');
    fs.writeFileSync(join(dir, 'password'), 'f1le-p4ss\n');
    // A test double that refuses every request, echoing the Authorization header it got (as some gateways do).
    server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end(`denied: ${req.headers.authorization ?? ''}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a token file: sent as the bearer token (trailing newline dropped), never shown', async () => {
    const auth = authFromEnv({ MORA_PROMETHEUS_TOKEN_FILE: join(dir, 'token') });
    assert.deepEqual(auth, { bearerToken: 'f1le-t0ken-s3cret' });
    const err = await new PrometheusClient({ url, auth }).query('up').then(() => undefined, (e: Error) => e);
    assert.equal(seen.at(-1), 'Bearer f1le-t0ken-s3cret');
    assert.ok(err);
    assert.doesNotMatch(err.message, /f1le-t0ken/);
  });

  it('a password file with MORA_PROMETHEUS_USERNAME: basic auth', () => {
    assert.deepEqual(authFromEnv({ MORA_PROMETHEUS_USERNAME: 'mora', MORA_PROMETHEUS_PASSWORD_FILE: join(dir, 'password') }), { username: 'mora', password: 'f1le-p4ss' });
  });

  it('a file that cannot be read: said naming the variable and the file', () => {
    const missing = join(dir, 'nope');
    assert.throws(() => authFromEnv({ MORA_PROMETHEUS_TOKEN_FILE: missing }), { message: `MORA_PROMETHEUS_TOKEN_FILE=${missing}: no such file — set it to a file holding the Prometheus bearer token, or unset it` });
  });
});
