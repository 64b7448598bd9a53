/**
 * A small positional tree of one YAML document: just what finding and editing containers needs.
 * Both parsers build it: the fast line scanner (block-style subset) and the `yaml` library (anything).
 * All offsets are absolute in the whole file's text.
 */
import type { Node as YamlNode } from 'yaml';
import type { ScalarStyle } from './types';

export type YNode = YMap | YSeq | YScalar | YOpaque;

/**
 * A node carrying a YAML anchor (`&name`) that aliases elsewhere in the document use: editing it would change those
 * places too. Only the `yaml` library produces it (the fast scanner declines documents with anchors).
 */
export interface Shared {
  anchor: string;
  /** Absolute offsets of the aliases (`*name`, also inside `<<:` merge keys) that refer to this node. */
  users: number[];
}

export interface YEntry {
  key: string;
  keyStart: number;
  keyEnd: number;
  /** Null for a key with nothing after it (`resources:` followed by nothing). */
  value: YNode | null;
}

export interface YMap {
  t: 'map';
  flow: boolean;
  /** Block: offset of the first key. Flow: offset of `{`. */
  start: number;
  /** Flow: just past `}`. Block: not reliable, use contentEnd(). */
  end: number;
  entries: YEntry[];
  shared?: Shared;
}

export interface YSeq {
  t: 'seq';
  flow: boolean;
  start: number;
  /** Flow: just past `]`. Block: not reliable, use contentEnd(). */
  end: number;
  items: (YNode | null)[];
  shared?: Shared;
}

export interface YScalar {
  t: 'scalar';
  start: number;
  end: number;
  /** Text without quotes; null for YAML null (`~`, `null`). Plain scalars keep their source text (`1.0` stays `1.0`). */
  value: string | null;
  style: ScalarStyle | 'block';
  shared?: Shared;
}

/**
 * A node read as absent and never edited: a YAML alias (`*name`, its value lives at the anchor and editing it
 * would change every user) or a mapping with a complex key. Only the `yaml` library produces it.
 */
export interface YOpaque {
  t: 'opaque';
  start: number;
  end: number;
  /**
   * For an alias: the anchor's name, the node it stands for in the `yaml` library's document, and that node in this
   * tree (to read values through the alias; edits never go through it).
   */
  alias?: { name: string; source: YamlNode | undefined; target?: YNode | null };
}

export function get(map: YNode | null | undefined, key: string): YNode | null | undefined {
  if (!map || map.t !== 'map') return undefined;
  for (const e of map.entries) if (e.key === key) return e.value;
  return undefined;
}

export function entry(map: YMap, key: string): YEntry | undefined {
  for (const e of map.entries) if (e.key === key) return e;
  return undefined;
}

/**
 * Offset just past the last character of a node's content, trailing comments and blank lines excluded.
 * `fallback` is where an empty block collection ends (just past its key's colon).
 */
export function contentEnd(node: YNode): number {
  if (node.t === 'map' && !node.flow) {
    const last = node.entries[node.entries.length - 1];
    if (!last) return node.start;
    return last.value ? contentEnd(last.value) : last.keyEnd + 1;
  }
  if (node.t === 'seq' && !node.flow) {
    for (let i = node.items.length - 1; i >= 0; i--) {
      const item = node.items[i];
      if (item) return contentEnd(item);
    }
    return node.start + 1;
  }
  return node.end;
}
