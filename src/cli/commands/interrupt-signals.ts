import { EXIT_INTERRUPTED } from '../errors';

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

/** How soon after the press before it a third press must come to end a restore at once (see RestoreSignals). */
export const QUIT_WINDOW_MS = 3000;

/**
 * Signals less than this after the first signal of a burst are one press with it (see RestoreSignals). `npx` forwards
 * the terminal's SIGINT to its child, which gets it from the process group as well, a few ms apart; `timeout` and
 * process managers send SIGTERM to the child and then to its group, microseconds to ~20 ms apart. On a loaded machine
 * either pair can be tens of ms apart, so the window is well above that; it stays below a person's deliberate second
 * press (rarely under ~200 ms). A quick double-tap that falls inside it counts as one press: the safe side (the restore
 * goes on; one more press is needed to quit), and the lines that say how to quit say presses must be this far apart.
 * Measured from the burst's first signal, not the last: signals that keep coming (every 150 ms) are a press each
 * COALESCE_MS, never one endless press.
 */
export const COALESCE_MS = 200;

/** Said with the first press: how to quit at once (the same in every command; RestoreSignals' rule). */
export const QUIT_HINT = `press Ctrl-C twice more, at least ${COALESCE_MS / 1000} s apart and the second within ${QUIT_WINDOW_MS / 1000} s of the first, to quit at once`;

/**
 * What each interrupt signal of a run means once a restore may follow it. A press is a burst of signals that come less
 * than COALESCE_MS after its first signal (npx's and the terminal's copy of one Ctrl-C; `timeout`'s SIGTERM to the
 * child and to its group): the signals after the first in a burst are 'absorbed' silently and never count again; a
 * signal COALESCE_MS or more after the burst's first starts the next press. Then per press: the first starts the
 * restore ('first'); the second is absorbed and said once ('wait'); a third press or later that comes within
 * QUIT_WINDOW_MS of the press before it ends the process ('quit') — after the caller has said what is left undone and
 * where its record is; otherwise it is 'absorbed'. So after the first press, two more presses, at least COALESCE_MS
 * apart and the second of them within QUIT_WINDOW_MS of the first of them, quit (QUIT_HINT, waitHint say so). With
 * `restoring` (a restore already runs, after a failure), the first press is 'wait' and the same count applies (the
 * third press quits).
 */
export class RestoreSignals {
  private count = 0;
  private presses = 0;
  /** When the last press began: its first signal (the start of its burst). */
  private lastPress = -Infinity;
  private waitSaid = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** How many signals came so far (every one, also those coalesced into a press). */
  get received(): number {
    return this.count;
  }

  /** How many distinct presses came so far. */
  get pressed(): number {
    return this.presses;
  }

  /**
   * For the 'wait' line: the presses still needed to quit at once after the ones so far, and how far apart (two more
   * when the restore was already running at the first press, one more after the second press).
   */
  waitHint(): string {
    const apart = COALESCE_MS / 1000;
    const within = QUIT_WINDOW_MS / 1000;
    return this.presses >= 2
      ? `one more press, at least ${apart} s and at most ${within} s after this one, quits at once`
      : `two more presses, at least ${apart} s apart and the second within ${within} s of the first, quit at once`;
  }

  /** One more signal. `restoring`: a restore already runs (one after a failure), so even the first press is absorbed. */
  take(restoring = false): 'first' | 'wait' | 'absorbed' | 'quit' {
    const t = this.now();
    this.count++;
    if (t - this.lastPress < COALESCE_MS) return 'absorbed';
    const quick = t - this.lastPress <= QUIT_WINDOW_MS;
    this.lastPress = t;
    this.presses++;
    if (this.presses === 1 && !restoring) return 'first';
    if (this.presses >= 3 && quick) return 'quit';
    if (this.waitSaid) return 'absorbed';
    this.waitSaid = true;
    return 'wait';
  }
}

/** The line of a write command stopped before its first write (also `mora manifests apply`'s WriteCancelled while it plans). */
export const interruptedBeforeWriting = (signal: string): string => `interrupted (${signal}) before anything was written; nothing was changed`;

/** What untilWritesListen returns: `stop()` once the writes listen to the signals themselves (idempotent). */
export interface BeforeWrites {
  stop(): void;
}

/**
 * The phase of a write command before its writes (`mora recommend --apply-to | --apply-cluster | --undo`, `mora
 * manifests apply --in-place | --out`): reading the source, computing, loading modules, reading the manifests, the
 * server-side dry run, the prompt. Until stop(), Ctrl-C, SIGTERM or SIGHUP ends the run at once with one line, 'mora:
 * interrupted (SIGINT) before anything was written; nothing was changed', and exit 130, as every interrupted `mora`
 * run — not the signal's default action (killed, nothing said, 130/143/129 from the shell). Nothing is written yet, so
 * nothing is to restore: the reads and computations are dropped. (Every file MOrA writes on the side meanwhile, a model
 * cache, is written atomically, and a signal is only let in between two turns of the event loop: never halfway through
 * a synchronous write.) A synchronous phase lets it in where it yields (one turn per manifest read).
 * The writes call stop() right after they listen themselves (writeAllOrNothingInterruptible, applyMany and applyWrites
 * take `onListening`), in the same turn: every signal has a listener, and one from then on is the writes'. A caller
 * whose write does not listen (a single synchronous atomic write) first lets a pending signal in (one turn), then stops.
 * `exit` and `err`: tests.
 */
export function untilWritesListen(exit: (code: number) => void = (code) => process.exit(code),
  err: (line: string) => void = (line) => process.stderr.write(line)): BeforeWrites {
  let stopped = false;
  const on = (signal: NodeJS.Signals) => {
    if (stopped) return;
    stopped = true;
    if (signal === 'SIGHUP') dropOutputErrors(); // the terminal is gone: the line may not be written, the exit code stays
    err(`mora: ${interruptedBeforeWriting(signal)}\n`);
    exit(EXIT_INTERRUPTED);
  };
  for (const s of INTERRUPT_SIGNALS) process.on(s, on);
  return {
    stop: () => {
      stopped = true;
      for (const s of INTERRUPT_SIGNALS) process.removeListener(s, on);
    },
  };
}

/** One turn of the event loop: a signal that came meanwhile reaches its listener. */
export const oneTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `steps` to its end, one turn of the event loop after each step: a signal's listener runs between two. */
export async function stepWise<T>(steps: Generator<void, T, void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await oneTurn();
  }
}

/** Runs `steps` to its end at once (no signal let in). */
export function atOnce<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
