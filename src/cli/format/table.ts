/**
 * Plain-text tables for the terminal: right-aligned numbers, left-aligned text, one line per row, fitted to a width.
 *
 * Fitting a width (renderTable, docs in the Column fields), in this order, stopping as soon as the table fits:
 *  1. names (left-aligned columns not marked keep) are shortened with an ellipsis in the middle, down to NAME_SOFT_MIN
 *     characters: `productc…logservice`; the start is kept, and enough of the end that two names never read the same;
 *  2. the columns' `fit` steps, lowest `at` first: a shorter form of a column (`over-provisioned` → `over`), or the
 *     column left out (the caller orders them: what the table is for stays longest);
 *  3. names down to 8 characters (more when that is what keeps them apart);
 *  4. columns marked keep + wrap wrap at a "-", "/", "." or space (never inside a word); a table that still does not fit
 *     is left wider than the width: a quantity is never cut.
 * When anything was shortened or left out, one line under the table says so (each shorter form that hides part of a
 * column, by its `hides`) and where the whole of it is. A table that fits (and every table at an unlimited width: a pipe)
 * is printed whole, as it always was. fitTable also says which columns are shown, so a column's footnote goes with it.
 */
import { forTerminal } from './terminal';

/** A shorter form of a column, or the column left out, when the table does not fit its width. */
export interface FitStep {
  /** The order among all the table's steps: 1 is tried first. */
  at: number;
  /** Leave the column out. */
  drop?: boolean;
  /** The column's header in its shorter form. */
  header?: string;
  /** A cell in its shorter form (from the full cell). */
  cell?: (s: string) => string;
  /**
   * What the shorter form leaves out, for the note under the table: `limits` (`cpu req/lim` → `cpu req`), `p50`. Said
   * with the first word of the column's header (`cpu limits`); columns leaving out the same read as one (`cpu/mem p50/max`).
   */
  hides?: string;
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Never shortened to fit the width (a verdict, an advice or a quantity must stay whole); names are shortened instead. */
  keep?: boolean;
  /** With keep: wrapped at a "-", "/", "." or space once nothing else helps (a verdict: "under-" / "provisioned"). */
  wrap?: boolean;
  /** Steps that make the table narrower (see the file's comment); none: the column is always shown as it is. */
  fit?: readonly FitStep[];
  /** A shortened name's share of characters kept from its start (default 0.6; a file path keeps more of its end). */
  head?: number;
}

export interface TableOptions {
  /** Between columns (default 2). */
  gap?: number;
  /** A line of ─ under the header (default true). */
  rule?: boolean;
  /** Where all of the table is, said when names were shortened or columns left out (default: `| less -S`, a pipe). */
  whole?: string;
}

/** Names are shortened to this many characters before a column is left out: `productc…ervice` still reads as one. */
export const NAME_SOFT_MIN = 14;
const NAME_HARD_MIN = 8;
const ELLIPSIS = '…';

/**
 * The width a table may take: the terminal's (process.stdout.columns), else $COLUMNS, else unlimited (a pipe, a file, a
 * log: nothing there wraps, and grep finds a workload on one line).
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY && Number.isInteger(stream.columns) && (stream.columns ?? 0) > 0) return stream.columns as number;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Infinity;
}

/**
 * Each of `values` at most `width` characters, the long ones as start…end, or undefined when no split keeps them apart.
 * The split keeps `head` of the characters from the start (at least 3), else moves toward the end (names that differ in their tail:
 * frontend-0041, frontend-0042), else toward the start.
 */
export function shortenNames(values: readonly string[], width: number, head = 0.6): Map<string, string> | undefined {
  const distinct = [...new Set(values)];
  const long = distinct.filter((v) => v.length > width);
  const out = new Map(distinct.map((v) => [v, v]));
  if (!long.length) return out;
  if (width < 3) return undefined;
  const keep = width - 1;
  // At least 3 characters of the start (fewer only in a column narrower than 6): `s…er-0-backend-api` reads as nothing.
  const least = Math.min(3, keep - 2);
  const first = Math.min(keep - 1, Math.max(least, Math.round(keep * head)));
  const tries = [...Array.from({ length: first - least + 1 }, (_, k) => first - k), ...Array.from({ length: keep - 1 - first }, (_, k) => first + 1 + k)];
  for (const h of tries) {
    for (const v of long) out.set(v, v.slice(0, h) + ELLIPSIS + v.slice(v.length - (keep - h)));
    if (new Set(out.values()).size === distinct.length) return out;
  }
  return undefined;
}

/** A fitted table and which of its columns it shows (a column's footnote goes with the column). */
export interface FittedTable {
  text: string;
  /** Per column given: shown (perhaps in a shorter form), or left out to fit the width. */
  shown: boolean[];
}

/** The table with some fit steps applied: its columns, rows, and each column's index in the full table (`src`). */
interface View { columns: Column[]; rows: string[][]; src: number[] }

export function renderTable(columns: readonly Column[], cells: ReadonlyArray<readonly string[]>, maxWidth = 100, options: TableOptions = {}): string {
  return fitTable(columns, cells, maxWidth, options).text;
}

/** renderTable, also saying which columns are shown (a caller prints a column's footnote only under a table showing it). */
export function fitTable(columns: readonly Column[], cells: ReadonlyArray<readonly string[]>, maxWidth = 100, options: TableOptions = {}): FittedTable {
  const gap = options.gap ?? 2;
  const full: View = { columns: [...columns], rows: cells.map((r) => columns.map((_, i) => forTerminal(r[i] ?? ''))), src: columns.map((_, i) => i) }; // names come from files and clusters: never let them drive the terminal
  const natural = (v: View): number[] => v.columns.map((c, i) => Math.max(c.header.length, ...v.rows.map((r) => r[i].length)));
  const sum = (w: readonly number[]): number => w.reduce((a, b) => a + b, 0) + gap * (w.length - 1);
  const name = (c: Column): boolean => (c.align ?? 'left') === 'left' && !c.keep;
  // The steps, in order; each view is the full table with the first k applied.
  const steps = columns.flatMap((c, i) => (c.fit ?? []).map((s) => ({ ...s, i }))).sort((a, b) => a.at - b.at || (a.drop ? 1 : 0) - (b.drop ? 1 : 0) || a.i - b.i);
  const viewAt = (k: number): View => {
    const forms = columns.map((c) => ({ c: { ...c }, cell: (s: string) => s, dropped: false }));
    for (const s of steps.slice(0, k)) {
      const f = forms[s.i];
      if (s.drop) f.dropped = true;
      if (s.header !== undefined) f.c.header = s.header;
      if (s.cell) { const before = f.cell, step = s.cell; f.cell = (x) => step(before(x)); }
    }
    const shown = forms.map((f, i) => ({ ...f, i })).filter((f) => !f.dropped);
    return { columns: shown.map((f) => f.c), rows: full.rows.map((r) => shown.map((f) => forTerminal(f.cell(r[f.i])))), src: shown.map((f) => f.i) };
  };
  // The narrowest a name column may get: `least`, or more when shortening it to that would make two names read the same.
  const floors = new Map<string, number>(); // a name column's cells are the same in every view (names have no fit cell)
  const floor = (v: View, i: number, least: number, nat: number): number => {
    const key = `${v.src[i]} ${least} ${v.columns[i].fit?.some((s) => s.cell) ? v.rows.map((r) => r[i]).join('\n') : ''}`;
    const known = floors.get(key);
    if (known !== undefined) return known;
    const values = v.rows.map((r) => r[i]);
    let w = Math.max(least, v.columns[i].header.length);
    while (w < nat && !shortenNames(values, w, v.columns[i].head)) w++;
    floors.set(key, w);
    return w;
  };
  // Names shrink widest first down to their floors until the table fits (or cannot shrink more).
  const shrink = (v: View, least: number): number[] => {
    const widths = natural(v);
    const floors = v.columns.map((c, i) => (name(c) ? Math.min(widths[i], floor(v, i, least, widths[i])) : widths[i]));
    while (sum(widths) > maxWidth) {
      let wi = -1;
      for (let i = 0; i < widths.length; i++) if (widths[i] > floors[i] && (wi < 0 || widths[i] > widths[wi])) wi = i;
      if (wi < 0) break;
      widths[wi]--;
    }
    return widths;
  };
  let k = 0, view = full, widths = natural(full);
  if (sum(widths) > maxWidth) {
    for (; ; k++) {
      view = viewAt(k);
      widths = shrink(view, NAME_SOFT_MIN);
      if (sum(widths) <= maxWidth || k === steps.length) break;
    }
    if (sum(widths) > maxWidth) widths = shrink(view, NAME_HARD_MIN);
    // Still too wide: the columns kept whole that may wrap (a verdict), down to their longest word.
    const word = (i: number): number => Math.max(view.columns[i].header.length, ...view.rows.map((r) => Math.max(...r[i].split(/(?<=[-/. ])/).map((x) => x.length))));
    while (sum(widths) > maxWidth) {
      let wi = -1;
      for (let i = 0; i < widths.length; i++) if (view.columns[i].keep && view.columns[i].wrap && widths[i] > word(i) && (wi < 0 || widths[i] > widths[wi])) wi = i;
      if (wi < 0) break;
      widths[wi]--;
    }
  }
  const cols = view.columns;
  const short = cols.map((c, i) => (name(c) ? shortenNames(view.rows.map((r) => r[i]), widths[i], c.head) : undefined));
  const pieces = (s: string, i: number): string[] => {
    const w = widths[i];
    if (s.length <= w) return [s];
    const named = short[i]?.get(s);
    if (named !== undefined) return [named];
    if (!cols[i].wrap) return [s]; // a header wider than a name column's floor: whole
    // A kept column wraps where a word ends ("under-" / "provisioned"), never inside one.
    const out: string[] = [];
    let rest = s;
    while (rest.length > w) {
      const cut = Math.max(...['-', '/', '.', ' '].map((ch) => rest.lastIndexOf(ch, w - 1) + 1));
      if (cut <= 0) break;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    return [...out, rest];
  };
  const pad = (t: string, i: number): string => (cols[i].align === 'right' ? t.padStart(widths[i]) : t.padEnd(widths[i]));
  const sep = ' '.repeat(gap);
  const lines = (r: readonly string[]): string[] => {
    const parts = cols.map((_, i) => pieces(r[i] ?? '', i));
    const height = Math.max(1, ...parts.map((p) => p.length));
    return Array.from({ length: height }, (_, n) => parts.map((p, i) => pad(p[n] ?? '', i)).join(sep).trimEnd());
  };
  const body = [...lines(cols.map((c) => c.header)), ...(options.rule === false ? [] : [widths.map((w) => '─'.repeat(w)).join(sep)]), ...view.rows.flatMap(lines)];
  return { text: `${body.join('\n')}\n${fitNote(columns, steps.slice(0, k), view, widths, maxWidth, options.whole)}`, shown: columns.map((_, i) => view.src.includes(i)) };
}

/**
 * `to fit 80 columns: shortened names (…), verdict; not shown: cpu lim, risk; all of it: | less -S`; with steps that say
 * what they hide: `not shown: rep, cpu/mem p50/max, cpu limits`.
 */
function fitNote(columns: readonly Column[], applied: ReadonlyArray<FitStep & { i: number }>, view: View, widths: readonly number[], maxWidth: number, whole?: string): string {
  const cut = view.columns.some((c, i) => (c.align ?? 'left') === 'left' && !c.keep && view.rows.some((r) => r[i].length > widths[i]));
  const dropped = [...new Set(applied.filter((s) => s.drop).map((s) => columns[s.i].header))];
  // A shorter form under a header of its own (`cpu p95/max`) says so itself; one under the same header is named.
  const compact = [...new Set(applied.filter((s) => !s.drop && s.header === undefined && s.hides === undefined && !dropped.includes(columns[s.i].header)).map((s) => columns[s.i].header))];
  // What shorter forms hide, per column (`cpu`: p50, max), then columns hiding the same as one: `cpu/mem p50/max`.
  const parts = new Map<number, string[]>();
  for (const s of applied) if (!s.drop && s.hides !== undefined && !dropped.includes(columns[s.i].header)) parts.set(s.i, [...(parts.get(s.i) ?? []), s.hides]);
  const hidden = new Map<string, string[]>();
  for (const [i, p] of parts) { const what = [...new Set(p)].join('/'); hidden.set(what, [...(hidden.get(what) ?? []), columns[i].header.split(' ')[0]]); }
  const notShown = [...dropped, ...[...hidden].map(([what, of]) => `${[...new Set(of)].join('/')} ${what}`)];
  if (!cut && !notShown.length && !compact.length) return '';
  const shortened = [...(cut ? [`names (${ELLIPSIS})`] : []), ...compact];
  const what = [shortened.length ? `shortened ${shortened.join(', ')}` : '', notShown.length ? `not shown: ${notShown.join(', ')}` : ''].filter(Boolean).join('; ');
  return wrapWords(`to fit ${maxWidth} columns: ${what}; all of it: ${whole ?? '| less -S'}`, maxWidth, '  ');
}

/**
 * Words wrapped to `width`, continuation lines indented by `indent`, one newline at the end. A command to copy (`kubectl
 * config use-context <name>`, `gcloud container clusters get-credentials`, text in backquotes) stays on one line, even
 * when that line is longer than `width`, as does a word longer than it (a URL).
 */
export function wrapWords(text: string, width: number, indent = ''): string {
  if (!Number.isFinite(width)) return `${text}\n`;
  const lines: string[] = [];
  let line = '';
  for (const word of unbreakable(text)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  return `${[...lines, line].join('\n')}\n`;
}

/** Text of lines ending in newlines: each line that does not fit `width` is wrapped to it, the others are left as they are. */
export function fitLines(text: string, width: number): string {
  return text.split(/(?<=\n)/).map((l) => {
    const line = l.replace(/\n$/, '');
    return line.length <= width ? l : wrapWords(line, width);
  }).join('');
}

/**
 * Commands a message may tell one to run: the words from the program's name to the next ",", ";", "(", ")" or " — "; an
 * option with its value (`-f json`); `| less -S`.
 */
const COMMAND = /`[^`]+`|\| less -S|--?[a-z][a-z-]* (?:json|csv|yaml)\b|\b(?:kubectl|gcloud|aws|az|helm|minikube|mora (?:recommend|health|demo|backtest|experiment|manifests|forecast))\s[^,;()`—]*[^,;()`—\s.]/g;

/** `text`'s words (split at each space, as text.split(' ')), a command (or text in backquotes) as one word. */
function unbreakable(text: string): string[] {
  const KEEP = '\u0000'; // marks a kept space: no message holds a NUL (were one there, a space is a safe reading)
  return text.replace(COMMAND, (m) => m.replaceAll(' ', KEEP)).split(' ').map((w) => w.replaceAll(KEEP, ' '));
}

/** Fixed decimals without "-0.000". */
export function fixed(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '—';
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

export function percent(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '—';
}
