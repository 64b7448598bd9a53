/**
 * `mora experiment run <plan> [--dry-run] [--yes]`: runs an experiment plan file (docs/EXPERIMENTS.md). It prints the
 * cells and the total load first (`--dry-run` stops there) and asks before sending anything (`--yes` when stdin is
 * not a terminal). Each cell is written as soon as it ends; running the same plan again resumes it. Ctrl-C (or
 * SIGTERM, or SIGHUP: the terminal closed) drops the running cell, restores replica counts and exits 130; later signals
 * wait for that (signals under 0.2 s after a press's first, as npx's copy of a Ctrl-C or `timeout`'s SIGTERM pair, are
 * that press), a third press at least 0.2 s and within 3 s after the one before quits at once.
 * Before asking: Prometheus answers, and each target of the cells still to run that not every cell using it scales a
 * workload first takes connections (target-check.ts, the flag form's and VS Code's rule); else exit 3, nothing written.
 * A signal while these are checked or at the prompt: one line, 'mora: interrupted (SIGINT) before anything was written;
 * nothing was changed', exit 130 (untilWritesListen).
 * At the end: the quality report (one line per cell) and the capacity per service.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT_FAILURE, EXIT_PARTIAL, EXIT_UNREACHABLE, UserError } from '../errors';
import { connectTimeoutOption } from './connect-timeout';
import { prometheusTimeoutOption } from './prometheus-timeout';
import { INTERRUPT_SIGNALS, QUIT_HINT, RestoreSignals, dropOutputErrors, untilWritesListen } from './interrupt-signals';
import type { CellLoadDriver, ExperimentPlan, PlanExpansion } from '../../data/experiments/plan-file';
import type { PlanDocument, PlanRunHooks } from '../../data/experiments/plan-run';
import type { ScalingNote } from '../../data/experiments/runner';
import type { ServiceCapacity } from '../../pipeline/experiment-capacity';

export interface ExperimentRunOptions {
  dryRun?: boolean;
  yes?: boolean;
  kubeconfig?: string;
  context?: string;
  /** --connect-timeout of mora experiment, seconds. */
  connectTimeout?: string;
  /** --prometheus-timeout of mora experiment, seconds (prometheus-timeout.ts). */
  prometheusTimeout?: string;
  format: string;
  jmeter?: string;
}

export function registerRun(experiment: Command): void {
  experiment
    .command('run <plan>')
    .description('Run an experiment plan (*.mora-plan.yaml|json): every service × replica count × load level, each cell written as it ends; rerun to resume')
    .option('--dry-run', 'print the cells and the total load, send nothing')
    .option('--yes', 'do not ask before sending the load (needed when stdin is not a terminal)')
    .option('--jmeter <path>', 'the jmeter binary for .jmx cells (default: MORA_JMETER, then jmeter on PATH)')
    // commander gives options `mora experiment` also has to that command wherever they stand, so these are read from it.
    .addHelpText('after', '\nAlso (options of mora experiment, before or after "run"):\n  --kubeconfig <file>  kubeconfig for scaling the plan\'s workloads (default: $KUBECONFIG or ~/.kube/config)\n  --context <name>     kubeconfig context (default: the current context)\n  --connect-timeout <seconds>  Kubernetes API connect timeout for scaling (default 5; 0 = off)\n  --prometheus-timeout <seconds>  MOrA\'s own timeout of each Prometheus request (default $MORA_PROMETHEUS_TIMEOUT, else 30)\n  --format <format>    text or json (default: text)')
    .action(async (planFile: string, opts: Pick<ExperimentRunOptions, 'dryRun' | 'yes' | 'jmeter'>, cmd: Command) => {
      const parent = (cmd.parent?.opts() ?? {}) as { kubeconfig?: string; context?: string; connectTimeout?: string; prometheusTimeout?: string; format?: string };
      const all: ExperimentRunOptions = { ...opts, kubeconfig: parent.kubeconfig, context: parent.context, connectTimeout: parent.connectTimeout, prometheusTimeout: parent.prometheusTimeout, format: parent.format ?? 'text' };
      const code = await experimentRunCommand(planFile, all, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
      if (code) process.exitCode = code;
    });
}

function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** The cells and the total load, and which workload is scaled in which kube context (`context`: --context, if given). */
export function describeExpansion(plan: ExperimentPlan, e: PlanExpansion, context?: string): string {
  const lines = [`plan ${plan.name}: ${e.cells.length} cell(s), ${e.totalRequests} request(s) in about ${Math.ceil(e.totalSeconds / 60)} min of load; rate cap ${plan.rateCap} req/s; results in ${plan.outDir}`];
  lines.push('  cell                                  scenario   req/s   seconds  requests  target');
  for (const c of e.cells) {
    const to = c.jmx ? `jmx ${c.jmx}` : (c.target ? new URL(c.target).host : '');
    lines.push(`  ${c.id.padEnd(36)}  ${c.scenario.padEnd(8)}  ${String(c.level).padStart(6)}  ${String(c.warmupSeconds + c.durationSeconds).padStart(7)}  ${String(c.requests).padStart(8)}  ${to}`);
  }
  for (const s of plan.services) {
    const w = s.workload;
    if (!w) continue;
    const where = w.context ? `context "${w.context}" (the plan's)` : context ? `context "${context}" (--context)` : "the kubeconfig's current context";
    lines.push(`  scales ${w.namespace}/${w.kind}/${w.name} (service ${s.name}) in ${where}, and puts its count back at the end`);
  }
  return `${lines.join('\n')}\n`;
}

export function qualityTable(doc: PlanDocument): string {
  const lines = ['quality (after warm-up):', '  cell                                  status  asked/s  served/s   p95 ms  errors  SLO   reasons'];
  for (const c of doc.cells) {
    const q = c.quality;
    const status = c.status !== 'done' ? c.status : q?.passed ? 'passed' : 'FAILED';
    const slo = !q ? '' : q.sloMet ? 'met' : q.saturated ? 'sat.' : 'miss';
    lines.push(`  ${c.id.padEnd(36)}  ${status.padEnd(6)}  ${fmt(q?.askedRate, 1).padStart(7)}  ${fmt(c.stats?.achievedRate, 1).padStart(8)}  ${fmt(c.stats?.latencyP95Ms, 1).padStart(7)}  ${q ? `${Math.round(q.errorShare * 100)}%`.padStart(6) : '     –'}  ${slo.padEnd(4)}  ${[...(q?.reasons ?? []), ...(c.error ? [c.error] : [])].join('; ')}`);
  }
  lines.push(`  ${doc.quality.passed} passed, ${doc.quality.failed} failed (left out of capacity), ${doc.quality.pending} not run`);
  return `${lines.join('\n')}\n`;
}

export function capacityTable(caps: readonly ServiceCapacity[]): string {
  const lines = ['capacity per replica within the SLO (95% interval):'];
  for (const c of caps) {
    const k = c.perReplica;
    const rate = k ? `${k.bound === 'at-least' ? '≥ ' : ''}${k.estimate.toFixed(1)} req/s (${k.lower.toFixed(1)}–${k.upper.toFixed(1)})` : 'not measured (no passed cell within the SLO)';
    lines.push(`  ${c.service}: ${rate} within ${c.slo}; CPU ${fmt((c.cpuSecondsPerRequest ?? NaN) * 1000, 2)} ms per request, memory ${fmt((c.memoryPerReplicaBytes ?? NaN) / 2 ** 20, 0)} MiB per replica; ${c.usedCells.length} cell(s) used, ${c.excludedCells.length} left out`);
  }
  return `${lines.join('\n')}\n`;
}

/** The JMeter driver for .jmx cells (src/data/experiments/jmeter.ts), loaded only when the plan has such a cell. */
function jmxDriver(jmeterPath?: string): CellLoadDriver {
  return (req) => (require('../../data/experiments/jmeter') as typeof import('../../data/experiments/jmeter')).jmeterDriver({ jmeterPath })(req);
}

export async function experimentRunCommand(planFile: string, opts: ExperimentRunOptions, out: (s: string) => void, err: (s: string) => void,
  hooks: {
    signal?: AbortSignal; confirm?: (question: string) => Promise<boolean>; stdinIsTty?: boolean;
    /** Tests: runPlan's seams (a fake scaler, Prometheus client, clock); the CLI sets none of them. */
    planRun?: Omit<PlanRunHooks, 'signal' | 'onEvent' | 'jmxDriver'>;
  } = {}): Promise<number> {
  const format = opts.format.toLowerCase();
  if (format !== 'text' && format !== 'json') throw new UserError(`--format must be text or json, got "${opts.format}"`);
  const connectTimeoutMs = connectTimeoutOption(opts.connectTimeout);
  const { timeoutMs: prometheusTimeoutMs, timeoutHint: prometheusTimeoutHint } = prometheusTimeoutOption(opts.prometheusTimeout);
  const { parsePlan, expandPlan, withPrometheusCredentials } = require('../../data/experiments/plan-file') as typeof import('../../data/experiments/plan-file');
  let text: string;
  try {
    text = readFileSync(planFile, 'utf8');
  } catch (e) {
    throw new UserError(`${planFile}: cannot read the plan (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let plan: ExperimentPlan;
  try {
    // A credential left out of the file (the VS Code wizard writes ?token=***) comes from MORA_PROMETHEUS_URL.
    plan = withPrometheusCredentials(parsePlan(text, planFile), [process.env.MORA_PROMETHEUS_URL]);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const expansion = expandPlan(plan);
  // The plan pins the cluster a workload is scaled in; a --context naming another one is a mistake, not an override.
  for (const s of plan.services) {
    if (opts.context && s.workload?.context && s.workload.context !== opts.context) {
      throw new UserError(`--context "${opts.context}" disagrees with the plan: service ${s.name}'s workload is pinned to context "${s.workload.context}" (workload.context); drop --context or change the plan`);
    }
  }
  if (opts.dryRun) {
    if (format === 'json') {
      // A target's credentials (user:password@, ?api_key=…) are used, never shown: the redaction of the plan's record.
      const { redact } = require('../../data/prometheus/errors') as typeof import('../../data/prometheus/errors');
      const cells = expansion.cells.map((c) => (c.target ? { ...c, target: redact(c.target, []) } : c));
      out(`${JSON.stringify({ plan: plan.name, out: plan.outDir, totalRequests: expansion.totalRequests, totalSeconds: expansion.totalSeconds, cells }, null, 2)}\n`);
    } else out(describeExpansion(plan, expansion, opts.context));
    return 0;
  }
  err(describeExpansion(plan, expansion, opts.context));
  // From here until the run listens itself (onSignal below), Ctrl-C, SIGTERM or SIGHUP while Prometheus and the
  // targets are checked or at the prompt ends the run with one line, 'mora: interrupted (SIGINT) before anything was
  // written; nothing was changed', exit 130 (untilWritesListen): nothing is sent, written or scaled yet.
  const beforeRun = untilWritesListen(undefined, err);
  let stoppedBefore: number | undefined;
  try {
    stoppedBefore = await (async (): Promise<number | undefined> => {
      // Prometheus is reachable before anything is written, scaled or sent, and before asking: as the flag form
      // (experiment.ts), planReachabilityFailure (src/data/prometheus/reachability.ts) on the client the run will ask. No
      // connection or refused credentials stop it here, exit 3, and `out` stays as it was — not created, no record
      // `failed`, no lock, no workload read or scaled: nothing was measured. Any other answer lets the run go on; a failure
      // from the first cell on is recorded (`run recorded in …`), as a run that started.
      {
        const { planReachabilityFailure } = require('../../data/experiments/plan-prometheus') as typeof import('../../data/experiments/plan-prometheus');
        const { nothingSentMessage } = require('../../data/prometheus/reachability') as typeof import('../../data/prometheus/reachability');
        const failure = await planReachabilityFailure(plan, { prometheusTimeoutMs, prometheusTimeoutHint }, hooks.signal);
        if (hooks.signal?.aborted) return 130; // cancelled before anything was sent or written
        if (failure) throw new UserError(nothingSentMessage(failure), EXIT_UNREACHABLE);
      }
      // Then the targets of the cells still to run (done ones are skipped, as the run skips them), before asking, the
      // lock, `out` or a workload: one GET to each target that not every cell using it scales a workload before loading
      // (planTargetProblem, src/data/experiments/target-check.ts: the rule of the flag form and VS Code). A refused
      // connection, unknown host or no route is exit 3 (as --target's), one message naming the target(s), services and
      // cells; nothing written.
      {
        const { planTargetProblem } = require('../../data/experiments/target-check') as typeof import('../../data/experiments/target-check');
        const { readPlanDocument, planPaths, cellFingerprint } = require('../../data/experiments/plan-run') as typeof import('../../data/experiments/plan-run');
        let previous: PlanDocument | undefined;
        try {
          previous = readPlanDocument(planPaths(plan).json);
        } catch (e) {
          throw new UserError((e as Error).message); // an unreadable record: the error runPlan would give
        }
        const fingerprints = new Map(expansion.cells.map((c) => [c.id, cellFingerprint(c)]));
        const done = new Set((previous?.cells ?? []).filter((c) => c.status === 'done' && fingerprints.get(c.id) === c.fingerprint).map((c) => c.id));
        const down = await planTargetProblem(expansion.cells, { skip: done, signal: hooks.signal });
        if (hooks.signal?.aborted) return 130; // cancelled before anything was sent or written
        if (down) throw new UserError(`experiment plan ${plan.name}: ${down}`, EXIT_UNREACHABLE);
      }
      if (!opts.yes) {
        const tty = hooks.stdinIsTty ?? process.stdin.isTTY === true;
        if (!tty) throw new UserError('mora experiment run sends real load: pass --yes to run without asking (stdin is not a terminal), or --dry-run to only list the cells');
        const ask = hooks.confirm ?? (require('./apply-to-cluster') as typeof import('./apply-to-cluster')).askOnTerminal;
        if (!await ask(`Send this load (already done cells are skipped)? [y/N] `)) {
          err('mora: nothing sent\n');
          return 1;
        }
      }
      return undefined;
    })();
  } catch (e) {
    beforeRun.stop();
    throw e;
  }
  if (stoppedBefore !== undefined) {
    beforeRun.stop();
    return stoppedBefore;
  }

  const { runPlan } = require('../../data/experiments/plan-run') as typeof import('../../data/experiments/plan-run');
  const { kubeScaler } = require('../../data/experiments/plan') as typeof import('../../data/experiments/plan');
  const { capacityFromPlan } = require('../../pipeline/experiment-capacity') as typeof import('../../pipeline/experiment-capacity');
  const { PrometheusError } = require('../../data/prometheus/errors') as typeof import('../../data/prometheus/errors');
  const { KubeError } = require('../../data/kube/errors') as typeof import('../../data/kube/errors');
  const { PlanLockedError } = require('../../data/experiments/plan-lock') as typeof import('../../data/experiments/plan-lock');
  const { CellFailedError } = require('../../data/experiments/plan-run') as typeof import('../../data/experiments/plan-run');
  const controller = new AbortController();
  const notes = new Map<string, ScalingNote>();
  // As `mora experiment`: the first press stops the run, the restore runs to its end (later presses absorbed, the
  // second said), a third within QUIT_WINDOW_MS of the one before quits at once after saying what is left undone.
  // Signals under COALESCE_MS after a press's first are that press (npx's copy of a Ctrl-C, timeout's SIGTERM pair).
  const signals = new RestoreSignals();
  const recordPath = (require('../../data/experiments/plan-run') as typeof import('../../data/experiments/plan-run')).planPaths(plan).json;
  const onSignal = (sig?: NodeJS.Signals) => {
    if (sig === 'SIGHUP') dropOutputErrors(); // the terminal is gone: a failed write must not end the restore
    const name = sig && sig !== 'SIGINT' ? sig : 'Ctrl-C';
    const scaled = [...notes.values()].filter((n) => !n.restored && !n.restoreSkipped);
    const scaling = scaled.length ? `; scaling ${scaled.map((n) => `${n.workload} back to ${n.originalReplicas}`).join(', ')}` : '';
    const taken = signals.take();
    if (taken === 'first') {
      err(`\nmora: interrupted — the running cell is dropped (the written ones stay)${scaling} (${QUIT_HINT})\n`);
      controller.abort();
      return;
    }
    if (taken === 'wait') {
      err(`mora: ${name} again: still recording the plan's run in ${recordPath}${scaling} — please wait; ${signals.waitHint()}, leaving it undone\n`);
      return;
    }
    if (taken === 'absorbed') return;
    for (const n of scaled) {
      err(`mora: quitting at once — ${n.workload} in namespace ${n.namespace} may still be scaled; its original ${n.originalReplicas} replica(s) are noted in the plan's JSON (a rerun restores it); by hand: ${n.restoreCommand}\n`);
    }
    err(`mora: quitting at once (${name}, a third press): the record ${recordPath} may still say "running" (a rerun of the plan resumes it)\n`);
    process.exit(130);
  };
  for (const sig of INTERRUPT_SIGNALS) process.on(sig, onSignal);
  beforeRun.stop(); // the run listens now (the same turn: no signal in between takes its default action)
  hooks.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  let kube: import('../../data/kube/client').KubeClient | undefined;
  try {
    const result = await runPlan(plan, {
      prometheusTimeoutMs, prometheusTimeoutHint,
      ...hooks.planRun,
      signal: controller.signal,
      jmxDriver: jmxDriver(opts.jmeter),
      // A read-back split after a timeout (Prometheus' own or MOrA's): said once on stderr, as `mora recommend` says it.
      onPrometheusNote: (note) => err(`mora: ${note}\n`),
      scalerFor: hooks.planRun?.scalerFor ?? ((w) => {
        if (!kube) {
          const { KubeClient } = require('../../data/kube/client') as typeof import('../../data/kube/client');
          kube = KubeClient.load({ kubeconfig: opts.kubeconfig, connectTimeoutMs });
        }
        // The plan's pinned context first (the cluster the plan was made for), then --context, then the current one.
        return kubeScaler(kube, { context: w.context ?? opts.context ?? kube.currentContext(), namespace: w.namespace, kind: w.kind, name: w.name }, { pollMs: 250 });
      }),
      onEvent: (e) => {
        switch (e.kind) {
          case 'resume': err(`${e.message}\n`); break;
          case 'scale': err(`scaling ${e.workload} (service ${e.service}) to ${e.replicas} replica(s) and waiting until they are ready\n`); break;
          case 'scaling': {
            const first = !notes.has(e.service);
            notes.set(e.service, e.note);
            if (e.note.restored) err(`restored ${e.note.workload} to ${e.note.originalReplicas} replica(s)\n`);
            else if (e.note.restoreError) err(`mora: could not restore ${e.note.workload} to ${e.note.originalReplicas} replica(s): ${e.note.restoreError} — restore with: ${e.note.restoreCommand}\n`);
            else if (e.note.restoreSkipped) err(`mora: warning: ${e.note.restoreSkipped}\n`);
            else if (first) err(`${e.note.workload} in namespace ${e.note.namespace} has ${e.note.originalReplicas} replica(s); MOrA puts that back when the service is done\n`);
            break;
          }
          case 'cell-start': err(`cell ${e.position + 1}/${e.pending} ${e.cell.id}: ${e.cell.level} req/s ${e.cell.scenario} for ${e.cell.warmupSeconds + e.cell.durationSeconds} s\n`); break;
          case 'cell-load-done': err(`  ${e.stats.requests} answered (${e.stats.achievedRate.toFixed(1)}/s), ${e.stats.non2xx} non-2xx, ${e.stats.errors} errors, p95 ${fmt(e.stats.latencyP95Ms, 1)} ms\n`); break;
          case 'cell-written': {
            const q = e.record.quality!;
            err(`  written; quality ${q.passed ? 'passed' : `FAILED: ${q.reasons.join('; ')}`}${q.saturated ? ' (saturated)' : ''}\n`);
            break;
          }
          case 'scrapes': {
            const w = e.wait;
            if (w.state === 'start') err(`  waiting up to ${w.seconds} s for Prometheus to scrape ${e.cell.target ? (require('../../data/prometheus/errors') as typeof import('../../data/prometheus/errors')).redact(e.cell.target, []) : e.cell.service} twice (${w.query}); Ctrl-C stops\n`);
            else if (w.state === 'still') err(`  still waiting: ${w.waited} s so far, at most ${w.left} s more; ${w.scrapes} scrape(s) of the target seen\n`);
            else err(`  Prometheus scrapes the target (after ${w.waited} s)\n`);
            break;
          }
          case 'target': err(`  ${(require('../../data/experiments/target-check') as typeof import('../../data/experiments/target-check')).targetWaitText(e.cell, e.wait)}${e.wait.state === 'start' ? '; Ctrl-C stops' : ''}\n`); break;
          case 'skip': break;
        }
      },
    });
    for (const [s, n] of Object.entries(result.document.scaling)) notes.set(s, n);
    const caps = capacityFromPlan(result.document);
    if (format === 'json') {
      out(`${JSON.stringify({ status: result.document.status, json: result.jsonPath, csv: result.csvPath, ran: result.ran, skipped: result.skipped, quality: result.document.quality, capacity: caps }, null, 2)}\n`);
    } else {
      out(`${result.document.status}: ${result.csvPath}\n  ${result.jsonPath}\n  ${result.ran.length} cell(s) run now, ${result.skipped.length} already done\n`);
      out(qualityTable(result.document));
      out(capacityTable(caps));
    }
    if (result.document.status === 'partial' || controller.signal.aborted) return 130;
    if ([...notes.values()].some((n) => n.restoreError !== undefined)) return EXIT_FAILURE;
    // Cells failed the quality gate: the results are written, but a script should notice (exit 4). Every cell failed
    // is exit 4 too (not 0): the files are written as for a partial run, and nothing in them is usable for capacity.
    const failedCells = result.document.cells.filter((c) => c.status === 'done' && c.quality && !c.quality.passed).map((c) => c.id);
    if (failedCells.length) {
      const total = result.document.cells.length;
      if (result.document.quality.passed > 0) err(`mora: partial: ${failedCells.length} of ${total} cell(s) failed the quality gate (left out of capacity): ${failedCells.join(', ')}\n`);
      else {
        err(`mora: failed the quality gate (left out of capacity): ${failedCells.join(', ')}\n`);
        err(`mora: partial: 0 of ${total} cell(s) passed the quality gate: no capacity measured\n`);
      }
      return EXIT_PARTIAL;
    }
    return 0;
  } catch (e) {
    // The plan names Prometheus, not a flag or setting: point there (runPlan's client names both, PROMETHEUS_URL_HINT).
    if (e instanceof PrometheusError) {
      const { PROMETHEUS_URL_HINT } = require('../../data/prometheus/client') as typeof import('../../data/prometheus/client');
      const where = e.message.split(`with ${PROMETHEUS_URL_HINT}`).join('in the plan\'s "prometheus:" field').split(PROMETHEUS_URL_HINT).join('the plan\'s "prometheus:" field');
      throw new UserError(`${where} (run recorded in ${plan.outDir})`, e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'http' ? EXIT_UNREACHABLE : 2);
    }
    if (e instanceof PlanLockedError) throw new UserError(e.message);
    if (e instanceof KubeError) throw new UserError(e.message, e.kind === 'unreachable' ? EXIT_UNREACHABLE : 2);
    // A cell whose target took no connection after scaling, or answered none of its load: exit 3, as the pre-run
    // check's for the same target (README § Exit codes); the record says failed. Other cell errors: a plan to fix, 2.
    if (e instanceof CellFailedError) throw new UserError(e.message, e.kind === 'unreachable' ? EXIT_UNREACHABLE : 2);
    if (e instanceof Error && /^(cell |.*: not valid JSON|.* is not an experiment plan|.* has no cell_id column)/.test(e.message)) throw new UserError(e.message);
    throw e;
  } finally {
    for (const sig of INTERRUPT_SIGNALS) process.removeListener(sig, onSignal);
  }
}
