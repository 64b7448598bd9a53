/** Plain-text tables for the terminal: right-aligned numbers, left-aligned text, fits a width by shrinking the widest text column. */
import { forTerminal } from './terminal';

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Never shortened to fit the width (a verdict, an advice or a quantity must stay whole); names are shortened instead. */
  keep?: boolean;
  /**
   * Wrapped onto more lines instead of cut with an ellipsis (names: two workloads that differ only in their tail stay
   * apart). With keep: wrapped at a "-", "/", "." or space, and only once no other column can shrink.
   */
  wrap?: boolean;
}

/**
 * The width a table may take: the terminal's (process.stdout.columns), else $COLUMNS, else unlimited (a pipe, a file, a
 * log: nothing there wraps, and grep finds a workload on one line).
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY && Number.isInteger(stream.columns) && (stream.columns ?? 0) > 0) return stream.columns as number;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Infinity;
}

export function renderTable(columns: readonly Column[], cells: ReadonlyArray<readonly string[]>, maxWidth = 100): string {
  const rows = cells.map((r) => r.map((s) => forTerminal(s ?? ''))); // names come from files and clusters: never let them drive the terminal
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const total = (): number => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  // Shrink left-aligned (text) columns, widest first, until the table fits; cells get an ellipsis, or wrap. Columns that
  // must stay whole never shrink: a table wider than maxWidth is better than a cut quantity.
  const least = (i: number): number => (columns[i].wrap ? Math.max(8, columns[i].header.length) : 8);
  // Then, still too wide, the columns kept whole that may wrap (a verdict: "under-" / "provisioned"), down to their longest word.
  const word = (i: number): number => Math.max(columns[i].header.length, ...rows.map((r) => Math.max(...(r[i] ?? '').split(/(?<=[-/. ])/).map((x) => x.length))));
  for (const pass of [false, true]) {
    while (total() > maxWidth) {
      let wi = -1;
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i];
        const may = pass ? Boolean(c.keep && c.wrap) && widths[i] > word(i) : (c.align ?? 'left') === 'left' && !c.keep && widths[i] > least(i);
        if (may && (wi < 0 || widths[i] > widths[wi])) wi = i;
      }
      if (wi < 0) break;
      widths[wi]--;
    }
  }
  const pieces = (s: string, i: number): string[] => {
    const w = widths[i];
    if (s.length <= w) return [s];
    if (!columns[i].wrap) return [`${s.slice(0, w - 1)}…`];
    // Lines end after a "-", "/" or "." where one falls in the line's second half (frontend-/0042), else at the width.
    const out: string[] = [];
    let rest = s;
    while (rest.length > w) {
      const cut = Math.max(...['-', '/', '.', ' '].map((ch) => rest.lastIndexOf(ch, w - 1) + 1));
      const at = cut > w / 2 || (columns[i].keep && cut > 0) ? cut : w;
      out.push(rest.slice(0, at));
      rest = rest.slice(at);
    }
    return [...out, rest];
  };
  const pad = (t: string, i: number): string => (columns[i].align === 'right' ? t.padStart(widths[i]) : t.padEnd(widths[i]));
  const lines = (r: readonly string[]): string[] => {
    const parts = columns.map((_, i) => pieces(r[i] ?? '', i));
    const height = Math.max(1, ...parts.map((p) => p.length));
    return Array.from({ length: height }, (_, k) => parts.map((p, i) => pad(p[k] ?? '', i)).join('  ').trimEnd());
  };
  return [...lines(columns.map((c) => c.header)), ...lines(widths.map((w) => '─'.repeat(w))), ...rows.flatMap(lines)].join('\n') + '\n';
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
