/**
 * The one unified diff of MOrA (as `diff -u` prints it): jsdiff's createTwoFilesPatch, only the `---`/`+++` headers
 * (no Index line), `context` lines around each change; '' when the texts are equal. Editor-free: the live-cluster
 * preview (data/kube/apply-plan.ts) and the manifests' `--diff` / `--dry-run` (cli/format/diff.ts) both use it.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

export function unifiedDiff(a: string, b: string, labels: { from: string; to: string }, context = 3): string {
  if (a === b) return '';
  return createTwoFilesPatch(labels.from, labels.to, a, b, undefined, undefined, { context, headerOptions: FILE_HEADERS_ONLY });
}
