/**
 * Loads @kubernetes/client-node on first use. It is heavy (hundreds of generated modules, seconds to load), so
 * nothing the extension loads at activation may import it; only `import type` from it is allowed elsewhere.
 */
import { markHeavyLoaded } from '../../core/heavy';

export type ClientNode = typeof import('@kubernetes/client-node');

let mod: ClientNode | undefined;

export function loadClientNode(): ClientNode {
  if (!mod) {
    // require(), not import(): the tsx CJS hook used by bin/mora.js does not handle import() (docs/ARCHITECTURE.md);
    // Node ≥ 20.19 can require() this ESM package.
    mod = require('@kubernetes/client-node') as ClientNode;
    markHeavyLoaded('@kubernetes/client-node');
  }
  return mod;
}
