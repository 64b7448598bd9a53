/** Offsets ↔ lines, line endings and document boundaries of a YAML text, computed once per scan. */
import type { TextSpan } from './types';

export class LineIndex {
  /** Offset of the first character of each line. */
  readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.starts = starts;
  }

  /** 0-based line of an offset (binary search). */
  lineOf(offset: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  span(offset: number, end: number): TextSpan {
    const line = this.lineOf(offset);
    const endLine = end === offset ? line : this.lineOf(end);
    return {
      offset,
      length: end - offset,
      line,
      character: offset - this.starts[line],
      endLine,
      endCharacter: end - this.starts[endLine],
    };
  }
}

export function detectEol(text: string): '\n' | '\r\n' {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

/** Offset just past the content of the line holding `offset`: before its `\r\n` or `\n`, or the text's end. */
export function lineContentEnd(text: string, offset: number): number {
  let nl = text.indexOf('\n', offset);
  if (nl === -1) nl = text.length;
  return nl > 0 && text[nl - 1] === '\r' ? nl - 1 : nl;
}

/** Offset of the first character of the line holding `offset`. */
export function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

export interface DocumentSlice {
  start: number;
  end: number;
}

/**
 * Splits a multi-document YAML text at its `---` lines (a `...` line ends a document too).
 * A marker only counts at column 0, as in the YAML spec, so `---` inside indented block scalars is content.
 * Each slice starts at its `---` line, so a parser sees the marker and anything written after it.
 */
export function splitDocuments(text: string): DocumentSlice[] {
  const slices: DocumentSlice[] = [];
  let start = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = n;
    if (text.charCodeAt(pos) === 45 /* - */ && text.startsWith('---', pos) && isMarkerEnd(text, pos + 3, nl)) {
      // Directives (`%YAML 1.2`, `%TAG`) belong to the document their `---` opens: parsed alone they are an error.
      if (pos > start && !isDirectivePrelude(text, start, pos)) {
        slices.push({ start, end: pos });
        start = pos;
      }
    } else if (text.charCodeAt(pos) === 46 /* . */ && text.startsWith('...', pos) && isMarkerEnd(text, pos + 3, nl)) {
      slices.push({ start, end: Math.min(nl + 1, n) });
      start = Math.min(nl + 1, n);
    }
    pos = nl + 1;
  }
  if (start < n || slices.length === 0) slices.push({ start, end: n });
  return slices;
}

/** Lines [start, end) are only directives, comments and blank lines, with at least one directive. */
function isDirectivePrelude(text: string, start: number, end: number): boolean {
  let directive = false;
  for (const line of text.slice(start, end).split('\n')) {
    const t = line.trim();
    if (line.startsWith('%')) directive = true;
    else if (t !== '' && !t.startsWith('#')) return false;
  }
  return directive;
}

function isMarkerEnd(text: string, i: number, lineEnd: number): boolean {
  if (i >= lineEnd) return true;
  const c = text.charCodeAt(i);
  return c === 32 || c === 9 || c === 13;
}
