/**
 * The signals that interrupt a run that changes something (mora experiment, mora experiment run): Ctrl-C (SIGINT), a
 * cancelled or timed-out CI job (SIGTERM), and a closed terminal or dropped SSH session (SIGHUP). Each one stops the
 * run the same way — restore what was changed, record the run as interrupted — and exits 130.
 */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * After SIGHUP the terminal is usually gone: writing to it fails (EIO; EPIPE for a closed pipe), and bin/mora.js's
 * listener rethrows any error but EPIPE, which would end the process before it has restored anything. From then on
 * every stdout/stderr error is dropped (nobody is left to read the output; the JSON record says what happened).
 */
export function dropOutputErrors(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.removeAllListeners('error');
    s.on('error', () => undefined);
  }
}

/** How soon after the signal before it a third signal must come to end a restore at once (see RestoreSignals). */
export const QUIT_WINDOW_MS = 3000;

/**
 * What each interrupt signal of a run means once a restore may follow it. `timeout`, CI runners and process managers
 * send SIGTERM twice (to the child, then to its process group), and `npx` passes Ctrl-C on besides the terminal: a second
 * signal is no request to give up the restore. So: the first signal starts the restore ('first'); the next ones are
 * absorbed while it runs, the first of them said once ('wait'), the rest silently ('absorbed'); a third signal or later
 * that comes within QUIT_WINDOW_MS of the one before it ('quit') ends the process — after the caller has said what is
 * left undone and where its record is.
 */
export class RestoreSignals {
  private count = 0;
  private last = -Infinity;
  private waitSaid = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** How many signals came so far. */
  get received(): number {
    return this.count;
  }

  /** One more signal. `restoring`: a restore already runs (one after a failure), so even the first one is absorbed. */
  take(restoring = false): 'first' | 'wait' | 'absorbed' | 'quit' {
    const t = this.now();
    const quick = t - this.last <= QUIT_WINDOW_MS;
    this.last = t;
    this.count++;
    if (this.count === 1 && !restoring) return 'first';
    if (this.count >= 3 && quick) return 'quit';
    if (this.waitSaid) return 'absorbed';
    this.waitSaid = true;
    return 'wait';
  }
}
