/**
 * MOrA's own timeout of each Prometheus request (PrometheusClientOptions.timeoutMs): 30 s unless the user sets it —
 * `--prometheus-timeout <seconds>` or $MORA_PROMETHEUS_TIMEOUT (CLI), mora.prometheus.timeoutSeconds (VS Code). A
 * range read that gets no answer within it is read again in parts of its time range (client.ts rangeRequest); the
 * messages of that timeout say its value and where it is set (`timeoutHint`).
 */

export const DEFAULT_PROMETHEUS_TIMEOUT_MS = 30_000;
/** The environment variable the CLI reads when --prometheus-timeout is not given (beside MORA_PROMETHEUS_URL, _TOKEN, …). */
export const PROMETHEUS_TIMEOUT_ENV = 'MORA_PROMETHEUS_TIMEOUT';
/** The VS Code setting. */
export const PROMETHEUS_TIMEOUT_SETTING = 'mora.prometheus.timeoutSeconds';
/** The places the timeout is set, named when the caller does not say which one it read (timeoutHint). */
export const PROMETHEUS_TIMEOUT_HINT = `--prometheus-timeout (CLI) or the ${PROMETHEUS_TIMEOUT_SETTING} setting (VS Code)`;
/** The longest timeout taken: a day (Node's timers stop at about 24.8 days). */
export const MAX_PROMETHEUS_TIMEOUT_SECONDS = 86_400;

/**
 * Seconds (a flag's or variable's text, or a setting's number) → milliseconds; undefined or '' → undefined (the
 * default). Anything but a number of seconds > 0 and ≤ a day throws a RangeError naming `name`.
 */
export function prometheusTimeoutMsFromSeconds(raw: string | number | undefined, name: string): number | undefined {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const seconds = typeof raw === 'number' ? raw : /^\s*[0-9]*\.?[0-9]+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_PROMETHEUS_TIMEOUT_SECONDS) {
    throw new RangeError(`${name} must be a positive number of seconds (MOrA's own timeout of each Prometheus request, e.g. 120; at most ${MAX_PROMETHEUS_TIMEOUT_SECONDS}), got "${raw}"`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

/** 30000 → "30", 2500 → "2.5", 500 → "0.5": a timeout's seconds as messages say them. */
export function timeoutSecondsText(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
