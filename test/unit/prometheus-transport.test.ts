// The Prometheus client over its real transport (axios, src/data/http.ts) against small loopback servers that
// misbehave the ways networks do: a proxy that drops the CONNECT tunnel, redirects, TLS mismatches. Each failure must
// end in one actionable line — never a silent exit, never a message that blames the query.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

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
      assert.match(r.stdout, /^timeout: Prometheus at https:\/\/prom\.example\.internal:9090 did not answer the build info within 2 s/);
    } finally {
      await proxy.stop();
    }
  });
});
