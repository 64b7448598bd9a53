// A loopback reverse proxy in front of a real Prometheus that records what each request carried: its headers and its
// PromQL (from the URL or the form body), so a test can show that a header or a label matcher reached the server —
// Prometheus itself logs neither. `answer` may reply instead of Prometheus (e.g. a gateway's 401 that echoes a header).
import * as http from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The `query` parameter (instant and range queries), from the URL or the form body. */
  query?: string;
}

export interface PrometheusRecorder {
  url: string;
  requests: RecordedRequest[];
  /** Reply instead of forwarding when this returns an answer. */
  answer?: (r: RecordedRequest) => { status: number; body: string } | undefined;
  stop(): Promise<void>;
}

export async function startPrometheusRecorder(upstream: string): Promise<PrometheusRecorder> {
  const target = new URL(upstream);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://recorder');
      const form = String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : undefined;
      const entry: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, query: form?.get('query') ?? url.searchParams.get('query') ?? undefined };
      recorder.requests.push(entry);
      const own = recorder.answer?.(entry);
      if (own) {
        res.writeHead(own.status, { 'content-type': 'text/plain' }).end(own.body);
        return;
      }
      const headers = { ...req.headers, host: target.host };
      const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', (e) => res.writeHead(502).end(String(e)));
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const recorder: PrometheusRecorder = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  return recorder;
}
