/**
 * Exit codes of `mora` (documented in README):
 *   0 success · 1 unexpected failure · 2 bad input or usage (one clear line on stderr) · 3 a data source is unreachable
 *   · 130 interrupted (Ctrl-C) at a prompt, nothing changed
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;
/** 128 + SIGINT, as a shell reports a process Ctrl-C ended. */
export const EXIT_INTERRUPTED = 130;

/** An error the user can fix: printed as one line, exit code 2. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_USAGE) {
    super(message);
    this.name = 'UserError';
  }
}
