/**
 * The Prometheus of an experiment plan: the client options a plan run asks with (runPlan), and the check before a run
 * writes, scales or sends anything (reachabilityFailure on that same client), for `mora experiment run` and VS Code's
 * Run Load Experiment alike.
 */
import { authFromEnv, type PrometheusAuth, type PrometheusClient, type PrometheusClientOptions } from '../prometheus/client';
import type { PrometheusError } from '../prometheus/errors';
import { reachabilityFailure } from '../prometheus/reachability';
import type { ExperimentPlan } from './plan-file';

/** Where a plan's Prometheus URL is set: named by the errors that call for changing it. */
export const PLAN_PROMETHEUS_HINT = 'the plan\'s "prometheus:" field';

/** The Prometheus settings of a plan run (PlanRunHooks' own fields). */
export interface PlanPrometheusSettings {
  /** A client to ask instead of one built from the plan (tests). */
  prometheus?: Pick<PrometheusClient, 'query'>;
  /** Default: the environment's (MORA_PROMETHEUS_TOKEN, MORA_PROMETHEUS_USERNAME/PASSWORD). */
  prometheusAuth?: PrometheusAuth;
  prometheusMatchers?: string;
  prometheusHeaders?: Record<string, string>;
  /** MOrA's own timeout of each Prometheus request (--prometheus-timeout, mora.prometheus.timeoutSeconds); default 30 s. */
  prometheusTimeoutMs?: number;
  /** Where that timeout is set, named by its messages (PrometheusClientOptions.timeoutHint). */
  prometheusTimeoutHint?: string;
  /** PrometheusClientOptions.onNote of the client built from the plan (a read split after a timeout); `mora experiment run` says it on stderr. */
  onPrometheusNote?: (note: string) => void;
}

/** The options of the client a plan run builds: the plan's URL with the settings' auth (else the environment's), matchers and headers. */
export function planPrometheusOptions(plan: Pick<ExperimentPlan, 'prometheusUrl'>, settings: PlanPrometheusSettings): PrometheusClientOptions {
  return { url: plan.prometheusUrl, auth: settings.prometheusAuth ?? authFromEnv(), matchers: settings.prometheusMatchers, headers: settings.prometheusHeaders,
    timeoutMs: settings.prometheusTimeoutMs, timeoutHint: settings.prometheusTimeoutHint, onNote: settings.onPrometheusNote };
}

/**
 * reachabilityFailure on the Prometheus the run will ask (the settings' client, else planPrometheusOptions), its errors
 * naming the plan's field: the error that must stop the run before anything is written, scaled or sent, or undefined.
 */
export function planReachabilityFailure(plan: Pick<ExperimentPlan, 'prometheusUrl'>, settings: PlanPrometheusSettings, signal?: AbortSignal): Promise<PrometheusError | undefined> {
  return reachabilityFailure(settings.prometheus ?? { ...planPrometheusOptions(plan, settings), urlHint: PLAN_PROMETHEUS_HINT }, signal);
}
