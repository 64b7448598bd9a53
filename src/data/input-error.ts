/** The error of a file that cannot be read as a series: the CLI prints its message on one line and exits 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * Text from the input as an error message quotes it, at most `max` characters (… when cut): a JSON file read as CSV is
 * one "header" of thousands of cells, and the message that listed them was 145 KB on one line.
 */
export function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
