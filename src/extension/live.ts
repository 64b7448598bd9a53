import * as path from 'node:path';

/**
 * The live-cluster modules (client-node, Prometheus client, autocannon), from `dist/live.js` beside the extension bundle.
 * The path is computed so esbuild leaves this require alone: bundling them into extension.js would make activation parse ~4 MB.
 */
export function loadLive(): typeof import('../data/live-bundle') {
  const file = path.join(__dirname, 'live.js');
  return require(file) as typeof import('../data/live-bundle');
}
