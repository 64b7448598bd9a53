/**
 * Exit codes of `mora` (documented in README):
 *   0 success · 1 unexpected failure · 2 bad input or usage (one clear line on stderr) · 3 a data source is unreachable
 *   · 4 partial: the results are printed (and written), but some inputs were skipped or failed (each named on stderr, and
 *     in the machine output where its shape has room: `skipped`) · 130 interrupted (Ctrl-C) at a prompt, nothing changed
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;
/** Results printed, some inputs skipped or failed: a script can use what was printed and still notice (`manifests scan`, `backtest`, `recommend`). */
export const EXIT_PARTIAL = 4;
/** 128 + SIGINT, as a shell reports a process Ctrl-C ended. */
export const EXIT_INTERRUPTED = 130;

/** An error the user can fix: printed as one line, exit code 2. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_USAGE) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * Thrown after the results were printed (and written) when some inputs were skipped or failed: its message (one line
 * on stderr) says how many; exit code 4. `output`, when set, is what the command prints on stdout before it.
 */
export class PartialResult extends UserError {
  output?: string;
  constructor(message: string) {
    super(message, EXIT_PARTIAL);
    this.name = 'PartialResult';
  }
}

/** The exit codes for a subcommand's --help epilogue (README § Exit codes has the table). */
export const EXIT_CODES_HELP = '\nExit codes: 0 ok · 1 unexpected failure · 2 bad input or usage · 3 a data source unreachable · 4 partial (results printed, '
  + 'some inputs skipped or failed: named on stderr) · 130 interrupted. stdout is empty unless the exit code is 0 or 4 (the few exceptions: README § Exit codes).\n';
