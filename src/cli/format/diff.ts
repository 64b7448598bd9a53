/**
 * `mora manifests apply --diff`: what an apply would change, as a unified diff (core/unified-diff.ts: jsdiff, three
 * lines of context), named as `git diff` names files (`--- a/<file>`, `+++ b/<file>`), so `git apply` or `patch -p1`
 * can take it from the folder the paths were given in. A leading `./` or `/` is not repeated after `a/`.
 */
import { unifiedDiff as diffTexts } from '../../core/unified-diff';

export function unifiedDiff(file: string, before: string, after: string): string {
  const name = file.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  return diffTexts(before, after, { from: `a/${name}`, to: `b/${name}` });
}
