// The Prometheus client over its real transport (axios, src/data/http.ts) against small loopback servers that
// misbehave the ways networks do: a proxy that drops the CONNECT tunnel, redirects, TLS mismatches. Each failure must
// end in one actionable line — never a silent exit, never a message that blames the query.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { PrometheusError } from '../../src/data/prometheus/errors';
import { withEnv } from '../harness/env';

const ROOT = join(__dirname, '..', '..');

interface Server { url: string; port: number; server: http.Server; stop(): Promise<void> }

async function listen(server: http.Server): Promise<Server> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Runs a script in its own Node process (TypeScript sources through tsx), so an event loop that drains shows as an exit. */
function runNode(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Prometheus client transport failures', () => {
  it('a request through an HTTPS proxy that drops the CONNECT ends in the timeout error, not a silent exit', async () => {
    // The proxy destroys the tunnel socket without a word: axios' request then never settles and holds nothing open.
    const proxy = await listen(http.createServer((_q, r) => r.writeHead(502).end()));
    proxy.server.on('connect', (_req, sock) => sock.destroy());
    try {
      const script = `
        const { PrometheusClient } = require('./src/data/prometheus/client');
        new PrometheusClient({ url: 'https://prom.example.internal:9090', timeoutMs: 1500 }).buildInfo()
          .then((b) => { console.log('answered', b.version); process.exitCode = 0; },
                (e) => { console.log(e.kind + ': ' + e.message); process.exitCode = 3; });`;
      const r = await runNode(script, { HTTPS_PROXY: proxy.url, https_proxy: proxy.url, NO_PROXY: '', no_proxy: '' });
      assert.equal(r.code, 3, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stdout, /^timeout: Prometheus at https:\/\/prom\.example\.internal:9090 did not answer the build info within 1\.5 s \(MOrA's own request timeout, --prometheus-timeout \(CLI\) or the mora\.prometheus\.timeoutSeconds setting \(VS Code\)\)/);
    } finally {
      await proxy.stop();
    }
  });

  it('a query string in the URL goes on every request (the API path joins the URL path); a fragment is dropped; a token in it never shows in errors', async () => {
    const seen: Array<{ method: string; url: string; body: string }> = [];
    const server = await listen(http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => { body += d; });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        const u = new URL(req.url ?? '', 'http://x');
        res.setHeader('Content-Type', 'application/json');
        if (u.searchParams.get('token') !== 's3cr3t-tok') {
          res.writeHead(401).end(JSON.stringify({ status: 'error', errorType: 'unauthorized', error: `token ${u.searchParams.get('token')} not valid for ${req.url}` }));
        } else if (u.pathname === '/prom/api/v1/status/buildinfo') {
          res.end(JSON.stringify({ status: 'success', data: { version: '2.55.0' } }));
        } else if (u.pathname === '/prom/api/v1/query') {
          res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { x: u.searchParams.get('extra_label') ?? '' }, value: [1, '2'] }] } }));
        } else res.writeHead(404).end('404 page not found');
      });
    }));
    try {
      const client = new PrometheusClient({ url: `${server.url}/prom/?token=s3cr3t-tok&extra_label=cluster%3Da#frag`, timeoutMs: 5000 });
      assert.equal(client.displayUrl, `${server.url}/prom`);
      assert.equal((await client.buildInfo()).version, '2.55.0');
      const [sample] = await client.query('up');
      assert.equal(sample.labels.x, 'cluster=a');
      assert.deepEqual(seen.map((r) => r.url), [
        '/prom/api/v1/status/buildinfo?token=s3cr3t-tok&extra_label=cluster%3Da',
        '/prom/api/v1/query?token=s3cr3t-tok&extra_label=cluster%3Da',
      ]);
      assert.equal(new URLSearchParams(seen[1].body).get('query'), 'up', 'the PromQL stays in the POST body');

      const wrong = new PrometheusClient({ url: `${server.url}/prom?access_token=wr0ng-tok&dedup=true`, timeoutMs: 5000 });
      const err = await wrong.buildInfo().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof PrometheusError);
      assert.match(err.message, /answered 401/);
      assert.doesNotMatch(err.message, /wr0ng-tok/);
      assert.match(err.message, /dedup=true/, 'parameters that are not credentials stay readable');
    } finally {
      await server.stop();
    }
  });

  it('a redirect is not followed (a POSTed query would become a GET without its body): the error names the URL to use', async () => {
    const hits: string[] = [];
    const server = await listen(http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      const status = req.url?.startsWith('/temp') ? 307 : 302;
      // Behind a gateway that moved Prometheus under /prom (the token in the Location must not show).
      res.writeHead(status, { Location: `http://prom.example:9090/prom${(req.url ?? '').replace(/^\/temp/, '')}?token=l0cation-tok` }).end();
    }));
    try {
      for (const base of [server.url, `${server.url}/temp`]) {
        const client = new PrometheusClient({ url: base, timeoutMs: 5000 });
        const err = await client.query('up').then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof PrometheusError, String(err));
        assert.equal(err.message.split('\n').length, 1);
        assert.match(err.message, new RegExp(`^Prometheus at ${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} redirected to http://prom\\.example:9090/prom \\(30[27] [A-Za-z ]+\\): use that URL with --prometheus`));
        assert.doesNotMatch(err.message, /no expression found|l0cation-tok/);
      }
      assert.deepEqual(hits, ['POST /api/v1/query', 'POST /temp/api/v1/query'], 'asked once each, never re-sent elsewhere');
    } finally {
      await server.stop();
    }
  });

  describe('TLS failures, one line each by error code', () => {
    let dir = '';
    let leaf: { cert: string; key: string };

    before(function () {
      this.timeout(60_000);
      // A private CA and a server certificate it signed (EC keys: fast to make); the server sends the leaf alone.
      dir = fs.mkdtempSync(join(os.tmpdir(), 'mora-prom-tls-'));
      const f = (n: string) => join(dir, n);
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      execFileSync('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=mora test CA'], { stdio: 'ignore' });
      execFileSync('openssl', ['req', ...ec, '-keyout', f('srv.key'), '-out', f('srv.csr'), '-subj', '/CN=prometheus'], { stdio: 'ignore' });
      fs.writeFileSync(f('ext'), 'subjectAltName=IP:127.0.0.1\n');
      execFileSync('openssl', ['x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('srv.pem'), '-days', '1', '-extfile', f('ext')], { stdio: 'ignore' });
      leaf = { cert: fs.readFileSync(f('srv.pem'), 'utf8'), key: fs.readFileSync(f('srv.key'), 'utf8') };
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    async function failure(url: string): Promise<PrometheusError> {
      const err = await new PrometheusClient({ url, timeoutMs: 5000 }).buildInfo().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof PrometheusError, String(err));
      assert.equal(err.kind, 'unreachable');
      assert.equal(err.message.split('\n').length, 1, err.message);
      return err;
    }

    it('a certificate from a CA Node does not know: the CA hint (NODE_EXTRA_CA_CERTS)', async () => {
      const server = https.createServer(leaf, (_q, r) => r.end('{}'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const err = await failure(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
        assert.match(err.message, /failed: its certificate is signed by a CA Node does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\) — trust its CA with MORA_PROMETHEUS_CA_FILE=<ca\.pem> \(or NODE_EXTRA_CA_CERTS=<ca\.pem>\)/);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });

    it('MORA_PROMETHEUS_CA_FILE=<ca.pem> trusts a private CA; a file that is missing or not PEM is said in words', async () => {
      const server = https.createServer(leaf, (_q, r) => r.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { version: '2.42.0' } })));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const info = await withEnv({ MORA_PROMETHEUS_CA_FILE: join(dir, 'ca.pem') }, () => new PrometheusClient({ url, timeoutMs: 5000 }).buildInfo());
        assert.equal(info.version, '2.42.0');
        // Plain http:// ignores it (the variable may be set for another Prometheus).
        const missing = join(dir, 'nope.pem');
        const e1 = await withEnv({ MORA_PROMETHEUS_CA_FILE: missing }, () => { new PrometheusClient({ url }); }).then(() => undefined, (e: unknown) => e);
        assert.ok(e1 instanceof PrometheusError, String(e1));
        assert.equal(e1.message, `MORA_PROMETHEUS_CA_FILE=${missing}: no such file — set it to the PEM file of the CA that signed Prometheus' certificate`);
        const e2 = await withEnv({ MORA_PROMETHEUS_CA_FILE: join(dir, 'ext') }, () => { new PrometheusClient({ url }); }).then(() => undefined, (e: unknown) => e);
        assert.match((e2 as Error).message, /MORA_PROMETHEUS_CA_FILE=.*ext: not a PEM certificate \(no -----BEGIN CERTIFICATE-----\)/);
        await withEnv({ MORA_PROMETHEUS_CA_FILE: missing }, () => { new PrometheusClient({ url: 'http://127.0.0.1:9' }); });
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });

    it('https:// to a plain-HTTP port: "the server does not speak TLS on this port", not an OpenSSL dump', async () => {
      const server = await listen(http.createServer((_q, r) => r.end('{}')));
      try {
        const err = await failure(`https://127.0.0.1:${server.port}`);
        assert.match(err.message, /failed: the server does not speak TLS on this port — is the URL http:\/\/\?$/);
        assert.doesNotMatch(err.message, /openssl|ssl3_get_record/i);
      } finally {
        await server.stop();
      }
    });
  
    it('http:// to a TLS port (Go answers 400 "Client sent an HTTP request to an HTTPS server."): "is the URL https://?"', async () => {
      const server = await listen(http.createServer((_q, r) => r.writeHead(400, { 'Content-Type': 'text/plain' }).end('Client sent an HTTP request to an HTTPS server.\n')));
      try {
        const err = await new PrometheusClient({ url: server.url, timeoutMs: 5000 }).buildInfo().then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof PrometheusError);
        assert.match(err.message, /answered 400 Bad Request .* — the server speaks TLS on this port: is the URL https:\/\/\?$/);
      } finally {
        await server.stop();
      }
    });
  });
});
