import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeKubeconfig } from './kubeconfig';
import type { LoopbackHttpServer } from './loopback-http-server';

/** Where a suite's fake API server is reached from: a temp dir (also the client's home) and the kubeconfig in it. */
export interface FakeApiKubeconfig {
  readonly dir: string;
  readonly kubeconfig: string;
}

/**
 * Registers mocha hooks for the enclosing describe: before its tests, start `api` and write a kubeconfig whose one
 * context points at it into a fresh temp dir; after them, stop the server and remove the dir. Register it before any
 * hook that loads a client from the kubeconfig (hooks run in order); read the fields inside hooks and tests.
 */
export function fakeApiKubeconfigPerSuite(
  api: LoopbackHttpServer, user: { context: string; token: string }, dirPrefix: string,
): FakeApiKubeconfig {
  let ready: FakeApiKubeconfig | undefined;
  before(async () => {
    const server = await api.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), dirPrefix));
    ready = { dir, kubeconfig: writeKubeconfig(dir, { ...user, server }) };
  });
  after(async () => {
    await api.stop();
    if (ready) fs.rmSync(ready.dir, { recursive: true, force: true });
  });
  const get = (): FakeApiKubeconfig => {
    if (!ready) throw new Error('the fake API server starts in a before hook: read its kubeconfig inside hooks and tests');
    return ready;
  };
  return { get dir() { return get().dir; }, get kubeconfig() { return get().kubeconfig; } };
}
