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
