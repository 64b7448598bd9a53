/**
 * `--prometheus-timeout <seconds>` of every command that takes `--prometheus` (recommend, recommend --in-cluster,
 * health, experiment, experiment run): MOrA's own timeout of each Prometheus request, else $MORA_PROMETHEUS_TIMEOUT,
 * else 30 s (health: its --timeout, 10 s). One definition of the flag, its help and its check, and what the timeout's
 * messages name as the place it is set.
 */
import { DEFAULT_PROMETHEUS_TIMEOUT_MS, PROMETHEUS_TIMEOUT_ENV, prometheusTimeoutMsFromSeconds } from '../../data/prometheus/timeout';
import { UserError } from '../errors';

export const PROMETHEUS_TIMEOUT_FLAG = '--prometheus-timeout <seconds>';
export const PROMETHEUS_TIMEOUT_HELP = 'MOrA\'s own timeout of each Prometheus request, in seconds (a history read with no answer within it is read again in parts of its time range, '
  + `down to 1/8); default $${PROMETHEUS_TIMEOUT_ENV}, else ${DEFAULT_PROMETHEUS_TIMEOUT_MS / 1000}`;

/** The Prometheus client's timeoutMs and timeoutHint (ClusterDataSourceOptions' prometheusTimeoutMs / prometheusTimeoutHint). */
export interface PrometheusTimeout {
  /** undefined: neither the flag nor the variable: the client's default (30 s). */
  timeoutMs?: number;
  /** What the timeout's messages name: the flag, or the variable when that set it. */
  timeoutHint: string;
}

/**
 * The flag's value, else the variable's, in milliseconds; a value that is no positive number of seconds is a UserError
 * (exit 2) naming the flag or the variable it came from.
 */
export function prometheusTimeoutOption(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): PrometheusTimeout {
  if (flag !== undefined && flag.trim() === '') throw new UserError(`--prometheus-timeout must be a positive number of seconds, got ""`);
  const fromEnv = flag === undefined && (env[PROMETHEUS_TIMEOUT_ENV]?.trim() ?? '') !== '';
  const name = fromEnv ? PROMETHEUS_TIMEOUT_ENV : '--prometheus-timeout';
  try {
    return { timeoutMs: prometheusTimeoutMsFromSeconds(fromEnv ? env[PROMETHEUS_TIMEOUT_ENV] : flag, name), timeoutHint: fromEnv ? `$${PROMETHEUS_TIMEOUT_ENV}` : '--prometheus-timeout' };
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}
