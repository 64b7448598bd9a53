/**
 * Extra label matchers added to every selector MOrA sends (--prometheus-matchers), for a Prometheus that holds several
 * clusters (Thanos, Mimir, federation: a `cluster` label): `cluster="prod-eu"` narrows every series to one cluster.
 * Added in the client, to the PromQL of every query, so no query can miss them.
 */

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const OP = /^(=~|!~|!=|=)/;

/** Reads one quoted PromQL string at the start of s ("…" or '…' with backslash escapes, or `…`); its length, or -1. */
function quotedLength(s: string): number {
  const q = s[0];
  if (q !== '"' && q !== '\'' && q !== '`') return -1;
  for (let i = 1; i < s.length; i++) {
    if (q !== '`' && s[i] === '\\') { i++; continue; }
    if (s[i] === q) return i + 1;
  }
  return -1;
}

/**
 * Checks and normalizes a list of label matchers (`cluster="prod-eu"`, `cluster=~"prod-.*",region!="x"`, braces
 * allowed around it). Throws an Error naming what is wrong; '' for an empty list.
 */
export function parseMatchers(input: string): string {
  let s = input.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  const out: string[] = [];
  while (s.length) {
    const label = LABEL.exec(s)?.[0];
    if (!label) throw new Error(`"${input}" is not a list of label matchers: expected a label name at "${s}" (e.g. cluster="prod-eu")`);
    s = s.slice(label.length).trimStart();
    const op = OP.exec(s)?.[0];
    if (!op) throw new Error(`"${input}" is not a list of label matchers: expected =, !=, =~ or !~ after ${label} (e.g. cluster="prod-eu")`);
    s = s.slice(op.length).trimStart();
    const n = quotedLength(s);
    if (n < 0) throw new Error(`"${input}" is not a list of label matchers: the value of ${label} must be a quoted string (e.g. cluster="prod-eu")`);
    out.push(`${label}${op}${s.slice(0, n)}`);
    s = s.slice(n).trimStart();
    if (s.startsWith(',')) s = s.slice(1).trimStart();
    else if (s.length) throw new Error(`"${input}" is not a list of label matchers: expected a comma before "${s}"`);
  }
  return out.join(',');
}

/**
 * The PromQL with `matchers` (normalized by parseMatchers) added inside every selector's braces: `m{a="b"}` becomes
 * `m{<matchers>,a="b"}`, `m{}` becomes `m{<matchers>}`. Braces inside strings are left alone. A selector written as a
 * bare metric name (no braces) is not changed: MOrA's queries always use braces.
 */
export function withMatchers(promql: string, matchers: string): string {
  if (!matchers) return promql;
  let out = '';
  for (let i = 0; i < promql.length; i++) {
    const c = promql[i];
    if (c === '"' || c === '\'' || c === '`') {
      const n = quotedLength(promql.slice(i));
      const end = n < 0 ? promql.length : i + n;
      out += promql.slice(i, end);
      i = end - 1;
      continue;
    }
    out += c;
    if (c === '{') {
      let j = i + 1;
      while (j < promql.length && /\s/.test(promql[j])) j++;
      out += promql[j] === '}' ? matchers : `${matchers},`;
    }
  }
  return out;
}
