/**
 * A word as a POSIX shell reads it back unchanged, for commands MOrA shows to be copied: bare when it holds only
 * characters no shell treats specially (`overlays/prod/deployment.yaml`), else in single quotes, a single quote inside
 * written `'\''` (`'my app/deployment.yaml'`). PowerShell reads the single-quoted form the same unless it holds a `'`.
 */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
