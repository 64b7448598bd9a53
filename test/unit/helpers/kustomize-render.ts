import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

let cached: string[] | null | undefined;

/**
 * The command that renders a kustomization: the kustomize binary scripts/install-kustomize.sh caches (when it has been
 * built), else `kubectl kustomize` when kubectl is on PATH; null when neither is here.
 */
function renderer(): string[] | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const bin = execFileSync('bash', [path.join(__dirname, '..', '..', '..', 'scripts', 'install-kustomize.sh'), '--print-bin'], { encoding: 'utf8' }).trim();
    if (bin && existsSync(bin)) cached = [bin, 'build'];
  } catch { /* not built: try kubectl */ }
  if (!cached) {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      cached = ['kubectl', 'kustomize'];
    } catch { /* neither */ }
  }
  return cached;
}

/**
 * What kustomize renders for `dir`, so a test can show its fixture means what it says (the overlay's values win); undefined,
 * with a line saying so, when no kustomize is available here.
 */
export function renderKustomize(dir: string): string | undefined {
  const r = renderer();
  if (!r) {
    console.log('      (no kustomize or kubectl here: the rendering of the fixture is not checked)');
    return undefined;
  }
  return execFileSync(r[0], [...r.slice(1), dir], { encoding: 'utf8' });
}
