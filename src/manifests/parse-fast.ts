/**
 * The fast scanner: a line-by-line reader of the block-style YAML that Kubernetes manifests are written in
 * (indentation, `key: value`, `- item`, quoted scalars, one-line flow collections, block scalars, comments).
 * It never guesses: on anything outside that subset (anchors, tags, multi-line scalars or flow collections,
 * complex keys, tabs, odd indentation, duplicate keys…) it returns null and the caller hands the document to
 * the `yaml` library, which also decides whether the document is malformed. This keeps CodeLenses for a
 * 5,000-line file within a few milliseconds (the `yaml` parser alone takes tens of them).
 */
import type { YEntry, YMap, YNode, YScalar, YSeq } from './tree';

interface Frame {
  node: YMap | YSeq;
  indent: number;
  /** Keys seen, to reject duplicates like the `yaml` library does. */
  keys?: Set<string>;
}

/** A key or item whose value is still empty: the next, deeper line may open a collection for it. */
interface Pending {
  owner: YMap | YSeq | null;
  entry: YEntry | null;
  index: number;
  indent: number;
}

const SPACE = 32;
const TAB = 9;
const HASH = 35;
const DASH = 45;
const CR = 13;

/** Parses text[start, end) or returns null when it is not in the subset this scanner is sure about. */
export function parseFast(text: string, start: number, end: number): { root: YNode | null } | null {
  let root: YNode | null = null;
  const stack: Frame[] = [];
  let pending: Pending | null = { owner: null, entry: null, index: 0, indent: -1 };
  let first = true;
  let pos = text.charCodeAt(start) === 0xfeff ? start + 1 : start; // a byte order mark (Windows editors) is no content

  while (pos < end) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1 || nl > end) nl = end;
    let lineEnd = nl;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    const lineStart = pos;
    pos = nl + 1;

    let i = lineStart;
    while (i < lineEnd && text.charCodeAt(i) === SPACE) i++;
    if (i === lineEnd) continue; // blank
    const c = text.charCodeAt(i);
    if (c === TAB) return null;
    if (c === HASH) continue;
    const indent = i - lineStart;

    if (indent === 0 && (c === DASH || c === 46 /* . */) && (text.startsWith('---', i) || text.startsWith('...', i))) {
      const after = i + 3;
      if (after === lineEnd || text.charCodeAt(after) === SPACE || text.charCodeAt(after) === TAB) {
        // A document marker: only fine as the first line of the slice, with nothing but a comment after it.
        if (!first || c !== DASH || !restIsEmpty(text, after, lineEnd)) return null;
        first = false;
        continue;
      }
    }
    first = false;
    if (c === 37 /* % */) return null;

    const isDash = c === DASH && (i + 1 === lineEnd || text.charCodeAt(i + 1) === SPACE);

    // 1) A deeper line (or a `- ` at a key's own indentation) opens a collection for the pending value.
    let frame: Frame | undefined;
    if (pending && (indent > pending.indent || (isDash && pending.entry && indent === pending.indent))) {
      if (!isDash && pending.owner !== null && !readKey(text, i, lineEnd)) {
        // the value on the next line, as Helm renders `resources:` then `{}`
        const v = readValue(text, i, lineEnd, pending.indent, pos, end);
        if (v === null) return null;
        if (pending.entry) pending.entry.value = v.node;
        else (pending.owner as YSeq).items[pending.index] = v.node;
        pending = null;
        pos = v.pos;
        continue;
      }
      const node: YMap | YSeq = isDash
        ? { t: 'seq', flow: false, start: i, end: i, items: [] }
        : { t: 'map', flow: false, start: i, end: i, entries: [] };
      if (pending.owner === null) {
        if (root !== null) return null;
        root = node;
      } else if (pending.entry) pending.entry.value = node;
      else (pending.owner as YSeq).items[pending.index] = node;
      frame = { node, indent, keys: isDash ? undefined : new Set() };
      stack.push(frame);
      pending = null;
    } else {
      pending = null;
      while (stack.length > 0 && stack[stack.length - 1].indent > indent) stack.pop();
      frame = stack[stack.length - 1];
      if (!frame || frame.indent !== indent) return null;
      if (!isDash && frame.node.t === 'seq') {
        // end of a sequence written at its parent key's indentation
        stack.pop();
        frame = stack[stack.length - 1];
        if (!frame || frame.indent !== indent || frame.node.t !== 'map') return null;
      }
    }

    if (frame.node.t === 'seq') {
      if (!isDash) return null;
      const seq: YSeq = frame.node;
      let j = i + 1;
      while (j < lineEnd && text.charCodeAt(j) === SPACE) j++;
      if (j < lineEnd && text.charCodeAt(j) === TAB) return null;
      const index = seq.items.length;
      if (j === lineEnd || text.charCodeAt(j) === HASH) {
        seq.items.push(null);
        pending = { owner: seq, entry: null, index, indent };
        continue;
      }
      if (text.charCodeAt(j) === DASH && (j + 1 === lineEnd || text.charCodeAt(j + 1) === SPACE)) return null; // `- - x`
      const key = readKey(text, j, lineEnd);
      if (key) {
        // `- name: x`: a mapping whose keys sit at the column of `name`
        const map: YMap = { t: 'map', flow: false, start: j, end: j, entries: [] };
        seq.items.push(map);
        const inner: Frame = { node: map, indent: j - lineStart, keys: new Set() };
        stack.push(inner);
        const r = addEntry(text, inner, key, lineEnd, pos, end);
        if (r === null) return null;
        pending = r.pending;
        pos = r.pos;
        continue;
      }
      const v = readValue(text, j, lineEnd, indent, pos, end);
      if (v === null) return null;
      seq.items.push(v.node);
      pos = v.pos;
      continue;
    }

    // a mapping line
    if (isDash) return null;
    const key = readKey(text, i, lineEnd);
    if (!key) return null;
    const r = addEntry(text, frame, key, lineEnd, pos, end);
    if (r === null) return null;
    pending = r.pending;
    pos = r.pos;
  }
  return { root };
}

interface Key {
  key: string;
  keyStart: number;
  keyEnd: number;
  /** Offset just past the `:`. */
  after: number;
}

function addEntry(text: string, frame: Frame, key: Key, lineEnd: number, pos: number, end: number):
  { pending: Pending | null; pos: number } | null {
  const map = frame.node as YMap;
  if (frame.keys!.has(key.key)) return null;
  frame.keys!.add(key.key);
  const entry: YEntry = { key: key.key, keyStart: key.keyStart, keyEnd: key.keyEnd, value: null };
  map.entries.push(entry);
  let j = key.after;
  while (j < lineEnd && text.charCodeAt(j) === SPACE) j++;
  if (j < lineEnd && text.charCodeAt(j) === TAB) return null;
  if (j === lineEnd || text.charCodeAt(j) === HASH) {
    return { pending: { owner: map, entry, index: 0, indent: frame.indent }, pos };
  }
  const v = readValue(text, j, lineEnd, frame.indent, pos, end);
  if (v === null) return null;
  // A quantity written as a block scalar (`cpu: >-` then `250m`): this scanner does not work out a block's value
  // (folding, chomping), the `yaml` library does, so such a document is left to it. Other block scalars (scripts,
  // config files) are not read and stay here.
  if (v.node.t === 'scalar' && v.node.style === 'block' && BLOCK_READ_KEYS.has(key.key)) return null;
  entry.value = v.node;
  return { pending: null, pos: v.pos };
}

/** Keys whose block scalar value the scan reads (a CPU or memory amount), so the `yaml` library must read them. */
const BLOCK_READ_KEYS = new Set(['cpu', 'memory']);

const KEY_FORBIDDEN_START = new Set('-?:,[]{}#&*!|>\'"%@`'.split('').map((ch) => ch.charCodeAt(0)));

/** Reads `key:` at i (plain or quoted key on one line), or returns null when the line is not a mapping entry. */
function readKey(text: string, i: number, lineEnd: number): Key | null {
  const c = text.charCodeAt(i);
  if (c === 34 /* " */ || c === 39 /* ' */) {
    const q = readQuoted(text, i, lineEnd);
    if (!q) return null;
    let j = q.end;
    while (j < lineEnd && text.charCodeAt(j) === SPACE) j++;
    if (text.charCodeAt(j) !== 58 /* : */) return null;
    if (j + 1 < lineEnd && text.charCodeAt(j + 1) !== SPACE) return null;
    return { key: q.value, keyStart: i, keyEnd: q.end, after: j + 1 };
  }
  if (KEY_FORBIDDEN_START.has(c)) return null;
  for (let j = i; j < lineEnd; j++) {
    const ch = text.charCodeAt(j);
    if (ch === 58 /* : */ && (j + 1 === lineEnd || text.charCodeAt(j + 1) === SPACE)) {
      let k = j;
      while (k > i && text.charCodeAt(k - 1) === SPACE) k--;
      return { key: text.slice(i, k), keyStart: i, keyEnd: k, after: j + 1 };
    }
    if (ch === HASH && text.charCodeAt(j - 1) === SPACE) return null;
    if (ch === TAB) return null;
  }
  return null;
}

function readQuoted(text: string, i: number, lineEnd: number): { value: string; end: number } | null {
  const q = text.charCodeAt(i);
  if (q === 39) {
    let out = '';
    let j = i + 1;
    for (;;) {
      const k = text.indexOf("'", j);
      if (k === -1 || k >= lineEnd) return null;
      out += text.slice(j, k);
      if (text.charCodeAt(k + 1) === 39) { out += "'"; j = k + 2; continue; }
      return { value: out, end: k + 1 };
    }
  }
  for (let j = i + 1; j < lineEnd; j++) {
    const ch = text.charCodeAt(j);
    if (ch === 92 /* \ */) return null; // escapes: leave them to the yaml library
    if (ch === 34) return { value: text.slice(i + 1, j), end: j + 1 };
  }
  return null;
}

/** Nothing but spaces and a comment from j to the line's end (a `#` right after a token is no comment). */
function restIsEmpty(text: string, j: number, lineEnd: number): boolean {
  const from = j;
  while (j < lineEnd && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j++;
  return j === lineEnd || (text.charCodeAt(j) === HASH && j > from);
}

const PLAIN_FORBIDDEN_START = new Set('&*!?%@`,]}'.split('').map((ch) => ch.charCodeAt(0)));

/**
 * Reads a value starting at j on the current line; `ownerIndent` is the indentation of its key or dash
 * (block scalar content must be deeper). Returns the node and where the next line starts.
 */
function readValue(text: string, j: number, lineEnd: number, ownerIndent: number, pos: number, end: number):
  { node: YNode; pos: number } | null {
  const c = text.charCodeAt(j);
  if (c === 34 || c === 39) {
    const q = readQuoted(text, j, lineEnd);
    if (!q || !restIsEmpty(text, q.end, lineEnd)) return null;
    const node: YScalar = { t: 'scalar', start: j, end: q.end, value: q.value, style: c === 34 ? 'double' : 'single' };
    return { node, pos };
  }
  if (c === 123 /* { */ || c === 91 /* [ */) {
    const flow = readFlow(text, j, lineEnd);
    if (!flow || !restIsEmpty(text, flow.end, lineEnd)) return null;
    return { node: flow.node, pos };
  }
  if (c === 124 /* | */ || c === 62 /* > */) {
    // header: [|>] with an optional chomping indicator, then only a comment
    let k = j + 1;
    const h = text.charCodeAt(k);
    if (h === 43 || h === DASH) k++;
    if (k < lineEnd && text.charCodeAt(k) !== SPACE) return null; // explicit indentation indicators etc.
    if (!restIsEmpty(text, k, lineEnd)) return null;
    // content: every following line that is blank or deeper than the owner
    let p = pos;
    let last = lineEnd;
    let contentIndent = -1; // set by the first non-blank line, as in YAML
    while (p < end) {
      let nl = text.indexOf('\n', p);
      if (nl === -1 || nl > end) nl = end;
      let q = p;
      while (q < nl && text.charCodeAt(q) === SPACE) q++;
      const blank = q === nl || (text.charCodeAt(q) === CR && q + 1 === nl);
      if (!blank) {
        if (q - p <= ownerIndent) break;
        if (contentIndent === -1) contentIndent = q - p;
        else if (q - p < contentIndent) return null; // less indented than the scalar's first line: an error
        last = nl > p && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      }
      p = nl + 1;
    }
    const node: YScalar = { t: 'scalar', start: j, end: last, value: null, style: 'block' };
    return { node, pos: Math.min(p, end) };
  }
  if (PLAIN_FORBIDDEN_START.has(c)) return null;
  if ((c === DASH || c === 58 /* : */ || c === 63 /* ? */) && (j + 1 === lineEnd || text.charCodeAt(j + 1) === SPACE)) return null;
  // plain scalar: up to ` #` or the line's end; `: ` inside would be a nested mapping (an error)
  let k = j;
  let stop = lineEnd;
  for (; k < lineEnd; k++) {
    const ch = text.charCodeAt(k);
    if (ch === HASH && (text.charCodeAt(k - 1) === SPACE || text.charCodeAt(k - 1) === TAB)) { stop = k; break; }
    if (ch === 58 && (k + 1 === lineEnd || text.charCodeAt(k + 1) === SPACE || text.charCodeAt(k + 1) === TAB)) return null;
    if (ch === TAB) return null;
  }
  while (stop > j && text.charCodeAt(stop - 1) === SPACE) stop--;
  const raw = text.slice(j, stop);
  const value = raw === '~' || raw === 'null' || raw === 'Null' || raw === 'NULL' ? null : raw;
  return { node: { t: 'scalar', start: j, end: stop, value, style: 'plain' }, pos };
}

/**
 * Reads a one-line flow collection (`{}`, `{cpu: "1", memory: 512Mi}`, `["--port", "80"]`, nested) at j.
 * Plain scalars holding `:` or `#`, multi-line flows and anything unusual return null (thorough parser).
 */
function readFlow(text: string, j: number, lineEnd: number): { node: YNode; end: number } | null {
  const open = text.charCodeAt(j);
  const isMap = open === 123;
  const close = isMap ? 125 : 93;
  const map: YMap = { t: 'map', flow: true, start: j, end: j, entries: [] };
  const seq: YSeq = { t: 'seq', flow: true, start: j, end: j, items: [] };
  const keys = new Set<string>();
  let k = skipSpaces(text, j + 1, lineEnd);
  for (;;) {
    if (k >= lineEnd) return null;
    if (text.charCodeAt(k) === close) {
      const node = isMap ? map : seq;
      node.end = k + 1;
      return { node, end: k + 1 };
    }
    if (isMap) {
      const key = readFlowScalar(text, k, lineEnd, true);
      if (!key || key.node.value === null || keys.has(key.node.value)) return null;
      keys.add(key.node.value);
      k = skipSpaces(text, key.end, lineEnd);
      if (text.charCodeAt(k) !== 58 /* : */) return null;
      k = skipSpaces(text, k + 1, lineEnd);
      const v = readFlowNode(text, k, lineEnd);
      if (!v) return null;
      map.entries.push({ key: key.node.value, keyStart: key.node.start, keyEnd: key.node.end, value: v.node });
      k = skipSpaces(text, v.end, lineEnd);
    } else {
      const v = readFlowNode(text, k, lineEnd);
      if (!v) return null;
      k = skipSpaces(text, v.end, lineEnd);
      if (text.charCodeAt(k) === 58) return null; // `[a: b]`: a single-pair mapping
      seq.items.push(v.node);
    }
    if (text.charCodeAt(k) === 44 /* , */) k = skipSpaces(text, k + 1, lineEnd);
    else if (text.charCodeAt(k) !== close) return null;
  }
}

function readFlowNode(text: string, k: number, lineEnd: number): { node: YNode; end: number } | null {
  const c = text.charCodeAt(k);
  if (c === 123 || c === 91) return readFlow(text, k, lineEnd);
  return readFlowScalar(text, k, lineEnd);
}

const FLOW_PLAIN_FORBIDDEN_START = new Set(',[]{}#&*!|>%@`'.split('').map((ch) => ch.charCodeAt(0)));

function readFlowScalar(text: string, k: number, lineEnd: number, isKey = false): { node: YScalar; end: number } | null {
  const c = text.charCodeAt(k);
  if (c === 34 || c === 39) {
    const q = readQuoted(text, k, lineEnd);
    if (!q) return null;
    return { node: { t: 'scalar', start: k, end: q.end, value: q.value, style: c === 34 ? 'double' : 'single' }, end: q.end };
  }
  if (FLOW_PLAIN_FORBIDDEN_START.has(c)) return null;
  if ((c === DASH || c === 58 || c === 63) && (k + 1 >= lineEnd || text.charCodeAt(k + 1) === SPACE)) return null;
  let e = k;
  for (; e < lineEnd; e++) {
    const ch = text.charCodeAt(e);
    if (ch === 44 || ch === 91 || ch === 93 || ch === 123 || ch === 125) break;
    if (ch === 58 && isKey && text.charCodeAt(e + 1) === SPACE) break;
    if (ch === 58 || ch === HASH || ch === TAB) return null;
  }
  let stop = e;
  while (stop > k && text.charCodeAt(stop - 1) === SPACE) stop--;
  if (stop === k) return null;
  const raw = text.slice(k, stop);
  const value = raw === '~' || raw === 'null' || raw === 'Null' || raw === 'NULL' ? null : raw;
  return { node: { t: 'scalar', start: k, end: stop, value, style: 'plain' }, end: stop };
}

function skipSpaces(text: string, k: number, lineEnd: number): number {
  while (k < lineEnd && text.charCodeAt(k) === SPACE) k++;
  return k;
}
