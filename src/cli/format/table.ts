/** Plain-text tables for the terminal: right-aligned numbers, left-aligned text, fits a width by shrinking the widest text column. */
import { forTerminal } from './terminal';

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Never shortened to fit the width (a verdict or an advice must stay whole); names are shortened instead. */
  keep?: boolean;
}

export function renderTable(columns: readonly Column[], cells: ReadonlyArray<readonly string[]>, maxWidth = 100): string {
  const rows = cells.map((r) => r.map((s) => forTerminal(s ?? ''))); // names come from files and clusters: never let them drive the terminal
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const total = (): number => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  // Shrink left-aligned (text) columns, widest first, until the table fits; cells get an ellipsis.
  while (total() > maxWidth) {
    let wi = -1;
    for (let i = 0; i < columns.length; i++) if ((columns[i].align ?? 'left') === 'left' && !columns[i].keep && widths[i] > 8 && (wi < 0 || widths[i] > widths[wi])) wi = i;
    if (wi < 0) break;
    widths[wi]--;
  }
  const cell = (s: string, i: number): string => {
    const w = widths[i];
    const t = s.length > w ? `${s.slice(0, w - 1)}…` : s;
    return columns[i].align === 'right' ? t.padStart(w) : t.padEnd(w);
  };
  const line = (r: readonly string[]): string => r.map((s, i) => cell(s ?? '', i)).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
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
