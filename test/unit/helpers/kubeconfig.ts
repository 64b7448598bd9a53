import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the one context of a test kubeconfig points at. */
export interface KubeconfigContext {
  context: string;
  /** The API server URL; TLS is not verified (the fakes are plain HTTP or never finish the handshake). */
  server: string;
  /** The bearer token: tests pick one that must not show up in any message. */
  token: string;
}

/** Writes `<dir>/config`: a kubeconfig with one cluster, one token user and one context, current; returns its path. */
export function writeKubeconfig(dir: string, { context, server, token }: KubeconfigContext): string {
  const file = path.join(dir, 'config');
  fs.writeFileSync(file, [
    'apiVersion: v1', 'kind: Config', `current-context: ${context}`,
    `clusters: [{ name: c, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]`,
    `users: [{ name: u, user: { token: ${token} } }]`,
    `contexts: [{ name: ${context}, context: { cluster: c, user: u } }]`, '',
  ].join('\n'));
  return file;
}
