/**
 * Text for a terminal from untrusted input (names in manifests, file paths, anything read from a file or a cluster):
 * control characters would be obeyed by the terminal (colours, cursor moves, clearing the screen, a window title, a
 * hyperlink), and bidirectional overrides would reorder what is shown. They are printed as visible escapes instead:
 * `\x1b`, `\n`, `\u202e`. Only for human-readable output (tables, text, stderr); JSON stays exact (JSON.stringify
 * escapes control characters itself).
 */

/** C0 controls, DEL, C1 controls, and the Unicode bidirectional embedding, override and isolate marks. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** `s` with every control character shown as an escape, so printing it cannot change the terminal's state. */
export function forTerminal(s: string): string {
  return s.replace(UNSAFE, escape);
}

/** Several lines of human-readable text: each line made safe, the line breaks kept. */
export function forTerminalText(text: string): string {
  return text.split('\n').map(forTerminal).join('\n');
}

/**
 * A unified diff of files for a terminal that is also a patch (`2> changes.patch`): tabs, CRLF and LF are the files'
 * own bytes and pass through verbatim, so the patch applies and reproduces the write; a tab or a line ending cannot
 * change the terminal's state. A CR not followed by LF (it would move the cursor back and hide what the line showed)
 * and every other control or bidirectional mark are escaped as forTerminal escapes them.
 */
export function forTerminalPatch(diff: string): string {
  return diff.replace(UNSAFE, (c, at: number) => (c === '\t' || c === '\n' || (c === '\r' && diff[at + 1] === '\n') ? c : escape(c)));
}
