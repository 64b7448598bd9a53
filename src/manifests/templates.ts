/**
 * Is a document holding `{{` a Helm/Go template source, or rendered YAML that merely carries `{{ }}` in its strings
 * (a `--log.format={{.Time}}` flag, an alerting template in an annotation, a dashboard in a ConfigMap)?
 * A source is never read or edited: its values are not the ones Kubernetes will get. Rendered YAML is read like
 * any other document, so its containers are neither missed by scan nor refused by apply.
 */
import { lineStartOf } from './text';
import type { YNode } from './tree';

/** Offsets of the `{{` in text[start, end) that are not inside a comment. */
export function templateMarks(text: string, start: number, end: number): number[] {
  const marks: number[] = [];
  for (let i = text.indexOf('{{', start); i !== -1 && i < end; i = text.indexOf('{{', i + 2)) {
    const ls = lineStartOf(text, i);
    let j = ls;
    while (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9) j++;
    if (text.charCodeAt(j) === 35 /* # */) continue;
    // `{{` after a comment mark on the same line is still a comment
    const hash = text.indexOf(' #', ls);
    if (hash === -1 || hash > i) marks.push(i);
  }
  return marks;
}

/**
 * True unless the document parsed as YAML (`root`) and every `{{` sits inside a string value that MOrA neither reads
 * nor writes. A `{{` that is YAML structure (`replicas: {{ .Values.n }}` reads as a flow mapping), in a key, or in
 * apiVersion, kind, metadata.name/namespace, a container's name, `replicas` or anything under `resources` means the
 * values in the file are not the deployed ones: a source, refused rather than guessed at.
 */
export function isTemplateSource(marks: readonly number[], root: YNode | null): boolean {
  return sourceMarks(marks, root).length > 0;
}

/**
 * The marks that make the document a template source (isTemplateSource), in text order: those in a value MOrA reads
 * and those that are not inside a string value at all; a `{{` in a string MOrA leaves alone (a quoted label) is not one.
 * Every mark when the document did not parse (`root` null). What a note names: the line to render or fix.
 */
export function sourceMarks(marks: readonly number[], root: YNode | null): number[] {
  if (marks.length === 0) return [];
  const left = new Set(marks);
  const sensitive: number[] = [];
  const walk = (node: YNode | null | undefined, path: readonly (string | number)[]): void => {
    if (!node || left.size === 0) return;
    if (node.t === 'scalar') {
      for (const m of [...left]) {
        if (m < node.start || m >= node.end) continue;
        left.delete(m);
        if (readByMora(path)) sensitive.push(m);
      }
    } else if (node.t === 'map') {
      for (const e of node.entries) walk(e.value, [...path, e.key]);
    } else if (node.t === 'seq') {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(root, []);
  return [...sensitive, ...left].sort((a, b) => a - b);
}

/**
 * The mark that broke parsing, for a document that did not parse: the last `{{` on or before the line the parser
 * stopped at (`errorOffset`). Not simply the first `{{`: that is often a quoted label or annotation the parser read
 * past; a note naming it sends the user to the wrong line. Undefined when the parser stopped before any `{{` (the YAML
 * is broken before the template: the note names the parser's line instead).
 */
export function breakingMark(text: string, marks: readonly number[], errorOffset: number): number | undefined {
  const nl = text.indexOf('\n', errorOffset);
  const lineEnd = nl === -1 ? text.length : nl;
  let found: number | undefined;
  for (const m of marks) if (m < lineEnd) found = m;
  return found;
}

function readByMora(fullPath: readonly (string | number)[]): boolean {
  // An item of a `kind: List` reads like a document of its own.
  const path = fullPath[0] === 'items' && typeof fullPath[1] === 'number' ? fullPath.slice(2) : fullPath;
  if (path.length === 1 && (path[0] === 'apiVersion' || path[0] === 'kind')) return true;
  if (path.length === 2 && path[0] === 'metadata' && (path[1] === 'name' || path[1] === 'namespace')) return true;
  if (path.includes('resources') || path.includes('replicas')) return true;
  const n = path.length;
  return n >= 3 && path[n - 1] === 'name' && typeof path[n - 2] === 'number'
    && (path[n - 3] === 'containers' || path[n - 3] === 'initContainers');
}
