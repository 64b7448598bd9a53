/**
 * `mora health --prometheus <url> [--kubeconfig <file>] [--context <names>]`: checks what a live cluster needs, one line
 * per check: Prometheus reachable, cAdvisor series, kube-state-metrics, application metrics, the Kubernetes API — of
 * the kubeconfig's current context, or of the contexts --context names.
 * Exit 0 when every required check passes, 3 when a data source is unreachable, 2 when it answers but lacks data or the
 * input is wrong (a missing or unreadable kubeconfig, a malformed URL) — the same codes `mora recommend` gives. Stale
 * cAdvisor usage (the newest samples old, the history still there: cluster.ts) is a warning, as `mora recommend` warns.
 * The report goes to stdout whatever the exit code (README § Exit codes lists health among the exceptions): the failing
 * checks are what a CI script wants to read (`mora health -f json | jq '.checks[] | select(.ok == false)'`), so JSON
 * is valid on stdout in both cases; one line on stderr says how many required checks failed. A usage error (a bad
 * flag, a missing --kubeconfig file) prints no report: stdout empty, one line on stderr, as everywhere.
 * The Prometheus checked, and why that one, is said in the prometheus line and in the JSON's `prometheus`.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { findKubeconfig, noKubeconfigMessage } from '../../data/kube/kubeconfig';
import { EXIT_UNREACHABLE, EXIT_USAGE, UserError } from '../errors';
import { CONNECT_TIMEOUT_FLAG, CONNECT_TIMEOUT_HELP, connectTimeoutOption } from './connect-timeout';
import { redactFreeText } from '../../core/redact';
import { forTerminal } from '../format/terminal';
import { terminalWidth, wrapWords } from '../format/table';
import { displayUrl } from '../../data/prometheus/errors';
import { PROMETHEUS_TIMEOUT_FLAG, prometheusTimeoutOption } from './prometheus-timeout';
import { PROMETHEUS_TIMEOUT_ENV } from '../../data/prometheus/timeout';
import { collectPrometheusHeader, prometheusHeaderSecrets, prometheusQueryOptions, PROMETHEUS_CREDENTIALS_HELP, PROMETHEUS_HEADER_FLAG, PROMETHEUS_HEADER_HELP, PROMETHEUS_MATCHERS_FLAG, PROMETHEUS_MATCHERS_HELP, type PrometheusQueryFlags } from './prometheus-options';

export interface HealthCliOptions extends PrometheusQueryFlags {
  prometheus?: string;
  prometheusSelector?: string;
  kubeconfig?: string;
  /** --context: the kubeconfig context(s) to check, comma-separated (default: the current one). */
  context?: string;
  /** --connect-timeout, seconds. */
  connectTimeout?: string;
  kubernetes?: boolean;
  format: string;
  /** --timeout, seconds (default 10): every request's, Prometheus' unless --prometheus-timeout or its variable is set. */
  timeout: string;
  /** --prometheus-timeout, seconds: MOrA's own timeout of each Prometheus request (prometheus-timeout.ts). */
  prometheusTimeout?: string;
  /** --timeout was typed (not its default): it wins over $MORA_PROMETHEUS_TIMEOUT. */
  timeoutGiven?: boolean;
  /** --prometheus came from $MORA_PROMETHEUS_URL (the option's default), not the command line. */
  prometheusFromEnv?: boolean;
}

/** The Prometheus tried when nothing names one and there is no kubeconfig to discover it through. */
export const HEALTH_DEFAULT_PROMETHEUS = 'http://127.0.0.1:9090';

export function register(program: Command): void {
  program
    .command('health')
    .description('Check the live-cluster data path: Prometheus, cAdvisor, kube-state-metrics, app metrics, Kubernetes API')
    .option('--prometheus <url>', `Prometheus base URL (${PROMETHEUS_CREDENTIALS_HELP}); default $MORA_PROMETHEUS_URL, `
      + `else found in the cluster of the kubeconfig and queried through the API server, else (no kubeconfig) ${HEALTH_DEFAULT_PROMETHEUS}; the prometheus line says which was checked and why`, process.env.MORA_PROMETHEUS_URL || undefined)
    .option('--prometheus-selector <labels>', 'label selector of the Prometheus Service, tried before the known ones when discovering')
    .option(PROMETHEUS_MATCHERS_FLAG, PROMETHEUS_MATCHERS_HELP)
    .option(PROMETHEUS_HEADER_FLAG, PROMETHEUS_HEADER_HELP, collectPrometheusHeader)
    .option('--kubeconfig <file>', 'kubeconfig to check (default: $KUBECONFIG or ~/.kube/config when present)')
    .option('--context <names>', 'check this kubeconfig context (several: a,b) instead of the current one')
    .option(CONNECT_TIMEOUT_FLAG, CONNECT_TIMEOUT_HELP)
    .option('--no-kubernetes', 'skip the Kubernetes API check')
    .option(PROMETHEUS_TIMEOUT_FLAG, `MOrA's own timeout of each Prometheus request, in seconds; default --timeout when typed, else $${PROMETHEUS_TIMEOUT_ENV}, else --timeout's 10`)
    .option('--timeout <seconds>', 'per-request timeout (Prometheus\'s too, unless --prometheus-timeout is given)', '10')
    .option('-f, --format <format>', 'text or json (the report is on stdout whatever the exit code: JSON {"ok": false, …} when a check failed)', 'text')
    .action(async (opts: HealthCliOptions, cmd: Command) => {
      if (opts.prometheus !== undefined && cmd.getOptionValueSource('prometheus') === 'default') opts.prometheusFromEnv = true;
      if (cmd.getOptionValueSource('timeout') !== 'default') opts.timeoutGiven = true;
      const { text, code, failed } = await healthCommand(opts);
      process.stdout.write(text);
      if (code) {
        process.stderr.write(`mora: health: ${failed.length} required check${failed.length === 1 ? '' : 's'} failed (${forTerminal(failed.join(', '))}): the report is on stdout\n`);
        process.exitCode = code;
      }
    });
}

/** Which Prometheus a health run checks, and why that one (said in its line and the JSON's `prometheus`). */
export function healthPrometheus(opts: Pick<HealthCliOptions, 'prometheus' | 'prometheusFromEnv'>, kubeconfigFound: boolean): { url?: string; from: 'flag' | 'env' | 'discovery' | 'default'; why: string } {
  if (opts.prometheus !== undefined) {
    return opts.prometheusFromEnv ? { url: opts.prometheus, from: 'env', why: 'from $MORA_PROMETHEUS_URL' } : { url: opts.prometheus, from: 'flag', why: 'from --prometheus' };
  }
  if (kubeconfigFound) return { from: 'discovery', why: 'found in the cluster through the API server (no --prometheus or $MORA_PROMETHEUS_URL)' };
  return { url: HEALTH_DEFAULT_PROMETHEUS, from: 'default', why: `${HEALTH_DEFAULT_PROMETHEUS} is the default: no --prometheus, no $MORA_PROMETHEUS_URL, and no kubeconfig to find Prometheus in the cluster through` };
}

export async function healthCommand(opts: HealthCliOptions): Promise<{ text: string; code: number; failed: string[] }> {
  const format = opts.format.toLowerCase();
  if (format !== 'text' && format !== 'json') throw new UserError(`--format must be text or json, got "${opts.format}"`);
  const timeout = Number(opts.timeout);
  if (!(timeout > 0)) throw new UserError(`--timeout must be a positive number of seconds, got "${opts.timeout}"`);
  const connectTimeoutMs = connectTimeoutOption(opts.connectTimeout);
  // --prometheus-timeout, else a typed --timeout, else $MORA_PROMETHEUS_TIMEOUT, else --timeout's default (10 s).
  const ownTimeout = opts.prometheusTimeout !== undefined || !opts.timeoutGiven ? prometheusTimeoutOption(opts.prometheusTimeout) : { timeoutMs: undefined };
  const prometheusTimeoutMs = ownTimeout.timeoutMs ?? timeout * 1000;
  const prometheusTimeoutHint = ownTimeout.timeoutMs !== undefined ? ownTimeout.timeoutHint : '--timeout or --prometheus-timeout';
  const { prometheusMatchers, prometheusHeaders } = prometheusQueryOptions(opts);
  // The headers' credentials (not tenant ids: headers.ts) never reach the output, whatever a server echoes into a
  // message: each check's message is redacted, its name and the JSON's structure never.
  const secrets = prometheusHeaderSecrets(opts);
  if (opts.kubeconfig && !existsSync(opts.kubeconfig)) throw new UserError(`--kubeconfig ${opts.kubeconfig}: no such file`);
  const contexts = opts.context === undefined ? undefined : opts.context.split(',').map((c) => c.trim());
  if (contexts?.some((c) => c === '')) throw new UserError(`--context "${opts.context}": an empty context name`);
  // As kubectl finds it: --kubeconfig, KUBECONFIG (several files), ~/.kube/config, or a pod's service account.
  const found = findKubeconfig({ explicit: opts.kubeconfig });
  const kubernetes = opts.kubernetes !== false && found.kind !== 'none';
  const { ClusterDataSource, worstProblem } = require('../../data/cluster') as typeof import('../../data/cluster');
  const chosen = healthPrometheus(opts, found.kind !== 'none');
  const source = new ClusterDataSource({ prometheusUrl: chosen.url, prometheusSelector: opts.prometheusSelector, prometheusMatchers, prometheusHeaders, kubeconfig: opts.kubeconfig, connectTimeoutMs, prometheusTimeoutMs, prometheusTimeoutHint });
  if (contexts && found.kind === 'none') throw new UserError(`--context ${opts.context}: ${noKubeconfigMessage(found, 'pass --kubeconfig <file>')}`);
  const checks = await source.checks({ kubernetes, contexts });
  // A URL MOrA chose (the default) or took from the environment is said with why, so "refused the connection" at
  // 127.0.0.1:9090 is not read as the cluster's Prometheus being down. Discovery's own line names the Service it found.
  if (chosen.from === 'default' || chosen.from === 'env') {
    const shownUrl = displayUrl(chosen.url!);
    for (const c of checks) if (/^prometheus\b/.test(c.name)) c.message = `${c.message} (${c.message.includes(shownUrl) ? '' : `${shownUrl}: `}${chosen.why})`;
  }
  if (!kubernetes && opts.kubernetes !== false) {
    checks.push({ name: 'kubernetes', ok: false, required: false, message: found.kind === 'none' ? noKubeconfigMessage(found, 'pass --kubeconfig to check the Kubernetes API') : 'not checked' });
  }
  // A stale check (cAdvisor's newest samples old, the history still there: cluster.ts) warns, it does not fail the run.
  const failed = checks.filter((c) => c.required && !c.ok && !c.stale);
  // The same fault gives the same code as in `mora recommend`: a missing or unreadable kubeconfig (or a bad URL) is
  // bad input (2) even when another source is also down; otherwise an unreachable server is 3, missing data 2.
  const problem = worstProblem(failed);
  const code = failed.length === 0 ? 0 : problem === 'unreachable' ? EXIT_UNREACHABLE : EXIT_USAGE;
  const shown = redactFreeText(checks, secrets);
  const names = failed.map((c) => c.name);
  const prometheus = { from: chosen.from, ...(chosen.url !== undefined ? { url: displayUrl(chosen.url) } : {}) };
  if (format === 'json') return { text: `${JSON.stringify({ ok: failed.length === 0, prometheus, checks: shown }, null, 2)}\n`, code, failed: names };
  return { text: `${healthLines(shown, terminalWidth()).join('\n')}\n`, code, failed: names };
}

/**
 * The text lines: one per check, except that checks failing (or warning) with the very same message — one fault, such
 * as a kubeconfig's missing client-certificate file, breaks Prometheus discovery and the Kubernetes check alike — share
 * one line naming them all, where the first of them stood ("FAIL prometheus, kubernetes: …"), as `mora recommend`
 * says it once. JSON keeps a record per check. At a `width` (the terminal's), a long message wraps under the check's name,
 * indented past the status; a command in it to copy (`kubectl config use-context <name>`) stays on one line.
 */
export function healthLines(checks: ReadonlyArray<{ name: string; ok: boolean; required: boolean; message: string; stale?: boolean }>, width = Infinity): string[] {
  const groups = new Map<string, { status: string; names: string[]; message: string }>();
  checks.forEach((c, i) => {
    const status = c.ok ? 'ok  ' : c.required && !c.stale ? 'FAIL' : 'warn';
    const key = c.ok ? `#${i}` : `${status}\n${c.message}`;
    const g = groups.get(key);
    if (g) g.names.push(c.name);
    else groups.set(key, { status, names: [c.name], message: c.message });
  });
  return [...groups.values()].flatMap((g) => wrapWords(`${g.status} ${g.names.join(', ')}: ${g.message}`, width, '     ').slice(0, -1).split('\n'));
}
