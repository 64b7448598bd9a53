// A proxy's login page (oauth2-proxy, an SSO gateway) answered 200 with HTML where Prometheus' JSON was expected: the
// error says it is an HTML page, gives its title and what to do — not the page's first 120 characters of markup.
// A loopback node http server stands in for the proxy (a test double).
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient } from '../../src/data/prometheus/client';

const LOGIN_PAGE = `<!DOCTYPE html>
<html lang="en" charset="utf-8">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0, user-scalable=no">
  <title>Sign In</title>
  <style>body { font-family: sans-serif; }</style>
</head>
<body><form method="GET" action="/oauth2/start"><button type="submit">Sign in with GitHub</button></form></body>
</html>`;

describe('Prometheus client: an HTML page (a proxy login page) instead of JSON', () => {
  let server: http.Server;
  let url = '';
  before(async () => {
    server = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(LOGIN_PAGE));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('names the page and the fix', async () => {
    const err = await new PrometheusClient({ url }).query('up').then(() => undefined, (e: Error) => e);
    assert.ok(err, 'expected an error');
    assert.match(err.message, /answered an HTML page \("Sign In"\), not Prometheus' JSON/);
    assert.match(err.message, /login page of a proxy in front of Prometheus/);
    assert.match(err.message, /MORA_PROMETHEUS_TOKEN/);
    assert.doesNotMatch(err.message, /<!DOCTYPE|<meta/);
  });
});

describe('Prometheus client: an error status with an HTML body (nginx 502, a gateway page)', () => {
  let server: http.Server;
  let url = '';
  before(async () => {
    // What nginx sends when its upstream (Prometheus) is down, padded as nginx pads it.
    const page = `<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n${'<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n'.repeat(6)}`;
    server = http.createServer((_req, res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('gives the page\'s title, not its markup', async () => {
    const err = await new PrometheusClient({ url }).query('up').then(() => undefined, (e: Error) => e);
    assert.ok(err, 'expected an error');
    assert.match(err.message, /answered 502 Bad Gateway for query up: an HTML page \("502 Bad Gateway"\)/);
    assert.doesNotMatch(err.message, /<html|<center|padding/);
  });
});
