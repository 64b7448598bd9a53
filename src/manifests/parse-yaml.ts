/**
 * The thorough parser: the `yaml` library (YAML 1.2, every syntax, real error reporting) turned into our
 * positional tree. Used to validate before any edit, for documents the fast scanner declines, and as the
 * reference the fast scanner is tested against.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import type { Shared, YMap, YNode, YSeq } from './tree';

export interface ParsedYaml {
  root: YNode | null;
  /** First error message (with 1-based line) or null. */
  error: string | null;
  /** Where that error is, as an offset in the text (null when it parsed). */
  errorOffset?: number | null;
  /** The `yaml` library's document (null on error): resolves aliases, renders copies of anchored nodes. */
  doc: Document | null;
}

interface Conversion {
  base: number;
  doc: Document;
  /** Anchored nodes that aliases refer to. */
  shared: Map<YamlNode, Shared>;
  /** Those nodes converted, for aliases to point at (an anchor always comes before its aliases). */
  converted: Map<YamlNode, YNode | null>;
}

/** Parses text[start, end) as one YAML document; offsets in the tree are absolute. */
export function parseWithYaml(text: string, start: number, end: number): ParsedYaml {
  // A byte order mark is no content (Windows editors write one). The library skips it before most nodes but reads
  // `\uFEFF- op: add` (a top-level sequence) as a scalar and fails, so it never sees the mark: offsets start after it.
  if (text.charCodeAt(start) === 0xfeff) start++;
  const slice = text.slice(start, end);
  const doc = parseDocument(slice, { prettyErrors: false, strict: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const offset = start + (e.pos?.[0] ?? 0);
    return { root: null, error: `line ${lineNumberAt(text, offset)}: ${e.message.split('\n')[0]}`, errorOffset: offset, doc: null };
  }
  // The library parses `*name` without its `&name` (or with it in another document) without an error, but Kubernetes'
  // reader rejects the document; read on, the container looked as if it set no resources at all.
  const unresolved = slice.includes('*') ? unresolvedAlias(doc) : undefined;
  if (unresolved) {
    const offset = start + unresolved.offset;
    return { root: null, error: `line ${lineNumberAt(text, offset)}: alias *${unresolved.name} has no anchor &${unresolved.name} before it in this document`, errorOffset: offset, doc: null };
  }
  const conversion: Conversion = { base: start, doc, shared: slice.includes('*') ? sharedNodes(doc, start) : new Map(), converted: new Map() };
  return { root: convert(doc.contents as YamlNode | null, conversion), error: null, doc };
}

/** The first alias whose anchor is not set before it in this document (offset within the document's text). */
function unresolvedAlias(doc: Document): { name: string; offset: number } | undefined {
  let found: { name: string; offset: number } | undefined;
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc)) return undefined;
      found = { name: alias.source, offset: alias.range?.[0] ?? 0 };
      return visit.BREAK;
    },
  });
  return found;
}

/** Anchored nodes that aliases refer to, with where those aliases are. */
function sharedNodes(doc: Document, base: number): Map<YamlNode, Shared> {
  const shared = new Map<YamlNode, Shared>();
  visit(doc, {
    Alias(_, alias) {
      const source = alias.resolve(doc);
      if (!source) return;
      const entry = shared.get(source) ?? { anchor: alias.source, users: [] };
      entry.users.push(base + (alias.range?.[0] ?? 0));
      shared.set(source, entry);
    },
  });
  return shared;
}

function lineNumberAt(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function convert(node: YamlNode | null | undefined, c: Conversion): YNode | null {
  const out = convertNode(node, c);
  const shared = node ? c.shared.get(node) : undefined;
  if (node && shared) c.converted.set(node, out);
  if (out && shared && out.t !== 'opaque') out.shared = shared;
  return out;
}

function convertNode(node: YamlNode | null | undefined, c: Conversion): YNode | null {
  if (!node) return null;
  const base = c.base;
  const range = node.range ?? [0, 0, 0];
  if (isScalar(node)) {
    if (node.value === null && range[0] === range[1]) return null; // `key:` with nothing after it
    const type = node.type;
    const style = type === 'QUOTE_DOUBLE' ? 'double' : type === 'QUOTE_SINGLE' ? 'single'
      : type === 'BLOCK_FOLDED' || type === 'BLOCK_LITERAL' ? 'block' : 'plain';
    const source = (node as { source?: string }).source;
    const value = node.value === null ? null : typeof source === 'string' ? source : String(node.value);
    return { t: 'scalar', start: base + range[0], end: base + range[1], value, style };
  }
  if (isMap(node)) {
    const map: YMap = { t: 'map', flow: Boolean(node.flow), start: base + range[0], end: base + range[1], entries: [] };
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      if (!key || !isScalar(key) || !key.range) return { t: 'opaque', start: map.start, end: map.end };
      const value = convert(pair.value as YamlNode | null, c);
      map.entries.push({ key: String(key.value), keyStart: base + key.range[0], keyEnd: base + key.range[1], value });
    }
    return map;
  }
  if (isSeq(node)) {
    const seq: YSeq = { t: 'seq', flow: Boolean(node.flow), start: base + range[0], end: base + range[1], items: [] };
    for (const item of node.items) seq.items.push(convert(item as YamlNode | null, c));
    return seq;
  }
  if (isAlias(node)) {
    const source = node.resolve(c.doc);
    return { t: 'opaque', start: base + range[0], end: base + range[1], alias: { name: node.source, source, target: source ? c.converted.get(source) : undefined } };
  }
  return null;
}
