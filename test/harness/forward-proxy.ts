// A tiny real forward proxy on loopback (node:http): plain-HTTP requests in absolute form are forwarded to their origin,
// CONNECT opens a TCP tunnel (what clients do for https:// targets). It records every request it handles, so a test
// can show that a client really went through it — or, with NO_PROXY matching, that it did not.
import * as http from 'node:http';
import * as net from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** The absolute URL (forwarded requests) or host:port (CONNECT). */
  target: string;
  status?: number;
  bytes: number;
}

export interface ForwardProxy {
  url: string;
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** Added before each forwarded request (a slower network: a VPN, another region). Default 0. */
  delayMs?: number;
}

export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    if (options.delayMs) {
      req.pause();
      setTimeout(() => { req.resume(); forward(req, res); }, options.delayMs);
    } else forward(req, res);
  });
  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const entry: ProxiedRequest = { method: req.method ?? 'GET', target: req.url ?? '', bytes: 0 };
    requests.push(entry);
    let target: URL;
    try {
      target = new URL(req.url ?? '');
      if (target.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('this proxy forwards absolute http:// URLs only\n');
      entry.status = 400;
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = http.request({ host: target.hostname, port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers }, (up) => {
      entry.status = up.statusCode;
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (d: Buffer) => (entry.bytes += d.length));
      up.pipe(res);
    });
    upstream.on('error', (e) => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy: ${e.message}\n`);
    });
    req.pipe(upstream);
  };
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const entry: ProxiedRequest = { method: 'CONNECT', target: req.url ?? '', bytes: 0 };
    requests.push(entry);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      entry.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.on('data', (d: Buffer) => (entry.bytes += d.length));
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const close = () => { upstream.destroy(); client.destroy(); };
    upstream.on('error', () => {
      // Only a failed connect is a 502; a reset after the tunnel was up (the client closing its keep-alive socket on a
      // busy machine) ends a tunnel that already answered, so its 200 stands and no proxy status goes into the TLS stream.
      if (entry.status === undefined) {
        entry.status = 502;
        if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      }
      close();
    });
    client.on('error', close);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
