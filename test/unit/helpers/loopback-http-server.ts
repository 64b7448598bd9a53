import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The plumbing of a fake HTTP API server on a free loopback port: each request is answered once its body is read.
 * Subclasses say only how to answer (including not at all: `stop` drops held connections, so a fake may hang).
 */
export abstract class LoopbackHttpServer {
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => this.answer(req, res, body));
  });

  protected abstract answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void;

  /** Listens; returns the base URL, http://127.0.0.1:<port>. */
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
