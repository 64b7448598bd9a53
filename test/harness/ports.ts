import * as net from 'node:net';

/**
 * A loopback port nothing listens on: bound on 127.0.0.1 with port 0, then closed, so the kernel picked one no one
 * held. For a server the test starts next: another process can take the port in between, so the harness's servers
 * (startPrometheus, startPushgateway, kine and kube-apiserver in control-plane.ts) retry when it is in use.
 */
export async function freeLoopbackPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** The same port, named for the other use: an address to connect to that refuses the connection (nothing listens). */
export const closedPort = freeLoopbackPort;
