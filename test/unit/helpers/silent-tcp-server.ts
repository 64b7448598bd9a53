import * as net from 'node:net';

/** A loopback TCP server that takes connections and never says a word. */
export interface SilentTcpServer {
  readonly port: number;
  /** Drops the connections it holds, then stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a silent TCP server: it accepts the connection but never answers the TLS handshake, which is what a
 * black-holed Kubernetes API server costs a client (only a connect timeout ends the wait).
 */
export async function startSilentTcpServer(): Promise<SilentTcpServer> {
  const held = new Set<net.Socket>();
  const server = net.createServer((s) => { held.add(s); s.on('error', () => undefined); s.on('close', () => held.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Registers mocha hooks that start a silent TCP server before the enclosing describe's tests and close it after them;
 * read `.port` inside the tests (it is not known before the hook has run).
 */
export function silentTcpServerPerSuite(): { readonly port: number } {
  let server: SilentTcpServer | undefined;
  before(async () => { server = await startSilentTcpServer(); });
  after(async () => { await server?.close(); });
  return {
    get port(): number {
      if (!server) throw new Error('the silent TCP server is started in a before hook: read its port inside a test');
      return server.port;
    },
  };
}
