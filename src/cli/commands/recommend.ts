/**
 * `mora recommend`: CPU / memory requests and limits and replica advice for every workload of a source
 * (the embedded demo now; a live cluster when that source lands), with the evidence behind each value.
 */
import type { Command } from 'commander';
import { checkRiskShare } from '../../core/risk-share';
import { cpuCapToMillicores, DEFAULT_CPU_POLICY, DEFAULT_MEMORY_POLICY, formatCpu, formatMemory, parseInputQuantity, QuantityError } from '../../core/quantity';
import { forTerminal, forTerminalPatch, forTerminalText } from '../format/terminal';
import { PartialResult, UserError, EXIT_UNREACHABLE, EXIT_USAGE } from '../errors';
import { oneTurn, untilWritesListen } from './interrupt-signals';
import { CONNECT_TIMEOUT_FLAG, CONNECT_TIMEOUT_HELP, connectTimeoutOption } from './connect-timeout';
import { PROMETHEUS_TIMEOUT_FLAG, PROMETHEUS_TIMEOUT_HELP, prometheusTimeoutOption } from './prometheus-timeout';
import { collectPrometheusHeader, prometheusQueryOptions, PROMETHEUS_CREDENTIALS_HELP, PROMETHEUS_HEADER_FLAG, PROMETHEUS_HEADER_HELP, PROMETHEUS_MATCHERS_FLAG, PROMETHEUS_MATCHERS_HELP } from './prometheus-options';
import { DEFAULT_RISK, RISK_RANGE, type Policy } from '../../rightsizing/engine/policy';

const percentText = (x: number): string => `${Number((100 * x).toPrecision(3))}%`;

export interface RecommendCliOptions {
  source: string;
  namespace?: string;
  workload?: string;
  format: string;
  qos: string;
  cpuLimits?: boolean;
  cpuMargin: string;
  memoryMargin: string;
  /** Risk targets (shares); undefined: the policy's defaults (5% / 1%). */
  cpuRisk?: string;
  memoryRisk?: string;
  /** workload (default) or fleet: the risk targets as a budget for the mean over the containers in scope. */
  riskScope?: string;
  cpuRiskCap?: string;
  memoryRiskCap?: string;
  historyDays: string;
  strategy: string;
  model: string;
  /** --set model.option=value (repeatable): options of the -m model, checked as mora forecast --set checks them. */
  set?: string[];
  compare?: boolean;
  forecastStep?: string;
  cpuStep: string;
  memoryStep: string;
  cpuMin: string;
  memoryMin: string;
  cpuMax?: string;
  memoryMax?: string;
  report?: string;
  /** -f json|yaml: print {"recommendations": [...], "skipped": [...]} instead of the bare array. */
  withSkipped?: boolean;
  quiet?: boolean;
  prometheus?: string;
  prometheusSelector?: string;
  /** --prometheus-matchers: label matchers added to every Prometheus query (one cluster of several). */
  prometheusMatchers?: string;
  /** --prometheus-header 'Name: value' (repeatable). */
  prometheusHeader?: string[];
  /** --prometheus-timeout (prometheus-timeout.ts), seconds: MOrA's own timeout of each Prometheus request. */
  prometheusTimeout?: string;
  kubeconfig?: string;
  /** --context: one kubeconfig context, or several separated by commas. */
  context?: string;
  /** --all-contexts: with --apply-cluster, write to every context of the kubeconfig (default: the current one). */
  allContexts?: boolean;
  /** --connect-timeout (connect-timeout.ts), seconds. */
  connectTimeout?: string;
  applyTo?: string;
  experiments?: string;
  defaultNamespace?: string;
  replicas?: boolean;
  applyCluster?: boolean;
  /** --no-rollback (false): with --apply-cluster, leave what was patched as it is after a failure or a signal. */
  rollback?: boolean;
  /** --undo <record>: put back what an --apply-cluster recorded. */
  undo?: string;
  dryRun?: boolean;
  yes?: boolean;
  /** In-cluster recommender shard (recommend-in-cluster.ts). */
  inCluster?: boolean;
  shardIndex?: string;
  shards?: string;
  pushgateway?: string;
  /** --create-vpas (recommend-in-cluster.ts). */
  createVpas?: boolean;
  metricsFile?: string;
  /** Set by the command line when --prometheus was not given and its value is $MORA_PROMETHEUS_URL: messages name that. */
  prometheusFromEnv?: boolean;
  /** Set by the command line when --source was not given (its default, demo): a refusal of cluster flags says so. */
  sourceFromDefault?: boolean;
}

const FORMATS = ['table', 'json', 'yaml', 'csv'] as const;
const STRATEGIES = ['mora', 'vpa', 'krr', 'autopilot'] as const;

export function register(program: Command): void {
  program
    .command('recommend')
    .description('Recommend CPU/memory requests and limits and replicas for each workload, with evidence')
    .option('--source <source>', 'where workloads and metrics come from: demo, or cluster (kubeconfig + Prometheus)', 'demo')
    .option('--prometheus <url>', `Prometheus base URL for --source cluster (${PROMETHEUS_CREDENTIALS_HELP}); default $MORA_PROMETHEUS_URL, else found in the cluster and queried through the API server`, process.env.MORA_PROMETHEUS_URL || undefined)
    .option('--prometheus-selector <labels>', 'label selector of the Prometheus Service, tried before the known ones when discovering')
    .option(PROMETHEUS_MATCHERS_FLAG, PROMETHEUS_MATCHERS_HELP)
    .option(PROMETHEUS_HEADER_FLAG, PROMETHEUS_HEADER_HELP, collectPrometheusHeader)
    .option(PROMETHEUS_TIMEOUT_FLAG, PROMETHEUS_TIMEOUT_HELP)
    .option('--kubeconfig <file>', 'kubeconfig for --source cluster (default $KUBECONFIG or ~/.kube/config)')
    .option('--context <names>', 'only this kubeconfig context (several: a,b); with --apply-cluster, the contexts to write to (default: the current context, as kubectl)')
    .option('--all-contexts', 'with --apply-cluster: write to every context of the kubeconfig, not only the current one')
    .option(CONNECT_TIMEOUT_FLAG, CONNECT_TIMEOUT_HELP)
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('-w, --workload <name>', 'only this workload: name (any kind, every namespace), kind/name, namespace/name or namespace/kind/name; with --apply-cluster it must match one workload per context')
    .option('-f, --format <format>', `output: ${FORMATS.join(', ')} (json/yaml: numbers rounded, cores to 6 decimals, bytes whole, shares to 4)`, 'table')
    .option('--qos <class>', 'Guaranteed (requests = limits) or Burstable', 'Burstable')
    .option('--cpu-limits', 'also set CPU limits (always on for Guaranteed)')
    .option('--cpu-margin <fraction>', 'extra CPU margin on top of the learned one, e.g. 0.1 = +10%', '0')
    .option('--memory-margin <fraction>', 'extra memory margin on top of the learned one', '0')
    .option('--cpu-risk <share>', `the CPU risk you accept: share of time usage may exceed the request, ${RISK_RANGE.min}–${RISK_RANGE.max} (default ${DEFAULT_RISK.cpu} = 5% of the time)`)
    .option('--memory-risk <share>', `the memory risk you accept: share of days whose peak may exceed the limit, an OOM day, ${RISK_RANGE.min}–${RISK_RANGE.max} (default ${DEFAULT_RISK.memory} = 1 day in 100)`)
    .option('--risk-scope <scope>', 'workload (default): every container held to the risk targets; fleet: the targets are a budget for the mean over the containers in scope (e.g. a namespace) and each gets its own, the least total waste', 'workload')
    .option('--cpu-risk-cap <share>', 'with --risk-scope fleet: no container\'s CPU target above this (default 4× --cpu-risk, at most 0.3; at least --cpu-risk)')
    .option('--memory-risk-cap <share>', 'with --risk-scope fleet: no container\'s memory target above this (default 4× --memory-risk, at most 0.3; at least --memory-risk)')
    .option('--history-days <days>', 'days of history to use', '14')
    .option('--cpu-step <quantity>', 'round CPU up to a multiple of this', '5m')
    .option('--memory-step <quantity>', 'round memory up to a multiple of this', '1Mi')
    .option('--cpu-min <quantity>', 'CPU floor per container (VPA uses 25m per pod)', formatCpu(DEFAULT_CPU_POLICY.min))
    .option('--memory-min <quantity>', 'memory floor per container (VPA uses 250Mi per pod, KRR 100Mi); a floor above twice the observed peak is named next to the verdict', formatMemory(DEFAULT_MEMORY_POLICY.min))
    .option('--cpu-max <quantity>', 'CPU cap per container')
    .option('--memory-max <quantity>', 'memory cap per container')
    .option('--strategy <name>', `sizing rule: ${STRATEGIES.join(', ')} (the baselines for comparison)`, 'mora')
    .option('-m, --model <name>', 'forecast checked against the moving window: none (default, as in mora demo and the extension: the window rule '
      + 'alone, a few seconds for the demo\'s 11 services), prophet (a few seconds more), fused (Prophet + LSTM; from 5 workloads in a '
      + 'context on, one global LSTM per context, trained once in a worker and cached under ~/.cache/mora: 5–20 s for the demo on 2 cores), '
      + 'lstm (the LSTM of fused alone, without Prophet); '
      + 'a forecast replaces the window only where it beat it on the workload\'s own last day', 'none')
    .option('--set <model.option=value>', 'with -m: an option of that model or, for fused, of its members (prophet., lstm.), as mora forecast --set takes it, '
      + 'e.g. fused.prophet_weight=0.7 or lstm.epochs=4 (repeatable); each key given replaces that default only (lstm: 8 epochs, 256 windows; from 5 workloads in a context the shared global LSTM trains with its own, and a warning names the lstm. keys it does not use); checked before anything is read',
    (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--forecast-step <seconds>', 'step the forecaster works at (history down-sampled; coarser is faster); default 300, 900 for lstm and fused')
    .option('--compare', 'table: MOrA next to VPA- and KRR-style values, with savings and risk')
    .option('--report <file.html>', 'also write an HTML report with charts (dated $SOURCE_DATE_EPOCH when set, else now); the name ends in .html or .htm and its folder must exist')
    .option('--with-skipped', 'with -f json or yaml: print {"recommendations": [the array], "skipped": [{"context", "namespace", "kind", "name", "reason"}]} '
      + '(the contexts, namespaces and workloads left out) instead of the bare array')
    .option('--experiments <dir>', 'load experiments (mora experiment --out <dir>) that measured per-replica capacity for replica advice')
    .option('--apply-to <path>', 'write the recommendations into this manifest file, or every .yaml/.yml under this folder: all the files or none (--dry-run: only their diffs)')
    .option('--default-namespace <ns>', 'namespace assumed for manifests that set none (with --apply-to)', 'default')
    .option('--replicas', 'with --apply-to or --apply-cluster, also set spec.replicas where there is no HPA')
    .option('--apply-cluster', 'with --source cluster: patch the workloads on the cluster, after a server-side dry run whose diff is printed (asks first on a terminal)')
    .option('--dry-run', 'with --apply-cluster: print the diff of the server-side dry run and write nothing; with --apply-to: print the diff of each manifest on stderr (stdout keeps the recommendations) and write nothing; with --in-cluster: compute and print the VPA statuses (and, with --create-vpas, the VPAs) it would write, and write nothing')
    .option('--no-rollback', 'with --apply-cluster: after a failure or Ctrl-C while patching, leave the workloads already patched as they are (default: put them back); the undo record names them for a later --undo')
    .option('--undo <record>', 'put back the previous values an --apply-cluster recorded (the file it names before patching), after the same server-side dry run and diff; only where the workload still shows what that patch left')
    .option('-y, --yes', 'with --apply-cluster or --undo: patch without asking (needed when stdin is not a terminal)')
    .option('-q, --quiet', 'no progress on stderr')
    .option('--in-cluster', 'run as one shard of the in-cluster recommender: write the status of the VerticalPodAutoscalers whose spec.recommenders is exactly [{name: mora}], in this shard\'s namespaces (docs/IN-CLUSTER.md)')
    .option('--shard-index <i>', 'with --in-cluster: this shard (default $JOB_COMPLETION_INDEX, else 0)')
    .option('--shards <n>', 'with --in-cluster: the number of shards (default $MORA_SHARDS, else 1)')
    .option('--pushgateway <url>', 'with --in-cluster: push the run\'s metrics to this Prometheus Pushgateway at the end (default $MORA_PUSHGATEWAY_URL)')
    .option('--metrics-file <path>', 'with --in-cluster: write the run\'s metrics as OpenMetrics text to this file at the end (its folder must exist; - : stderr; stdout is the JSON summary)')
    .option('--write-concurrency <n>', 'with --in-cluster: VPA status writes in flight at once (default $MORA_WRITE_CONCURRENCY, else 16; 1: one after another)')
    .option('--create-vpas', 'with --in-cluster: first create an updateMode "Off" VPA naming mora for each workload without a VPA, in namespaces labelled mora.dev/create-vpa=true (with --dry-run: only print them)')
    .addHelpText('after', '\nA context, namespace or workload that cannot be read (unreachable, RBAC, no usable metrics) is named on stderr '
      + '(`mora: skipped …`; in the output with -f json|yaml --with-skipped) and left out; the others are printed, then the exit code is 4 (partial). '
      + 'A -n/-w/--context that matches nothing is exit 2, naming what matched nothing. --apply-to and --apply-cluster print the recommendations '
      + 'before they write: when a write fails, stdout holds them and the exit code is that failure\'s. '
      + 'Both together: the manifests\' diffs and the cluster\'s dry run first, one prompt (or --yes) for both; a workload the dry run refuses writes neither; '
      + 'then the files, then the patches; a patch that fails rolls the cluster back and leaves the files written, naming them.')
    .action(async (opts: RecommendCliOptions, cmd: Command) => {
      if (opts.prometheus !== undefined && cmd.getOptionValueSource('prometheus') === 'default') opts.prometheusFromEnv = true;
      if (cmd.getOptionValueSource('source') === 'default') opts.sourceFromDefault = true;
      try {
        process.stdout.write(await recommendCommand(opts));
      } catch (e) {
        // --apply-to could not update some files: the recommendations still print, then the failure sets the exit code
        const output = (e as { output?: unknown }).output;
        if (e instanceof UserError && typeof output === 'string') process.stdout.write(output);
        throw e;
      }
    });
}

function qty(name: string, raw: string): number {
  try {
    // --cpu-* in CPU units, --memory-* in memory units: 1Gi for --cpu-min, 256 or 512m for --memory-min are refused (core/quantity.ts).
    return parseInputQuantity(name.startsWith('--cpu') ? 'cpu' : 'memory', raw, name);
  } catch (e) {
    if (e instanceof QuantityError) throw new UserError(e.message);
    throw e;
  }
}

function num(name: string, raw: string, lo: number, hi: number): number {
  const x = Number(raw);
  if (!Number.isFinite(x) || x < lo || x > hi) throw new UserError(`${name} must be a number between ${lo} and ${hi}, got "${raw}"`);
  return x;
}

/**
 * `--cpu-risk` / `--memory-risk`: a share within RISK_RANGE, or the default when not given. A percentage (`5`, `5%`) is
 * refused with the share it probably meant, since 5 would be "exceeded 500% of the time".
 */
export function riskOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const check = checkRiskShare(raw);
  if (check.ok) return check.value;
  throw new UserError(`${name} ${check.problem}, got "${raw}"`);
}

/** `--cpu-max`: whole millicores, rounded down (12500u caps at 12m: the value written is never above the cap). */
function cpuMax(raw: string): number {
  const max = cpuCapToMillicores(qty('--cpu-max', raw));
  if (max < 0.001) throw new UserError(`--cpu-max must be at least 1m (CPU is written in whole millicores), got "${raw}"`);
  return max;
}

/**
 * The flags that name a cluster or its Prometheus, as typed: `--prometheus` only when typed (its default,
 * $MORA_PROMETHEUS_URL, is set for every run of the shell and does not choose the source).
 */
export function clusterFlagsGiven(opts: RecommendCliOptions): string[] {
  const given: Array<[string, boolean]> = [
    ['--prometheus', opts.prometheus !== undefined && !opts.prometheusFromEnv],
    ['--prometheus-selector', opts.prometheusSelector !== undefined],
    ['--prometheus-matchers', opts.prometheusMatchers !== undefined],
    ['--prometheus-header', (opts.prometheusHeader?.length ?? 0) > 0],
    ['--prometheus-timeout', opts.prometheusTimeout !== undefined],
    ['--kubeconfig', opts.kubeconfig !== undefined],
    ['--context', opts.context !== undefined],
    ['--connect-timeout', opts.connectTimeout !== undefined],
  ];
  return given.filter(([, on]) => on).map(([flag]) => flag);
}

/**
 * A cluster flag with the demo source is refused (exit 2), never read as demo numbers: before, `recommend --prometheus <url>`
 * printed the demo shop's table (services named as Online Boutique's) and exit 0, and `--apply-to` could then write those
 * values into real manifests. Not switched to the cluster silently either: the source stays what the user typed or the
 * documented default, and the line names the flag and `--source cluster`. `--undo` reads the kubeconfig whatever the source.
 */
export function checkSourceFlags(opts: RecommendCliOptions): void {
  if (opts.source !== 'demo' || opts.undo !== undefined) return;
  const flags = clusterFlagsGiven(opts);
  if (!flags.length) return;
  const which = flags.length === 1 ? `${flags[0]} is` : `${flags.join(', ')} are`;
  throw new UserError(`${which} for a cluster, but the source is the demo shop (${opts.sourceFromDefault ? 'the default of --source' : '--source demo'}): `
    + `add --source cluster to read the cluster, or leave ${flags.length === 1 ? 'it' : 'them'} out for the demo`);
}

/** The line that says the numbers are the demo's (stderr, and the table's last line): its services are named like real ones. */
export function demoSourceNote(opts: Pick<RecommendCliOptions, 'prometheus' | 'prometheusFromEnv'>): string {
  return 'demo data: the embedded demo shop (namespace "shop"), not a cluster; --source cluster reads yours'
    + `${opts.prometheus !== undefined && opts.prometheusFromEnv ? ' (MORA_PROMETHEUS_URL is set, and read only with --source cluster)' : ''}`;
}

/** The engine's policy from the command's options; every bad value is a UserError (exit 2) naming the option. */
export function recommendPolicy(opts: RecommendCliOptions): Partial<Policy> & Pick<Policy, 'historyDays' | 'cpu' | 'memory'> {
  const qos = opts.qos.toLowerCase() === 'guaranteed' ? 'Guaranteed' : opts.qos.toLowerCase() === 'burstable' ? 'Burstable' : undefined;
  if (!qos) throw new UserError(`--qos must be Guaranteed or Burstable, got "${opts.qos}"`);
  const strategy = opts.strategy.toLowerCase();
  if (!(STRATEGIES as readonly string[]).includes(strategy)) throw new UserError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${opts.strategy}"`);
  const policy = {
    qos: qos as 'Guaranteed' | 'Burstable',
    cpuLimits: Boolean(opts.cpuLimits),
    cpuMargin: num('--cpu-margin', opts.cpuMargin, 0, 10),
    memoryMargin: num('--memory-margin', opts.memoryMargin, 0, 10),
    cpuRisk: riskOption('--cpu-risk', opts.cpuRisk, DEFAULT_RISK.cpu),
    memoryRisk: riskOption('--memory-risk', opts.memoryRisk, DEFAULT_RISK.memory),
    historyDays: num('--history-days', opts.historyDays, 1, 90),
    strategy: strategy as 'mora',
    cpu: { step: qty('--cpu-step', opts.cpuStep ?? '5m'), min: opts.cpuMin === undefined ? DEFAULT_CPU_POLICY.min : qty('--cpu-min', opts.cpuMin), max: opts.cpuMax ? cpuMax(opts.cpuMax) : Infinity },
    memory: { step: qty('--memory-step', opts.memoryStep ?? '1Mi'), min: opts.memoryMin === undefined ? DEFAULT_MEMORY_POLICY.min : qty('--memory-min', opts.memoryMin), max: opts.memoryMax ? qty('--memory-max', opts.memoryMax) : Infinity },
  };
  if (policy.cpu.min > policy.cpu.max || policy.memory.min > policy.memory.max) throw new UserError('a floor (--cpu-min/--memory-min) is above its cap (--cpu-max/--memory-max)');
  return policy;
}

/**
 * `-m` and its `--set model.option=value`: the model (undefined: the window rule, -m none) and its options, parsed and
 * checked by mora forecast's own parser (forecast-options.ts parseModelSets: the same syntax, the same errors, exit 2
 * before anything is read). The prefixes are the chosen model's and, for fused, its members' (prophet., lstm.); -m none
 * takes no --set. The pipeline merges the options over the recommendation defaults (recommendModelOptions). Also
 * `mora recommend --in-cluster` (recommend-in-cluster.ts).
 */
export function recommendModel(opts: Pick<RecommendCliOptions, 'model' | 'set'>): { model?: string; modelOptions?: Record<string, Record<string, string>> } {
  let model: string | undefined = opts.model.toLowerCase();
  if (model === 'none' || model === 'window') model = undefined;
  const sets = opts.set ?? [];
  if (!model && !sets.length) return {};
  const { modelNames } = require('../../ml/forecast') as typeof import('../../ml/forecast');
  if (model && !modelNames().includes(model)) throw new UserError(`unknown model "${opts.model}" for --model; available: ${modelNames().join(', ')}, none`);
  if (!sets.length) return { model };
  if (!model) throw new UserError(`--set "${sets[0]}": -m ${opts.model} (the window rule) has no options; --set goes with -m ${modelNames().join(', ')}`);
  const { parseModelSets } = require('./forecast-options') as typeof import('./forecast-options');
  return { model, modelOptions: parseModelSets(sets, [model], modelNames()) };
}

/**
 * A run that writes (--apply-to, --apply-cluster, --undo; not with --dry-run) listens to Ctrl-C, SIGTERM and SIGHUP
 * from its start until its writes listen themselves (untilWritesListen, interrupt-signals.ts): a signal while it loads,
 * reads the source, computes, reads the manifests, previews the patches or asks ends it with one line, 'mora:
 * interrupted (SIGINT) before anything was written; nothing was changed', exit 130, not killed with nothing said.
 */
export async function recommendCommand(opts: RecommendCliOptions): Promise<string> {
  const writes = !opts.inCluster && !opts.dryRun && (opts.applyTo !== undefined || Boolean(opts.applyCluster) || opts.undo !== undefined);
  const beforeWrites = writes ? untilWritesListen() : undefined;
  try {
    return await recommendRun(opts, beforeWrites?.stop);
  } finally {
    beforeWrites?.stop();
  }
}

// Modules load on use (require, as in demo.ts: tsx's CJS hook resolves directories) so `mora --help` stays instant.
/** `onListening`: called once the writes listen to the signals themselves (see recommendCommand). */
async function recommendRun(opts: RecommendCliOptions, onListening?: () => void): Promise<string> {
  // Each in-cluster shard sees only its namespaces: a fleet budget over them would differ from shard to shard.
  if (opts.inCluster && (opts.riskScope ?? 'workload').toLowerCase() !== 'workload') throw new UserError('--risk-scope fleet is not available with --in-cluster (each shard sees only its own namespaces)');
  connectTimeoutOption(opts.connectTimeout); // a bad value is bad input whatever the source
  if (opts.inCluster && (opts.allContexts || opts.context?.includes(','))) throw new UserError('--in-cluster reads one context: give at most one --context, and no --all-contexts');
  if (opts.inCluster) return (require('./recommend-in-cluster') as typeof import('./recommend-in-cluster')).inClusterCommand(opts);
  if (opts.shardIndex !== undefined || opts.shards !== undefined) throw new UserError('--shard-index and --shards go with --in-cluster');
  if (opts.pushgateway !== undefined || opts.metricsFile !== undefined) throw new UserError('--pushgateway and --metrics-file go with --in-cluster');
  if (opts.createVpas) throw new UserError('--create-vpas goes with --in-cluster');
  /** The namespace -n or -w names (read even where the user may not list namespaces). */
  let askedNamespace = opts.namespace;
  if (opts.workload !== undefined) {
    const { parseWorkloadSelector, WorkloadSelectorError } = require('../../pipeline/workload-selector') as typeof import('../../pipeline/workload-selector');
    try {
      askedNamespace ??= parseWorkloadSelector(opts.workload).namespace;
    } catch (e) {
      throw e instanceof WorkloadSelectorError ? new UserError(e.message) : e;
    }
  }
  const contextList = opts.context === undefined ? undefined : opts.context.split(',').map((c) => c.trim());
  if (contextList?.some((c) => c === '')) throw new UserError(`--context "${opts.context}": an empty context name`);
  // The URL may come from the environment, not a flag the user typed: name the one that set it.
  const prometheusFrom = opts.prometheusFromEnv ? 'MORA_PROMETHEUS_URL (the default of --prometheus)' : '--prometheus';
  const leaveOutPrometheus = opts.prometheusFromEnv ? 'unset MORA_PROMETHEUS_URL' : 'leave out --prometheus';
  if (opts.allContexts && opts.prometheus) throw new UserError(`${prometheusFrom} serves one cluster: not with --all-contexts (${leaveOutPrometheus} to find each context's own)`);
  if (contextList && contextList.length > 1 && opts.prometheus) {
    throw new UserError(`${prometheusFrom} serves one cluster: give one --context with it (or ${leaveOutPrometheus} to find each context's own)`);
  }
  const format = opts.format.toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) throw new UserError(`--format must be one of ${FORMATS.join(', ')}, got "${opts.format}"`);
  const policy = recommendPolicy(opts);
  const scope = (opts.riskScope ?? 'workload').toLowerCase();
  if (scope !== 'workload' && scope !== 'fleet') throw new UserError(`--risk-scope must be workload or fleet, got "${opts.riskScope}"`);
  if (scope === 'workload' && (opts.cpuRiskCap !== undefined || opts.memoryRiskCap !== undefined)) throw new UserError('--cpu-risk-cap and --memory-risk-cap go with --risk-scope fleet');
  const caps = {
    cpu: opts.cpuRiskCap === undefined ? undefined : riskOption('--cpu-risk-cap', opts.cpuRiskCap, DEFAULT_RISK.cpu),
    memory: opts.memoryRiskCap === undefined ? undefined : riskOption('--memory-risk-cap', opts.memoryRiskCap, DEFAULT_RISK.memory),
  };
  // A cap under the budget was raised to it without a word (pipeline/fleet-risk.ts: max(target, cap)): the cap given ignored.
  for (const kind of ['cpu', 'memory'] as const) {
    const cap = caps[kind], budget = (kind === 'cpu' ? policy.cpuRisk : policy.memoryRisk) ?? DEFAULT_RISK[kind];
    const given = kind === 'cpu' ? opts.cpuRisk : opts.memoryRisk;
    if (cap !== undefined && cap < budget) {
      throw new UserError(`--${kind}-risk-cap ${cap} is under the fleet's budget --${kind}-risk ${budget}${given === undefined ? ' (the default)' : ''}: `
        + `the cap bounds each container's share, the budget is their mean, so the cap must be at least the budget; `
        + `to hold every container to ${cap}, give --${kind}-risk ${cap}`);
    }
  }
  const applyCluster = require('./apply-to-cluster') as typeof import('./apply-to-cluster');
  applyCluster.checkApplyClusterFlags(opts, process.stdin.isTTY === true);
  checkSourceFlags(opts);
  // The report's path before any output: its folder must exist and its name end in .html (report-path.ts).
  if (opts.report !== undefined) (require('./report-path') as typeof import('./report-path')).checkReportPath(opts.report);
  if (opts.undo !== undefined) {
    // No recommendation: the record's workloads, each previewed and (after the prompt or --yes) patched back.
    await applyCluster.undoFromRecord({ undo: opts.undo, kubeconfig: opts.kubeconfig, connectTimeoutMs: connectTimeoutOption(opts.connectTimeout), dryRun: opts.dryRun, yes: opts.yes, quiet: opts.quiet },
      { out: (t) => process.stdout.write(t), err: (l) => process.stderr.write(`${l}\n`), confirm: applyCluster.askOnTerminal, onListening });
    return '';
  }
  const { model, modelOptions } = recommendModel(opts);
  // --set lstm.global=<model.json>: the saved model forecasts as it was saved; lstm.* training keys that differ from the
  // defaults are named as unused (one line, even with -q), as --in-cluster names them (in-cluster-global-model.ts).
  if (model && modelOptions?.lstm?.global !== undefined) {
    const { forecastDefaults, givenGlobalLstmWarning } = require('../../pipeline/recommend') as typeof import('../../pipeline/recommend');
    const unused = givenGlobalLstmWarning(modelOptions.lstm, forecastDefaults(model).modelOptions?.lstm);
    if (unused) process.stderr.write(`mora: ${forTerminal(unused)}\n`);
  }

  let source: import('../../data/datasource').DataSource;
  let cluster: import('../../data/cluster').ClusterDataSource | undefined;
  if (opts.source === 'demo') {
    const { DemoDataSource } = require('../../data/demo') as typeof import('../../data/demo');
    source = new DemoDataSource();
  } else if (opts.source === 'cluster') {
    const { ClusterDataSource } = require('../../data/cluster') as typeof import('../../data/cluster');
    const { prometheusMatchers, prometheusHeaders } = prometheusQueryOptions(opts);
    const { timeoutMs: prometheusTimeoutMs, timeoutHint: prometheusTimeoutHint } = prometheusTimeoutOption(opts.prometheusTimeout);
    cluster = new ClusterDataSource({ prometheusUrl: opts.prometheus, prometheusSelector: opts.prometheusSelector, prometheusMatchers, prometheusHeaders, prometheusTimeoutMs, prometheusTimeoutHint, kubeconfig: opts.kubeconfig, connectTimeoutMs: connectTimeoutOption(opts.connectTimeout), historyDays: policy.historyDays, reportUncoveredPods: !opts.workload, namespace: askedNamespace,
      // A read Prometheus gave up on (its --query.timeout), read again in parts: said once per Prometheus, even with -q.
      onPrometheusNote: (note) => process.stderr.write(`mora: ${forTerminal(note)}\n`) });
    // No kubeconfig, or one that cannot be read: that one line, before Prometheus is tried.
    try {
      cluster.kube();
    } catch (e) {
      const kind = (e as { kind?: string }).kind;
      if (kind === 'no-kubeconfig' || kind === 'config') throw new UserError((e as Error).message);
      throw e;
    }
    source = contextList ? onlyContexts(cluster, contextList) : cluster;
    // One --prometheus URL holds one cluster's usage: read against it, every other kubeconfig context's workloads would
    // get this cluster's numbers (same namespace and name) or none. Without --context: the current context only.
    const kube = cluster.kube();
    const current = kube.currentContext();
    const others = kube.contexts().filter((c) => c !== current);
    const writeScope = opts.applyCluster ? applyCluster.applyClusterContexts({ context: contextList, allContexts: opts.allContexts }, current, kube.contexts()) : {};
    if (writeScope.contexts) {
      // A write goes where kubectl's would: the current context, unless the user names others (--context a,b) or all.
      source = onlyContexts(cluster, writeScope.contexts);
      if (writeScope.note) process.stderr.write(`mora: ${forTerminal(writeScope.note)}\n`);
    } else if (!contextList && opts.prometheus && current && others.length) {
      source = onlyContexts(cluster, [current]);
      process.stderr.write(`mora: ${forTerminal(`${prometheusFrom} serves one cluster: reading the current context "${current}" only, not ${others.map((c) => `"${c}"`).join(', ')} — --context <name> for another, or ${leaveOutPrometheus} to find each context's own`)}\n`);
    }
  } else {
    throw new UserError(`--source must be demo or cluster, got "${opts.source}"`);
  }
  // A run that writes lets a signal in before each workload is computed (the demo's reads never leave a turn otherwise).
  if (onListening) source = lettingSignalsIn(source);
  const health = await source.health();
  // Same codes as `mora health` for the same fault: unreachable 3; a missing/unreadable kubeconfig or missing data 2.
  if (!health.ok) throw new UserError(health.message, health.problem === 'unreachable' ? EXIT_UNREACHABLE : EXIT_USAGE);
  // cAdvisor's usage stopped minutes ago (the rule of mora health, the editor's tooltip): said once, even with -q; the
  // history up to then is still read.
  for (const s of health.stale ?? []) process.stderr.write(`mora: warning: ${forTerminal(s)}\n`);
  // Which Prometheus answers, when MOrA found it itself (stderr: the output stays the recommendations only).
  for (const [context, found] of cluster?.discovered ?? []) process.stderr.write(`Prometheus for context "${context}": ${found.description}\n`);

  // The baselines (--strategy vpa, krr, autopilot) have no risk target to allot.
  if (scope === 'fleet' && (policy.strategy ?? 'mora') === 'mora') {
    // The fleet's usage is read first (once more than the run reads it), then each container recommended at its allotment.
    const { fleetRiskAllotment } = require('../../pipeline/fleet-risk') as typeof import('../../pipeline/fleet-risk');
    const fleet = await fleetRiskAllotment(source, { namespace: opts.namespace, workload: opts.workload }, policy, caps);
    policy.riskAllotment = fleet.allotment;
    if (!opts.quiet) {
      for (const f of fleet.summary) {
        process.stderr.write(`fleet risk budget, ${f.kind}: mean ${percentText(f.target)} over ${f.members} containers, each ${percentText(f.min)}–${percentText(f.max)} (cap ${percentText(f.cap)})\n`);
      }
    }
  }
  const { recommendFromSource } = require('./recommend-run') as typeof import('./recommend-run');
  // A terminal gets one updating line; a log (CI, pipes) gets a line per workload, but only for long work (with a forecaster).
  const tty = process.stderr.isTTY === true;
  const progress = !opts.quiet && (tty || model !== undefined);
  const skipped: string[] = [];
  /** What was left out, for -f json|yaml --with-skipped (and exit 4): each context, namespace or workload with why. */
  const leftOut: SkippedInput[] = [];
  const experiments = opts.experiments ? (require('../../data/experiments/store') as typeof import('../../data/experiments/store')).loadExperiments(opts.experiments) : undefined;
  if (opts.experiments && experiments?.length === 0) {
    throw new UserError(`--experiments ${opts.experiments}: no experiments found there (no mora experiment JSON with its CSV; failed runs are skipped) — run mora experiment --out ${opts.experiments}`);
  }
  const runs = await recommendFromSource(source, {
    experiments,
    onSkip: (w, reason) => {
      skipped.push(`${w.kind}/${w.name}: ${reason}`);
      leftOut.push({ context: w.context, namespace: w.namespace, kind: w.kind, name: w.name, reason });
      process.stderr.write(`mora: skipped ${forTerminal(`${w.kind} ${w.namespace}/${w.name}: ${reason}`)}\n`);
    },
    onSkipContext: (context, reason) => {
      skipped.push(`context ${context}: ${reason}`);
      leftOut.push({ context, namespace: null, kind: 'Context', name: context, reason });
      process.stderr.write(`mora: skipped context ${forTerminal(`"${context}": ${reason}`)}\n`);
    },
    // Prometheus' warnings (a Thanos/Mimir partial response): the numbers may rest on incomplete data. Once each.
    onSourceWarning: (message) => process.stderr.write(`mora: warning: Prometheus: ${forTerminal(message)}\n`),
    onSkipNamespace: (context, ns, reason) => {
      skipped.push(`namespace ${ns}: ${reason}`);
      leftOut.push({ context, namespace: ns, kind: 'Namespace', name: ns, reason });
      process.stderr.write(`mora: skipped namespace ${forTerminal(`"${ns}": ${reason}`)}\n`);
    },
    // A write names one workload per context with -w: a name that matches several is refused before any metric is read.
    onTargets: opts.applyCluster && opts.workload !== undefined ? (ws) => applyCluster.checkOneWorkloadPerContext(opts.workload!, ws) : undefined,
    namespace: opts.namespace, workload: opts.workload, policy, model, modelOptions, forecastStep: opts.forecastStep === undefined ? undefined : num('--forecast-step', opts.forecastStep, 60, 86400),
    onProgress: progress ? (d, n, name) => process.stderr.write(tty ? `\rrecommend: ${d}/${n} ${forTerminal(name).padEnd(30)}${d === n ? '\n' : ''}` : `recommend: ${d}/${n} ${forTerminal(name)}\n`) : undefined,
    // -m fused at fleet scale: the context's global LSTM (cached, trained or refreshed), and any warning about it.
    onGlobalModel: (require('../../pipeline/global-lstm') as typeof import('../../pipeline/global-lstm')).globalEventPrinter((x) => process.stderr.write(x), { tty, quiet: !progress, safe: forTerminal }),
  });
  // Kinds RBAC hides and pods of owners MOrA does not size: named, never silently absent (stderr, even with -q).
  for (const w of cluster?.listingWarnings ?? []) process.stderr.write(`mora: warning: ${forTerminal(w)}\n`);
  // A container shown without a CPU or memory value says why (stderr; JSON/YAML carry it as containers[].unsized).
  for (const { recommendation: r } of runs) {
    for (const c of r.containers) {
      for (const u of c.unsized ?? []) process.stderr.write(`mora: no ${u.resource === 'cpu' ? 'CPU' : 'memory'} value for ${forTerminal(`${r.workload.kind} ${r.workload.namespace}/${r.workload.name} container ${c.container}: ${u.reason}`)}\n`);
    }
  }
  if (runs.length === 0 && skipped.length > 0) throw new UserError(`no workload had usable metrics (first: ${skipped[0]})`);
  if (runs.length === 0) {
    // Most likely a typo: say which name matched nothing (exit 2, nothing on stdout).
    // -n/-w that matched nothing, named (no-match.ts: a kind in -w, `Deployment/frontnd`, is a kind, not a namespace).
    throw new UserError(await (require('./no-match') as typeof import('./no-match')).noMatchText(source, opts));
  }
  if (opts.withSkipped && format !== 'json' && format !== 'yaml') throw new UserError(`--with-skipped goes with -f json or yaml, not ${format}`);
  let applyFailure: import('./apply-to-manifests').ApplyToFailure | undefined;
  let manifestDiffs = '';
  /** --apply-to with --apply-cluster: the manifests, written by the cluster's step after its preview and prompt. */
  let alongside: import('./apply-to-cluster').ManifestsAlongside | undefined;
  if (opts.applyTo && opts.applyCluster && cluster && !opts.dryRun) {
    // Both previewed before either is written: the manifests' diffs now (stderr), the cluster's dry run next; one prompt
    // (or --yes) for both; then the files, all or none, then the patches (apply-to-cluster.ts, ApplyToClusterOptions.manifests).
    const { planApplyTo, reportApplyTo } = require('./apply-to-manifests') as typeof import('./apply-to-manifests');
    const planned = await planApplyTo(opts.applyTo, runs.map((x) => x.recommendation), opts.defaultNamespace ?? 'default', Boolean(opts.replicas));
    // Failures (and a path that matched nothing) named now; the files written are named once they are.
    applyFailure = reportApplyTo(planned.preview, planned.files.length ? true : Boolean(opts.quiet));
    if (!applyFailure && planned.files.length) {
      process.stderr.write(forTerminalPatch(planned.preview.map((r) => r.diff ?? '').join(''))); // the bytes to write: a patch
      const quiet = Boolean(opts.quiet);
      alongside = {
        files: planned.files,
        write: async () => {
          const failure = reportApplyTo(await planned.write(), quiet);
          if (failure) throw failure;
        },
      };
    }
  } else if (opts.applyTo) {
    const { applyToManifestsInterruptible, dryRunSummary, reportApplyTo } = require('./apply-to-manifests') as typeof import('./apply-to-manifests');
    // Ctrl-C, SIGTERM or SIGHUP while the files are written puts back those written (exit 130, nothing changed).
    const results = await applyToManifestsInterruptible(opts.applyTo, runs.map((x) => x.recommendation), opts.defaultNamespace ?? 'default', Boolean(opts.replicas), { dryRun: Boolean(opts.dryRun), onListening });
    // --dry-run: each file's diff on stderr, whatever the format: stdout carries the recommendations, so a diff there
    // would be mixed with them (`manifests apply --diff` prints its diff on stdout, where it is the only thing).
    manifestDiffs = results.map((r) => r.diff ?? '').join('');
    applyFailure = reportApplyTo(results, Boolean(opts.quiet)); // failures named on stderr even with -q
    if (opts.dryRun && !opts.quiet) process.stderr.write(dryRunSummary(results, applyFailure));
    if (manifestDiffs) process.stderr.write(forTerminalPatch(manifestDiffs)); // tabs and CRLF verbatim: `2> changes.patch` applies
  }
  if (opts.report) {
    (require('./report-path') as typeof import('./report-path')).writeReport(opts.report, runs, `MOrA recommendations — ${opts.source}`);
    if (!opts.quiet) process.stderr.write(`wrote ${forTerminal(opts.report)}\n`);
  }
  // Said once the results exist: an input error before them stays the one line README promises.
  if (opts.source === 'demo' && !opts.quiet) process.stderr.write(`mora: ${demoSourceNote(opts)}\n`);
  const f = require('../format/recommendations') as typeof import('../format/recommendations');
  const { fitLines, terminalWidth } = require('../format/table') as typeof import('../format/table');
  const width = terminalWidth(); // the terminal's, else $COLUMNS, else unlimited
  const output = format === 'json' ? (opts.withSkipped ? f.recommendationsWithSkippedJson(runs, leftOut) : f.recommendationsJson(runs))
    : format === 'yaml' ? (opts.withSkipped ? f.recommendationsWithSkippedYaml(runs, leftOut) : f.recommendationsYaml(runs))
      : format === 'csv' ? f.recommendationsCsv(runs)
        // The tables fit the width (their footnotes too); the savings lines and the demo note below them are wrapped to it.
        : forTerminalText(opts.compare ? f.comparisonTable(runs, width) + fitLines(f.savingsSummary(runs), width) : f.recommendationsTable(runs, width)) // names never drive the terminal
          + (opts.source === 'demo' ? fitLines(`${demoSourceNote(opts)}\n`, width) : '');
  if (applyFailure) {
    applyFailure.output = output;
    throw applyFailure;
  }
  if (opts.applyCluster && cluster) {
    // The recommendations first, then each workload's dry-run diff, then (after the prompt or --yes) the patches.
    // JSON, YAML and CSV stay parseable on stdout: the diffs then go to stderr.
    process.stdout.write(output);
    const diffs = format === 'table' ? process.stdout : process.stderr;
    await applyCluster.applyToCluster(cluster.kube(), runs.map((x) => x.recommendation),
      { dryRun: Boolean(opts.dryRun), yes: Boolean(opts.yes), replicas: Boolean(opts.replicas), quiet: Boolean(opts.quiet), rollback: opts.rollback !== false, manifests: alongside,
        undoCommand: (f) => `mora recommend --undo ${applyCluster.shellWord(f)}${opts.kubeconfig ? ` --kubeconfig ${applyCluster.shellWord(opts.kubeconfig)}` : ''}` },
      { out: (t) => diffs.write(t), err: (l) => process.stderr.write(`${l}\n`), confirm: applyCluster.askOnTerminal, onListening });
    if (leftOut.length) throw partial(leftOut);
    return '';
  }
  if (leftOut.length) {
    // Results printed for what could be read; exit 4 so a script can tell that some context, namespace or workload was left out.
    const failure = partial(leftOut);
    failure.output = output;
    throw failure;
  }
  return output;
}

/** One context, namespace or workload left out of a run, as -f json|yaml --with-skipped prints it. */
export interface SkippedInput {
  context: string;
  namespace: string | null;
  kind: string;
  name: string;
  reason: string;
}

function partial(leftOut: readonly SkippedInput[]): PartialResult {
  const count = (kind: string, one: string, many: string) => {
    const n = leftOut.filter((s) => (kind === 'workload' ? s.kind !== 'Context' && s.kind !== 'Namespace' : s.kind === kind)).length;
    return n ? `${n} ${n === 1 ? one : many}` : '';
  };
  const parts = [count('Context', 'context', 'contexts'), count('Namespace', 'namespace', 'namespaces'), count('workload', 'workload', 'workloads')].filter(Boolean);
  return new PartialResult(`partial: ${parts.join(', ')} skipped (named above); the others were recommended`);
}

/**
 * `source` with one turn of the event loop before each workload's history range is read (once per workload the
 * pipeline computes), so a signal's listener runs between two workloads even when the reads never wait (the demo's,
 * a cached source): the pipeline computes each workload in one go, its awaits settled without a turn.
 */
function lettingSignalsIn(source: import('../../data/datasource').DataSource): import('../../data/datasource').DataSource {
  return Object.assign(Object.create(source) as typeof source, {
    historyRange: async (target: Parameters<typeof source.historyRange>[0]) => {
      await oneTurn();
      return source.historyRange(target);
    },
  });
}

/**
 * A source restricted to some kubeconfig contexts (in the order given); a name the kubeconfig lacks is refused, with its
 * contexts, on the first contexts() call. Also `mora recommend --in-cluster --context` (recommend-in-cluster.ts).
 */
export function onlyContexts(source: import('../../data/datasource').DataSource, contexts: readonly string[]): import('../../data/datasource').DataSource {
  return Object.assign(Object.create(source) as typeof source, {
    contexts: async () => {
      const all = await source.contexts();
      const missing = contexts.filter((c) => !all.includes(c));
      if (missing.length) throw new UserError(`no kubeconfig context ${missing.map((c) => `"${c}"`).join(', ')}; contexts: ${all.join(', ') || 'none'}`);
      return [...new Set(contexts)];
    },
  });
}
