/**
 * RFC 4180 CSV: quote cells holding commas, quotes or newlines. A text cell that a spreadsheet would run as a formula
 * (it starts with =, +, -, @, a tab or a CR: OWASP's CSV injection) is written with a `'` before it, the guard OWASP
 * advises, so `=HYPERLINK(…)` as a series or workload name reads as text. Reading it back (unguardCsvCell): one leading
 * `'` before those characters is dropped; a text that already starts with `'` and then one of them gets a second `'`,
 * so every name round-trips. Numbers (a value column's -0.5, a number written as text) and a `-` or `@` inside a name
 * (`web-1`) are left as they are.
 */

/** A text a spreadsheet runs as a formula: after any `'`s, it starts with =, +, -, @, a tab or a CR. */
const FORMULA_START = /^'*[=+\-@\t\r]/;
/** A plain decimal number (a spreadsheet reads `-0.5` as the number, not a formula). */
const PLAIN_NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A text cell's content with the formula guard: `=1+2` → `'=1+2`; a number or any other text as it is. */
export function guardCsvText(s: string): string {
  return FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
}

/** The text guardCsvText guarded, as it was: `'=1+2` → `=1+2`, `''=x` → `'=x`; any other cell unchanged. */
export function unguardCsvCell(s: string): string {
  return /^'+[=+\-@\t\r]/.test(s) && !PLAIN_NUMBER.test(s.slice(1)) ? s.slice(1) : s;
}

export function csvCell(x: unknown): string {
  const s = x === undefined || x === null ? '' : typeof x === 'number' ? (Number.isFinite(x) ? String(x) : '') : guardCsvText(String(x));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return [header.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}
