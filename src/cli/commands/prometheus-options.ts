/**
 * `--prometheus-matchers` and `--prometheus-header` of every command that reads Prometheus (recommend, recommend
 * --in-cluster, health): one definition of the flags, their help and their checks, so each command parses them alike.
 * Header values may be tenant ids or credentials: never echoed (parseHeader's errors name the header, not the value),
 * and `prometheusHeaderSecrets` gives the credentials to redact from a command's output (not tenant ids: headers.ts).
 */
import { headerSecrets, parseHeaders } from '../../data/prometheus/headers';
import { parseMatchers } from '../../data/prometheus/matchers';
import { UserError } from '../errors';

/**
 * What `--prometheus`' help says about credentials and TLS, the same for every command that takes it (recommend,
 * health, experiment): all read by authFromEnv and PrometheusClient (caFile) from the environment.
 */
export const PROMETHEUS_CREDENTIALS_HELP = 'credentials: MORA_PROMETHEUS_TOKEN or MORA_PROMETHEUS_TOKEN_FILE (bearer), or MORA_PROMETHEUS_USERNAME with MORA_PROMETHEUS_PASSWORD or MORA_PROMETHEUS_PASSWORD_FILE; a private CA for https://: MORA_PROMETHEUS_CA_FILE';
export const PROMETHEUS_MATCHERS_FLAG = '--prometheus-matchers <matchers>';
export const PROMETHEUS_MATCHERS_HELP = 'label matchers added to every Prometheus query, for one cluster of a Prometheus/Thanos/Mimir that holds several (e.g. cluster="prod-eu")';
export const PROMETHEUS_HEADER_FLAG = '--prometheus-header <header>';
export const PROMETHEUS_HEADER_HELP = 'extra header on every Prometheus request, \'Name: value\' (repeatable; e.g. \'X-Scope-OrgID: team-a\' for Mimir/Cortex); a credential\'s value is never printed (a tenant id is not a credential)';

/** Commander's parser of the repeatable --prometheus-header: every value, in order. */
export function collectPrometheusHeader(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The two flags as commander stores them. */
export interface PrometheusQueryFlags {
  prometheusMatchers?: string;
  prometheusHeader?: string[];
}

/**
 * The flags checked, as ClusterDataSourceOptions' prometheusMatchers / prometheusHeaders (and PrometheusClient's
 * matchers / headers); a bad value is a UserError (exit 2) naming the flag, never the header's value.
 */
export function prometheusQueryOptions(flags: PrometheusQueryFlags): { prometheusMatchers?: string; prometheusHeaders?: Record<string, string> } {
  let prometheusMatchers: string | undefined;
  if (flags.prometheusMatchers !== undefined) {
    try {
      prometheusMatchers = parseMatchers(flags.prometheusMatchers);
    } catch (e) {
      throw new UserError(`--prometheus-matchers: ${(e as Error).message}`);
    }
  }
  let prometheusHeaders: Record<string, string> | undefined;
  if (flags.prometheusHeader?.length) {
    try {
      prometheusHeaders = parseHeaders(flags.prometheusHeader);
    } catch (e) {
      throw new UserError(`--prometheus-header: ${(e as Error).message}`);
    }
  }
  return { prometheusMatchers: prometheusMatchers || undefined, prometheusHeaders };
}

/**
 * The secret header values of the flags (credentials, not tenant ids: headerSecrets), to redact from the free text of
 * what a command prints (headers that do not parse: none).
 */
export function prometheusHeaderSecrets(flags: PrometheusQueryFlags): string[] {
  try {
    return headerSecrets(parseHeaders(flags.prometheusHeader ?? []));
  } catch {
    return [];
  }
}
