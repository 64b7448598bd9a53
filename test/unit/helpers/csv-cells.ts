/**
 * RFC 4180 lines as a spreadsheet or a harness's CSV parser reads them: quoted cells may hold commas and doubled
 * quotes. Written here, not taken from src/data, so a test of MOrA's CSV writer does not read it back with MOrA's reader.
 */
export function parseCsv(text: string): string[][] {
  return text.trim().split('\n').map((line) => {
    const cells: string[] = [];
    let cell = '', quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') { cells.push(cell); cell = ''; } else cell += ch;
    }
    cells.push(cell);
    return cells;
  });
}
