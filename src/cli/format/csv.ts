/** RFC 4180 CSV: quote cells holding commas, quotes or newlines. */

export function csvCell(x: unknown): string {
  const s = x === undefined || x === null ? '' : typeof x === 'number' ? (Number.isFinite(x) ? String(x) : '') : String(x);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return [header.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}
