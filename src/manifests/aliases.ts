/**
 * YAML anchors, aliases and merge keys, for edits: what a merge key (`<<: *res`) gives a mapping, and the text of a
 * copy of an anchored node (anchors and comments left out) in the file's style, block or flow. Works on the `yaml`
 * library's nodes, which the positional tree keeps for every alias (tree.ts, YOpaque.alias).
 */
import { Document, isAlias, isCollection, isMap, isNode, isScalar, isSeq, Pair, visit, type Node as YamlNode, type ScalarTag, type ToStringOptions } from 'yaml';
import type { YMap } from './tree';

const RENDER: ToStringOptions = { lineWidth: 0, flowCollectionPadding: false, verifyAliasOrder: false };

/** A plain scalar's text as written in the file, for a copy to write back unchanged. */
class PlainText {
  constructor(readonly text: string) {}
}

/**
 * Writes a PlainText as its text. A plain number, boolean or null is copied as written, not as the `yaml` library
 * would print the value it read: Kubernetes reads YAML 1.1, where a plain `010` is the octal 8 while the library
 * (YAML 1.2) reads 10 and would print `10`; `2e9` would become `2e+9`, `1.0` stay but `.5` become `0.5`.
 */
const PLAIN_TEXT: ScalarTag = {
  identify: (v) => v instanceof PlainText, default: true, tag: 'tag:mora,2026:plain-text', resolve: (text) => text,
  stringify: (item) => (item.value as PlainText).text,
};

/**
 * The value a merge key gives `map` for `key` (YAML 1.1 `<<`, which Kubernetes' YAML reader follows), when the map
 * has no `key` of its own: the first merged mapping holding it wins. Undefined when no merge gives one, or when a
 * merge is written inline (`<<: {…}`), which is not followed.
 */
export function mergedValue(doc: Document, map: YMap, key: string): YamlNode | undefined {
  const merge = map.entries.find((e) => e.key === '<<')?.value;
  if (!merge) return undefined;
  const sources: YamlNode[] = [];
  if (merge.t === 'opaque' && merge.alias?.source) sources.push(merge.alias.source);
  else if (merge.t === 'seq') {
    for (const item of merge.items) if (item && item.t === 'opaque' && item.alias?.source) sources.push(item.alias.source);
  }
  for (const source of sources) {
    const found = lookup(doc, source, key, 0);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Every key a merge key (`<<: *res`, `<<: [*a, *b]`) gives `map` that the map does not set itself, with the value it
 * gives (the first merged mapping holding it wins), in the order the merged mappings list them: what writing the
 * merge out (and dropping the `<<`) must keep. Undefined when the map has no merge, or one that is not an alias of a
 * mapping (an inline `<<: {…}`, an alias of a scalar), which is not written out.
 */
export function mergedEntries(doc: Document, map: YMap): Array<[string, YamlNode | null]> | undefined {
  const merge = map.entries.find((e) => e.key === '<<')?.value;
  if (!merge) return undefined;
  const items = merge.t === 'seq' ? merge.items : [merge];
  const sources: YamlNode[] = [];
  for (const item of items) {
    if (!item || item.t !== 'opaque' || !item.alias?.source) return undefined;
    sources.push(item.alias.source);
  }
  const own = new Set(map.entries.map((e) => e.key));
  const keys: string[] = [];
  const collect = (node: YamlNode | undefined, depth: number): boolean => {
    const resolved = node && isAlias(node) ? node.resolve(doc) : node;
    if (!resolved || !isMap(resolved) || depth > 16) return false;
    for (const pair of resolved.items) {
      if (!isScalar(pair.key)) return false;
      const k = String(pair.key.value);
      const v = pair.value as YamlNode | null;
      if (k !== '<<') {
        if (!own.has(k) && !keys.includes(k)) keys.push(k);
      } else if (v && !(isSeq(v) ? v.items : [v]).every((m) => collect(m as YamlNode, depth + 1))) return false;
    }
    return true;
  };
  if (!sources.every((src) => collect(src, 0))) return undefined;
  return keys.map((k) => {
    for (const src of sources) {
      const found = lookup(doc, src, k, 0);
      if (found !== undefined) return [k, found] as [string, YamlNode | null];
    }
    return [k, null] as [string, YamlNode | null];
  });
}

/** `key` in a yaml-library mapping, following its own merge keys. */
function lookup(doc: Document, node: YamlNode | undefined, key: string, depth: number): YamlNode | undefined {
  const resolved = node && isAlias(node) ? node.resolve(doc) : node;
  if (!resolved || !isMap(resolved) || depth > 16) return undefined;
  const merges: YamlNode[] = [];
  for (const pair of resolved.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const v = pair.value as YamlNode | null;
    if (k === key) return v && isAlias(v) ? v.resolve(doc) ?? undefined : v ?? undefined;
    if (k === '<<' && v) merges.push(...(isSeq(v) ? (v.items as YamlNode[]) : [v]));
  }
  for (const m of merges) {
    const found = lookup(doc, m, key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** How deep aliases inside aliases are written out (an alias of its own ancestor would never end). */
const MAX_ALIAS_DEPTH = 16;

/**
 * A copy of `node` that uses no anchor: each alias in it is replaced by (a copy of) what it stands for, each merge key
 * (`<<: *r`, `<<: [*a, *b]`, `<<: {…}`) by the keys it gives that the mapping does not set itself, where the `<<` was
 * (the first merged mapping holding a key wins, as Kubernetes reads YAML 1.1). So a copy written for one container
 * does not become another user of an anchor inside it (`resources: *res` whose `&res` holds `limits: {<<: *r}`): an
 * edit of `&r` in the same run is then not refused because of the copy. Past MAX_ALIAS_DEPTH an alias stays as it is.
 */
function materialised(doc: Document, node: YamlNode, depth: number): YamlNode {
  if (isAlias(node)) {
    const target = depth < MAX_ALIAS_DEPTH ? node.resolve(doc) : undefined;
    return target ? materialised(doc, target, depth + 1) : (node.clone() as YamlNode);
  }
  if (isSeq(node)) {
    const copy = node.clone();
    copy.items = node.items.map((item) => (isNode(item) ? materialised(doc, item, depth + 1) : item));
    return copy as YamlNode;
  }
  if (!isMap(node)) return node.clone() as YamlNode;
  const keyOf = (p: Pair): string | undefined => (isScalar(p.key) ? String(p.key.value) : undefined);
  const own = new Set(node.items.map((p) => keyOf(p as Pair)).filter((k) => k !== '<<'));
  const copy = node.clone();
  copy.items = [];
  const added = new Set<string>();
  for (const pair of node.items as Pair[]) {
    const value = pair.value;
    if (keyOf(pair) === '<<' && isNode(value)) {
      const sources = isSeq(value) ? value.items : [value];
      for (const source of sources) {
        const merged = isNode(source) ? materialised(doc, source, depth + 1) : undefined;
        if (!merged || !isMap(merged)) {
          // Not a mapping to merge: kept as written (the check after the edit says whether it still reads the same).
          copy.items.push(new Pair(isNode(pair.key) ? pair.key.clone() : pair.key, materialised(doc, value, depth + 1)));
          break;
        }
        for (const m of merged.items as Pair[]) {
          const k = keyOf(m);
          if (k === undefined || own.has(k) || added.has(k)) continue;
          added.add(k);
          copy.items.push(m);
        }
      }
      continue;
    }
    copy.items.push(new Pair(isNode(pair.key) ? pair.key.clone() : pair.key, isNode(value) ? materialised(doc, value, depth + 1) : value));
  }
  return copy as YamlNode;
}

/** A copy of a node without anchors, aliases, merge keys or comments; every collection in flow style when `flow`. */
function copyOf(doc: Document, source: YamlNode, flow: boolean): YamlNode {
  const copy = materialised(doc, source, 0);
  const clean = (n: YamlNode): void => {
    // Only untagged plain scalars the library read as something other than a string: their text has no character
    // that needs quoting (a plain string may, once in a flow copy) and is read back as the same value.
    if (isScalar(n) && n.type === 'PLAIN' && n.tag === undefined && typeof n.source === 'string' && n.source !== '' && typeof n.value !== 'string') {
      n.value = new PlainText(n.source);
    }
    delete n.anchor;
    n.comment = undefined;
    n.commentBefore = undefined;
    n.spaceBefore = false;
    if (flow && isCollection(n)) n.flow = true;
    // A block scalar (`cpu: &c >-` then `250m`) cannot be written on one line as a block: the library picks a style
    // that can (plain, or quoted when the value needs it), the same string.
    if (flow && isScalar(n) && (n.type === 'BLOCK_FOLDED' || n.type === 'BLOCK_LITERAL')) n.type = undefined;
  };
  clean(copy);
  visit(copy, { Node(_, n) { clean(n); } }); // keys too
  return copy;
}

/** True when the copy of `source` is written as an indented block below its key (a non-empty block collection). */
export function copiesAsBlock(source: YamlNode): boolean {
  return isCollection(source) && !source.flow && source.items.length > 0;
}

/** The copy on one line (flow style): `{requests: {cpu: 100m}}`, `100m`. `doc` is the document `source` is in. */
export function inlineCopy(doc: Document, source: YamlNode): string {
  return new Document(copyOf(doc, source, true), { customTags: [PLAIN_TEXT] }).toString(RENDER).replace(/\r?\n$/, '');
}

/** The copy as block lines at `column`, indented by `unit` per level, joined with `eol` (no line break before or after). */
export function blockCopy(doc: Document, source: YamlNode, column: number, unit: number, eol: string): string {
  const text = new Document(copyOf(doc, source, false), { customTags: [PLAIN_TEXT] }).toString({ ...RENDER, indent: unit }).replace(/\n$/, '');
  const pad = ' '.repeat(column);
  return text.split('\n').map((line) => (line ? pad + line : line)).join(eol);
}
