/**
 * `mora manifests apply --diff`: what an apply would change, as a unified diff (jsdiff's createTwoFilesPatch, three
 * lines of context), named as `git diff` names files (`--- a/<file>`, `+++ b/<file>`), so `git apply` or `patch -p1`
 * can take it from the folder the paths were given in. A leading `./` or `/` is not repeated after `a/`.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

export function unifiedDiff(file: string, before: string, after: string): string {
  if (before === after) return '';
  const name = file.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}
