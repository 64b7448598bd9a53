/**
 * `mora experiment --target <url> --prometheus <url> --levels 10,50,100 --duration 90s --out <dir>`: drives a service
 * through load levels (requests/s) with real HTTP load while Prometheus scrapes it, then writes the unified CSV and
 * the JSON of the experiment. Ctrl-C (or SIGTERM, or SIGHUP: the terminal closed) stops the running level and writes
 * the completed levels as a partial result (exit code 130); later signals wait for that (signals under 0.2 s after a
 * press's first, as `timeout`'s second SIGTERM or npx's copy of a Ctrl-C, are that press), and a third press at least
 * 0.2 s and within 3 s after the one before quits at once, saying what it leaves undone. With `--workload … --replicas`,
 * the workload's original replica count is put back at the end, on error and on interrupt (and noted in the JSON from
 * the start); after a kill -9 the next run in the same --out folder takes the original count from that note.
 * A signal before the run starts (Prometheus and the target checked) has nothing to restore: one line, 'mora:
 * interrupted (SIGINT) before anything was written; nothing was changed', exit 130.
 * A target that answers no request fails the run: exit 3, one line. Before anything is written the target gets one GET
 * (not when --workload is scaled first): one that refuses connections or whose host is not found is exit 3, one line,
 * nothing written. Waiting for Prometheus' first scrapes of the target (up to 10 scrape intervals + 5 s) says so on
 * stderr: for how long at most, every 30 s how far, and when they are there.
 */
import type { Command } from 'commander';
import { EXIT_FAILURE, EXIT_PARTIAL, EXIT_UNREACHABLE, UserError } from '../errors';
import { CONNECT_TIMEOUT_FLAG, CONNECT_TIMEOUT_HELP, connectTimeoutOption } from './connect-timeout';
import { INTERRUPT_SIGNALS, QUIT_HINT, RestoreSignals, dropOutputErrors, interruptedBeforeWriting } from './interrupt-signals';
import { PROMETHEUS_CREDENTIALS_HELP } from './prometheus-options';
import { PROMETHEUS_TIMEOUT_FLAG, PROMETHEUS_TIMEOUT_HELP, prometheusTimeoutOption } from './prometheus-timeout';
import type { WorkloadKind } from '../../core/workload';

export interface ExperimentCliOptions {
  target: string;
  prometheus: string;
  levels: string;
  duration: string;
  out: string;
  service?: string;
  replicas?: string;
  kubeconfig?: string;
  context?: string;
  /** --connect-timeout, seconds. */
  connectTimeout?: string;
  /** --prometheus-timeout (prometheus-timeout.ts), seconds; also read by `experiment run`. */
  prometheusTimeout?: string;
  scrapeInterval: string;
  selector?: string;
  workload?: string;
  namespace?: string;
  container?: string;
  connections?: string;
  format: string;
}

/** "20s", "2m", "1h", "1m30s" or plain seconds → seconds. */
export function parseDuration(flag: string, raw: string): number {
  const s = raw.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0, m: RegExpExecArray | null, consumed = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as const)[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed = re.lastIndex;
  }
  if (!s || consumed !== s.length || !(total > 0)) throw new UserError(`${flag} "${raw}" is not a duration; use e.g. 20s, 2m, 1m30s or seconds`);
  return total;
}

export function parseLevels(raw: string): number[] {
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) throw new UserError('--levels is empty; give request rates like 10,50,100');
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isFinite(n) || n <= 0) throw new UserError(`--levels: "${p}" is not a positive request rate (requests per second)`);
    return n;
  });
}

const KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

export function register(program: Command): void {
  const experiment = program
    .command('experiment')
    .description('Run a load experiment: real HTTP load per level while Prometheus scrapes, then write the 12 metrics as CSV + JSON (or: mora experiment run <plan>)')
    // Checked in the action rather than as commander's required options, which would also be demanded of `experiment run`.
    .option('--target <url>', 'the service URL to load (http or https; one GET checks it first, unless --workload is scaled: refused connections or an unknown host is exit 3, nothing written) (required)')
    .option('--prometheus <url>', `Prometheus base URL (${PROMETHEUS_CREDENTIALS_HELP})`, process.env.MORA_PROMETHEUS_URL ?? 'http://127.0.0.1:9090')
    .option(PROMETHEUS_TIMEOUT_FLAG, PROMETHEUS_TIMEOUT_HELP)
    .option('--levels <rates>', 'comma-separated load levels in requests/s, e.g. 10,50,100 (required)')
    .option('--duration <time>', 'time per level, e.g. 20s or 2m; each level is summarised over the rows whose rate window (4 scrapes) lies inside it, so the default 90s gives 3 rows at the default 15s scrape', '90s')
    .option('--out <dir>', 'folder for <id>.csv and <id>.json (required)')
    .option('--service <name>', 'name recorded in the files (default: the target host)')
    .option('--replicas <list>', 'replica counts, e.g. 1,2,4: with --workload MOrA scales it to each (waiting for ready pods) and runs one experiment per count; without, the count is only recorded (default 1)')
    .option('--kubeconfig <file>', 'kubeconfig for --workload scaling (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context for --workload scaling (default: the current context)')
    .option(CONNECT_TIMEOUT_FLAG, `with --workload scaling: ${CONNECT_TIMEOUT_HELP}`)
    .option('--scrape-interval <time>', "Prometheus' scrape interval for the target (sets step and rate window)", '15s')
    .option('--selector <matchers>', 'PromQL label matchers of the target\'s series, e.g. job="checkout" (default: instance="<host:port>")')
    .option('--workload <kind/name>', 'a Kubernetes workload: read CPU/memory from cAdvisor for it, e.g. Deployment/checkout')
    .option('--namespace <ns>', 'namespace of --workload', 'default')
    .option('--container <name>', 'container of --workload')
    .option('--connections <n>', 'concurrent connections (default: rate / 10, at least 1)')
    .option('--format <format>', 'text or json', 'text')
    .action(async (opts: ExperimentCliOptions, cmd: Command) => {
      for (const [key, flag] of [['target', '--target <url>'], ['levels', '--levels <rates>'], ['out', '--out <dir>']] as const) {
        if (opts[key] === undefined) cmd.error(`error: required option '${flag}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
      }
      const code = await experimentCommand(opts, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
      if (code) process.exitCode = code;
    });
  (require('./experiment-run') as typeof import('./experiment-run')).registerRun(experiment);
  (require('./experiment-report') as typeof import('./experiment-report')).registerReport(experiment);
  (require('./experiment-jmx') as typeof import('./experiment-jmx')).registerJmxTemplate(experiment);
}

/** Runs the command; returns the exit code (0, or 130 when interrupted). */
export async function experimentCommand(opts: ExperimentCliOptions, out: (s: string) => void, err: (s: string) => void, signal?: AbortSignal): Promise<number> {
  const format = opts.format.toLowerCase();
  if (format !== 'text' && format !== 'json') throw new UserError(`--format must be text or json, got "${opts.format}"`);
  const levels = parseLevels(opts.levels);
  const durationSeconds = parseDuration('--duration', opts.duration);
  const scrapeIntervalSeconds = parseDuration('--scrape-interval', opts.scrapeInterval);
  const { timeoutMs: prometheusTimeoutMs, timeoutHint: prometheusTimeoutHint } = prometheusTimeoutOption(opts.prometheusTimeout);
  const replicaCounts = (opts.replicas ?? '1').split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`--replicas: "${p}" is not a whole number ≥ 1`);
    return n;
  });
  if (!replicaCounts.length) throw new UserError('--replicas is empty; give e.g. 1 or 1,2,4');
  let workload: { namespace: string; kind: WorkloadKind; name: string; container?: string } | undefined;
  if (opts.workload) {
    const [kind, name] = opts.workload.split('/');
    const k = KINDS.find((x) => x.toLowerCase() === (kind ?? '').toLowerCase());
    if (!k || !name) throw new UserError(`--workload must be <kind>/<name> with kind one of ${KINDS.join(', ')}, got "${opts.workload}"`);
    workload = { namespace: opts.namespace ?? 'default', kind: k, name, container: opts.container };
  }
  let host: string;
  const { redact } = require('../../data/prometheus/errors') as typeof import('../../data/prometheus/errors');
  try {
    const u = new URL(opts.target);
    host = u.host;
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`--target "${redact(opts.target, [])}" is not an http(s) URL (the scheme is ${u.protocol.replace(/:$/, '')}); expected e.g. http://127.0.0.1:8080/`);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`--target "${redact(opts.target, [])}" is not a URL; expected e.g. http://127.0.0.1:8080/`);
  }
  const connectTimeoutMs = connectTimeoutOption(opts.connectTimeout);
  const connections = opts.connections === undefined ? undefined : Number(opts.connections);
  if (connections !== undefined && (!Number.isInteger(connections) || connections < 1)) throw new UserError(`--connections must be a whole number ≥ 1, got "${opts.connections}"`);

  if (replicaCounts.length > 1 && !workload) throw new UserError('several --replicas need --workload <kind>/<name> so MOrA can scale it between experiments');
  const scaleIt = workload !== undefined && opts.replicas !== undefined;
  const { runExperimentPlan, kubeScaler } = require('../../data/experiments/plan') as typeof import('../../data/experiments/plan');
  const { PrometheusError } = require('../../data/prometheus/errors') as typeof import('../../data/prometheus/errors');
  const { KubeError } = require('../../data/kube/errors') as typeof import('../../data/kube/errors');
  const controller = new AbortController();
  let scaling: import('../../data/experiments/runner').ScalingNote | undefined;
  // The first signal stops the run; the restore (the completed levels written, the workload scaled back) then runs to
  // its end: later presses are absorbed, the second said; a third within QUIT_WINDOW_MS of the one before quits at once,
  // after saying what is left undone. Signals under COALESCE_MS after a press's first are that press (RestoreSignals).
  const signals = new RestoreSignals();
  let pendingSaid = false;
  /** The run was started (runExperimentPlan called): before, only Prometheus and the target were asked, nothing written. */
  let started = false;
  let stoppedBeforeStart = false;
  const onSignal = (sig?: NodeJS.Signals) => {
    if (sig === 'SIGHUP') dropOutputErrors(); // the terminal is gone: a failed write must not end the restore
    if (!started) {
      // Nothing is running, written or scaled yet: one line, the checks stop (exit 130); later signals are absorbed.
      if (!stoppedBeforeStart) err(`mora: ${interruptedBeforeWriting(sig ?? 'SIGINT')}\n`);
      stoppedBeforeStart = true;
      controller.abort();
      return;
    }
    const name = sig && sig !== 'SIGINT' ? sig : 'Ctrl-C';
    const scaledBack = scaling && !scaling.restored && !scaling.restoreSkipped ? ` and scaling ${scaling.workload} back to ${scaling.originalReplicas}` : '';
    const taken = signals.take();
    if (taken === 'first') {
      err(`\nmora: interrupted — the running level is dropped; writing the completed levels${scaledBack} (${QUIT_HINT})\n`);
      controller.abort();
      return;
    }
    if (taken === 'wait') {
      err(`mora: ${name} again: still writing the completed levels${scaledBack} into the record in ${opts.out} — please wait; ${signals.waitHint()}, leaving it undone\n`);
      return;
    }
    if (taken === 'absorbed') return;
    if (scaling && !scaling.restored && !scaling.restoreSkipped) {
      err(`mora: quitting at once — ${scaling.workload} in namespace ${scaling.namespace} may still be scaled; its original ${scaling.originalReplicas} replica(s) are noted in the experiment JSON in ${opts.out}; restore with: ${scaling.restoreCommand}\n`);
    }
    err(`mora: quitting at once (${name}, a third press): the record in ${opts.out} may still say "running", without the completed levels' CSV\n`);
    process.exit(130);
  };
  for (const sig of INTERRUPT_SIGNALS) process.on(sig, onSignal);
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  try {
    let scaler;
    if (scaleIt && workload) {
      const { KubeClient } = require('../../data/kube/client') as typeof import('../../data/kube/client');
      const kube = KubeClient.load({ kubeconfig: opts.kubeconfig, connectTimeoutMs });
      scaler = kubeScaler(kube, { context: opts.context ?? kube.currentContext(), namespace: workload.namespace, kind: workload.kind, name: workload.name });
    }
    // Prometheus is reachable before anything is written or sent (and before a workload is read or scaled): an
    // unreachable one has measured nothing, so --out stays as it was (not created, no record "failed"), exit 3.
    // reachabilityFailure (src/data/prometheus/reachability.ts) says which failures stop a run: no connection or the
    // credentials refused. Any other answer lets the run go on; the runner checks again (the target's first scrapes),
    // and a failure from there on is recorded, as a run that started.
    const { authFromEnv } = require('../../data/prometheus/client') as typeof import('../../data/prometheus/client');
    const { reachabilityFailure, nothingSentMessage } = require('../../data/prometheus/reachability') as typeof import('../../data/prometheus/reachability');
    const failure = await reachabilityFailure({ url: opts.prometheus, auth: authFromEnv(), urlHint: '--prometheus', timeoutMs: prometheusTimeoutMs, timeoutHint: prometheusTimeoutHint }, controller.signal);
    if (controller.signal.aborted) return 130; // Ctrl-C before anything was sent or written
    if (failure) throw new UserError(nothingSentMessage(failure), EXIT_UNREACHABLE);
    // The target takes connections, before the run waits up to 10 scrape intervals for its first scrapes and writes a
    // record: one GET (target-check.ts), unless every run scales --workload first (targetCheckedFirst, the rule the plan
    // form uses too): it may only answer once scaled.
    const { targetCheckedFirst, targetUnreachable } = require('../../data/experiments/target-check') as typeof import('../../data/experiments/target-check');
    if (targetCheckedFirst(replicaCounts.map(() => ({ scalesWorkload: scaleIt })))) {
      const down = await targetUnreachable(opts.target, { signal: controller.signal });
      if (controller.signal.aborted) return 130;
      if (down) throw new UserError(`${down} check --target; nothing was sent or written`, EXIT_UNREACHABLE);
    }
    if (controller.signal.aborted) return 130;
    started = true;
    const results = await runExperimentPlan({
      service: opts.service ?? host,
      targetUrl: opts.target,
      prometheusUrl: opts.prometheus,
      levels, durationSeconds, replicas: replicaCounts,
      outDir: opts.out,
      scrapeIntervalSeconds,
      selector: opts.selector,
      workload,
      connections,
    }, scaler, {
      signal: controller.signal,
      prometheusTimeoutMs, prometheusTimeoutHint,
      // A read-back split after a timeout (Prometheus' own or MOrA's): said once on stderr, as `mora recommend` says it.
      onPrometheusNote: (note) => err(`mora: ${note}\n`),
      onScale: (r) => err(`scaling ${workload?.kind}/${workload?.name} to ${r} replica(s) and waiting until they are ready\n`),
      // An earlier run killed before it restored: its note has the original count (said instead of the live one).
      onPending: (message) => { pendingSaid = true; err(`${message}, and puts it back when the plan ends\n`); },
      onScaling: (note) => {
        const first = scaling === undefined;
        scaling = note;
        if (first && pendingSaid) return; // onPending said it
        if (first) err(`${note.workload} in namespace ${note.namespace} has ${note.originalReplicas} replica(s); MOrA puts that back when the plan ends\n`);
        else if (note.restored) err(`restored ${note.workload} to ${note.originalReplicas} replica(s)\n`);
        else if (note.restoreError) err(`mora: could not restore ${note.workload} to ${note.originalReplicas} replica(s): ${note.restoreError} — restore with: ${note.restoreCommand}\n`);
        else if (note.restoreSkipped) err(`mora: warning: ${note.restoreSkipped}\n`);
      },
      onProgress: (e) => {
        if (e.phase === 'level-start') err(`level ${e.index + 1}/${e.total}: ${e.level} req/s for ${durationSeconds} s\n`);
        else if (e.phase === 'level-done') {
          // A level served well short of its asked rate (runner.ts levelSaturation) says so here too, not only in the JSON.
          const saturated = e.saturated ? `, saturated (served ${e.stats.achievedRate.toFixed(1)} of the asked ${e.level.toFixed(1)} req/s)` : '';
          err(`  ${e.stats.requests} answered (${e.stats.achievedRate.toFixed(1)}/s), ${e.stats.non2xx} non-2xx, ${e.stats.errors} errors, p99 ${e.stats.latencyP99Ms} ms${saturated}\n`);
          if (e.failed) err(`  level failed: ${e.failed}\n`);
        }
        else if (e.phase === 'scrapes') {
          const w = e.wait;
          if (w.state === 'start') err(`waiting up to ${w.seconds} s for Prometheus at ${redact(opts.prometheus, [])} to scrape ${redact(opts.target, [])} twice (${w.query}); Ctrl-C stops\n`);
          else if (w.state === 'still') err(`  still waiting: ${w.waited} s so far, at most ${w.left} s more; ${w.scrapes} scrape(s) of the target seen\n`);
          else err(`Prometheus scrapes the target (after ${w.waited} s)\n`);
        }
        else if (e.phase === 'settling') err(`waiting ${e.seconds} s for the last scrape\n`);
        else if (e.phase === 'querying') err('reading the 12 metrics from Prometheus\n');
      },
    });
    const docs = results.map((result) => ({ status: result.document.status, replicas: result.document.config.replicas, csv: result.csvPath, json: result.jsonPath, summary: result.document.summary, validation: result.document.validation }));
    if (format === 'json') out(`${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`);
    else {
      for (const d of docs) {
        out(`${d.status} (${d.replicas} replica${d.replicas === 1 ? '' : 's'}): ${d.csv ?? '(no rows)'}\n  ${d.json}\n`);
        for (const l of d.summary?.levels ?? []) {
          const m = l.means;
          out(`  ${String(l.level).padStart(6)} req/s → served ${fmt(m.request_rate, 1)}/s, CPU ${fmt(m.cpu_usage, 3)} cores, memory ${fmt((m.memory_working_set ?? NaN) / 2 ** 20, 0)} MiB, p95 ${fmt((m.latency_p95 ?? NaN) * 1000, 1)} ms\n`);
        }
        for (const msg of d.validation?.messages ?? []) out(`  data: ${msg}\n`);
        for (const q of d.summary?.missing ?? []) out(`  missing ${q.metric}: no samples for ${q.selector}\n`);
      }
    }
    const restoreFailed = scaling?.restoreError !== undefined;
    if (docs.some((d) => d.status === 'partial') || controller.signal.aborted) return 130;
    const failed = results.find((r) => r.document.status === 'failed');
    if (failed) {
      throw new UserError(`${failed.document.error ?? 'every level failed'} (run written to ${failed.jsonPath})`, EXIT_UNREACHABLE);
    }
    if (restoreFailed) return EXIT_FAILURE;
    // Some levels failed and others were measured: the run is written and usable, but a script should notice (exit 4).
    const failedLevels = results.flatMap((r) => r.document.timings.levels.filter((l) => l.failed).map((l) => `${l.level} req/s at ${r.document.config.replicas} replica(s): ${l.failed}`));
    if (failedLevels.length) {
      err(`mora: partial: ${failedLevels.length} level(s) failed (marked in the JSON's timings.levels): ${failedLevels.join('; ')}\n`);
      return EXIT_PARTIAL;
    }
    return 0;
  } catch (e) {
    if (e instanceof PrometheusError) throw new UserError(e.message, e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'http' ? EXIT_UNREACHABLE : 2);
    if (e instanceof KubeError) throw new UserError(e.message, e.kind === 'unreachable' ? EXIT_UNREACHABLE : 2);
    // Another run (a plan or an experiment) holding its lock scales the workload now (other-notes.ts): one line, nothing changed.
    if (e instanceof Error && (e.name === 'WorkloadScaledElsewhereError' || e.name === 'PlanLockedError')) throw new UserError(e.message);
    if (e instanceof Error && /^(no load levels|load level|duration must|replicas must|target "|no replica counts|several replica counts)/.test(e.message)) throw new UserError(e.message);
    throw e;
  } finally {
    for (const sig of INTERRUPT_SIGNALS) process.removeListener(sig, onSignal);
  }
}

function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}
